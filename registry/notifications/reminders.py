"""Daily reminders, each sent once: certificate holders before expiry, reviewers of dossiers left waiting.

Once means once: a reminder's e-mails are written to the outbox in the transaction that creates its Reminder row (a
unique key), then sent outside it (registry.notifications.outbox). A second run or a concurrent worker finds the key
taken and writes nothing; a retry or a redelivered task sends only what is still unsent, and so does the outbox
sweep.

- Expiry: the members of the holder's provider hear at 90, 30 and 7 days before an active certificate expires. The
  reminder sent is the nearest threshold reached, so a day missed by the scheduler is caught up the next day, and a
  certificate issued with less than 90 days to run gets the 30-day (or 7-day) one only. A suspended, withdrawn,
  expired or superseded certificate gets none.
- Waiting dossiers: once a dossier has waited more than settings.REVIEW_REMINDER_DAYS in its status, and again each
  time that many more days pass, a reminder goes to its next hands: every reviewer while nobody has taken it
  (submitted), the instructing reviewer during review and evaluation, the committee (bar the instructing reviewer, who
  may not decide) when it awaits a decision. Its key holds the status and the day the dossier entered it: a dossier
  that moves on and comes back starts counting again.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from registry.certificates.models import Certificate
from registry.certificates.rules import in_force_on
from registry.notifications import outbox
from registry.notifications.emails import compose, group_recipients, recipients
from registry.notifications.models import Reminder
from registry.qualification.models import Dossier
from registry.qualification.selectors import overdue_since, with_instructors
from registry.qualification.workflow import COMMITTEE, REVIEWERS, instructors

S = Dossier.Status

EXPIRY_REMINDER_DAYS = (90, 30, 7)
WAITING_STATUSES = (S.SUBMITTED, S.IN_REVIEW, S.EVALUATION, S.DECISION)


def _claim(key: str) -> bool:
    """Take a reminder's key in the caller's transaction; False when it was sent already (or is being sent)."""
    try:
        with transaction.atomic():
            Reminder.objects.create(key=key)
    except IntegrityError:
        return False
    return True


def outbox_key(key: str) -> str:
    """The outbox's key of a reminder's e-mails."""
    return f"reminder:{key}"


def _active_users(**filters):
    return get_user_model().objects.filter(is_active=True, **filters)


# --- Certificates about to expire. ---


def expiry_threshold(certificate, today: datetime.date) -> int | None:
    """The nearest of EXPIRY_REMINDER_DAYS reached by the days left, or None (too early, or already expired)."""
    days_left = (certificate.expires_on - today).days
    if days_left < 0:
        return None
    reached = [days for days in EXPIRY_REMINDER_DAYS if days_left <= days]
    return min(reached) if reached else None


def expiry_key(certificate, days: int) -> str:
    return f"expiry:{certificate.number}:{days}"


def certificates_due_for_reminder(today: datetime.date | None = None) -> list[int]:
    """Ids of the certificates in force whose expiry reminder is due and not yet sent."""
    today = today or timezone.localdate()
    candidates = Certificate.objects.filter(
        in_force_on(today), expires_on__lte=today + datetime.timedelta(days=max(EXPIRY_REMINDER_DAYS))
    ).only("pk", "number", "expires_on")
    keys = {certificate.pk: expiry_key(certificate, expiry_threshold(certificate, today)) for certificate in candidates}
    sent = set(Reminder.objects.filter(key__in=keys.values()).values_list("key", flat=True))
    return sorted(pk for pk, key in keys.items() if key not in sent)


def expiry_reminder_send(
    *, certificate_id: int, today: datetime.date | None = None, claimer: str | None = None
) -> bool:
    """Remind the holder's members that the certificate expires soon, once per threshold. Returns whether this call
    sent any of its e-mails."""
    today = today or timezone.localdate()
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_related("service__provider", "scheme")
            .filter(in_force_on(today), pk=certificate_id)
            .first()
        )
        threshold = expiry_threshold(certificate, today) if certificate is not None else None
        if threshold is None:
            return False
        key = expiry_key(certificate, threshold)
        if not _claim(key):
            return bool(outbox.deliver(outbox_key(key), claimer))  # written already: what is left of it, if any
        context = {
            "certificate": certificate,
            "days": (certificate.expires_on - today).days,
            "portal_url": settings.SITE_URL + reverse("portal:home"),
            "site_url": settings.SITE_URL,
        }
        to = recipients(_active_users(memberships__provider_id=certificate.service.provider_id))
        outbox.write(outbox_key(key), compose(to, "certificate_expiry", context))
    return bool(outbox.deliver(outbox_key(key), claimer))


# --- Dossiers left waiting. ---


def review_reminder_days() -> int:
    return max(1, int(settings.REVIEW_REMINDER_DAYS))


def review_key(dossier, today: datetime.date) -> str | None:
    """The key of the reminder due for this dossier today, or None when it has not waited long enough.

    Reminder n is due once the dossier has waited more than n periods of REVIEW_REMINDER_DAYS in its status."""
    entered = timezone.localdate(dossier.status_changed_at)
    reminder = ((today - entered).days - 1) // review_reminder_days()
    if reminder < 1:
        return None
    return f"review:{dossier.pk}:{dossier.status}:{entered.isoformat()}:{reminder}"


def dossiers_due_for_reminder(today: datetime.date | None = None) -> list[int]:
    """Ids of the dossiers waiting longer than REVIEW_REMINDER_DAYS whose current reminder is not yet sent."""
    today = today or timezone.localdate()
    # Waited more than REVIEW_REMINDER_DAYS: what the workspace's "overdue" queue counts the same way.
    cutoff = overdue_since(review_reminder_days(), today)
    waiting = Dossier.objects.filter(status__in=WAITING_STATUSES, status_changed_at__lt=cutoff).only(
        "pk", "status", "status_changed_at"
    )
    keys = {dossier.pk: review_key(dossier, today) for dossier in waiting}
    sent = set(Reminder.objects.filter(key__in=[k for k in keys.values() if k]).values_list("key", flat=True))
    return sorted(pk for pk, key in keys.items() if key and key not in sent)


def _next_hands(dossier):
    if dossier.status == S.SUBMITTED:
        return group_recipients((REVIEWERS,))
    if dossier.status == S.DECISION:
        # Those who instructed it may not decide (four eyes): no use reminding them to.
        return group_recipients((COMMITTEE,), exclude_user_ids=instructors(with_instructors(dossier)))
    if dossier.instructing_reviewer_id is None:
        return []
    return recipients(_active_users(pk=dossier.instructing_reviewer_id))


def review_reminder_send(*, dossier_id: int, today: datetime.date | None = None, claimer: str | None = None) -> bool:
    """Remind the dossier's next hands that it is waiting, once per period. Returns whether this call sent any of its
    e-mails."""
    today = today or timezone.localdate()
    with transaction.atomic():
        dossier = (
            Dossier.objects.select_related("service__provider", "scheme")
            .filter(pk=dossier_id, status__in=WAITING_STATUSES)
            .first()
        )
        key = review_key(dossier, today) if dossier is not None else None
        if key is None:
            return False
        if not _claim(key):
            return bool(outbox.deliver(outbox_key(key), claimer))
        since = timezone.localdate(dossier.status_changed_at)
        context = {
            "dossier": dossier,
            "since": since,
            "days": (today - since).days,
            "period": review_reminder_days(),
            "admin_url": settings.SITE_URL + reverse("admin:registry_dossier_change", args=[dossier.pk]),
            "site_url": settings.SITE_URL,
        }
        outbox.write(outbox_key(key), compose(_next_hands(dossier), "review_reminder", context))
    return bool(outbox.deliver(outbox_key(key), claimer))
