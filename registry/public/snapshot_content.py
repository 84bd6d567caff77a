"""The signed snapshot's document: the whole public registry, as canonical JSON reproducible byte for byte.

Everything is read through the named public queries (registry.public.selectors); nothing private goes in: no actor, no
dossier reference, no evaluation centre, no reviewer.
"""

import datetime
import hashlib
import json

from django.conf import settings
from django.urls import reverse

from registry.certificates.models import CertificateEvent
from registry.public.identifiers import certificate_urn, provider_urn, service_urn
from registry.public.rules import CHANGE, STATUS, PublicChange, history_key
from registry.public.selectors import (
    SERVICE_VALUES,
    accepted_changes_by_certificate,
    in_process_dossiers,
    public_certificates,
    public_rows,
    published_certificates,
    scheme_labeller,
    service_entry,
)

FORMAT = "trusted-cloud-registry-snapshot"
# 2: each certificate row carries its surveillance dates; a history's entries carry their type (a change of status or
# an accepted change, with its kind and public summary).
# 3: the public texts in English and French: each certificate row its scope, scope_fr and conditions_fr; a status entry
# its reason_fr, a change its summary_fr (core.bilingual: the plain field is the English text).
# 4: stable identifiers (registry.public.identifiers): each certificate row, history and in-process entry carries the
# URNs of its certificate, service and provider (certificate_urn, service_urn, provider_urn).
FORMAT_VERSION = 4


def canonical_json(value) -> bytes:
    """Sorted keys, no spaces, UTF-8 (not \\u escapes): the same data always gives the same bytes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def utc(moment: datetime.datetime | None) -> str | None:
    """An instant in UTC to the second, e.g. 2026-03-01T09:30:00Z: independent of the server's time zone."""
    if moment is None:
        return None
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _status_entry(status: str, reason: str, reason_fr: str, at: datetime.datetime) -> dict:
    return {"type": STATUS, "status": status, "reason": reason, "reason_fr": reason_fr, "at": utc(at), "change": None}


def _change_entry(change: PublicChange) -> dict:
    change_part = {"kind": change.kind, "summary": change.summary, "summary_fr": change.summary_fr}
    return {"type": CHANGE, "status": None, "reason": "", "reason_fr": "", "at": utc(change.adopted_at),
            "change": change_part}  # fmt: skip


def _history_by_certificate(certificates) -> dict[int, list[dict]]:
    """The public history of these certificates, oldest first: {certificate id: [entry]}, in two queries: the status
    events, and the accepted changes (accepted_changes_by_certificate()), merged in the order of
    public.rules.history_key (the API's and the pages' order)."""
    keyed = {}
    ids = certificates.order_by().values("pk")
    events = CertificateEvent.objects.filter(certificate__in=ids).order_by("certificate_id", "created_at", "pk")
    for pk, certificate_id, status, reason, reason_fr, created_at in events.values_list(
        "pk", "certificate_id", "status", "reason", "reason_fr", "created_at"
    ):
        keyed.setdefault(certificate_id, []).append(
            (history_key(created_at, STATUS, pk), _status_entry(status, reason, reason_fr, created_at))
        )
    for certificate_id, changes in accepted_changes_by_certificate(ids).items():
        keyed.setdefault(certificate_id, []).extend(
            (history_key(change.adopted_at, CHANGE, change.pk), _change_entry(change)) for change in changes
        )
    return {pk: [entry for _, entry in sorted(entries, key=lambda e: e[0])] for pk, entries in keyed.items()}


def _history(certificates) -> list[dict]:
    events = _history_by_certificate(certificates)
    fields = ("pk", "number", "status", "service__slug", "service__provider__slug", "scheme__code")
    rows = certificates.order_by().prefetch_related(None).values_list(*fields, "issued_on", "expires_on")
    entries = [
        {
            "certificate": number,
            "status": status,
            "service_slug": service_slug,
            "provider_slug": provider_slug,
            "scheme_code": scheme_code,
            "issued_on": issued_on.isoformat(),
            "expires_on": expires_on.isoformat(),
            "events": events.get(pk, []),
            "certificate_urn": certificate_urn(number),
            "service_urn": service_urn(service_slug),
            "provider_urn": provider_urn(provider_slug),
        }
        for pk, number, status, service_slug, provider_slug, scheme_code, issued_on, expires_on in rows.iterator(
            chunk_size=2000
        )
    ]
    # Sorted here, not in SQL: the database's collation may order the numbers differently from Python's code points.
    entries.sort(key=lambda e: e["certificate"])
    return entries


def _in_process() -> list[dict]:
    scheme_label = scheme_labeller()
    entries = [
        {
            **service_entry(values, scheme_label(values)),
            "entered_process_at": utc(values["entered_process_at"]),
            "service_urn": service_urn(values["service__slug"]),
            "provider_urn": provider_urn(values["service__provider__slug"]),
        }
        for values in in_process_dossiers().values(*SERVICE_VALUES, "entered_process_at")
    ]
    entries.sort(key=lambda e: (e["provider_slug"], e["service_slug"], e["scheme_code"]))
    return entries


def registry_content() -> dict:
    """The public registry: live certificates (the page's rows), every certificate's public history (changes of status
    and accepted changes), and in process.

    Read as plain values, never model instances: at 10,000 services the instances (117,000 of them) took half the time
    of an issue and most of its memory. tests/public/test_snapshot_content.py checks it against the same content read from
    model instances.
    """
    return {
        "certificates": list(public_rows(public_certificates(), chunk_size=2000)),
        "history": _history(published_certificates()),
        "in_process": _in_process(),
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
            # Where this key stays published after any rotation (registry.public.models.PublishedKey).
            "url": settings.SITE_URL + reverse("registry:published-key", args=[key.fingerprint]),
        },
        # A hash chain: each snapshot names the exact bytes of the one before, so the series cannot be rewritten unseen.
        "previous": None
        if previous is None
        else {"sequence": previous.sequence, "sha256": hashlib.sha256(previous.body.encode("utf-8")).hexdigest()},
        "registry": content,
    }
