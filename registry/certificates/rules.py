"""The rules of a certificate's life, as pure functions: services, selectors, pages, the badge, the API, the feed and
the e-mails ask these instead of spelling a rule out again. Where a rule must also run in SQL, its Q expression sits
next to it, built from the same constants (tests/certificates/test_rules.py checks that each pair agrees)."""

import datetime
import re

from dateutil.relativedelta import relativedelta
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.certificates.choices import LIVE_CERTIFICATE_STATUSES, CertificateStatus, ConditionState
from registry.qualification.workflow import ADMINISTRATORS, AGENCY_GROUPS, CERTIFICATE_MOVES, REVIEWERS

# --- Expiry. A certificate is valid through its expires_on day and expired from the next day on. ---

# The statuses an expiry date ends: those the workflow's "expire" move leaves. A suspended certificate expires at its
# date like an active one (a suspension never extends a validity); withdrawn and superseded ones keep their status.
ENDED_BY_EXPIRY = CERTIFICATE_MOVES["expire"].sources


def lapsed(status: str, expires_on: datetime.date, day: datetime.date) -> bool:
    """Whether a certificate in `status`, valid until `expires_on`, has expired by `day` (recorded or not yet)."""
    return status in ENDED_BY_EXPIRY and expires_on < day


def lapsed_on(day: datetime.date) -> Q:
    """lapsed() in SQL: the certificates whose date has passed on `day`, which the nightly expiry moves."""
    return Q(status__in=ENDED_BY_EXPIRY, expires_on__lt=day)


def is_expired(certificate, day: datetime.date) -> bool:
    """Whether the certificate is expired on `day`: recorded so, or past its date before the nightly task records it."""
    return certificate.status == CertificateStatus.EXPIRED or lapsed(certificate.status, certificate.expires_on, day)


def live_status(certificate, day: datetime.date) -> str:
    """The status a reader is told on `day`: the recorded one, except that a certificate past its date is expired."""
    return CertificateStatus.EXPIRED if is_expired(certificate, day) else certificate.status


def is_in_force(certificate, day: datetime.date) -> bool:
    """Whether a relying party may rely on the certificate on `day`: active and within its validity."""
    return live_status(certificate, day) == CertificateStatus.ACTIVE


def in_force_on(day: datetime.date) -> Q:
    """is_in_force() in SQL."""
    return Q(status=CertificateStatus.ACTIVE) & ~lapsed_on(day)


# --- Numbers. A certificate's number reads PREFIX-YEAR-NNNN: the scheme's prefix, the year of issue and a counter of
# at least four digits (certificate_issue() writes it). ---

# Whatever people put between the parts: spaces, hyphens and the dashes a copy from a PDF or a word processor gives,
# underscores, dots and slashes.
_NUMBER_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_./]+")
# The parts without separators: a prefix ending with a letter, a four-digit year, the counter (four digits or more).
_NUMBER_PARTS = re.compile(r"^([A-Z](?:[A-Z0-9]*[A-Z])?)([0-9]{4})([0-9]{4,})$")


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def normalise_certificate_number(typed: str) -> str | None:
    """A certificate number as someone typed it, written the way certificate_issue() writes numbers, or None when what
    was typed does not have a number's shape (a service's name, say).

    Case, spaces, missing or extra dashes do not matter: "snc 2026 0003", "SNC20260003", "snc-2026-0003" and
    "SNC–2026–3" all read SNC-2026-0003. Typed without any separator, a prefix ending with a digit cannot be told from
    the year: such a number is found when typed with its separators."""
    parts = [part for part in _NUMBER_SEPARATORS.split(typed.strip().upper()) if part]
    if len(parts) >= 3 and len(parts[-2]) == 4 and _digits(parts[-2]) and _digits(parts[-1]):
        prefix, year, sequence = "".join(parts[:-2]), parts[-2], parts[-1]
        if not prefix.isalnum() or not prefix.isascii():
            return None
    else:
        match = _NUMBER_PARTS.match("".join(parts))
        if match is None:
            return None
        prefix, year, sequence = match.groups()
    return f"{prefix}-{year}-{int(sequence):04d}"


# --- The public history. ---


def history_key(event) -> tuple:
    """An event's place in its certificate's public history: by time, and by insertion between events of one instant.

    Time first, not insertion order: the history is read, shown and exported in this order, and histories imported or
    seeded after the fact are inserted in any order."""
    return (event.created_at, event.pk)


def before_in_history(created_at, pk) -> Q:
    """The events that history_key() places before the one at (created_at, pk); OuterRef()s work too."""
    return Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk)


QUALIFIED = "qualified"
REINSTATED = "reinstated"
# What an entry of the public history says happened: these words, and the status's own for the others.
CHANGES = (QUALIFIED, REINSTATED, *(s for s in CertificateStatus.values if s != CertificateStatus.ACTIVE))


