"""Publication tasks: the signed registry snapshot and trusted list, and the purge of subscriptions nobody confirmed."""

import datetime
import logging
import uuid

from celery import shared_task
from django.utils import timezone

from registry.core.queue import BROKER_OUTAGE
from registry.public.subscriptions import subscriptions_purge_unconfirmed

logger = logging.getLogger(__name__)

# How often the beat runs deliver_due_webhooks (trustedcloud/settings/celery.py).
WEBHOOK_SWEEP_SECONDS = 60


@shared_task
def issue_registry_snapshot() -> int | None:
    """After a public change and on schedule: a new signed snapshot if the registry changed or the latest is due.

    Idempotent: with nothing new it issues nothing. Returns the new sequence number, or None."""
    from registry.public.snapshots import snapshot_issue

    snapshot = snapshot_issue()
    return snapshot.sequence if snapshot is not None else None


@shared_task
def issue_trusted_list() -> int | None:
    """After a public change and on schedule: a new signed trusted list if what it says changed, its certificate
    changed, or the latest is due for its next update. Idempotent. Returns the new sequence number, or None."""
    from registry.public.trusted_lists import trusted_list_issue

    issue = trusted_list_issue()
    return issue.sequence if issue is not None else None


@shared_task
def purge_unconfirmed_subscriptions() -> int:
    """Daily: requests to follow the registry that nobody confirmed within the link's validity are deleted."""
    return subscriptions_purge_unconfirmed()


@shared_task
def repair_public_read_model() -> int:
    """Nightly: every public entry compared with its certificate; any difference (a write made around the saves, which
    send the signals that keep it) reported as a warning and repaired by a rebuild. Returns how many differed."""
    from registry.public import read_model
    from registry.public.publication import publish_on_commit

    differs = read_model.repair()
    if differs:
        publish_on_commit()  # the kept pages showed the old rows
    return len(differs)


@shared_task
def refresh_public_statistics() -> str:
    """After each public change and just after midnight: the statistics computed and kept if the kept copy is no longer
    current, so that the next visitor of /stats/ does not pay for them. Idempotent: a copy still current is left as it
    is. Returns the day the figures are for."""
    from registry.public import statistics

    return statistics.current()["today"]


# Webhooks (registry.public.webhook_delivery): each public change queues the sending of its deliveries; the sweep sends
# the retries as they fall due, and whatever the queue lost.


@shared_task(bind=True, acks_late=True, soft_time_limit=600, time_limit=660)
def deliver_webhooks(self, delivery_ids: list[int]) -> int:
    """These deliveries, if still due and not delivered (a rerun delivers nothing twice). Returns how many went."""
    from registry.public import webhook_delivery

    claimer = f"task:{self.request.id}" if self.request.id else None
    delivered, retry_at = webhook_delivery.deliver(delivery_ids, claimer)
    if retry_at is not None and retry_at - timezone.now() < datetime.timedelta(seconds=WEBHOOK_SWEEP_SECONDS):
        # The first retry comes seconds later: before the next sweep, on its own (the sweep is the safety net).
        countdown = max((retry_at - timezone.now()).total_seconds(), 0)
        try:
            deliver_webhooks.apply_async((delivery_ids,), countdown=countdown)
        except BROKER_OUTAGE:
            logger.warning("Could not queue the retry of webhook deliveries %s; the sweep will send it.", delivery_ids)
    return delivered


@shared_task
def deliver_due_webhooks() -> int:
    """Every minute: the deliveries whose next attempt is due (retries, and whatever the queue lost)."""
    from registry.public import webhook_delivery

    return webhook_delivery.deliver(claimer=f"sweep:{uuid.uuid4().hex}")[0]


@shared_task
def purge_unconfirmed_webhooks() -> int:
    """Daily: webhook registrations nobody confirmed within the link's validity are deleted, and deliveries done with
    for more than 90 days (registry.public.webhooks.DELIVERIES_KEPT). Returns how many rows of either went."""
    from registry.public.webhooks import webhook_deliveries_purge, webhooks_purge_unconfirmed

    return webhooks_purge_unconfirmed() + webhook_deliveries_purge()
