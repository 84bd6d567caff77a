"""`make bench`: the HTTP tables (the public pages with the page cache off and on, at each size; the two-instance run),
the growth of each page's cost from the first size to the others, the exports at two sizes and the signed snapshot,
in one run. See bench/README.md for what each figure means.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/run.py [--services 10000,100000] [--duration 5]

The first size's database, made for the run and dropped at its end, is seeded with --small services for the first
export, then grown to the first size (seed_bench --append) for the snapshot, the HTTP tables, the two-instance run and
the second export. Each further size gets a database of its own, seeded from empty, for the HTTP tables only (in a
process of its own: bench/http_load.py).
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
    parser.add_argument(
        "--services",
        type=http_load.sizes,
        default=[10_000, 100_000],
        help="sizes of the registry, comma-separated; default 10000,100000 (exports and snapshot at the first)",
    )
    parser.add_argument("--small", type=int, default=1_000, help="services of the smaller export's; default 1000")
    parser.add_argument(
        "--duration", type=int, default=w.WRK_DURATION, help=f"seconds of wrk per endpoint; default {w.WRK_DURATION}"
    )
    return parser.parse_args(argv)


def main():
    args = parse_args()
    first, *more = args.services
    if not args.small < first:
        sys.exit("--small must be smaller than the first --services: the exports are compared at two sizes.")
    w.ensure_wrk()
    started = time.monotonic()
    print(f"make bench, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, on {c.machine()}", flush=True)
    with c.Stack(args.small, label="main") as stack:
        exports = export.measure(stack)
        stack.grow(first)
        c.log(
            f"seeded {args.small:,} services in {stack.seed_seconds:.0f} s, then up to {first:,} in {stack.grow_seconds:.0f} s"
        )
        http_load.setup_django(stack.env)
        snapshot_result = snapshot.measure(first)
        results = [http_load.run(stack, duration=args.duration)]
        exports += export.measure(stack)
    for services in more:
        results.append(http_load.measure_in_process(services, duration=args.duration, pair=False))

    print()
    print(f"Summary ({c.machine()}, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())})")
    for result in results:
        http_load.print_size(result)
    http_load.print_growth(results)
    export.print_table(exports)
    snapshot.print_table(snapshot_result)
    print(f"\nmake bench took {time.monotonic() - started:.0f} s.")


if __name__ == "__main__":
    main()
