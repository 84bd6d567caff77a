"""The rules of a certificate's life, as pure functions: services, selectors, pages, the badge, the API, the feed and
the e-mails ask these instead of spelling a rule out again. Where a rule must also run in SQL, its Q expression sits
next to it, built from the same constants (tests/certificates/test_rules.py checks that each pair agrees)."""

import datetime

from django.db.models import Q

from registry.certificates.choices import CertificateStatus
from registry.qualification.workflow import CERTIFICATE_MOVES

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
