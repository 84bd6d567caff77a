"""The snapshot's content, read as plain values, is byte for byte what it was when it was read from model instances:
signatures already published keep verifying, and an unchanged registry issues no new snapshot."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Prefetch
from django.test.utils import CaptureQueriesContext

from registry.certificates.models import CertificateEvent
from registry.providers.models import Site
from registry.public import snapshot_content as document
from registry.public.selectors import archived_certificates, in_process_dossiers, public_certificates, public_row
from registry.public.snapshot_content import canonical_json, utc
from registry.qualification.models import Dossier, DossierEvent
from tests import factories as f

pytestmark = pytest.mark.django_db


def content_from_model_instances() -> dict:
    """registry_content() as it was written before it read values: certificates, services, providers, schemes, sites
    and events as model instances. Kept here as the reference the faster reading must equal."""
    events = CertificateEvent.objects.only("certificate_id", "status", "reason", "created_at").order_by(
        "created_at", "pk"
    )

    def with_history(queryset):
        return queryset.prefetch_related(Prefetch("events", queryset=events, to_attr="public_events"))

    def history_entry(certificate):
        return {
            "certificate": certificate.number,
            "status": certificate.status,
            "service_slug": certificate.service.slug,
            "provider_slug": certificate.service.provider.slug,
            "scheme_code": certificate.scheme.code,
            "issued_on": certificate.issued_on.isoformat(),
            "expires_on": certificate.expires_on.isoformat(),
            "events": [
                {"status": event.status, "reason": event.reason, "at": utc(event.created_at)}
                for event in certificate.public_events
            ],
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
    f.certificate(service, conditions="Région de Paris uniquement ; pas de données de santé.")
    suspended = f.certificate(service, f.scheme(name="SecNumCloud ☁", version="4.0"), status="suspended")
    CertificateEvent.objects.create(certificate=suspended, status="active", reason="Qualifié.")
    CertificateEvent.objects.create(certificate=suspended, status="suspended", reason="Audit « en retard ».")
    f.dossier(f.service(), status=Dossier.Status.DECISION, listed_in_process_consent=True)
    listed = f.dossier(status=Dossier.Status.EVALUATION, listed_in_process_consent=True)
    DossierEvent.objects.create(dossier=listed, action="admit", from_status="in_review", to_status="evaluation")

    expected = content_from_model_instances()

    assert len(expected["certificates"]) == 2 and len(expected["in_process"]) == 2
    assert canonical_json(document.registry_content()) == canonical_json(expected)


def test_reading_the_content_costs_the_same_queries_for_a_larger_registry(db):
    def queries_for_the_content():
        with CaptureQueriesContext(connection) as context:
            document.registry_content()
        return len(context.captured_queries)

    seed(10)
    small = queries_for_the_content()
    call_command("seed_bench", "--services", "40", "--seed", "3", "--append", stdout=StringIO())

    # 1-2. the live certificates, then their services' storage and processing sites (one chunk each)
    # 3-4. every certificate's public events, then the certificates' history fields
    # 5. the dossiers in process
    assert queries_for_the_content() == small == 5
