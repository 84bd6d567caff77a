"""Queries and time per page of the admin dossier list (/admin/registry/dossier/), on a database seeded by seed_bench.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/tcr_seed .venv/bin/python bench/admin_list.py [--runs 7]

Signs in one of the seeded reviewers (reviewer-001@agency.bench.example) the way a session looks after a password and
an authenticator code (tests.factories.login_with_mfa: it adds an authenticator and a session row for that bench
user), then asks each page through Django's test client, in process: the full middleware stack, the admin's queries
and the template rendering, without a network or a web server in between. For each page: one warm-up request, then
RUNS timed ones; prints the number of SQL queries (counted on one more request) and the median and best times. DEBUG
is off for the timed requests, as in production: no query log kept in memory.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustedcloud.settings")

PAGES = [
    ("first page", ""),
    ("filtered: status submitted", "?status__exact=submitted"),
    ("waiting for me", "?work=waiting"),
    ("search: Kubernetes", "?q=Kubernetes"),
    ("sorted by provider", "?o=2"),
    ("sorted by days in status, descending", "?o=-6"),
    ("filtered: kind renewal, page 100", "?kind__exact=renewal&p=100"),
    ("last page", "?p={last}"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--reviewer", default="reviewer-001@agency.bench.example")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from registry.agency.dossiers import DossierAdmin
    from registry.qualification.models import Dossier
    from tests.factories import login_with_mfa

    user = get_user_model().objects.filter(email=args.reviewer).first()
    if user is None:
        sys.exit(f"No user {args.reviewer}: seed the database first (manage.py seed_bench --services 10000).")
    total = Dossier.objects.count()
    last = max(1, -(-total // DossierAdmin.list_per_page))  # admin pages count from 1
    client = Client(HTTP_HOST="127.0.0.1")
    login_with_mfa(client, user)
    print(f"{total} dossiers; {args.runs} timed requests per page, as {args.reviewer}")
    print(f"{'page':40} {'queries':>7} {'median ms':>10} {'best ms':>8}")
    for label, query in PAGES:
        url = "/admin/registry/dossier/" + query.format(last=last)
        response = client.get(url)  # warm-up: caches, connection, compiled templates
        if response.status_code != 200:
            sys.exit(f"{url}: HTTP {response.status_code}")
        queries = []

        def counted(execute, sql, *rest, log=queries):
            log.append(sql)
            return execute(sql, *rest)

        with connection.execute_wrapper(counted):
            client.get(url)
        settings.DEBUG = False
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        settings.DEBUG = True
        print(f"{label:40} {len(queries):>7} {statistics.median(times):>10.0f} {min(times):>8.0f}")


if __name__ == "__main__":
    main()
