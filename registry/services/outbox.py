"""Enqueue notifications after commit. If the broker is unreachable the write still succeeds: the event keeps an
empty notified_at and the periodic sweep (registry.tasks.sweep_unnotified_events) sends it later."""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def _enqueue(task_name: str, object_id: int) -> None:
    from registry import tasks  # tasks import services; importing here keeps the arrow services → tasks lazy

    try:
        getattr(tasks, task_name).delay(object_id)
    except Exception:  # noqa: BLE001 — any broker failure: the sweep will pick the event up
        logger.warning("Could not queue %s(%s); the outbox sweep will send it.", task_name, object_id, exc_info=True)


def notify_dossier_event_on_commit(event_id: int) -> None:
    transaction.on_commit(lambda: _enqueue("send_dossier_event_notification", event_id))


def notify_certificate_event_on_commit(event_id: int) -> None:
    transaction.on_commit(lambda: _enqueue("send_certificate_event_notification", event_id))


def publish_snapshot_on_commit() -> None:
    """Ask for a new signed registry snapshot once the public change is committed. If the broker is unreachable the
    change still succeeds: the scheduled issue_registry_snapshot sees the registry differ and issues it then."""

    def enqueue():
        from registry import tasks

        try:
            tasks.issue_registry_snapshot.delay()
        except Exception:  # noqa: BLE001 — any broker failure: the scheduled run will issue it
            logger.warning("Could not queue issue_registry_snapshot; the scheduled run will issue it.", exc_info=True)

    transaction.on_commit(enqueue)
