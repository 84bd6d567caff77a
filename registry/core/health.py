"""/healthz for load balancers and monitoring: the database, Redis, the cache's Redis and a recent worker heartbeat.

200 {"status": "ok", "checks": {...}} when every check passes, 503 {"status": "fail", "failing": [...], "checks": {...}}
otherwise; the checks' values are words, never an exception's text or a setting. Cheap: one trivial query and one Redis
round trip (PING and the heartbeat read in one pipeline), nothing else, not even a session; a second PING only when
CACHE_URL names another Redis server than REDIS_URL (another database of the same server answers with it).

HealthCheckMiddleware answers /healthz ahead of every other middleware: a load balancer probes each web process by
its address (a Host header not in ALLOWED_HOSTS) and over plain HTTP behind TLS termination (which SECURE_SSL_REDIRECT
would answer with a redirect). The probe builds no URL from the Host header, so answering it whatever the host is safe.
It is the only answer at /healthz: the middleware is part of the project's settings, not an option.

?checks=database,redis,cache limits the answer to those checks: the heartbeat is the whole installation's (beat and the
workers), so a load balancer that drains a web process on a failed probe should leave it out; monitoring asks for all.
"""

import functools
import json
import logging
import re
import time

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpResponse, HttpResponseNotAllowed

logger = logging.getLogger(__name__)

PATH = "/healthz"
CHECKS = ("database", "redis", "cache", "worker")
# Values that pass; anything else ("failed", "stale", "unknown") fails.
PASSING = {"ok", "skipped", "inline"}


@functools.lru_cache(maxsize=4)
def _redis(url: str, timeout: float) -> redis.Redis:
    # One connection pool per process, kept: a probe reuses a connection instead of opening one.
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)


def redis_client() -> redis.Redis:
    return _redis(settings.REDIS_URL, settings.HEALTHZ_REDIS_TIMEOUT)


def record_heartbeat() -> float:
    """Write the time into Redis, as the worker that runs registry.core.tasks.worker_heartbeat. Returns the time written."""
    now = time.time()
    redis_client().set(settings.HEALTHZ_HEARTBEAT_KEY, repr(now))
    return now


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 — whatever the driver raises, the database is not usable
        logger.warning("Health check: the database does not answer (%s).", type(exc).__name__)
        return "failed"
    return "ok"


def _ping(url: str) -> str:
    try:
        return "ok" if _redis(url, settings.HEALTHZ_REDIS_TIMEOUT).ping() else "failed"
    except Exception as exc:  # noqa: BLE001 — as in _redis_and_worker, and a URL that names no server
        logger.warning("Health check: the cache's Redis does not answer (%s).", type(exc).__name__)
        return "failed"


def _cache_server() -> str:
    """The cache's Redis, when it is another server than the broker's; "" when it is the same one or there is none.

    Django's cache takes several servers in one setting, the first written to: that one is checked."""
    cache_url = re.split("[;,]", settings.CACHE_URL)[0].strip()
    if cache_url and settings.REDIS_URL and _server(cache_url) == _server(settings.REDIS_URL):
        return ""
    return cache_url


def _server(url: str) -> tuple | str:
    """What makes two URLs one server to PING: all they say but the database number (credentials included)."""
    try:
        options = redis.connection.parse_url(url)
    except ValueError:
        return url  # the PING will say what is wrong with it
    options.pop("db", None)
    if "path" not in options:
        options.setdefault("port", 6379)
    return tuple(sorted((name, repr(value)) for name, value in options.items()))


def _redis_and_worker() -> tuple[str, str]:
    """Redis's answer to PING and the heartbeat's age, in one round trip."""
    if not settings.REDIS_URL:
        return "skipped", "inline"  # no Redis: tasks run inline, inside the request
    try:
        pong, beat = redis_client().pipeline(transaction=False).ping().get(settings.HEALTHZ_HEARTBEAT_KEY).execute()
    except Exception as exc:  # noqa: BLE001 — refused, timed out, refused our credentials: Redis is not usable
        logger.warning("Health check: Redis does not answer (%s).", type(exc).__name__)
        return "failed", "unknown"
    if not pong:
        return "failed", "unknown"
    try:
        age = time.time() - float(beat)
    except (TypeError, ValueError):  # never written (no worker has run the heartbeat since Redis started) or garbled
        return "ok", "stale"
    return "ok", "ok" if age <= settings.HEALTHZ_WORKER_MAX_AGE else "stale"


def healthz_response(request) -> HttpResponse:
    wanted = CHECKS
    if "checks" in request.GET:
        wanted = tuple(name for name in request.GET["checks"].split(",") if name)
        if not wanted or set(wanted) - set(CHECKS):
            return _json(400, {"status": "error", "known_checks": list(CHECKS)})
    results = {}
    if "database" in wanted:
        results["database"] = _database()
    cache_server = _cache_server() if "cache" in wanted else ""
    if "redis" in wanted or "worker" in wanted or ("cache" in wanted and not cache_server):
        results["redis"], results["worker"] = _redis_and_worker()
    if "cache" in wanted:
        if cache_server:
            results["cache"] = _ping(cache_server)
        elif settings.CACHE_URL:
            results["cache"] = results["redis"]  # the broker's server: its PING answered for both
        else:
            results["cache"] = "skipped"  # no Redis: each process keeps its own in-memory cache
    results = {name: results[name] for name in CHECKS if name in results and name in wanted}
    failing = [name for name in CHECKS if name in results and results[name] not in PASSING]
    if failing:
        return _json(503, {"status": "fail", "failing": failing, "checks": results})
    return _json(200, {"status": "ok", "checks": results})


def _json(status: int, body: dict) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    # A cached "ok" would hide an outage: neither the load balancer nor a proxy may keep it.
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class HealthCheckMiddleware:
    """Answers /healthz before any other middleware (see the module's docstring): GET and HEAD, 405 otherwise."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info != PATH:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return healthz_response(request)  # the WSGI server drops a HEAD response's body
