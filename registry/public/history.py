"""The registry's public history told as events: what happened, to which certificate, when.

A status is what a certificate is now; an event is what happened to it on a day ("Qualified", "Suspended",
"Reinstated", "Change accepted"). Lists of what happened (the home's latest decisions, the feed) show events, never the
certificate's current status, which may have moved on since; a page about a certificate that is suspended or withdrawn
opens with a notice saying since when and why (status_notice)."""

import datetime
from dataclasses import dataclass
from typing import NamedTuple

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.certificates.choices import CertificateStatus
from registry.certificates.rules import history_key as event_history_key
from registry.core.bilingual import Text, text_in
from registry.public import rules
from registry.public.selectors import latest_accepted_changes
from registry.public.subscriptions import CHANGE_LABELS

# The event an accepted change is, beside registry.certificates.rules.CHANGES.
CHANGE_ACCEPTED = "change_accepted"
# What each event says happened: the subscribers' e-mails' words (as the feed's), and the history's for a change.
LABELS = {**CHANGE_LABELS, CHANGE_ACCEPTED: _("Change accepted")}


class AcceptedChange(NamedTuple):
    """An accepted change as an entry of the registry's latest history: the certificate it changed (with its service,
    provider and scheme) and what the public learns of it."""

    certificate: object
    change: rules.PublicChange


def latest_status_changes(limit: int):
    """The latest public status changes (CertificateEvent), newest first, with their certificate, service, provider and
    scheme and what certificates.selectors.event_change() needs to word them: one query in all."""
    from registry.certificates.models import CertificateEvent
    from registry.certificates.selectors import with_change

    events = CertificateEvent.objects.select_related("certificate__service__provider", "certificate__scheme")
    return with_change(events).order_by("-created_at", "-pk")[:limit]


def latest_history(limit: int) -> list:
    """The registry's latest public events, newest first (public.rules.history_key): status changes (CertificateEvent)
    and accepted changes (AcceptedChange). Two queries. The feed and the home's latest decisions read it."""
    entries = [(rules.history_key(e.created_at, rules.STATUS, e.pk), e) for e in latest_status_changes(limit)]
    entries += [
        (rules.history_key(change.adopted_at, rules.CHANGE, change.pk), AcceptedChange(certificate, change))
        for certificate, change in latest_accepted_changes(limit)
    ]
    entries.sort(key=lambda entry: entry[0], reverse=True)
    return [item for _, item in entries[:limit]]


@dataclass(frozen=True)
class PublicEvent:
    """One line of "what happened": `kind` is one of certificates.rules.CHANGES or CHANGE_ACCEPTED, `label` its
    words in the reader's language, `detail` the published reason or the change's public summary, after
    `detail_label` (the change's kind, always in the reader's language: only `detail` may be the other one)."""

    kind: str
    label: str
    at: datetime.datetime
    certificate: object
    detail: Text
    detail_label: str = ""


def public_events(limit: int) -> list[PublicEvent]:
    """latest_history() worded for people: each entry says what happened, not what the certificate is now."""
    from registry.certificates.selectors import event_change

    found = []
    for entry in latest_history(limit):
        if isinstance(entry, AcceptedChange):
            # The summary in the page's language, or the other one marked: only the summary, not the kind before it.
            found.append(
                PublicEvent(
                    CHANGE_ACCEPTED,
                    str(LABELS[CHANGE_ACCEPTED]),
                    entry.change.adopted_at,
                    entry.certificate,
                    text_in(entry.change, "summary"),
                    str(entry.change.kind_label),
                )
            )
            continue
        kind = event_change(entry)
        found.append(PublicEvent(kind, str(LABELS[kind]), entry.created_at, entry.certificate, reason_of(entry)))
    return found


def reason_of(event) -> Text:
    """An event's published reason in the reader's language: the French or English text the agency wrote
    (core.bilingual, the other language marked when it stands in), or the registry's own words, translated."""
    text = text_in(event, "reason")
    if text and text.lang == "en" and not event.reason_fr and event.reason_display != event.reason:
        # A reason the registry wrote ("Qualification granted."): translated for the page, never a fallback.
        return Text(event.reason_display, "", False)
    return text


# The statuses a page about the certificate opens with a notice for: a buyer must not miss them.
NOTICE_STATUSES = (CertificateStatus.SUSPENDED, CertificateStatus.WITHDRAWN)


@dataclass(frozen=True)
class StatusNotice:
    """A certificate suspended or withdrawn, as a page tells it first: since which day, and the event that made it so
    (its reason is public)."""

    certificate: object
    status: str
    since: datetime.date
    event: object | None

    @property
    def reason(self) -> Text:
        return reason_of(self.event) if self.event is not None else Text("", "", False)


def status_notice(certificate, events) -> StatusNotice | None:
    """The notice a page about `certificate` opens with when it is suspended or withdrawn, else None.

    `events`: its public history (any order), already read. The day is the one the agency recorded the status as
    effective from, else the day it was entered."""
    if certificate.status not in NOTICE_STATUSES:
        return None
    history = sorted(events, key=event_history_key)
    event = history[-1] if history and history[-1].status == certificate.status else None
    if event is not None:
        since = event.effective_on or timezone.localdate(event.created_at)
    else:  # a history imported without its last event: the certificate's own record of the change
        since = timezone.localdate(certificate.status_changed_at)
    return StatusNotice(certificate, certificate.status, since, event)