def change_of(status: str, *, has_earlier: bool) -> str:
    """What an event of the public history tells the public, one of CHANGES: a certificate's first "active" is its
    qualification, a later one a reinstatement; any other status says itself. `has_earlier`: whether the
    certificate's history holds an event before this one (before_in_history)."""
    if status != CertificateStatus.ACTIVE:
        return status
    return REINSTATED if has_earlier else QUALIFIED


# --- Suspension. ---


def suspension_refusal(certificate, *, effective_on, review_on, today, last_change_on) -> str:
    """Why a suspension with these dates may not be recorded; "" when it may.

    It takes effect today or on a past day, never before the certificate's last change (the public history stays in
    order), and the agency plans its review for a day to come, within the certificate's validity."""
    from django.utils.formats import date_format
    from django.utils.translation import gettext as _

    if effective_on > today:
        return _("A suspension takes effect today or on a past day, not on %(date)s.") % {
            "date": date_format(effective_on, "DATE_FORMAT")
        }
    if effective_on < last_change_on:
        return _("The suspension cannot take effect before the certificate's last change, on %(date)s.") % {
            "date": date_format(last_change_on, "DATE_FORMAT")
        }
    if review_on is None:
        return _("Please plan the date on which the suspension will be reviewed.")
    if review_on <= today:
        return _("The review of the suspension is planned for a day to come.")
    if review_on > certificate.expires_on:
        return _("The review must come before the certificate expires, on %(date)s.") % {
            "date": date_format(certificate.expires_on, "DATE_FORMAT")
        }
    return ""


def took_effect_at(event):
    """When an event of the public history took effect: the start of its effective day when the agency recorded one,
    else the moment it was entered."""
    if event.effective_on is None:
        return event.created_at
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(event.effective_on, datetime.time.min))


# --- What waits on the agency. ---

# A certificate in force that expires within this many days is one to follow (the holder's renewal).
EXPIRING_WITHIN = datetime.timedelta(days=90)


def review_due_on(day: datetime.date) -> Q:
    """The suspended certificates whose planned review has come by `day`: the agency reinstates or withdraws them."""
    return Q(status=CertificateStatus.SUSPENDED, review_due_on__lte=day)


def expiring_by(day: datetime.date) -> Q:
    """The certificates in force on `day` that expire within EXPIRING_WITHIN."""
    return in_force_on(day) & Q(expires_on__lte=day + EXPIRING_WITHIN)


# --- Surveillance: the audits of a certificate's plan. ---


def surveillance_due_dates(issued_on: datetime.date, expires_on: datetime.date, interval_months: int) -> list:
    """The days a certificate's surveillance audits fall due: every `interval_months` after issue, before its expiry
    (the renewal's evaluation covers the last stretch). Counted from the issue each time, not from the previous due
    day, so that a plan issued on the 31st stays on the month's last day instead of drifting to the 28th.

    migrations/0022_after_qualification_backfill.py plans the certificates issued before this rule with a copy of it."""
    dates, sequence = [], 1
    while (due := issued_on + relativedelta(months=interval_months * sequence)) < expires_on:
        dates.append(due)
        sequence += 1
    return dates


def audit_pending(audit) -> bool:
    """Whether the audit still waits on its outcome, on a certificate that is live (a withdrawn, expired or superseded
    certificate is no longer surveyed)."""
    return audit.recorded_at is None and audit.certificate.status in LIVE_CERTIFICATE_STATUSES


def audit_overdue(audit, day: datetime.date) -> bool:
    """Whether the audit is overdue on `day`: pending and its due day has passed."""
    return audit_pending(audit) and audit.due_on < day


def audit_past_grace(audit, day: datetime.date) -> bool:
    """Whether the audit is overdue by more than its scheme's grace: then the agency acts on the certificate."""
    grace = datetime.timedelta(days=audit.certificate.scheme.surveillance_grace_days)
    return audit_pending(audit) and audit.due_on + grace < day


def _pending_audits() -> Q:
    return Q(recorded_at__isnull=True, certificate__status__in=LIVE_CERTIFICATE_STATUSES)


def audits_overdue_on(day: datetime.date) -> Q:
    """audit_overdue() in SQL, on SurveillanceAudit."""
    return _pending_audits() & Q(due_on__lt=day)


def audits_past_grace_on(day: datetime.date, graces) -> Q:
    """audit_past_grace() in SQL. The grace is the scheme's: `graces` lists the schemes' grace days (a handful of
    distinct values, read by the caller), one term each, so that the comparison stays plain dates in every database."""
    per_scheme = Q(pk__in=[])
    for grace in sorted(set(graces)):
        per_scheme |= Q(
            certificate__scheme__surveillance_grace_days=grace, due_on__lt=day - datetime.timedelta(days=grace)
        )
    return _pending_audits() & per_scheme


