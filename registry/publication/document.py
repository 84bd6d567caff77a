"""The signed snapshot's document: the whole public registry, as canonical JSON reproducible byte for byte.

Everything is read through the named public queries (registry.queries); nothing private goes in: no actor, no
dossier reference, no evaluation centre, no reviewer.
"""

import datetime
import hashlib
import json

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse

from registry.models import CertificateEvent
from registry.queries import archived_certificates, in_process_dossiers, public_certificates, public_row

FORMAT = "trusted-cloud-registry-snapshot"
FORMAT_VERSION = 1


def canonical_json(value) -> bytes:
    """Sorted keys, no spaces, UTF-8 (not \\u escapes): the same data always gives the same bytes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def utc(moment: datetime.datetime | None) -> str | None:
    """An instant in UTC to the second, e.g. 2026-03-01T09:30:00Z: independent of the server's time zone."""
    if moment is None:
        return None
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _with_history(queryset):
    events = CertificateEvent.objects.only("certificate_id", "status", "reason", "created_at").order_by(
        "created_at", "pk"
    )
    return queryset.prefetch_related(Prefetch("events", queryset=events, to_attr="public_events"))


def _history_entry(certificate) -> dict:
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


def _in_process_entry(dossier) -> dict:
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


def registry_content() -> dict:
    """The public registry: live certificates (the page's rows), every certificate's status history, and in process."""
    live = list(_with_history(public_certificates()))
    archived = list(_with_history(archived_certificates()))
    in_process = [_in_process_entry(d) for d in in_process_dossiers()]
    return {
        "certificates": [public_row(c) for c in live],
        "history": sorted((_history_entry(c) for c in live + archived), key=lambda e: e["certificate"]),
        "in_process": sorted(in_process, key=lambda e: (e["provider_slug"], e["service_slug"], e["scheme_code"])),
    }


def snapshot_document(*, sequence, issued_at, next_issue_at, key, previous, content) -> dict:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "publisher": settings.SITE_URL,
        "sequence": sequence,
        "issued_at": utc(issued_at),
        "next_issue_at": utc(next_issue_at),
        "signing_key": {
            "algorithm": key.algorithm,
            "fingerprint_sha256": key.fingerprint,
            "url": settings.SITE_URL + reverse("registry:signing-key"),
        },
        # A hash chain: each snapshot names the exact bytes of the one before, so the series cannot be rewritten unseen.
        "previous": None
        if previous is None
        else {"sequence": previous.sequence, "sha256": hashlib.sha256(previous.body.encode("utf-8")).hexdigest()},
        "registry": content,
    }
