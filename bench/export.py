"""Time and server memory of the whole-registry exports, /registry/export.json and /registry/export.csv, at two sizes
of the registry: the exports stream, so the server's peak memory must not grow with the number of services.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/export.py --services 1000,10000

For each size: a database of its own seeded with `seed_bench`; for each format a fresh gunicorn with one sync worker
(its process id is then the worker's), one small export first (code loaded, connection open), then the worker's
resident size, its peak reset (Linux: "5" into /proc/<pid>/clear_refs), the whole export read by the client, and the
peak read back (VmHWM): the growth is what the request cost in memory at its worst. A second whole export gives the
time on a warm worker.
"""

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from bench import common as c  # noqa: E402

PORT = 8106
FORMATS = ("json", "csv")
# Targets of issue 8: 10,000 services exported in under 2 s, the server's peak memory not growing with N beyond a
# few megabytes.
MAX_SECONDS = 2.0
MAX_GROWTH_DIFFERENCE_MB = 5.0
# Matches no service: the warm-up export loads the code and opens the connection, and sends no row.
NOTHING = "?q=no-such-service-zzzz"


@dataclass
class ExportResult:
    services: int
    fmt: str
    rows: int
    megabytes: float
    first_seconds: float
    warm_seconds: float
    first_byte_ms: float
    growth_mb: float
    streamed: bool


def timed_get(port: int, path: str) -> tuple[c.Response, float, float]:
    """The answer, the seconds to its last byte, the milliseconds to its first."""
    import http.client

    connection = http.client.HTTPConnection(c.LOOPBACK, port, timeout=120)
    try:
        started = time.monotonic()
        connection.request("GET", path, headers=c.PROXY_HEADERS)
        response = connection.getresponse()
        first = response.read(1)
        first_byte = time.monotonic() - started
        body = first + response.read()
        total = time.monotonic() - started
        headers = {k.lower(): v for k, v in response.getheaders()}
        return c.Response(response.status, headers, body), total, first_byte * 1000
    finally:
        connection.close()


def rows_in(fmt: str, body: bytes) -> int:
    if fmt == "json":
        document = json.loads(body)
        if document["count"] != len(document["rows"]):
            sys.exit("The JSON export's count does not match its rows.")
        return len(document["rows"])
    return body.decode("utf-8-sig").count("\n") - 1  # the header line


def measure(stack: c.Stack) -> list[ExportResult]:
    results = []
    for fmt in FORMATS:
        path = f"/registry/export.{fmt}"
        server = c.Gunicorn(stack.env, PORT, workers=1, scratch=stack.scratch).start()
        try:
            server.wait_ready("/healthz?checks=database")
            warm_up, _, _ = timed_get(PORT, path + NOTHING)
            if warm_up.status != 200:
                sys.exit(f"{path}{NOTHING} answered {warm_up.status}:\n{server.log_tail()}")
            (worker,) = server.worker_pids()
            before = c.rss_kb(worker)
            c.reset_peak(worker)
            response, first_seconds, first_byte_ms = timed_get(PORT, path)
            growth = c.peak_kb(worker) - before
            if response.status != 200:
                sys.exit(f"{path} answered {response.status}:\n{server.log_tail()}")
            _, warm_seconds, _ = timed_get(PORT, path)
        finally:
            server.stop()
        result = ExportResult(
            services=stack.services,
            fmt=fmt,
            rows=rows_in(fmt, response.body),
            megabytes=len(response.body) / 1e6,
            first_seconds=first_seconds,
            warm_seconds=warm_seconds,
            first_byte_ms=first_byte_ms,
            growth_mb=growth / 1024,
            # A streamed answer has no Content-Length: its size was not known when it started.
            streamed="content-length" not in response.headers,
        )
        c.log(
            f"export.{fmt} at {stack.services} services: {result.rows} rows, {result.megabytes:.1f} MB in "
            f"{first_seconds:.2f} s (warm {warm_seconds:.2f} s), worker peak +{result.growth_mb:.1f} MB"
        )
        results.append(result)
    return results


def print_table(results: list[ExportResult]):
    print()
    print("Exports: one gunicorn sync worker; time to the last byte read by a client on the same machine")
    header = (
        f"{'services':>8} {'export':<7} {'rows':>6} {'MB':>6} {'first byte ms':>13} {'time s':>7} {'warm s':>7} "
        f"{'worker peak +MB':>15} {'streamed':>8}  target met"
    )
    print(header)
    print("-" * len(header))
    largest = max(r.services for r in results)
    smallest = {r.fmt: r for r in results if r.services == min(r.services for r in results)}
    for r in results:
        met = ""
        if r.services == largest:
            flat = r.growth_mb - smallest[r.fmt].growth_mb < MAX_GROWTH_DIFFERENCE_MB
            met = "yes" if r.warm_seconds < MAX_SECONDS and flat and r.streamed else "no"
        print(
            f"{r.services:>8} {r.fmt:<7} {r.rows:>6} {r.megabytes:>6.1f} {r.first_byte_ms:>13.0f} "
            f"{r.first_seconds:>7.2f} {r.warm_seconds:>7.2f} {r.growth_mb:>15.1f} {'yes' if r.streamed else 'no':>8}  {met}"
        )
    print(
        f"(target at the largest size: warm time < {MAX_SECONDS:g} s, and the worker's peak growth within "
        f"{MAX_GROWTH_DIFFERENCE_MB:g} MB of the smallest size's)"
    )


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--services", default="1000,10000", help="comma-separated sizes of the registry; default 1000,10000"
    )
    return parser.parse_args(argv)


def main():
    args = parse_args()
    sizes = sorted(int(size) for size in args.services.split(","))
    results = []
    for size in sizes:
        with c.Stack(size, label=f"export{size}", celery=False, static=False) as stack:
            results += measure(stack)
    print_table(results)


if __name__ == "__main__":
    main()
