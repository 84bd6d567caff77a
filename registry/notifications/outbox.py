"""Queue background work after commit, never at the cost of the request.

Every queued job has a safety net that finds its work again from the database: the notification sweep (events with an
empty notified_at), the scheduled snapshot issue, the stale-PDF render, the pending-document rescan. So when the broker
is unreachable the write still succeeds and the job is only late. After one failed publish the broker is taken as down
for a short while, so that a request queuing several jobs waits for the broker's timeout once, not once per job.
"""

import logging
import time

from django.db import transaction

from registry.public.cache import registry_changed_on_commit

logger = logging.getLogger(__name__)

# After a failed publish, how long this process skips publishing (the safety nets pick the work up).
BROKER_DOWN_PAUSE = 30.0
_broker_down_until = 0.0


def enqueue(task_name: str, *args) -> bool:
    """Publish registry.tasks.<task_name>(*args) now; False (and a warning) when the broker is unreachable."""
    global _broker_down_until
    from registry import tasks

    if time.monotonic() < _broker_down_until:
        logger.warning("Broker taken as down: %s%s left to its safety net.", task_name, args)
        return False
    try:
        getattr(tasks, task_name).delay(*args)
    except Exception:  # noqa: BLE001 — any broker failure: the job's safety net will do the work
        _broker_down_until = time.monotonic() + BROKER_DOWN_PAUSE
        logger.warning("Could not queue %s%s; its safety net will do it.", task_name, args, exc_info=True)
        return False
    return True


def enqueue_on_commit(task_name: str, *args) -> None:
    # A plain lambda, not functools.partial: Django's robust on_commit error path needs a __qualname__.
    transaction.on_commit(lambda: enqueue(task_name, *args))


def notify_dossier_event_on_commit(event_id: int) -> None:
    enqueue_on_commit("send_dossier_event_notification", event_id)


def notify_certificate_event_on_commit(event_id: int) -> None:
    enqueue_on_commit("send_certificate_event_notification", event_id)


def publish_snapshot_on_commit() -> None:
    """Ask for a new signed registry snapshot once the public change is committed (else the scheduled run issues it).

    Every public change comes through here, so the public pages kept for visitors are dropped here too: in this
    process, at commit, not by the task, so that the next request (not the next worker run) shows the change."""
    registry_changed_on_commit()
    enqueue_on_commit("issue_registry_snapshot")
