"""The permission matrix of the organisation pages: every URL x every kind of visitor."""

import pytest
from django.urls import reverse

from registry.providers.models import Invitation, Membership
from tests import factories as f

ROLES = ["anonymous", "viewer", "editor", "owner", "other_owner", "reviewer"]
LOGIN = "login"

# url name -> (GET answers per role in ROLES order)
MATRIX = {
    "provider": [LOGIN, 200, 200, 200, 404, 404],
    "provider-edit": [LOGIN, 403, 200, 200, 404, 404],
    "ownership": [LOGIN, 200, 200, 200, 404, 404],
    "history": [LOGIN, 403, 403, 200, 404, 404],
    "members": [LOGIN, 200, 200, 200, 404, 404],
    "service-new": [LOGIN, 403, 200, 200, 404, 404],
    "service": [LOGIN, 200, 200, 200, 404, 404],
}

# POST-only URLs: the answer when the wrong person posts, per role.
POSTS = {
    "member-role": [LOGIN, 403, 403, 302, 404, 404],
    "member-remove": [LOGIN, 403, 403, 302, 404, 404],
    "invitation-revoke": [LOGIN, 403, 403, 302, 404, 404],
    "require-mfa": [LOGIN, 403, 403, 302, 404, 404],
}


def url_for(name, provider, service, target_membership=None, invitation=None):
    if name == "service":
        return reverse("portal:service", args=[provider.slug, service.slug])
    if name in ("member-role", "member-remove"):
        return reverse(f"portal:{name}", args=[provider.slug, target_membership.pk])
    if name == "invitation-revoke":
        return reverse("portal:invitation-revoke", args=[provider.slug, invitation.pk])
    return reverse(f"portal:{name}", args=[provider.slug])


@pytest.mark.parametrize("name", MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_get_permission_matrix(client, portal_people, provider, service, scheme, name, role):
    if portal_people[role]:
        f.login_with_mfa(client, portal_people[role])
    response = client.get(url_for(name, provider, service))
    expected = MATRIX[name][ROLES.index(role)]
    if expected == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("name", POSTS)
@pytest.mark.parametrize("role", ROLES)
def test_post_permission_matrix(client, portal_people, provider, service, owner, name, role):
    target = Membership.objects.create(
        user=__import__("tests.factories", fromlist=["user"]).user(), provider=provider, role="viewer"
    )
    invitation = Invitation.objects.create(provider=provider, email="invited@x.test", role="viewer", invited_by=owner)
    if portal_people[role]:
        f.login_with_mfa(client, portal_people[role])
    response = client.post(url_for(name, provider, service, target, invitation), {"role": "editor"})
    expected = POSTS[name][ROLES.index(role)]
    if expected == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected
    if expected != 302:
        target.refresh_from_db()
        assert target.role == "viewer"
        assert Invitation.objects.filter(pk=invitation.pk).exists()


def test_another_providers_service_is_not_found_even_under_ones_own_organisation(
    client, provider, owner, other_provider
):
    from tests import factories as f

    theirs = f.service(other_provider)
    client.force_login(owner)
    assert client.get(reverse("portal:service", args=[provider.slug, theirs.slug])).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_the_portal_entry_pages_need_a_sign_in_and_nothing_more(client, portal_people, role):
    if portal_people[role]:
        f.login_with_mfa(client, portal_people[role])
    for name in ("portal:home", "portal:provider-new"):
        response = client.get(reverse(name))
        if role == "anonymous":
            assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
        else:
            # Home sends a member of a single organisation straight to it.
            assert response.status_code in (200, 302)


def test_an_invitation_link_needs_a_sign_in(client, provider, owner):
    invitation = Invitation.objects.create(provider=provider, email="x@y.test", role="viewer", invited_by=owner)
    response = client.get(reverse("portal:invitation-accept", args=[invitation.token]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    client.force_login(owner)
    assert client.get(reverse("portal:invitation-accept", args=["not-a-token"])).status_code == 404


def test_organisation_pages_run_a_bounded_number_of_queries(
    client, provider, owner, scheme, django_assert_max_num_queries
):
    from tests import factories as f

    for i in range(12):
        service = f.service(provider, name=f"Service {i}")
        f.eu_sites(service)
        f.dossier(service, scheme, status="submitted")
        f.shareholder(provider, name=f"Holder {i}", capital_percent=1, voting_percent=1)
        f.member(provider, "viewer")
    client.force_login(owner)
    # Each page: session, user, membership + provider, then a fixed number per list, whatever the number of rows.
    for name, bound in (("provider", 12), ("ownership", 12), ("members", 12), ("history", 16)):
        with django_assert_max_num_queries(bound):
            response = client.get(reverse(f"portal:{name}", args=[provider.slug]))
        assert response.status_code == 200, name
