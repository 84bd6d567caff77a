"""The worker heartbeat behind /healthz."""

from celery import shared_task

from registry.core.health import record_heartbeat


@shared_task(acks_late=False)
def worker_heartbeat() -> float:
    """Every minute from beat: whichever worker runs it writes the time in Redis, which /healthz reads
    (registry/core/health.py). Not acknowledged late: a heartbeat lost with its worker is replaced a minute later."""
    return record_heartbeat()
