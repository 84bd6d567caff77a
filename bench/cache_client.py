"""Django's stock Redis cache backend against ours (registry/core/cache.py), in one run, on a local Redis.

    .venv/bin/python bench/cache_client.py [--redis redis://127.0.0.1:6379/9] [--calls 5000] [--rounds 7] [--kb 60]

Three measures, each taken with the stock `django.core.cache.backends.redis.RedisCache` and with
`registry.core.cache.SharedClientRedisCache` in turn, ROUNDS times alternately (A B A B ...), the median kept:

- `cache.get`: one key that is there (a small value), CALLS times;
- `cache.get_many`: the generation and a page (KB kilobytes), the page cache's one call per request;
- a public page served from the page cache: a GET of /registry/ through the whole Django stack, in this process
  (the project's production settings, DEBUG off: every middleware, the page cache's hit, the visitor's own CSRF token
  written in), with its entry put in the cache beforehand; no view, no database. This is what a worker spends on an
  anonymous page between two changes of the registry, the server and network apart.

It prints microseconds per call and the ratio stock / ours for each. Keys are written under a prefix of the run's own
in the Redis database given (default 9) and deleted at the end, never a flush.
"""

import argparse
import os
import secrets
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BACKENDS = {
    "stock": "django.core.cache.backends.redis.RedisCache",
    "ours": "registry.core.cache.SharedClientRedisCache",
}


def configure(redis_url: str) -> None:
    # The production configuration as bench/run.py serves it, without a database (a page cache hit needs none).
    os.environ.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        REDIS_URL=redis_url,
        PUBLIC_CACHE_SECONDS="300",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustedcloud.settings")
    # No static files are collected for this run, and none is served: whitenoise's warning about it is noise here.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    import django

    django.setup()


def caches_for(backend: str, redis_url: str, prefix: str) -> dict:
    from django.conf import settings

    default = dict(settings.CACHES["default"])
    return {"default": default | {"BACKEND": BACKENDS[backend], "LOCATION": redis_url, "KEY_PREFIX": prefix}}


def page_environ() -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/registry/",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_ACCEPT_LANGUAGE": "en",
        # As from the TLS proxy in front of a deployment (the production settings redirect plain HTTP).
        "HTTP_X_FORWARDED_PROTO": "https",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": __import__("io").BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def keep_page(kb: int) -> str:
    """Put /registry/'s entry in the cache as the middleware keeps a rendered page (its key, its format); its key."""
    from django.middleware.locale import LocaleMiddleware
    from django.test import RequestFactory

    from registry.public import cache as page_cache

    request = RequestFactory().get("/registry/", HTTP_ACCEPT_LANGUAGE="en")
    LocaleMiddleware(lambda r: None).process_request(request)
    filler = b"<tr><td>A certified service</td><td>IaaS</td><td>FR</td><td>active</td></tr>\n"
    body = b"<!DOCTYPE html><html lang=en><body><form>" + page_cache.CSRF_MARKER + b"</form>"
    body += filler * (kb * 1024 // len(filler)) + b"</body></html>"
    entry = {
        "generation": page_cache.current_generation(),
        "status": 200,
        "headers": [("Content-Type", "text/html; charset=utf-8")],
        "body": body,
        "has_token": True,
    }
    key = page_cache._entry_key(request)
    page_cache.cache.set(key, entry, timeout=600)
    return key


def per_call_us(call, calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - started) / calls * 1e6


def measure(backend: str, args, prefix: str) -> dict:
    from django.core.cache import cache
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import override_settings

    from registry.public.cache import GENERATION_KEY

    with override_settings(CACHES=caches_for(backend, args.redis, prefix)):
        cache.set("bench:small", {"status": "active"}, timeout=600)
        page_key = keep_page(args.kb)
        handler = WSGIHandler()
        statuses = []

        def serve():
            body = handler(page_environ(), lambda status, headers: statuses.append(status))
            b"".join(body)
            body.close()

        serve()  # code paths warmed, the connection open
        if statuses[0] != "200 OK":
            sys.exit(f"/registry/ answered {statuses[0]}, not the kept page: nothing to measure.")
        statuses.clear()
        figures = {
            "get": per_call_us(lambda: cache.get("bench:small"), args.calls),
            "get_many": per_call_us(lambda: cache.get_many([GENERATION_KEY, page_key]), args.calls),
            "page": per_call_us(serve, max(args.calls // 5, 1)),
        }
        if set(statuses) != {"200 OK"}:
            sys.exit(f"a kept page was not served: {sorted(set(statuses))}")
        cache.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--kb", type=int, default=60, help="size of the kept page's body")
    args = parser.parse_args()
    if not 1 <= args.calls <= 100_000 or not 1 <= args.rounds <= 50 or not 1 <= args.kb <= 1024:
        parser.error("--calls 1..100000, --rounds 1..50, --kb 1..1024")
    configure(args.redis)
    import redis

    prefix = f"bench-cache-{os.getpid()}"
    results = {name: [] for name in BACKENDS}
    try:
        for _ in range(args.rounds):
            for name in BACKENDS:
                results[name].append(measure(name, args, prefix))
    finally:
        client = redis.Redis.from_url(args.redis)
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)

    labels = {
        "get": "cache.get, one small key",
        "get_many": f"cache.get_many, generation + {args.kb} kB page",
        "page": "public page from the page cache, whole stack",
    }
    print(f"Redis {args.redis}, {args.calls} calls a measure, median of {args.rounds} alternating rounds, µs per call")
    print(f"{'measure':<46} {'stock':>9} {'ours':>9} {'stock/ours':>11} {'saved':>8}")
    for measure_name, label in labels.items():
        stock = statistics.median(r[measure_name] for r in results["stock"])
        ours = statistics.median(r[measure_name] for r in results["ours"])
        print(f"{label:<46} {stock:>9.1f} {ours:>9.1f} {stock / ours:>11.2f} {stock - ours:>8.1f}")


if __name__ == "__main__":
    main()
