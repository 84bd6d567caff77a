"""Incidents in the agency's workspace: the list (open first, its filters), the page (timeline, documents, read-only)
and the suspension proposed from an incident; then the proposal on the certificate's page, suspended or dismissed by
the committee or an administrator, never by a reviewer; and the queries of the list."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry.accounts.models import AuditEvent
from registry.certificates.choices import CertificateStatus
from registry.certificates.incidents import incident_report
from registry.certificates.models import Certificate
from registry.certificates.services import certificate_propose_suspension
from tests import factories as f

pytestmark = pytest.mark.django_db

LIST = "admin:registry_incident_changelist"


def ago(**kw):
    return timezone.now() - datetime.timedelta(**kw)


@pytest.fixture
def certificate(service):
    return f.certificate(service)


@pytest.fixture
def incident(certificate, owner):
    return f.incident(certificate, owner, title="Console accessed from abroad", sovereignty_affected=True)


def propose_url(incident):
    return reverse("admin:registry_incident_propose_suspension", args=[incident.pk])


def dismiss_url(certificate):
    return reverse("admin:registry_certificate_dismiss_proposal", args=[certificate.pk])


def certificate_page(client, certificate):
    return client.get(reverse("admin:registry_certificate_change", args=[certificate.pk]))


def test_the_list_shows_open_incidents_first_and_filters_them(client, reviewer, certificate, owner):
    closed = f.incident(certificate, owner, title="Closed data leak", customer_data_affected=True)
    incident_report(incident=closed, by=owner, stage="final", body="Done.", ended_at=ago(minutes=1))
    f.incident(certificate, owner, title="Open sovereignty case", sovereignty_affected=True)
    f.incident(certificate, owner, title="Open outage")
    f.login_with_mfa(client, reviewer)
    page = client.get(reverse(LIST)).text
    assert page.index("Open outage") < page.index("Open sovereignty case") < page.index("Closed data leak")

    def titles(query):
        return sorted(i.title for i in client.get(reverse(LIST) + query).context["cl"].result_list)

    assert titles("?open=yes") == ["Open outage", "Open sovereignty case"]
    assert titles("?open=no") == ["Closed data leak"]
    assert titles("?stage__exact=final") == ["Closed data leak"]
    assert titles("?customer_data_affected__exact=1") == ["Closed data leak"]
    assert titles("?sovereignty_affected__exact=1") == ["Open sovereignty case"]
    assert titles("?q=outage") == ["Open outage"]


def test_the_page_shows_the_timeline_and_documents_and_changes_nothing(client, reviewer, incident, owner):
    incident_report(
        incident=incident,
        by=owner,
        stage="ongoing",
        body="A foreign administrator's account was used.",
        documents=[("Access log extract", f.pdf())],
    )
    f.login_with_mfa(client, reviewer)
    url = reverse("admin:registry_incident_change", args=[incident.pk])
    page = client.get(url).text
    assert page.index("Alerts from the SOC") < page.index("A foreign administrator&#x27;s account was used.")
    document = incident.documents.get()
    assert "Access log extract" in page
    f.checked(document)
    page = client.get(url).text
    assert reverse("admin:registry_document_download", args=[document.pk]) in page
    assert 'name="_save"' not in page  # the provider's to write: the workspace reads
    assert client.post(url, {"title": "Rewritten"}).status_code == 403
    incident.refresh_from_db()
    assert incident.title == "Console accessed from abroad"


def test_a_reviewer_proposes_a_suspension_from_an_incident_internally(
    client, reviewer, incident, certificate, owner, editor
):
    mail.outbox.clear()
    f.login_with_mfa(client, reviewer)
    assert client.get(propose_url(incident)).status_code == 200
    response = client.post(propose_url(incident), {"reason": "Administration reached from outside the EU."})
    assert response["Location"] == reverse("admin:registry_incident_change", args=[incident.pk])
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ACTIVE  # only proposed: the committee decides
    assert certificate.suspension_proposed_by == reviewer and certificate.suspension_proposed_at is not None
    assert certificate.suspension_proposal == f"{incident.reference}: Administration reached from outside the EU."
    assert AuditEvent.objects.filter(action="certificate.propose_suspension", actor=reviewer).exists()
    assert not [m for m in mail.outbox if set(m.to) & {owner.email, editor.email}]  # internal: no e-mail
    # The incident's page no longer offers a second proposal from it.
    page = client.get(reverse("admin:registry_incident_change", args=[incident.pk])).text
    assert "A suspension is already proposed from this incident." in page


def test_a_proposal_needs_a_reason_and_an_active_certificate(client, reviewer, incident, certificate):
    f.login_with_mfa(client, reviewer)
    response = client.post(propose_url(incident), {"reason": " "})
    assert response.status_code == 200 and "This field is required." in response.text
    Certificate.objects.filter(pk=certificate.pk).update(status=CertificateStatus.SUSPENDED)
    response = client.get(propose_url(incident), follow=True)
    assert "Only an active certificate can be proposed for suspension." in response.text
    assert client.post(propose_url(incident), {"reason": "Again."}).status_code == 403
    certificate.refresh_from_db()
    assert certificate.suspension_proposed_at is None


def test_the_certificate_page_shows_the_proposal_to_the_committee_with_both_answers(
    client, reviewer, decision_maker, incident, certificate
):
    certificate_propose_suspension(certificate=certificate, by=reviewer, reason=f"{incident.reference}: serious.")
    f.login_with_mfa(client, decision_maker)
    page = certificate_page(client, certificate).text
    assert "Suspension proposed" in page
    assert f"Proposed by {reviewer.email} on" in page and f"{incident.reference}: serious." in page
    assert dismiss_url(certificate) in page
    assert reverse("admin:registry_certificate_move", args=[certificate.pk, "suspend"]) in page
    assert reverse("admin:registry_incident_change", args=[incident.pk]) in page


def test_the_committee_dismisses_a_proposal_with_a_reason(client, reviewer, decision_maker, certificate):
    certificate_propose_suspension(certificate=certificate, by=reviewer, reason="Incident.")
    f.login_with_mfa(client, decision_maker)
    assert client.get(dismiss_url(certificate)).status_code == 200
    response = client.post(dismiss_url(certificate), {"reason": ""})
    assert response.status_code == 200 and "This field is required." in response.text
    response = client.post(dismiss_url(certificate), {"reason": "Contained within the EU; no data left."})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.suspension_proposed_at is None and certificate.status == CertificateStatus.ACTIVE
    audit = AuditEvent.objects.get(action="certificate.dismiss_suspension_proposal")
    assert audit.actor == decision_maker and audit.detail["reason"] == "Contained within the EU; no data left."
    assert "Suspension proposed" not in certificate_page(client, certificate).text


def test_suspending_the_certificate_answers_the_proposal(client, reviewer, administrator, certificate):
    certificate_propose_suspension(certificate=certificate, by=reviewer, reason="Incident.")
    f.login_with_mfa(client, administrator)
    move = reverse("admin:registry_certificate_move", args=[certificate.pk, "suspend"])
    assert client.post(move, f.suspension_form("Incident under investigation.")).status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.SUSPENDED and certificate.suspension_proposed_at is None


def test_a_reviewer_may_propose_but_not_dismiss(client, reviewer, second_reviewer, certificate):
    certificate_propose_suspension(certificate=certificate, by=second_reviewer, reason="Incident.")
    f.login_with_mfa(client, reviewer)
    page = certificate_page(client, certificate).text
    assert "Suspension proposed" in page and dismiss_url(certificate) not in page
    response = client.get(dismiss_url(certificate), follow=True)
    assert "Only the qualification committee or a registry administrator" in response.text
    assert client.post(dismiss_url(certificate), {"reason": "Not serious."}).status_code == 403
    certificate.refresh_from_db()
    assert certificate.suspension_proposed_at is not None


def test_dismissing_without_a_proposal_is_refused(client, decision_maker, certificate):
    f.login_with_mfa(client, decision_maker)
    response = client.get(dismiss_url(certificate), follow=True)
    assert "No suspension is proposed for this certificate." in response.text
    assert client.post(dismiss_url(certificate), {"reason": "Nothing."}).status_code == 403


def test_the_certificate_list_filters_the_certificates_with_a_proposal(client, reviewer, decision_maker, certificate):
    other = f.certificate()
    certificate_propose_suspension(certificate=certificate, by=reviewer, reason="Incident.")
    f.login_with_mfa(client, decision_maker)
    page = client.get(reverse("admin:registry_certificate_changelist") + "?action=proposed")
    assert [c.pk for c in page.context["cl"].result_list] == [certificate.pk]
    assert other.number not in page.text


def list_queries(client, url) -> int:
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("query", ["", "?open=yes", "?sovereignty_affected__exact=1", "?q=access"])
def test_the_list_costs_the_same_queries_with_5_and_25_incidents(client, reviewer, owner, certificate, query):
    url = reverse(LIST) + query
    for _ in range(5):
        f.incident(certificate, owner, sovereignty_affected=True)
    f.login_with_mfa(client, reviewer)
    small = list_queries(client, url)
    # session, user, the actor's groups and memberships, the count, the page's ids, then its rows with their
    # provider and service, the session's bookkeeping.
    assert small <= 10
    for _ in range(20):
        f.incident(certificate, owner, sovereignty_affected=True)
    assert list_queries(client, url) == small
