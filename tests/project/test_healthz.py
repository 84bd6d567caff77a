"""/healthz, what load balancers and monitoring ask: the database, Redis, the cache's Redis and a recent worker
heartbeat.

With REDIS_URL (as in CI) the Redis checks run against the real Redis; each test reads and writes a heartbeat key of
its own. A Redis that is down is a refusing loopback port, set in place of REDIS_URL or CACHE_URL for the check.
"""

import json
import time
import uuid

import pytest
from django.conf import settings as django_settings

from registry.core import health
from registry.core import tasks as core_tasks
from tests.integration.harness import LOOPBACK, SilentServer, refusing_port

pytestmark = pytest.mark.django_db

needs_redis = pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs Redis (REDIS_URL=redis://...)")


@pytest.fixture(autouse=True)
def heartbeat_key(settings):
    key = settings.HEALTHZ_HEARTBEAT_KEY = f"tests:heartbeat:{uuid.uuid4().hex}"
    redis = health.redis_client() if django_settings.REDIS_URL else None  # before a test points REDIS_URL elsewhere
    yield key
    if redis is not None:
        redis.delete(key)


def beat_at(seconds_ago: float):
    health.redis_client().set(django_settings.HEALTHZ_HEARTBEAT_KEY, repr(time.time() - seconds_ago))


def probe(client, query="", **headers):
    response = client.get("/healthz" + query, **headers)
    return response.status_code, json.loads(response.content)


@pytest.mark.skipif(bool(django_settings.REDIS_URL), reason="without Redis: tasks run inline")
def test_without_redis_the_worker_check_is_inline_and_passes(client):
    assert probe(client) == (
        200,
        {"status": "ok", "checks": {"database": "ok", "redis": "skipped", "cache": "skipped", "worker": "inline"}},
    )


@needs_redis
def test_everything_up_and_a_fresh_heartbeat_is_200_ok(client):
    beat_at(5)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert json.loads(response.content) == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok", "cache": "ok", "worker": "ok"},
    }


@needs_redis
def test_a_stale_heartbeat_is_503_naming_the_worker(client, settings):
    beat_at(settings.HEALTHZ_WORKER_MAX_AGE + 1)
    assert probe(client) == (
        503,
        {
            "status": "fail",
            "failing": ["worker"],
            "checks": {"database": "ok", "redis": "ok", "cache": "ok", "worker": "stale"},
        },
    )


@needs_redis
def test_no_heartbeat_ever_is_503(client):
    status, body = probe(client)
    assert (status, body["failing"], body["checks"]["worker"]) == (503, ["worker"], "stale")


@needs_redis
def test_the_answer_is_never_kept_a_beat_going_stale_shows_at_once(client, settings):
    beat_at(1)
    assert probe(client)[0] == 200
    beat_at(settings.HEALTHZ_WORKER_MAX_AGE + 1)
    assert probe(client)[0] == 503


def test_redis_down_is_503_naming_redis_the_cache_on_it_and_the_worker_without_any_detail(client, settings):
    with refusing_port() as port:
        settings.REDIS_URL = settings.CACHE_URL = f"redis://:s3cret-password@{LOOPBACK}:{port}/0"
        response = client.get("/healthz")
    body = json.loads(response.content)
    assert response.status_code == 503
    assert body == {
        "status": "fail",
        "failing": ["redis", "cache", "worker"],
        "checks": {"database": "ok", "redis": "failed", "cache": "failed", "worker": "unknown"},
    }
    assert b"s3cret" not in response.content and str(port).encode() not in response.content


def test_a_hung_redis_fails_the_probe_instead_of_hanging_it(client, settings):
    hung = SilentServer().start()  # accepts the connection, never answers
    try:
        settings.REDIS_URL = settings.CACHE_URL = f"redis://{LOOPBACK}:{hung.port}/0"
        status, body = probe(client)
    finally:
        hung.stop()
    assert (status, body["failing"]) == (503, ["redis", "cache", "worker"])  # after HEALTHZ_REDIS_TIMEOUT


