"""The permission matrix of the agency's workspace: every page x every role, with the status each must get."""

import pytest
from django.urls import reverse

from registry.qualification.services import dossiers as svc
from tests import factories as f

ROLES = ["anonymous", "owner", "staff_without_group", "reviewer", "decision_maker", "administrator"]

LOGIN = "login"  # a redirect to the admin's login page

# page -> expected answer per role, in ROLES order. "302" is a redirect back to the dossier with the refusal's reason.
MATRIX = {
    "dossier_list": [LOGIN, LOGIN, 403, 200, 200, 200],
    "dossier_page": [LOGIN, LOGIN, 403, 200, 200, 200],
    "take_confirmation": [LOGIN, LOGIN, 403, 200, 302, 302],
    "document_download": [LOGIN, LOGIN, 403, 200, 200, 200],
    "certificate_list": [LOGIN, LOGIN, 403, 200, 200, 200],
    "evaluation_centre_add": [LOGIN, LOGIN, 403, 403, 403, 200],
    "provider_add": [LOGIN, LOGIN, 403, 403, 403, 200],
    "scheme_change": [
        LOGIN,
        LOGIN,
        403,
        200,
        200,
        200,
    ],  # reviewers and committee read it; only administrators may save
    "user_list": [LOGIN, LOGIN, 403, 403, 403, 403],
}


@pytest.fixture
def people(owner, reviewer, decision_maker, administrator):
    return {
        "anonymous": None,
        "owner": owner,
        "staff_without_group": f.user(staff=True),
        "reviewer": reviewer,
        "decision_maker": decision_maker,
        "administrator": administrator,
    }


@pytest.fixture
def urls(complete_draft, editor, scheme):
    d = svc.dossier_submit(dossier=complete_draft, by=editor)
    return {
        "dossier_list": reverse("admin:registry_dossier_changelist"),
        "dossier_page": reverse("admin:registry_dossier_change", args=[d.pk]),
        "take_confirmation": reverse("admin:registry_dossier_move", args=[d.pk, "take"]),
        "document_download": reverse("admin:registry_document_download", args=[d.documents.first().pk]),
        "certificate_list": reverse("admin:registry_certificate_changelist"),
        "evaluation_centre_add": reverse("admin:registry_evaluationcenter_add"),
        "provider_add": reverse("admin:registry_provider_add"),
        "scheme_change": reverse("admin:registry_scheme_change", args=[scheme.pk]),
        "user_list": reverse("admin:auth_user_changelist"),
    }


@pytest.mark.parametrize("page", MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, people, urls, page, role):
    expected = MATRIX[page][ROLES.index(role)]
    if people[role] is not None:
        f.login_with_mfa(client, people[role])
    response = client.get(urls[page])
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    else:
        assert response.status_code == expected


def test_only_administrators_can_save_a_scheme(client, scheme, reviewer, administrator):
    url = reverse("admin:registry_scheme_change", args=[scheme.pk])
    data = {
        "code": scheme.code,
        "name": scheme.name,
        "version": scheme.version,
        "certificate_prefix": "SNC",
        "validity_months": 24,
        "surveillance_interval_months": 12,
        "surveillance_grace_days": 30,
        "individual_cap_percent": "24",
        "collective_cap_percent": "39",
        "declaration_threshold_percent": "5",
        "required_document_kinds": '["security_policy"]',
        "active": "on",
    }
    f.login_with_mfa(client, reviewer)
    assert client.post(url, data).status_code == 403
    scheme.refresh_from_db()
    assert scheme.validity_months == 36
    f.login_with_mfa(client, administrator)
    assert client.post(url, data).status_code == 302
    scheme.refresh_from_db()
    assert scheme.validity_months == 24


def test_a_cap_above_100_percent_is_refused_next_to_its_field(client, scheme, administrator):
    f.login_with_mfa(client, administrator)
    response = client.post(
        reverse("admin:registry_scheme_change", args=[scheme.pk]),
        {
            "code": scheme.code,
            "name": scheme.name,
            "version": scheme.version,
            "certificate_prefix": "SNC",
            "validity_months": 36,
            "individual_cap_percent": "150",
            "collective_cap_percent": "39",
            "declaration_threshold_percent": "5",
            "required_document_kinds": "[]",
        },
    )
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 100." in response.text
    scheme.refresh_from_db()
    assert scheme.individual_cap_percent == 24
