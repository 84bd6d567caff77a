"""Time to issue and sign the registry snapshot (registry.public.snapshots.snapshot_issue) at N services, its size,
and the issuing process's peak memory; the same for the signed trusted list (registry.public.trusted_lists).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/snapshot.py --services 10000

The service function runs in this process, as a Celery worker runs it, on a database of the run's own seeded with
`seed_bench`. Issued once (forced: the content may not have changed); then, apart, the time to read the registry's
content (its queries and the Python that shapes it) and the time to sign the body: the rest is building and storing
the JSON.
"""

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from bench import common as c  # noqa: E402

# Once: at 10,000 services an issue takes seconds, and `make bench` must stay well under ten minutes.
RUNS = 1


@dataclass
class SnapshotResult:
    services: int
    issue_seconds: list[float]
    content_seconds: float
    sign_ms: float
    megabytes: float
    certificates: int  # live: the registry's rows
    histories: int  # every certificate's history, archived ones included
    growth_mb: float
    list_seconds: float = 0.0  # the trusted list: read, built as XML, signed (XAdES), stored
    list_megabytes: float = 0.0
    list_growth_mb: float = 0.0


def measure(services: int) -> SnapshotResult:
    """Needs Django set up on the seeded database (http_load.setup_django)."""
    from registry.public import signing
    from registry.public import snapshot_content as document
    from registry.public.snapshots import snapshot_issue
    from registry.public.trusted_lists import trusted_list_issue

    me = os.getpid()
    issue_seconds = []
    growth = 0
    for _ in range(RUNS):
        before = c.rss_kb(me)
        c.reset_peak(me)
        started = time.monotonic()
        snapshot = snapshot_issue(force=True)
        issue_seconds.append(time.monotonic() - started)
        growth = max(growth, c.peak_kb(me) - before)
    started = time.monotonic()
    content = document.registry_content()
    content_seconds = time.monotonic() - started
    body = snapshot.body.encode()
    key = signing.signing_key()
    started = time.monotonic()
    key.sign(body)
    sign_ms = (time.monotonic() - started) * 1000
    result = SnapshotResult(
        services=services,
        issue_seconds=issue_seconds,
        content_seconds=content_seconds,
        sign_ms=sign_ms,
        megabytes=len(body) / 1e6,
        certificates=len(content["certificates"]),
        histories=len(content["history"]),
        growth_mb=growth / 1024,
    )
    before = c.rss_kb(me)
    c.reset_peak(me)
    started = time.monotonic()
    issue = trusted_list_issue(force=True)
    result.list_seconds = time.monotonic() - started
    result.list_megabytes = len(issue.document.encode()) / 1e6
    result.list_growth_mb = (c.peak_kb(me) - before) / 1024
    c.log(
        f"trusted list at {services} services: issued in {result.list_seconds:.2f} s; {result.list_megabytes:.1f} MB; "
        f"process peak +{result.list_growth_mb:.0f} MB"
    )
    c.log(
        f"snapshot at {services} services: issued in {', then '.join(f'{s:.2f} s' for s in issue_seconds)}; "
        f"{result.megabytes:.1f} MB ({result.certificates} live certificates, {result.histories} histories); content read in {content_seconds:.2f} s, signed in {sign_ms:.1f} ms; "
        f"process peak +{result.growth_mb:.0f} MB"
    )
    return result


def print_table(result: SnapshotResult):
    print()
    print("Signed snapshot (snapshot_issue, in one process as a worker runs it)")
    header = (
        f"{'services':>8} {'live certs':>10} {'histories':>9} {'issue s':>8} {'content read s':>15} {'sign ms':>8} "
        f"{'MB':>6} {'peak +MB':>9}"
    )
    print(header)
    print("-" * len(header))
    print(
        f"{result.services:>8} {result.certificates:>10} {result.histories:>9} {result.issue_seconds[-1]:>8.2f} "
        f"{result.content_seconds:>15.2f} {result.sign_ms:>8.1f} {result.megabytes:>6.1f} {result.growth_mb:>9.0f}"
    )
    print()
    print("Signed trusted list (trusted_list_issue: content read, XML built, XAdES signature, stored)")
    print(f"{'services':>8} {'issue s':>8} {'MB':>6} {'peak +MB':>9}")
    print(
        f"{result.services:>8} {result.list_seconds:>8.2f} {result.list_megabytes:>6.1f} {result.list_growth_mb:>9.0f}"
    )


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", type=int, default=10_000, help="services seeded (seed_bench); default 10000")
    return parser.parse_args(argv)


def main():
    from bench.http_load import setup_django

    args = parse_args()
    with c.Stack(args.services, label="snapshot", celery=False, static=False) as stack:
        setup_django(stack.env)
        print_table(measure(args.services))


if __name__ == "__main__":
    main()
