"""The worker heartbeat behind /healthz, with a real worker process and the real Redis: what beat queues every minute,
a worker runs, and the web process's /healthz reads."""

import json

from django.conf import settings as django_settings

from registry.core import tasks as core_tasks
from tests.integration.conftest import real_thing
from tests.integration.harness import wait_until

pytestmark = real_thing

TIMEOUT = 30  # a bound, not an expectation: the worker answers in well under a second


def worker_check(client) -> tuple[int, str]:
    response = client.get("/healthz")
    return response.status_code, json.loads(response.content)["checks"]["worker"]


def test_the_heartbeat_a_worker_writes_turns_healthz_green(client, start_worker, broker, settings):
    # The worker's settings, from its environment: the broker's Redis database and key prefix.
    settings.REDIS_URL = broker.url
    settings.HEALTHZ_HEARTBEAT_KEY = broker.prefix + "trustedcloud:worker-heartbeat"
    start_worker()
    assert worker_check(client) == (503, "stale")  # no heartbeat yet: beat has not queued one

    entry = django_settings.CELERY_BEAT_SCHEDULE["worker-heartbeat"]
    core_tasks.worker_heartbeat.apply_async(**entry["options"])  # what beat sends every minute

    wait_until(lambda: worker_check(client) == (200, "ok"), timeout=TIMEOUT, message="heartbeat recorded")
