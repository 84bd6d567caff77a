"""Thin Celery tasks: they take ids, re-read the state and can run twice without sending a second e-mail."""

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from registry.models import CertificateEvent, DossierEvent
from registry.notifications import certificate_event_emails, dossier_event_emails
from registry.services.certificates import certificate_expire, certificates_due_to_expire
from registry.services.subscriptions import subscriptions_purge_unconfirmed

logger = logging.getLogger(__name__)

# An event younger than this is probably still on its way through the queue; the sweep leaves it alone.
SWEEP_GRACE = datetime.timedelta(minutes=2)


def _send(emails) -> None:
    for email in emails:
        # One message per recipient: members of different organisations never see each other's addresses.
        for address in email.to:
            EmailMessage(
                email.subject, email.body, settings.DEFAULT_FROM_EMAIL, [address], headers=email.headers or None
            ).send()


def _deliver(model, event_id, compose) -> bool:
    """Send the e-mails of one outbox row exactly once: the row lock makes a second concurrent run wait, then skip."""
    with transaction.atomic():
        event = model.objects.select_for_update().filter(pk=event_id, notified_at__isnull=True).first()
        if event is None:
            return False
        _send(compose(event))
        event.notified_at = timezone.now()
        event.save(update_fields=["notified_at"])
    return True


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_dossier_event_notification(event_id: int) -> bool:
    return _deliver(DossierEvent, event_id, dossier_event_emails)


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_certificate_event_notification(event_id: int) -> bool:
    return _deliver(CertificateEvent, event_id, certificate_event_emails)


@shared_task
def sweep_unnotified_events() -> int:
    """Send what the queue lost (Redis down at the time of the change). Returns how many events it sent."""
    cutoff = timezone.now() - SWEEP_GRACE
    sent = 0
    for model, compose in ((DossierEvent, dossier_event_emails), (CertificateEvent, certificate_event_emails)):
        for event_id in model.objects.filter(notified_at__isnull=True, created_at__lt=cutoff).values_list(
            "pk", flat=True
        ):
            try:
                sent += _deliver(model, event_id, compose)
            except OSError:
                logger.warning("Could not notify %s %s; the next sweep will retry.", model.__name__, event_id)
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


@shared_task
def issue_registry_snapshot() -> int | None:
    """After a public change and on schedule: a new signed snapshot if the registry changed or the latest is due.

    Idempotent: with nothing new it issues nothing. Returns the new sequence number, or None."""
    from registry.services.publication import snapshot_issue

    snapshot = snapshot_issue()
    return snapshot.sequence if snapshot is not None else None
