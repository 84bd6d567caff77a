"""The registry's public changes in the order they happened, from a cursor: what /api/v1/changes/ lists for relying
parties' programs that fetch only what changed since they last asked.

An entry is a change of a certificate's status (a CertificateEvent) or a change the agency accepted to what it covers
(an accepted change notice's record): the same entries as the certificate's public history, in the same order
(registry.public.rules.history_key: by time; at one instant a status before a change; then by insertion).

The cursor names an entry's place, `<time in µs since the epoch>-<s|c>-<id>` (s a status, c a change): a client keeps
the last one it read and asks for what comes after it. Entries younger than SETTLE_SECONDS are not listed yet: an
entry's time is taken when it is written, and its transaction may commit a moment later, after an entry written after
it; listing only entries older than any transaction lasts means no entry ever appears behind a cursor already given.
"""

import datetime
import re
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from registry.public.identifiers import certificate_urn, provider_urn, service_urn

SETTLE_SECONDS = 5
DEFAULT_LIMIT = 100
MAX_LIMIT = 500

_CURSOR = re.compile(r"^(\d{1,19})-([sc])-(\d{1,19})$")


@dataclass(frozen=True)
class Cursor:
    at: datetime.datetime
    is_change: bool
    pk: int

    def __str__(self) -> str:
        micros = (self.at - _EPOCH) // datetime.timedelta(microseconds=1)
        return f"{micros}-{'c' if self.is_change else 's'}-{self.pk}"

    @classmethod
    def parse(cls, text: str) -> "Cursor":
        """The cursor `text` names; ValueError when it is not one this API gave."""
        found = _CURSOR.match(text)
        if not found:
            raise ValueError(text)
        micros, kind, pk = found.groups()
        try:
            at = _EPOCH + datetime.timedelta(microseconds=int(micros))
        except OverflowError:
            raise ValueError(text) from None
        return cls(at, kind == "c", int(pk))


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _after(cursor: Cursor | None, time_field: str, is_change: bool) -> Q:
    """The rows of one kind whose place comes after the cursor's."""
    if cursor is None:
        return Q()
    later = Q(**{f"{time_field}__gt": cursor.at})
    if is_change and not cursor.is_change:
        # At the cursor's instant, every change comes after a status.
        return later | Q(**{time_field: cursor.at})
    if is_change == cursor.is_change:
        return later | Q(**{time_field: cursor.at, "pk__gt": cursor.pk})
    return later


def changes_since(cursor: Cursor | None, limit: int) -> tuple[list[dict], bool]:
    """Up to `limit` public entries after `cursor` (from the first without one), oldest first, and whether more are
    there already. Two queries, whatever the registry's size (each reads its index in order, `limit` + 1 rows)."""
    from registry.certificates.models import CertificateEvent
    from registry.certificates.selectors import accepted_changes
    from registry.public.selectors import published_certificates_bare

    settled = timezone.now() - datetime.timedelta(seconds=SETTLE_SECONDS)
    events = (
        CertificateEvent.objects.filter(_after(cursor, "created_at", False), created_at__lte=settled)
        .select_related("certificate__service__provider")
        .only(
            "status", "reason", "reason_fr", "effective_on", "created_at", "certificate__number",
            "certificate__service__slug", "certificate__service__provider__slug",
        )
        .order_by("created_at", "pk")[: limit + 1]
    )  # fmt: skip
    records = (
        accepted_changes(published_certificates_bare().values("pk"))
        .filter(_after(cursor, "adopted_at", True), adopted_at__lte=settled)
        .select_related("certificate__service__provider", "change_notice")
        .only(
            "adopted_at", "change_notice__kind", "change_notice__public_summary", "change_notice__public_summary_fr",
            "certificate__number", "certificate__service__slug", "certificate__service__provider__slug",
        )
        .order_by("adopted_at", "pk")[: limit + 1]
    )  # fmt: skip
    entries = [_status_entry(event) for event in events] + [_change_entry(record) for record in records]
    entries.sort(key=lambda entry: entry.pop("_key"))
    return entries[:limit], len(entries) > limit


def _subject(certificate) -> dict:
    service = certificate.service
    return {
        "certificate": certificate.number,
        "certificate_urn": certificate_urn(certificate.number),
        "service_urn": service_urn(service.slug),
        "provider_urn": provider_urn(service.provider.slug),
    }


def _status_entry(event) -> dict:
    cursor = Cursor(event.created_at, False, event.pk)
    return {
        "_key": (event.created_at, False, event.pk),
        "cursor": str(cursor),
        "type": "status",
        "time": event.created_at,
        **_subject(event.certificate),
        "status": event.status,
        "effective_on": event.effective_on,
        "reason": event.reason,
        "reason_fr": event.reason_fr,
        "change": None,
    }


def _change_entry(record) -> dict:
    notice = record.change_notice
    return {
        "_key": (record.adopted_at, True, record.pk),
        "cursor": str(Cursor(record.adopted_at, True, record.pk)),
        "type": "change",
        "time": record.adopted_at,
        **_subject(record.certificate),
        "status": None,
        "effective_on": None,
        "reason": "",
        "reason_fr": "",
        "change": {"kind": notice.kind, "summary": notice.public_summary, "summary_fr": notice.public_summary_fr},
    }


def status_entry(event) -> dict:
    """One change of status as changes_since() lists it (what a webhook delivery carries: registry.public.webhooks)."""
    entry = _status_entry(event)
    del entry["_key"]
    return entry


def change_entry(record) -> dict:
    """One accepted change (an accepted notice's CertifiedRecord) as changes_since() lists it."""
    entry = _change_entry(record)
    del entry["_key"]
    return entry
