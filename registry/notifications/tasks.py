"""The e-mail tasks: each event of the outbox (DossierEvent, CertificateEvent with an empty notified_at) sent once, the
sweep that sends what the queue lost, and the daily reminders. Thin: they take ids and re-read the rows."""

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from registry.certificates.models import CertificateEvent
from registry.notifications.emails import certificate_event_emails, dossier_event_emails, send_emails
from registry.notifications.failures import delivery_failure_record, unresolved_failure_ids
from registry.notifications.retries import EMAIL_TASK
from registry.qualification.models import DossierEvent

logger = logging.getLogger(__name__)

# An event younger than this is probably still on its way through the queue; the sweep leaves it alone.
SWEEP_GRACE = datetime.timedelta(minutes=2)


def _deliver(model, event_id, compose) -> bool:
    """Send the e-mails of one outbox row exactly once: the row lock makes a second concurrent run wait, then skip."""
    with transaction.atomic():
        event = model.objects.select_for_update().filter(pk=event_id, notified_at__isnull=True).first()
        if event is None:
            return False
        # Marks per recipient survive a crash before this transaction commits: a rerun sends only what is missing.
        send_emails(compose(event), sent_key=f"sent:{model._meta.label_lower}:{event_id}")
        event.notified_at = timezone.now()
        event.save(update_fields=["notified_at"])
    return True


# Retries with backoff and jitter; a final failure is recorded (registry.notifications.retries).
@shared_task(**EMAIL_TASK)
def send_dossier_event_notification(event_id: int) -> bool:
    return _deliver(DossierEvent, event_id, dossier_event_emails)


@shared_task(**EMAIL_TASK)
def send_certificate_event_notification(event_id: int) -> bool:
    return _deliver(CertificateEvent, event_id, certificate_event_emails)


@shared_task
def sweep_unnotified_events() -> int:
    """Send what the queue lost (Redis down at the time of the change). Returns how many events it sent.

    It gives up as registry.notifications.failures says: an event with an unresolved DeliveryFailure is skipped; one
    still failing NOTIFICATION_GIVE_UP_HOURS after it happened gets its DeliveryFailure recorded here."""
    now = timezone.now()
    cutoff = now - SWEEP_GRACE
    give_up = now - datetime.timedelta(hours=settings.NOTIFICATION_GIVE_UP_HOURS)
    sent = 0
    for model, compose, task in (
        (DossierEvent, dossier_event_emails, send_dossier_event_notification),
        (CertificateEvent, certificate_event_emails, send_certificate_event_notification),
    ):
        unsent = model.objects.filter(notified_at__isnull=True, created_at__lt=cutoff)
        for event_id, created_at in unsent.exclude(pk__in=unresolved_failure_ids(task.name)).values_list(
            "pk", "created_at"
        ):
            try:
                sent += _deliver(model, event_id, compose)
            except OSError as error:
                if created_at < give_up:
                    delivery_failure_record(task=task.name, arguments=[event_id], error=error)
                logger.warning("Could not notify %s %s: %s.", model.__name__, event_id, error)
            except DatabaseError:
                raise  # the database, not this event: the next sweep tries again
            except Exception as error:  # noqa: BLE001 — a bug, not an outage: retrying will not help; the others go
                logger.exception("Could not notify %s %s.", model.__name__, event_id)
                delivery_failure_record(task=task.name, arguments=[event_id], error=error)
    return sent


# Reminders (registry.notifications.reminders): each day finds what is due and queues one task per reminder, which sends
# it under its Reminder key, so that a second run or a redelivered task sends nothing.


@shared_task
def remind_expiring_certificates() -> int:
    """Daily: holders hear 90, 30 and 7 days before their certificate expires. Returns how many reminders it queued."""
    from registry.notifications.reminders import certificates_due_for_reminder

    due = certificates_due_for_reminder()
    for certificate_id in due:
        send_expiry_reminder.delay(certificate_id)
    return len(due)


@shared_task(**EMAIL_TASK)
def send_expiry_reminder(certificate_id: int) -> bool:
    from registry.notifications.reminders import expiry_reminder_send

    return expiry_reminder_send(certificate_id=certificate_id)


@shared_task
def remind_waiting_dossiers() -> int:
    """Daily: dossiers waiting longer than REVIEW_REMINDER_DAYS are recalled to their next hands. Returns how many."""
    from registry.notifications.reminders import dossiers_due_for_reminder

    due = dossiers_due_for_reminder()
    for dossier_id in due:
        send_review_reminder.delay(dossier_id)
    return len(due)


@shared_task(**EMAIL_TASK)
def send_review_reminder(dossier_id: int) -> bool:
    from registry.notifications.reminders import review_reminder_send

    return review_reminder_send(dossier_id=dossier_id)
