"""E-mails per second that one Celery worker delivers to a local SMTP server.

A real worker process (`celery worker`, solo pool unless --concurrency > 1) against the real Redis broker and a
PostgreSQL database of its own, made for the run and dropped after it; the SMTP server is aiosmtpd on 127.0.0.1, so
nothing leaves the machine. The script creates N unsent dossier events ("taken for review": each tells the provider's
members, --recipients of them), queues their notification tasks once the worker is ready, and times from the first
task queued to the last event marked notified, with every expected message received by the SMTP server.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/tcr REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python bench/email_throughput.py --events 500

DATABASE_URL names the server (its database is left alone: the run uses tcr_bench_email_<pid>); in REDIS_URL's
database the run's broker keys carry a prefix of their own and are deleted at the end.
"""

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustedcloud.settings")

MAX_EVENTS = 5000
MAX_RECIPIENTS = 20


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=300, help=f"events to notify (1..{MAX_EVENTS}); default 300")
    parser.add_argument("--recipients", type=int, default=1, help="provider members told of each event; default 1")
    parser.add_argument("--concurrency", type=int, default=1, help="worker processes (1: solo pool); default 1")
    parser.add_argument("--timeout", type=float, default=300, help="give up after this many seconds; default 300")
    args = parser.parse_args()
    if not 1 <= args.events <= MAX_EVENTS:
        parser.error(f"--events must be between 1 and {MAX_EVENTS}")
    if not 1 <= args.recipients <= MAX_RECIPIENTS:
        parser.error(f"--recipients must be between 1 and {MAX_RECIPIENTS}")
    if not 1 <= args.concurrency <= 16:
        parser.error("--concurrency must be between 1 and 16")
    return args


def create_events(count: int, recipients: int) -> list[int]:
    """One provider with `recipients` members, one dossier, and `count` unsent "take" events on it."""
    from registry.qualification.models import DossierEvent
    from tests import factories as f

    provider = f.provider()
    for i in range(recipients):
        f.member(provider, "editor", email=f"member{i}@bench.test")
    reviewer = f.user(email="reviewer@bench.test")
    dossier = f.dossier(f.service(provider), f.scheme(with_requirements=False), status="in_review")
    events = DossierEvent.objects.bulk_create(
        DossierEvent(dossier=dossier, actor=reviewer, action="take", from_status="submitted", to_status="in_review")
        for _ in range(count)
    )
    return [event.pk for event in events]


def run(args) -> float:
    from django.conf import settings
    from django.db import connection

    from registry.notifications import tasks as notification_tasks
    from registry.qualification.models import DossierEvent
    from tests.integration.harness import Broker, SmtpSink, Worker, database_url, publishing_to, wait_until
    from trustedcloud.celery import app

    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        sys.exit("Needs DATABASE_URL (PostgreSQL) and REDIS_URL: the worker is another process.")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO

    expected = args.events * args.recipients
    broker = Broker.beside(settings.REDIS_URL)
    smtp = SmtpSink().start()
    worker = None
    try:
        with (
            tempfile.TemporaryDirectory(prefix="tcr-bench-") as scratch,
            publishing_to(app, broker.url, broker.transport_options()),
        ):
            event_ids = create_events(args.events, args.recipients)
            worker = Worker(
                {
                    **broker.worker_env(),
                    "DATABASE_URL": database_url(),
                    "EMAIL_URL": smtp.url,
                    "PRIVATE_MEDIA_ROOT": scratch,
                    "LOG_LEVEL": "WARNING",
                },
                log_path=Path(scratch) / "worker.log",
                name=f"bench-{os.getpid()}@localhost",
                concurrency=args.concurrency,
            )
            worker.start().wait_ready(app)

            started = time.monotonic()
            for event_id in event_ids:
                notification_tasks.send_dossier_event_notification.delay(event_id)
            queued = time.monotonic() - started
            pending = DossierEvent.objects.filter(pk__in=event_ids, notified_at__isnull=True)
            try:
                wait_until(
                    lambda: smtp.count() >= expected and not pending.exists(),
                    timeout=args.timeout,
                    interval=0.02,
                    message=f"{expected} e-mails delivered",
                )
            except TimeoutError:
                sys.exit(
                    f"Timed out: {smtp.count()} of {expected} e-mails after {args.timeout:g} s.\n{worker.log_tail()}"
                )
            elapsed = time.monotonic() - started
            if smtp.count() != expected:
                sys.exit(f"Expected {expected} e-mails, the SMTP server received {smtp.count()}.")
    finally:
        if worker is not None:
            worker.stop()
        smtp.stop()
        broker.delete_keys()

    rate = expected / elapsed
    pool = "solo pool" if args.concurrency == 1 else f"prefork pool, {args.concurrency} processes"
    print(
        f"{expected} e-mails ({args.events} events x {args.recipients} recipient(s)) delivered in {elapsed:.2f} s "
        f"by one worker ({pool}); queuing took {queued:.2f} s of it."
    )
    print(f"{rate:.1f} e-mails per second ({1000 / rate:.1f} ms per e-mail)")
    print(f"(machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end of the run)")
    return rate


def main():
    args = parse_args()
    import django

    django.setup()
    from django.db import connections
    from django.test.utils import setup_databases, teardown_databases

    # A database of the run's own, made and migrated by Django's test machinery, dropped at the end.
    connections["default"].settings_dict["TEST"]["NAME"] = f"tcr_bench_email_{os.getpid()}"
    names = setup_databases(verbosity=0, interactive=False, serialized_aliases=[])
    try:
        run(args)
    finally:
        teardown_databases(names, verbosity=0)


if __name__ == "__main__":
    main()
