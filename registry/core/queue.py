"""Queue a background task once the transaction commits, never at the cost of the request.

Every queued job has a safety net that finds its work again from the database (the notification sweep, the scheduled
snapshot, the stale-PDF render, the pending-document rescan), so when the broker is unreachable the write still
succeeds and the job is only late. After one publish that failed to reach the broker (a connection error or timeout,
nothing else) the broker is taken as down for a short while, so that a request queuing several jobs waits for the
broker's timeout once, not once per job. Any other error while queuing is a bug: it is logged as one, this job is left
to its safety net, and the next jobs are queued as usual.

Celery's own ``delay_on_commit`` would turn a broker outage into an error after the commit; this is the same call with
that outage absorbed.
"""

import logging
import time

from django.db import transaction
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# After a failed publish, how long this process skips publishing (the safety nets pick the work up).
BROKER_DOWN_PAUSE = 30.0
_broker_down_until = 0.0

# What a broker that cannot be reached raises: kombu's wrapper of it, the socket's own errors, redis-py's.
BROKER_OUTAGE = (OperationalError, OSError, RedisConnectionError, RedisTimeoutError)


def queue_now(task, *args) -> bool:
    """Publish task(*args); False (and a warning) when the broker is unreachable."""
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        logger.warning("Broker taken as down: %s%s left to its safety net.", task.name, args)
        return False
    try:
        task.delay(*args)
    except BROKER_OUTAGE:
        _broker_down_until = time.monotonic() + BROKER_DOWN_PAUSE
        logger.warning("Could not queue %s%s; its safety net will do it.", task.name, args, exc_info=True)
        return False
    except Exception:  # noqa: BLE001 — a bug, not an outage: the request must not fail; the broker stays in use
        logger.exception("Error while queuing %s%s; its safety net will do it.", task.name, args)
        return False
    return True


def queue_on_commit(task, *args) -> None:
    # A plain lambda, not functools.partial: Django's robust on_commit error path needs a __qualname__.
    transaction.on_commit(lambda: queue_now(task, *args))
