"""Incidents as the services write them: the declaration on a certified service, the updates, the final report that
closes it, their documents, the reference's numbering, the audit lines and the refusals."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from registry.accounts.models import AuditEvent
from registry.certificates.choices import IncidentStage
from registry.certificates.incidents import incident_declare, incident_report
from registry.certificates.models import Incident
from registry.qualification.choices import DocumentKind
from registry.qualification.workflow import Refused
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(service):
    return f.certificate(service)


def ago(**kw):
    return timezone.now() - datetime.timedelta(**kw)


def test_an_editor_declares_an_incident_with_its_initial_report_on_the_certified_service(certificate, editor):
    incident = f.incident(certificate, editor, customer_data_affected=True, sovereignty_affected=True)
    assert incident.reference == f"INC-{timezone.localdate().year}-00001"
    assert (incident.provider, incident.service, incident.certificate) == (
        certificate.service.provider,
        certificate.service,
        certificate,
    )
    assert incident.stage == IncidentStage.INITIAL
    assert incident.customer_data_affected and incident.sovereignty_affected
    [initial] = incident.updates.all()
    assert (initial.stage, initial.author) == (IncidentStage.INITIAL, editor)
    assert initial.body == "Alerts from the SOC; access cut off; investigation opened."
    audit = AuditEvent.objects.get(action="incident.declare")
    assert audit.object_id == str(incident.pk) and audit.actor == editor


def test_references_count_per_year_on_the_agencys_calendar(certificate, owner):
    assert f.incident(certificate, owner).reference.endswith("-00001")
    assert f.incident(certificate, owner).reference.endswith("-00002")
    # 23:30 UTC on 31 December is already New Year's Day in Paris.
    with time_machine.travel(datetime.datetime(2027, 12, 31, 23, 30, tzinfo=datetime.UTC), tick=False):
        incident = f.incident(
            certificate,
            owner,
            detected_at=timezone.now() - datetime.timedelta(minutes=1),
            started_at=timezone.now() - datetime.timedelta(minutes=2),
        )
    assert incident.reference == "INC-2028-00001"


def test_updates_then_a_final_report_close_the_incident_and_keep_every_report_in_order(certificate, owner, editor):
    incident = f.incident(certificate, editor)
    incident_report(incident=incident, by=owner, stage="ongoing", body="Cause found: a leaked key.")
    incident_report(
        incident=incident,
        by=editor,
        stage="ongoing",
        body="Customer data was read.",
        customer_data_affected=True,
        impact="Two customers' tenants read.",
    )
    ended = ago(minutes=1)
    incident_report(incident=incident, by=owner, stage="final", body="Keys rotated; closed.", ended_at=ended)
    incident.refresh_from_db()
    assert incident.stage == IncidentStage.FINAL and incident.ended_at == ended
    assert incident.customer_data_affected and incident.impact == "Two customers' tenants read."
    assert [(u.stage, u.body) for u in incident.updates.all()] == [
        ("initial", "Alerts from the SOC; access cut off; investigation opened."),
        ("ongoing", "Cause found: a leaked key."),
        ("ongoing", "Customer data was read."),
        ("final", "Keys rotated; closed."),
    ]
    restated = AuditEvent.objects.filter(action="incident.ongoing").order_by("pk").last()
    assert restated.detail["changed"]["customer_data_affected"] == [False, True]
    assert AuditEvent.objects.filter(action="incident.final").count() == 1


def test_nothing_is_reported_after_the_final_report(certificate, owner):
    incident = f.incident(certificate, owner)
    incident_report(incident=incident, by=owner, stage="final", body="Closed.", ended_at=ago(minutes=1))
    with pytest.raises(Refused, match="closed"):
        incident_report(incident=incident, by=owner, stage="ongoing", body="One more thing.")
    assert incident.updates.count() == 2


@pytest.mark.parametrize(
    ("stage", "ended_at", "message"),
    [
        ("final", None, "A final report gives the time the incident ended"),
        ("ongoing", "past", "The end time goes with the final report"),
        ("final", "before start", "The end cannot be before the start"),
        ("final", "future", "in the future"),
        ("initial", None, "one initial report"),
    ],
)
def test_a_report_with_wrong_times_or_stage_is_refused(certificate, owner, stage, ended_at, message):
    incident = f.incident(certificate, owner)
    moments = {
        None: None,
        "past": ago(minutes=1),
        "before start": incident.started_at - datetime.timedelta(minutes=1),
        "future": timezone.now() + datetime.timedelta(hours=1),
    }
    with pytest.raises(Refused, match=message):
        incident_report(incident=incident, by=owner, stage=stage, body="Report.", ended_at=moments[ended_at])
    incident.refresh_from_db()
    assert incident.stage == IncidentStage.INITIAL and incident.updates.count() == 1


def test_a_declaration_with_a_start_after_the_detection_or_in_the_future_is_refused(certificate, owner):
    with pytest.raises(Refused, match="cannot start after it was detected"):
        f.incident(certificate, owner, detected_at=ago(hours=2), started_at=ago(hours=1))
    with pytest.raises(Refused, match="in the future"):
        f.incident(certificate, owner, detected_at=timezone.now() + datetime.timedelta(hours=1))
    with pytest.raises(Refused, match="title"):
        f.incident(certificate, owner, title="  ")
    assert not Incident.objects.exists()


def test_viewers_other_providers_and_the_agency_may_not_declare_nor_report(
    certificate, owner, viewer, other_owner, reviewer
):
    for person in (viewer, other_owner, reviewer):
        with pytest.raises(Refused, match="owner or editor"):
            f.incident(certificate, person)
    incident = f.incident(certificate, owner)
    for person in (viewer, other_owner, reviewer):
        with pytest.raises(Refused, match="owner or editor"):
            incident_report(incident=incident, by=person, stage="ongoing", body="Report.")


@pytest.mark.parametrize("status", ["withdrawn", "expired", "superseded"])
def test_an_incident_is_declared_only_on_a_service_with_a_live_certificate(service, owner, status):
    certificate = f.certificate(service, status=status)
    with pytest.raises(Refused, match="active or suspended certificate"):
        f.incident(certificate, owner)


def test_a_suspended_certificates_service_may_still_declare_one(service, owner):
    assert f.incident(f.certificate(service, status="suspended"), owner).stage == IncidentStage.INITIAL


def test_documents_filed_with_reports_are_incident_reports_on_the_certificates_dossier(certificate, owner):
    incident = incident_declare(
        certificate=certificate,
        by=owner,
        title="Ransomware on a support workstation",
        detected_at=ago(minutes=10),
        impact="Support desk down.",
        body="Workstation isolated.",
        documents=[("Forensic timeline", f.pdf())],
    )
    incident_report(
        incident=incident, by=owner, stage="ongoing", body="Update.", documents=[("forensic timeline", f.pdf())]
    )
    first, second = incident.documents.order_by("version")
    assert (first.kind, first.dossier_id, first.version) == (DocumentKind.INCIDENT_REPORT, certificate.dossier_id, 1)
    assert (second.previous, second.version, second.title) == (first, 2, "Forensic timeline")
    assert AuditEvent.objects.filter(action="incident.document").count() == 2


def test_a_file_of_a_type_not_accepted_is_refused_and_nothing_is_declared(certificate, owner):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("notes.txt", b"plain text", content_type="text/plain")
    with pytest.raises(Refused, match="not accepted"):
        f.incident(certificate, owner, documents=[("Notes", bad)])
    assert not Incident.objects.exists()
