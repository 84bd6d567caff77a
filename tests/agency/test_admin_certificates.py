"""Suspending, reinstating and withdrawing certificates in the agency's workspace, and their public history."""

import pytest
from django.urls import reverse

from registry.certificates.models import Certificate, CertificateEvent
from registry.qualification.services import dossiers as svc
from tests import factories as f


@pytest.fixture
def certificate(complete_draft, editor, reviewer, decision_maker, center):
    d = svc.dossier_submit(dossier=complete_draft, by=editor)
    svc.dossier_take(dossier=d, by=reviewer)
    svc.dossier_admit(dossier=d, by=reviewer)
    f.contracted(d, provider_user=editor, reviewer=reviewer, center=center)
    f.evaluated(d, reviewer=reviewer)
    svc.dossier_report(dossier=d, by=reviewer, recommendation="qualify")
    return svc.dossier_qualify(dossier=d, by=decision_maker, scope="Compute", conditions="Yearly audit.")


def move_url(certificate, action):
    return reverse("admin:registry_certificate_move", args=[certificate.pk, action])


def test_the_committee_suspends_and_reinstates_a_certificate_with_public_reasons(client, certificate, decision_maker):
    f.login_with_mfa(client, decision_maker)
    assert (
        client.post(
            move_url(certificate, "suspend"), f.suspension_form("Major incident under investigation.")
        ).status_code
        == 302
    )
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.SUSPENDED
    assert client.post(move_url(certificate, "reinstate"), {"reason": "Corrective plan verified."}).status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ACTIVE
    history = list(CertificateEvent.objects.filter(certificate=certificate).values_list("status", "reason"))
    assert history == [
        ("active", "Qualification granted."),
        ("suspended", "Major incident under investigation."),
        ("active", "Corrective plan verified."),
    ]
    page = client.get(reverse("admin:registry_certificate_change", args=[certificate.pk]))
    assert "Major incident under investigation." in page.text


def test_an_administrator_withdraws_a_certificate(client, certificate, administrator):
    f.login_with_mfa(client, administrator)
    assert (
        client.post(move_url(certificate, "withdraw"), {"reason": "Provider sold to a non-EU group."}).status_code
        == 302
    )
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.WITHDRAWN


def test_a_change_without_reason_is_refused_with_a_message_and_nothing_changes(client, certificate, decision_maker):
    f.login_with_mfa(client, decision_maker)
    response = client.post(move_url(certificate, "suspend"), f.suspension_form("  ", reason_fr=" "))
    assert response.status_code == 200
    assert "Write it in English, in French or in both." in response.text
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ACTIVE
    assert CertificateEvent.objects.filter(certificate=certificate).count() == 1


def test_a_reviewer_cannot_suspend_a_certificate(client, certificate, reviewer):
    f.login_with_mfa(client, reviewer)
    page = client.get(reverse("admin:registry_certificate_change", args=[certificate.pk]))
    assert page.status_code == 200
    assert move_url(certificate, "suspend") not in page.text
    assert client.post(move_url(certificate, "suspend"), f.suspension_form("No")).status_code == 403
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ACTIVE


def test_reinstating_an_active_certificate_is_refused_in_words(client, certificate, decision_maker):
    f.login_with_mfa(client, decision_maker)
    response = client.get(move_url(certificate, "reinstate"), follow=True)
    assert "not possible while the certificate is active" in response.text


def test_a_provider_owner_cannot_reach_certificate_moves(client, certificate, owner):
    client.force_login(owner)
    response = client.post(move_url(certificate, "withdraw"), {"reason": "I want out"})
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ACTIVE


def test_the_certificate_list_runs_a_fixed_number_of_queries(
    client, certificate, decision_maker, django_assert_max_num_queries
):
    f.login_with_mfa(client, decision_maker)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:registry_certificate_changelist"))
    assert certificate.number in response.text