# What the agency's list says of an audit (audit_state()).
AUDIT_STATES = {
    "planned": gettext_lazy("Planned"),
    "overdue": gettext_lazy("Overdue"),
    "past_grace": gettext_lazy("Overdue past the grace period"),
    "done": gettext_lazy("Done"),
    "ended": gettext_lazy("Not held (certificate no longer in force)"),
}


def audit_state(audit, day: datetime.date) -> str:
    """What the agency's list says of an audit, a key of AUDIT_STATES."""
    if audit.recorded_at is not None:
        return "done"
    if not audit_pending(audit):
        return "ended"
    if audit_past_grace(audit, day):
        return "past_grace"
    if audit_overdue(audit, day):
        return "overdue"
    return "planned"


# --- Conditions of a qualification (or of a surveillance outcome). ---

# Stored states in which a condition still waits: on the provider (open) or on the agency (answered).
CONDITION_WAITING = (ConditionState.OPEN, ConditionState.ANSWERED)


def condition_overdue(condition, day: datetime.date) -> bool:
    """Whether a condition is overdue on `day`: still waiting (open or answered) past its due day, on a live
    certificate. Derived, never stored."""
    return (
        condition.state in CONDITION_WAITING
        and condition.due_on < day
        and condition.certificate.status in LIVE_CERTIFICATE_STATUSES
    )


def conditions_overdue_on(day: datetime.date) -> Q:
    """condition_overdue() in SQL, on Condition."""
    return Q(state__in=CONDITION_WAITING, due_on__lt=day, certificate__status__in=LIVE_CERTIFICATE_STATUSES)


# --- Who may act on surveillance and conditions: the reason they may not, "" when they may. ---


def audit_assign_refusal(actor, audit) -> str:
    """A reviewer or a registry administrator names the centre and the instructing reviewer of a pending audit."""
    if not (actor.in_group(REVIEWERS) or actor.in_group(ADMINISTRATORS)):
        return _("Only a reviewer or a registry administrator can assign a surveillance audit.")
    if not audit_pending(audit):
        return _("This audit is no longer waiting: its outcome is recorded or the certificate is not in force.")
    return ""


def audit_instruction_refusal(actor, audit) -> str:
    """The audit's instructing reviewer, alone, records the outcome while it waits (the centre files its report:
    registry.evaluation.surveillance)."""
    if not actor.in_group(REVIEWERS) or audit.reviewer_id is None or audit.reviewer_id != actor.user_id:
        return _("Only the instructing reviewer of this audit can record its outcome.")
    if not audit_pending(audit):
        return _("This audit is no longer waiting: its outcome is recorded or the certificate is not in force.")
    return ""


def condition_create_refusal(actor, certificate) -> str:
    """Anyone at the agency sets conditions on a live certificate (the committee at its decision, a reviewer after a
    surveillance audit)."""
    if not any(actor.in_group(group) for group in AGENCY_GROUPS):
        return _("Only the agency can set conditions on a certificate.")
    if certificate.status not in LIVE_CERTIFICATE_STATUSES:
        return _("Conditions are set on a certificate in force or suspended.")
    return ""


def condition_answer_refusal(actor, condition) -> str:
    """The holder's owners and editors answer an open condition of a live certificate; viewers read."""
    from registry.providers.rules import is_writer

    if not is_writer(actor, condition.certificate.service.provider_id):
        return _("Only the organisation's owners and editors can answer a condition.")
    if condition.state != ConditionState.OPEN:
        return _("This condition is not waiting for your answer.")
    if condition.certificate.status not in LIVE_CERTIFICATE_STATUSES:
        return _("The certificate is no longer in force.")
    return ""


# A reviewer's moves on a condition: the states each leaves.
CONDITION_REVIEW_MOVES = {
    "close": (ConditionState.ANSWERED,),
    "reopen": (ConditionState.ANSWERED,),
    "withdraw": (ConditionState.OPEN, ConditionState.ANSWERED),
}


def condition_review_refusal(actor, condition, move: str) -> str:
    """A reviewer closes an answered condition (met), sends it back to open, or withdraws a waiting one."""
    if not actor.in_group(REVIEWERS):
        return _("Only a reviewer can close, send back or withdraw a condition.")
    if move not in CONDITION_REVIEW_MOVES:
        return _("Unknown action.")
    if condition.state not in CONDITION_REVIEW_MOVES[move]:
        return _("This condition cannot be %(move)s in its state.") % {"move": CONDITION_MOVE_LABELS[move]}
    return ""


CONDITION_MOVE_LABELS = {
    "close": gettext_lazy("closed as met"),
    "reopen": gettext_lazy("sent back"),
    "withdraw": gettext_lazy("withdrawn"),
}
