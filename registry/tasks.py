"""Thin Celery tasks: they take ids, re-read the state and can run twice without sending a second e-mail."""

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, transaction
from django.utils import timezone

from registry.certificates.models import CertificateEvent
from registry.certificates.services import certificate_expire, certificates_due_to_expire
from registry.core.health import record_heartbeat
from registry.notifications.deliveries import delivery_failure_record, unresolved_failure_ids
from registry.notifications.delivery import EMAIL_TASK
from registry.notifications.emails import certificate_event_emails, dossier_event_emails, send_emails
from registry.public.subscriptions import subscriptions_purge_unconfirmed
from registry.qualification.models import DossierEvent

logger = logging.getLogger(__name__)

# An event younger than this is probably still on its way through the queue; the sweep leaves it alone.
SWEEP_GRACE = datetime.timedelta(minutes=2)


def _send(emails, sent_key=None) -> None:
    send_emails(emails, sent_key=sent_key)  # one message per recipient, text and HTML


def _deliver(model, event_id, compose) -> bool:
    """Send the e-mails of one outbox row exactly once: the row lock makes a second concurrent run wait, then skip."""
    with transaction.atomic():
        event = model.objects.select_for_update().filter(pk=event_id, notified_at__isnull=True).first()
        if event is None:
            return False
        # Marks per recipient survive a crash before this transaction commits: a rerun sends only what is missing.
        _send(compose(event), sent_key=f"sent:{model._meta.label_lower}:{event_id}")
        event.notified_at = timezone.now()
        event.save(update_fields=["notified_at"])
    return True


@shared_task(
    **EMAIL_TASK
)  # retries with backoff and jitter; a final failure is recorded (registry.notifications.delivery)
def send_dossier_event_notification(event_id: int) -> bool:
    return _deliver(DossierEvent, event_id, dossier_event_emails)


@shared_task(**EMAIL_TASK)
def send_certificate_event_notification(event_id: int) -> bool:
    return _deliver(CertificateEvent, event_id, certificate_event_emails)


@shared_task
def sweep_unnotified_events() -> int:
    """Send what the queue lost (Redis down at the time of the change). Returns how many events it sent.

    It gives up as registry.notifications.deliveries says: an event with an unresolved DeliveryFailure is skipped; one
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


@shared_task
def expire_certificates() -> int:
    """Nightly: certificates past their expiry date become expired, each with its public history entry."""
    expired = 0
    for certificate in certificates_due_to_expire().only("pk"):
        if certificate_expire(certificate=certificate) is not None:
            expired += 1
    return expired


@shared_task
def purge_unconfirmed_subscriptions() -> int:
    """Daily: requests to follow the registry that nobody confirmed within the link's validity are deleted."""
    return subscriptions_purge_unconfirmed()


@shared_task(acks_late=False)
def worker_heartbeat() -> float:
    """Every minute from beat: whichever worker runs it writes the time in Redis, which /healthz reads
    (registry/core/health.py). Not acknowledged late: a heartbeat lost with its worker is replaced a minute later."""
    return record_heartbeat()


@shared_task
def clear_expired_sessions() -> None:
    """Daily: sessions past their expiry are deleted from the database (Redis forgets its copies by itself)."""
    call_command("clearsessions")


@shared_task
def issue_registry_snapshot() -> int | None:
    """After a public change and on schedule: a new signed snapshot if the registry changed or the latest is due.

    Idempotent: with nothing new it issues nothing. Returns the new sequence number, or None."""
    from registry.public.snapshots import snapshot_issue

    snapshot = snapshot_issue()
    return snapshot.sequence if snapshot is not None else None


@shared_task(
    autoretry_for=(OSError, DatabaseError),
    retry_backoff=10,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
    acks_late=True,
    # Rendering is idempotent: a job whose worker died goes back to the queue rather than being dropped.
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
)
def render_certificate_pdf(certificate_id: int) -> bool:
    """Draw a certificate's PDF when its status changed since the stored one. Returns whether it wrote a file."""
    from registry.certificates.models import Certificate
    from registry.certificates.pdf import certificate_pdf_render

    certificate = Certificate.objects.filter(pk=certificate_id).only("pk").first()
    return certificate is not None and certificate_pdf_render(certificate=certificate)


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def render_stale_certificate_pdfs() -> int:
    """Periodic safety net: draw every PDF that does not show its certificate's status (the queue lost the job, or a
    worker was down). Returns how many it drew."""
    from registry.certificates.models import Certificate
    from registry.certificates.pdf import certificate_pdf_render, certificates_with_stale_pdf

    drawn = 0
    for certificate_id in certificates_with_stale_pdf():
        try:
            drawn += certificate_pdf_render(certificate=Certificate(pk=certificate_id))
        except (OSError, DatabaseError):
            logger.warning("Could not draw the PDF of certificate %s; the next run will retry.", certificate_id)
    return drawn


# Document checks: retried while clamd cannot be reached, 15 s, 30 s, 60 s ... up to 10 min apart with full jitter
# (under the broker's visibility timeout), then left to check_pending_documents.
CHECK_MAX_RETRIES = 8


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,  # the check is idempotent: a check whose worker died goes back to the queue
    soft_time_limit=settings.DOCUMENT_CHECK_SOFT_TIME_LIMIT,
    time_limit=settings.DOCUMENT_CHECK_TIME_LIMIT,
)
def check_document(self, document_id: int) -> str | None:
    """After an upload: check the document (type, PDF, antivirus) and record the verdict. Returns its scan status."""
    from celery.exceptions import SoftTimeLimitExceeded
    from celery.utils.time import get_exponential_backoff_interval

    from registry.core.clamd import ScannerUnavailable
    from registry.qualification.services.document_checks import document_check, document_check_timed_out

    try:
        document = document_check(document_id=document_id)
    except ScannerUnavailable as exc:
        # Inline (no broker), a retry would run at once and hold the request: the periodic check will do it.
        if self.request.is_eager or self.request.retries >= CHECK_MAX_RETRIES:
            logger.warning("Document %s waits for clamd: %s", document_id, exc)
            return "pending"
        countdown = get_exponential_backoff_interval(15, self.request.retries, 600, full_jitter=True)
        raise self.retry(exc=exc, countdown=countdown) from exc
    except SoftTimeLimitExceeded:
        document = document_check_timed_out(document_id=document_id)
    return document.scan_status if document is not None else None


@shared_task
def check_pending_documents() -> int:
    """Periodic: queue the check of documents still pending after a few minutes, once clamd answers. Returns how many."""
    from registry.qualification.services.document_checks import documents_to_recheck

    older_than = timezone.now() - datetime.timedelta(seconds=settings.DOCUMENT_CHECK_GRACE)
    document_ids = documents_to_recheck(older_than=older_than)
    for document_id in document_ids:
        check_document.delay(document_id)
    return len(document_ids)


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
