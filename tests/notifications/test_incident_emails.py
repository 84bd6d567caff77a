"""The e-mails of an incident, read as the outbox sent them: each report goes to the agency's reviewers and registry
administrators (not the committee) and, as an acknowledgement, to the provider's members, each in their language and
each once; nobody else hears of it, and a suspension proposed from it is internal (no e-mail at all)."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from registry.accounts.models import UserPreference
from registry.certificates.incidents import incident_report
from registry.certificates.services import certificate_dismiss_suspension_proposal, certificate_propose_suspension
from registry.notifications.models import OutgoingEmail
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

PROVIDER = {"owner@nuage.test", "editor@nuage.test", "viewer@nuage.test"}
AGENCY = {"reviewer@agency.test", "reviewer2@agency.test", "admin@agency.test"}


@pytest.fixture
def everyone(owner, editor, viewer, other_owner, reviewer, second_reviewer, decision_maker, administrator):
    """Everybody who could be told, so that a test sees who was not."""


@pytest.fixture
def certificate(service):
    return f.certificate(service)


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def sent_to(address):
    return [m for m in mail.outbox if m.to == [address]]


def test_a_declaration_tells_the_reviewers_and_administrators_and_acknowledges_to_the_members(
    django_capture_on_commit_callbacks, everyone, certificate, editor
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = f.incident(certificate, editor, sovereignty_affected=True, body="Secret details of the attack.")
    assert recipients() == sorted(AGENCY | PROVIDER)  # not the committee, not the other provider
    [to_reviewer] = sent_to("reviewer@agency.test")
    assert (
        to_reviewer.subject == f"[{incident.reference}] Incident, Initial report: Nuage Souverain SAS – Nuage Compute"
    )
    assert f"/admin/registry/incident/{incident.pk}/change/" in to_reviewer.body
    assert "Sovereignty affected: yes" in to_reviewer.body and "Customer data affected: no" in to_reviewer.body
    assert "Unusual access to an administration console" in to_reviewer.body
    [to_owner] = sent_to("owner@nuage.test")
    assert to_owner.subject == f"[{incident.reference}] Received by the agency: Initial report"
    assert f"/portal/nuage-souverain/incidents/{incident.reference}/" in to_owner.body
    assert "editor@nuage.test" in to_owner.body  # who filed it
    # The report's text stays behind the sign-in: e-mails name the incident, they do not carry it.
    assert not [m for m in mail.outbox if "Secret details" in m.body]
    assert all(m.alternatives for m in mail.outbox)  # an HTML part too


def test_updates_and_the_final_report_are_each_sent_once(
    django_capture_on_commit_callbacks, everyone, certificate, owner
):
    incident = f.incident(certificate, owner)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        incident_report(incident=incident, by=owner, stage="ongoing", body="Update.")
    assert len(sent_to("reviewer@agency.test")) == 1
    assert sent_to("viewer@nuage.test")[0].subject == f"[{incident.reference}] Received by the agency: Update"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        incident_report(
            incident=incident,
            by=owner,
            stage="final",
            body="Closed.",
            ended_at=timezone.now() - datetime.timedelta(minutes=1),
        )
    [final] = sent_to("admin@agency.test")
    assert final.subject.startswith(f"[{incident.reference}] Incident, Final report")
    assert "Ended:" in final.body
    # One row per report and recipient: the keys differ per report, so none was taken for another's.
    rows = OutgoingEmail.objects.filter(recipient="reviewer@agency.test", kind="incident_agency")
    assert rows.count() == 3 and rows.values("key").distinct().count() == 3


def test_each_recipient_reads_it_in_their_language(
    django_capture_on_commit_callbacks, everyone, certificate, editor, owner, reviewer
):
    UserPreference.objects.create(user=owner, language="fr")
    UserPreference.objects.create(user=reviewer, language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        f.incident(certificate, editor)
    assert sent_to("owner@nuage.test")[0].extra_headers["Content-Language"] == "fr"
    assert sent_to("reviewer@agency.test")[0].extra_headers["Content-Language"] == "fr"
    assert sent_to("editor@nuage.test")[0].extra_headers["Content-Language"] == "en"
    assert sent_to("reviewer2@agency.test")[0].extra_headers["Content-Language"] == "en"


def test_a_suspension_proposal_and_its_dismissal_send_no_email(
    django_capture_on_commit_callbacks, everyone, certificate, reviewer, decision_maker
):
    with django_capture_on_commit_callbacks(execute=True):
        certificate_propose_suspension(certificate=certificate, by=reviewer, reason="INC-2026-00001: serious.")
        certificate_dismiss_suspension_proposal(certificate=certificate, by=decision_maker, reason="Contained.")
    assert mail.outbox == []
    assert not OutgoingEmail.objects.exists()
