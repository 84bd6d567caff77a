"""The e-mail tasks: each event of the workflow (DossierEvent, CertificateEvent with an empty notified_at) written to the
outbox and sent, the outbox's other messages sent, the sweep that sends what the queue lost, and the daily reminders.
Thin: they take ids or keys and re-read the rows (registry.notifications.outbox says how each message goes once)."""

import datetime
import logging
import uuid

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Min, Q
from django.utils import timezone

from registry.certificates.models import CertificateEvent
from registry.notifications import outbox
from registry.notifications.emails import certificate_event_emails, dossier_event_emails
from registry.notifications.failures import delivery_failure_record, unresolved_failure_ids
from registry.notifications.models import OutgoingEmail
from registry.notifications.retries import EMAIL_TASK
from registry.qualification.models import DossierEvent

logger = logging.getLogger(__name__)

# An event or a message younger than this is probably still on its way through the queue; the sweep leaves it alone.
SWEEP_GRACE = datetime.timedelta(minutes=2)

EVENT_KEYS = {DossierEvent: outbox.DOSSIER_EVENT, CertificateEvent: outbox.CERTIFICATE_EVENT}


def event_key(model, event_id: int) -> str:
    return f"{EVENT_KEYS[model]}:{event_id}"


def claimer_of(task) -> str:
    """The sender's name for the outbox's claims: the task's id, which its retries and redeliveries keep."""
    return f"task:{task.request.id}" if task.request.id else f"call:{uuid.uuid4().hex}"


def _deliver(model, event_id, compose, claimer=None) -> bool:
    """Write the event's e-mails to the outbox once (a short transaction, under the event's row lock), send them outside
    it, and mark the event notified when none is left unsent. True when this call marked it."""
    key = event_key(model, event_id)
    with transaction.atomic():
        event = model.objects.select_for_update().filter(pk=event_id, notified_at__isnull=True).first()
        if event is None:
            return False
        if not OutgoingEmail.objects.filter(key=key).exists():
            outbox.write(key, compose(event))
    outbox.deliver(key, claimer)
    if outbox.unsent(key).exists():
        return False  # another sender holds some of them: it marks the event when it is done
    return bool(model.objects.filter(pk=event_id, notified_at__isnull=True).update(notified_at=timezone.now()))


# Retries with backoff and jitter; a final failure is recorded (registry.notifications.retries).
@shared_task(bind=True, **EMAIL_TASK)
def send_dossier_event_notification(self, event_id: int) -> bool:
    return _deliver(DossierEvent, event_id, dossier_event_emails, claimer_of(self))


@shared_task(bind=True, **EMAIL_TASK)
def send_certificate_event_notification(self, event_id: int) -> bool:
    return _deliver(CertificateEvent, event_id, certificate_event_emails, claimer_of(self))


@shared_task(bind=True, **EMAIL_TASK)
def send_outgoing_emails(self, key: str) -> int:
    """The outbox's messages about `key` (a reminder, an invitation, a subscription answer, an account e-mail)."""
    return outbox.deliver(key, claimer_of(self))


def _sweep_one(send, *, task, argument, since, give_up) -> int:
    try:
        return send()
    except OSError as error:
        if since < give_up:
            delivery_failure_record(task=task.name, arguments=[argument], error=error)
        logger.warning("Could not send %s(%s): %s.", task.name, argument, error)
    except DatabaseError:
        raise  # the database, not this message: the next sweep tries again
    except Exception as error:  # noqa: BLE001 — a bug, not an outage: retrying will not help; the others go
        logger.exception("Could not send %s(%s).", task.name, argument)
        delivery_failure_record(task=task.name, arguments=[argument], error=error)
    return 0


