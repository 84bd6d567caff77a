"""`make bench`: the signed snapshot, the HTTP table (one gunicorn instance, then two on one database), and the exports
at two sizes, in one run. See bench/README.md for what each figure means.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python bench/run.py

One database, made for the run and dropped at its end: seeded with --small services for the first export, then grown
to --services (seed_bench --append) for the snapshot, the HTTP tables and the second export.
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from bench import common as c  # noqa: E402
from bench import export, http_load, snapshot  # noqa: E402
from bench import wrk as w  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", type=int, default=10_000, help="services of the main registry; default 10000")
    parser.add_argument("--small", type=int, default=1_000, help="services of the smaller export's; default 1000")
    parser.add_argument("--duration", type=int, default=w.WRK_DURATION, help="seconds of wrk per endpoint; default 10")
    return parser.parse_args(argv)


def main():
    args = parse_args()
    if not args.small < args.services:
        sys.exit("--small must be smaller than --services: the exports are compared at two sizes.")
    w.ensure_wrk()
    started = time.monotonic()
    print(f"make bench, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, on {c.machine()}", flush=True)
    with c.Stack(args.small, label="main") as stack:
        exports = export.measure(stack)
        stack.grow(args.services)
        http_load.setup_django(stack.env)
        snapshot_result = snapshot.measure(args.services)
        http = http_load.run(stack, duration=args.duration)
        exports += export.measure(stack)

    print()
    print(f"Summary ({c.machine()}, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())})")
    single = http["single"]
    http_load.print_table("HTTP, one gunicorn instance (2 sync workers)", single, single[0][1])
    http_load.print_table("HTTP, two instances on one database and Redis", http["pair"], http["pair"][0][1])
    print(f"A write through instance A seen by instance B at once: {'yes' if http['write_seen'] else 'NO'}")
    export.print_table(exports)
    snapshot.print_table(snapshot_result)
    print(f"\nmake bench took {time.monotonic() - started:.0f} s.")


if __name__ == "__main__":
    main()
