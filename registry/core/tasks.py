"""The worker heartbeat behind /healthz, and the sweep of stored files whose deletion failed."""

from celery import shared_task

from registry.core import file_deletions
from registry.core.health import record_heartbeat


@shared_task(acks_late=False)
def worker_heartbeat() -> float:
    """Every minute from beat: whichever worker runs it writes the time in Redis, which /healthz reads
    (registry/core/health.py). Not acknowledged late: a heartbeat lost with its worker is replaced a minute later."""
    return record_heartbeat()


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def delete_pending_files() -> int:
    """Periodic: delete the stored files whose deletion after a commit failed (registry/core/file_deletions.py).
    Safe to run twice: deleting a file already gone succeeds. Returns how many files went."""
    return file_deletions.sweep()
