"""Where a sign-in lands without a `next`: the agency's people on their workspace, the providers' on the portal."""

import pytest
from django.urls import reverse

from tests import factories as f
from tests.accounts.test_security_auth import sign_in, totp_code, verified


def test_a_reviewer_lands_on_the_workspace_home_after_the_second_factor(client, db):
    reviewer = verified(f.user(email="rita@agency.test", groups=["Reviewers"]))
    f.totp_authenticator(reviewer)
    assert sign_in(client, reviewer)["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response["Location"] == reverse("admin:index")
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("role", ["owner", "editor"])
def test_a_provider_member_lands_on_the_portal(client, db, role):
    member = verified(f.member(f.provider(), role=role, email=f"{role}@cloud.test"))
    response = sign_in(client, member)
    assert response["Location"] == reverse("portal:home")


def test_a_next_address_is_kept_for_the_agency_too(client, db):
    reviewer = verified(f.user(email="rita@agency.test", groups=["Reviewers"]))
    f.totp_authenticator(reviewer)
    target = reverse("admin:registry_certificate_changelist")
    client.post(reverse("account_login") + f"?next={target}", {"login": reviewer.email, "password": f.PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response["Location"] == target
