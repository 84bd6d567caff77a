"""The snapshot's content, read as plain values, is byte for byte what it was when it was read from model instances:
signatures already published keep verifying, and an unchanged registry issues no new snapshot."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Prefetch
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from registry.certificates.choices import ChangeStatus
from registry.certificates.models import CertificateEvent, CertifiedRecord
from registry.providers.models import Site
from registry.public import snapshot_content as document
from registry.public.selectors import archived_certificates, in_process_dossiers, public_certificates, public_row
from registry.public.snapshot_content import canonical_json, utc
from registry.qualification.models import Dossier, DossierEvent
from tests import factories as f

pytestmark = pytest.mark.django_db


def content_from_model_instances() -> dict:
    """registry_content() as it was written before it read values: certificates, services, providers, schemes, sites,
    events and accepted changes as model instances. Kept here as the reference the faster reading must equal."""
    events = CertificateEvent.objects.only("certificate_id", "status", "reason", "reason_fr", "created_at").order_by(
        "created_at", "pk"
    )
    records = CertifiedRecord.objects.filter(change_notice__status=ChangeStatus.ACCEPTED).select_related(
        "change_notice"
    )

    def with_history(queryset):
        return queryset.prefetch_related(
            Prefetch("events", queryset=events, to_attr="public_events"),
            Prefetch("records", queryset=records, to_attr="accepted_records"),
        )

    def history_of(certificate):
        """Status events and accepted changes, by time; at one instant the status event first."""
        entries = [
            ((event.created_at, 0, event.pk), {"type": "status", "status": event.status, "reason": event.reason,
                                               "reason_fr": event.reason_fr, "at": utc(event.created_at),
                                               "change": None})
            for event in certificate.public_events
        ] + [
            ((record.adopted_at, 1, record.pk), {"type": "change", "status": None, "reason": "", "reason_fr": "",
                "at": utc(record.adopted_at),
                "change": {"kind": record.change_notice.kind, "summary": record.change_notice.public_summary,
                           "summary_fr": record.change_notice.public_summary_fr}})
            for record in certificate.accepted_records
        ]  # fmt: skip
        return [entry for _, entry in sorted(entries, key=lambda e: e[0])]

    def history_entry(certificate):
        return {
            "certificate": certificate.number,
            "status": certificate.status,
            "service_slug": certificate.service.slug,
            "provider_slug": certificate.service.provider.slug,
            "scheme_code": certificate.scheme.code,
            "issued_on": certificate.issued_on.isoformat(),
            "expires_on": certificate.expires_on.isoformat(),
            "events": history_of(certificate),
            "certificate_urn": f"urn:tcr:certificate:{certificate.number}",
            "service_urn": f"urn:tcr:service:{certificate.service.slug}",
            "provider_urn": f"urn:tcr:provider:{certificate.service.provider.slug}",
        }

    def in_process_entry(dossier):
        service = dossier.service
        return {
            "service": service.name,
            "service_slug": service.slug,
            "service_model": service.service_model,
            "provider": service.provider.legal_name,
            "provider_slug": service.provider.slug,
            "scheme": str(dossier.scheme),
            "scheme_code": dossier.scheme.code,
            "entered_process_at": utc(dossier.entered_process_at),
            "service_urn": f"urn:tcr:service:{service.slug}",
            "provider_urn": f"urn:tcr:provider:{service.provider.slug}",
        }

    live = list(with_history(public_certificates()))
    archived = list(with_history(archived_certificates()))
    in_process = [in_process_entry(d) for d in in_process_dossiers()]
    return {
        "certificates": [public_row(c) for c in live],
        "history": sorted((history_entry(c) for c in live + archived), key=lambda e: e["certificate"]),
        "in_process": sorted(in_process, key=lambda e: (e["provider_slug"], e["service_slug"], e["scheme_code"])),
    }


def seed(services: int):
    call_command("seed_bench", "--services", str(services), "--seed", "3", stdout=StringIO())


def test_the_content_of_a_generated_registry_is_byte_for_byte_the_one_read_from_model_instances(db):
    seed(30)  # renewed, lapsed, suspended and withdrawn certificates with their history, dossiers in process

    expected = content_from_model_instances()

    assert expected["certificates"] and len(expected["history"]) > 30
    assert canonical_json(document.registry_content()) == canonical_json(expected)


def test_names_to_escape_and_odd_cases_give_the_same_bytes_too(db):
    # What a generated registry lacks: names a JSON encoder must escape or keep as UTF-8, a certificate without any
    # public event, a service whose only data site is outside the EU, two certificates of one service under two
    # schemes, an in-process dossier never admitted.
    service = f.service(f.provider(legal_name='Nuage "Souverain" & Fils — Société'), name="Cloud\tÉtat\n=1+1")
    Site.objects.create(service=service, role=Site.Role.PROCESSING, country="CH", city="Genève")
    Site.objects.create(service=service, role=Site.Role.SUPPORT, country="US", city="Austin")
    paris = f.certificate(service, conditions="Région de Paris uniquement ; pas de données de santé.")
    suspended = f.certificate(service, f.scheme(name="SecNumCloud ☁", version="4.0"), status="suspended")
    qualified = CertificateEvent.objects.create(certificate=suspended, status="active", reason="Qualifié.")
    CertificateEvent.objects.create(certificate=suspended, status="suspended", reason="Audit « en retard ».")
    # Accepted changes: one at the very instant of a status event, one summary to escape, one without a summary; a
    # notice refused is not public. Surveillance: recorded and due on one certificate, due only on the other.
    f.accepted_change_record(suspended, adopted_at=qualified.created_at, summary='Site "B" — Lyon\n& <Paris>')
    f.accepted_change_record(suspended, kind="ownership", summary="")
    f.accepted_change_record(suspended, status="refused", summary="Refused: never public.")
    f.surveillance_audit_row(suspended, due_on=timezone.localdate(), outcome="maintained", findings="Private.")
    f.surveillance_audit_row(suspended, due_on=timezone.localdate() + datetime.timedelta(days=365))
    f.surveillance_audit_row(paris, due_on=timezone.localdate())
    f.dossier(f.service(), status=Dossier.Status.DECISION, listed_in_process_consent=True)
    listed = f.dossier(status=Dossier.Status.EVALUATION, listed_in_process_consent=True)
    DossierEvent.objects.create(dossier=listed, action="admit", from_status="in_review", to_status="evaluation")

    expected = content_from_model_instances()

    assert len(expected["certificates"]) == 2 and len(expected["in_process"]) == 2
    changes = [e for entry in expected["history"] for e in entry["events"] if e["type"] == "change"]
    assert [c["change"]["kind"] for c in changes] == ["location", "ownership"]
    assert {row["next_surveillance_due"] for row in expected["certificates"]} == {
        timezone.localdate().isoformat(),
        (timezone.localdate() + datetime.timedelta(days=365)).isoformat(),
    }
    assert canonical_json(document.registry_content()) == canonical_json(expected)


def test_reading_the_content_costs_the_same_queries_for_a_larger_registry(db):
    def queries_for_the_content():
        with CaptureQueriesContext(connection) as context:
            document.registry_content()
        return len(context.captured_queries)

    seed(10)
    small = queries_for_the_content()
    call_command("seed_bench", "--services", "40", "--seed", "3", "--append", stdout=StringIO())

    # 1-3. the live certificates, then their services' storage and processing sites and their surveillance dates (one
    #      chunk each)
    # 4-6. every certificate's status events, its accepted changes, then the certificates' history fields
    # 7. the dossiers in process
    assert queries_for_the_content() == small == 7