@needs_redis
def test_a_cache_on_another_redis_server_that_is_down_is_503_naming_the_cache_alone(client, settings):
    beat_at(5)
    with refusing_port() as port:
        settings.CACHE_URL = f"redis://:s3cret-password@{LOOPBACK}:{port}/0"
        response = client.get("/healthz")
    assert (response.status_code, json.loads(response.content)) == (
        503,
        {
            "status": "fail",
            "failing": ["cache"],
            "checks": {"database": "ok", "redis": "ok", "cache": "failed", "worker": "ok"},
        },
    )
    assert b"s3cret" not in response.content and str(port).encode() not in response.content


@needs_redis
def test_a_cache_on_its_own_server_can_be_probed_alone(client, settings):
    with refusing_port() as port:
        settings.CACHE_URL = f"redis://{LOOPBACK}:{port}/0"
        assert probe(client, "?checks=cache") == (
            503,
            {"status": "fail", "failing": ["cache"], "checks": {"cache": "failed"}},
        )
    beat_at(settings.HEALTHZ_WORKER_MAX_AGE + 1)  # the worker's state is not asked
    settings.CACHE_URL = settings.REDIS_URL
    assert probe(client, "?checks=cache") == (200, {"status": "ok", "checks": {"cache": "ok"}})


def test_a_cache_in_another_database_of_the_brokers_server_costs_no_second_round_trip(client, settings):
    """Another database number is the same server: the broker's one PING answers for both (a second would have
    opened a second connection to the hung server and waited as long again)."""
    hung = SilentServer().start()
    try:
        settings.REDIS_URL = f"redis://{LOOPBACK}:{hung.port}/0"
        settings.CACHE_URL = f"redis://{LOOPBACK}:{hung.port}/1"
        status, body = probe(client)
        connections = len(hung.connections)
    finally:
        hung.stop()
    assert (status, body["failing"], body["checks"]["cache"]) == (503, ["redis", "cache", "worker"], "failed")
    assert connections == 1


@needs_redis
def test_a_load_balancer_may_leave_the_installation_wide_worker_check_out(client, settings):
    beat_at(settings.HEALTHZ_WORKER_MAX_AGE + 1)
    assert probe(client, "?checks=database,redis") == (
        200,
        {"status": "ok", "checks": {"database": "ok", "redis": "ok"}},
    )
    assert probe(client, "?checks=worker")[0] == 503


def test_an_unknown_check_is_400_so_a_typo_in_a_probe_shows(client):
    status, body = probe(client, "?checks=database,redsi")
    assert (status, body["known_checks"]) == (400, ["database", "redis", "cache", "worker"])


def test_it_answers_a_probe_by_address_over_plain_http_in_production(client, settings):
    """Load balancers call each web process by its address, over HTTP behind TLS termination: neither the host check
    nor the HTTPS redirect may turn the probe away, though they still guard every page."""
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["registry.example"]
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz?checks=database", HTTP_HOST="10.0.3.7:8000").status_code == 200
    assert client.get("/", HTTP_HOST="10.0.3.7:8000").status_code == 400
    assert client.get("/", HTTP_HOST="registry.example").status_code == 301


def test_it_is_anonymous_and_costs_one_query(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):  # SELECT 1: no session, no user, no page cache
        response = client.get("/healthz?checks=database")
    assert response.status_code == 200
    assert "Set-Cookie" not in response and not response.cookies


def test_head_is_answered_and_other_methods_are_refused(client):
    assert client.head("/healthz?checks=database").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_beat_queues_the_heartbeat_every_minute_and_a_late_one_is_dropped():
    entry = django_settings.CELERY_BEAT_SCHEDULE["worker-heartbeat"]
    assert entry["task"] == core_tasks.worker_heartbeat.name
    assert entry["schedule"] <= 60 < django_settings.HEALTHZ_WORKER_MAX_AGE
    assert entry["options"]["expires"] <= entry["schedule"]


@needs_redis
def test_the_heartbeat_task_makes_the_worker_check_pass(client):
    assert probe(client)[0] == 503
    core_tasks.worker_heartbeat()  # what a worker runs when beat queues it
    assert probe(client) == (
        200,
        {"status": "ok", "checks": {"database": "ok", "redis": "ok", "cache": "ok", "worker": "ok"}},
    )
