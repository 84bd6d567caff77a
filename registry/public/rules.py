"""Rules of what the public registry tells relying parties, shared by the pages and the API."""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from registry.certificates import rules as certificate_rules
from registry.certificates.choices import CertificateStatus, ChangeKind


def newest_certificate(certificates: Iterable):
    """The certificate a service is judged by: the latest issued (the latest created on the same day); None if none."""
    return max(certificates, key=lambda c: (c.issued_on, c.pk), default=None)


@dataclass(frozen=True)
class DependencyWarning:
    third_party: object
    service: object  # the qualified service relied on
    certificate: object | None  # its newest certificate, None when it holds none
    status: str | None  # that certificate's status on the day asked (certificate_rules.live_status)

    @property
    def status_display(self) -> str:
        return str(CertificateStatus(self.status).label) if self.status else ""


def dependency_warnings(third_parties: Iterable, certificates_of: Callable, day: datetime.date) -> list:
    """The qualified services these third parties provide (19.6.d) whose newest certificate is missing or not in force
        on `day`: relying parties must know. One warning per service relied on, by third party name (then id) whatever
    the order they come in, so the page and the API name the same third party.

        `certificates_of(service_id)`: the certificates of a service relied on, read by the caller (one query for all of
        them, or a prefetch)."""
    warnings, seen = [], set()
    for third_party in sorted(third_parties, key=lambda t: (t.name, t.pk)):
        service_id = third_party.relies_on_service_id
        if service_id is None or service_id in seen:
            continue
        seen.add(service_id)
        certificate = newest_certificate(certificates_of(service_id))
        if certificate is None or not certificate_rules.is_in_force(certificate, day):
            status = certificate_rules.live_status(certificate, day) if certificate is not None else None
            warnings.append(DependencyWarning(third_party, third_party.relies_on_service, certificate, status))
    return warnings


# --- A certificate's public history: its status events and its accepted changes, in one time line. ---

STATUS = "status"
CHANGE = "change"
HISTORY_ENTRY_TYPES = (STATUS, CHANGE)


def history_key(at: datetime.datetime, entry_type: str, pk: int) -> tuple:
    """An entry's place in the public history: by time; at one instant a status event before an accepted change (a
    certificate is qualified before anything is changed under it), then by insertion. The pages, the API, the feed and
    the snapshot all order by this key."""
    return (at, entry_type == CHANGE, pk)


@dataclass(frozen=True)
class PublicChange:
    """What the public learns of an accepted change: when it was adopted, its kind and the agency's public summary.
    Nothing else of the change notice (its description, proposed record, documents, outcome note) is read for the
    public, so no page, API answer, feed or snapshot can show it."""

    pk: int  # the CertifiedRecord version the acceptance wrote
    adopted_at: datetime.datetime
    kind: str
    summary: str
    summary_fr: str = ""  # the summary in French (core.bilingual: `summary` is the English one)

    @property
    def kind_label(self) -> str:
        return str(ChangeKind(self.kind).label) if self.kind in ChangeKind.values else self.kind


@dataclass(frozen=True)
class HistoryEntry:
    """One entry of a certificate's public history: a status event (CertificateEvent) or an accepted change."""

    at: datetime.datetime
    event: object | None = None
    change: PublicChange | None = None

    @property
    def type(self) -> str:
        return STATUS if self.event is not None else CHANGE

    @property
    def key(self) -> tuple:
        return history_key(self.at, self.type, (self.event or self.change).pk)


def merged_history(events: Iterable, changes: Iterable, *, newest_first: bool = False) -> list[HistoryEntry]:
    """The status events and the accepted changes of one certificate as one time line (oldest first unless told)."""
    entries = [HistoryEntry(event.created_at, event=event) for event in events]
    entries += [HistoryEntry(change.adopted_at, change=change) for change in changes]
    return sorted(entries, key=lambda entry: entry.key, reverse=newest_first)