@shared_task
def sweep_unnotified_events() -> int:
    """Send what the queue lost (Redis down at the time, a worker gone). Returns how many events and other messages'
    keys it completed.

    It gives up as registry.notifications.failures says: an event or key with an unresolved DeliveryFailure is skipped;
    one still failing NOTIFICATION_GIVE_UP_HOURS after it was written gets its DeliveryFailure recorded here."""
    now = timezone.now()
    cutoff = now - SWEEP_GRACE
    give_up = now - datetime.timedelta(hours=settings.NOTIFICATION_GIVE_UP_HOURS)
    claimer = f"sweep:{uuid.uuid4().hex}"
    done = 0
    for model, compose, task in (
        (DossierEvent, dossier_event_emails, send_dossier_event_notification),
        (CertificateEvent, certificate_event_emails, send_certificate_event_notification),
    ):
        unsent = model.objects.filter(notified_at__isnull=True, created_at__lt=cutoff)
        for event_id, created_at in unsent.exclude(pk__in=unresolved_failure_ids(task.name)).values_list(
            "pk", "created_at"
        ):
            done += _sweep_one(
                lambda: _deliver(model, event_id, compose, claimer),  # noqa: B023 — called at once
                task=task,
                argument=event_id,
                since=created_at,
                give_up=give_up,
            )
    # The other messages: unsent, written before the grace, held by nobody.
    waiting = (
        OutgoingEmail.objects.filter(sent_at__isnull=True, created_at__lt=cutoff)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .exclude(key__startswith=outbox.DOSSIER_EVENT + ":")
        .exclude(key__startswith=outbox.CERTIFICATE_EVENT + ":")
        .exclude(key__in=unresolved_failure_ids(send_outgoing_emails.name))
        .values("key")
        .annotate(since=Min("created_at"))
        .order_by("since")
    )
    for row in waiting:
        done += bool(
            _sweep_one(
                lambda: outbox.deliver(row["key"], claimer),  # noqa: B023 — called at once
                task=send_outgoing_emails,
                argument=row["key"],
                since=row["since"],
                give_up=give_up,
            )
        )
    return done


# Reminders (registry.notifications.reminders): each day finds what is due and queues one task per reminder, which sends
# it under its Reminder key, so that a second run or a redelivered task sends nothing twice.


@shared_task
def remind_expiring_certificates() -> int:
    """Daily: holders hear 90, 30 and 7 days before their certificate expires. Returns how many reminders it queued."""
    from registry.notifications.reminders import certificates_due_for_reminder

    due = certificates_due_for_reminder()
    for certificate_id in due:
        send_expiry_reminder.delay(certificate_id)
    return len(due)


@shared_task(bind=True, **EMAIL_TASK)
def send_expiry_reminder(self, certificate_id: int) -> bool:
    from registry.notifications.reminders import expiry_reminder_send

    return expiry_reminder_send(certificate_id=certificate_id, claimer=claimer_of(self))


@shared_task
def remind_waiting_dossiers() -> int:
    """Daily: dossiers waiting longer than REVIEW_REMINDER_DAYS are recalled to their next hands. Returns how many."""
    from registry.notifications.reminders import dossiers_due_for_reminder

    due = dossiers_due_for_reminder()
    for dossier_id in due:
        send_review_reminder.delay(dossier_id)
    return len(due)


@shared_task(bind=True, **EMAIL_TASK)
def send_review_reminder(self, dossier_id: int) -> bool:
    from registry.notifications.reminders import review_reminder_send

    return review_reminder_send(dossier_id=dossier_id, claimer=claimer_of(self))


# Surveillance audits and conditions (registry.notifications.aftercare_surveillance): overdue audits to the holder's
# members and the reviewers (overdue, then past the scheme's grace), overdue open conditions to the holder's members.


@shared_task
def remind_overdue_surveillance() -> int:
    """Daily: queue one task per overdue audit and per overdue condition whose reminder is not yet sent."""
    from registry.notifications.aftercare_surveillance import audits_due_for_reminder, conditions_due_for_reminder

    audits, conditions = audits_due_for_reminder(), conditions_due_for_reminder()
    for audit_id in audits:
        send_surveillance_reminder.delay(audit_id)
    for condition_id in conditions:
        send_condition_reminder.delay(condition_id)
    return len(audits) + len(conditions)


@shared_task(bind=True, **EMAIL_TASK)
def send_surveillance_reminder(self, audit_id: int) -> bool:
    from registry.notifications.aftercare_surveillance import audit_reminder_send

    return audit_reminder_send(audit_id=audit_id, claimer=claimer_of(self))


@shared_task(bind=True, **EMAIL_TASK)
def send_condition_reminder(self, condition_id: int) -> bool:
    from registry.notifications.aftercare_surveillance import condition_reminder_send

    return condition_reminder_send(condition_id=condition_id, claimer=claimer_of(self))
