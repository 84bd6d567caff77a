"""Faults, with the real thing: Redis refusing connections or hung while a provider submits, a worker killed in the
middle of an e-mail or of a certificate PDF, a transaction rolled back after its task was asked for.

Each event's e-mails must go out once: not lost (the outbox and the sweep), not twice (each recipient's row in the
outbox, marked sent as soon as the server accepted it; late acknowledgement and redelivery of a dead worker's
message, whose task takes its claimed rows back)."""

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from registry.certificates.models import Certificate
from registry.notifications import tasks as notification_tasks
from registry.qualification.models import Dossier, DossierEvent
from registry.qualification.services import dossiers as svc
from tests.integration.conftest import real_thing
from tests.integration.harness import LOOPBACK, SilentServer, publishing_to, refusing_port, wait_until
from trustedcloud.celery import app as celery_app

pytestmark = real_thing

# Bounds, not expectations.
DELIVERY_TIMEOUT = 30
# The broker's socket timeouts are 2 s (settings): a request facing a hung Redis must answer well within this.
# A guard against hanging, not a speed benchmark.
HUNG_BROKER_BOUND = 6
# A killed worker's message goes back to the queue this long after it was delivered (BROKER_VISIBILITY_TIMEOUT).
VISIBILITY_TIMEOUT = 3

NOTIFY = notification_tasks.send_dossier_event_notification.name


def redis_at(port: int) -> str:
    return f"redis://{LOOPBACK}:{port}/0"


def submit_event(dossier) -> DossierEvent:
    return DossierEvent.objects.get(dossier=dossier, action="submit")


def is_notified(event) -> bool:
    return DossierEvent.objects.filter(pk=event.pk, notified_at__isnull=False).exists()


def make_old_enough_for_the_sweep(event):
    # A queryset update: the model refuses to change anything but notified_at of a saved event.
    DossierEvent.objects.filter(pk=event.pk).update(
        created_at=timezone.now() - notification_tasks.SWEEP_GRACE - timedelta(minutes=1)
    )


def wait_until_redeliverable(broker, visibility_timeout: float):
    """Until every message a dead worker left unacknowledged is older than the visibility timeout: a worker starting
    then puts them back in the queue at once (kombu's restore_visible, run when a worker connects)."""
    unacked = broker.unacked()
    assert unacked, "the killed worker left no unacknowledged message: nothing to redeliver"
    due = max(unacked.values()) + visibility_timeout + 0.2
    wait_until(lambda: time.time() >= due, timeout=visibility_timeout + 5, message="messages due for redelivery")


# Redis refusing connections, Redis hung.


def test_with_redis_refusing_connections_a_submission_succeeds_and_the_sweep_sends_each_email_once(
    start_worker, broker, smtp, complete_draft, owner, editor, reviewer
):
    worker = start_worker()

    with refusing_port() as port, publishing_to(celery_app, redis_at(port), broker.transport_options()):
        started = time.monotonic()
        dossier = svc.dossier_submit(dossier=complete_draft, by=editor)
        elapsed = time.monotonic() - started

    assert elapsed < HUNG_BROKER_BOUND
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.SUBMITTED
    event = submit_event(dossier)
    assert event.notified_at is None
    assert NOTIFY not in [name for name, _args in broker.queued_tasks()]

    # Redis is back (this process publishes to the real broker again); the sweep sends what is old enough.
    make_old_enough_for_the_sweep(event)
    assert worker.task_result(notification_tasks.sweep_unnotified_events.delay().id) == "1"
    assert is_notified(event)
    expected = {owner.email, editor.email, reviewer.email}
    assert Counter(smtp.recipients()) == dict.fromkeys(expected, 1)

    # Sent is sent: another sweep, and the queued task if it came after all, send nothing.
    assert worker.task_result(notification_tasks.sweep_unnotified_events.delay().id) == "0"
    assert worker.task_result(notification_tasks.send_dossier_event_notification.delay(event.pk).id) == "False"
    assert Counter(smtp.recipients()) == dict.fromkeys(expected, 1)


def test_with_redis_hung_a_submission_still_answers_within_seconds(broker, complete_draft, editor):
    hung = SilentServer().start()
    try:
        with publishing_to(celery_app, redis_at(hung.port), broker.transport_options()):
            started = time.monotonic()
            dossier = svc.dossier_submit(dossier=complete_draft, by=editor)
            elapsed = time.monotonic() - started
    finally:
        hung.stop()

    assert hung.connections, "the submission never tried the hung broker: this test would prove nothing"
    assert elapsed < HUNG_BROKER_BOUND, f"the submission took {elapsed:.1f} s"
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.SUBMITTED
    assert submit_event(dossier).notified_at is None  # waits for the sweep


def test_with_redis_hung_a_qualification_still_answers_within_seconds(broker, complete_draft, walk, decision_maker):
    dossier = walk(complete_draft, Dossier.Status.DECISION)
    hung = SilentServer().start()
    try:
        with publishing_to(celery_app, redis_at(hung.port), broker.transport_options()):
            started = time.monotonic()
            svc.dossier_qualify(dossier=dossier, by=decision_maker, scope="IaaS.")
            elapsed = time.monotonic() - started
    finally:
        hung.stop()

    assert Certificate.objects.filter(dossier=dossier).exists()
    assert elapsed < HUNG_BROKER_BOUND, f"the qualification took {elapsed:.1f} s"


# A worker killed in the middle of its task.


def test_a_worker_killed_in_the_middle_of_an_email_leaves_it_to_the_next_worker_which_sends_each_once(
    start_worker, broker, smtp, complete_draft, owner, editor, reviewer
):
    env = {"BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT)}
    first = start_worker(**env)
    smtp.hold_attempt(1)  # the first e-mail: the server has it all but does not answer

    svc.dossier_submit(dossier=complete_draft, by=editor)
    event = submit_event(complete_draft)
    assert smtp.held.wait(DELIVERY_TIMEOUT), first.log_tail()
    first.kill()
    assert smtp.dropped.wait(10), "the SMTP server did not see the sender go"
    assert smtp.count() == 0
    assert not is_notified(event)

    wait_until_redeliverable(broker, VISIBILITY_TIMEOUT)
    start_worker(**env)
    wait_until(lambda: is_notified(event), timeout=DELIVERY_TIMEOUT, message="notified after redelivery")
    # Acknowledged: no copy of the message is left for anyone to redeliver.
    wait_until(lambda: not broker.unacked(), timeout=DELIVERY_TIMEOUT, message="redelivered message acknowledged")
    assert Counter(smtp.recipients()) == dict.fromkeys({owner.email, editor.email, reviewer.email}, 1)


def test_a_worker_killed_between_two_recipients_sends_nobody_a_second_email(
    start_worker, broker, smtp, complete_draft, owner, editor, reviewer
):
    env = {"BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT)}
    first = start_worker(**env)
    smtp.hold_attempt(2)  # the first e-mail is accepted, the second waits unanswered
    svc.dossier_submit(dossier=complete_draft, by=editor)
    event = submit_event(complete_draft)
    assert smtp.held.wait(DELIVERY_TIMEOUT), first.log_tail()
    first.kill()
    assert smtp.dropped.wait(10)
    assert smtp.count() == 1

    wait_until_redeliverable(broker, VISIBILITY_TIMEOUT)
    start_worker(**env)
    wait_until(lambda: is_notified(event), timeout=DELIVERY_TIMEOUT, message="notified after redelivery")
    wait_until(lambda: not broker.unacked(), timeout=DELIVERY_TIMEOUT, message="redelivered message acknowledged")
    assert Counter(smtp.recipients()) == dict.fromkeys({owner.email, editor.email, reviewer.email}, 1)


def test_a_retry_after_a_refused_second_email_sends_nobody_a_second_email(
    settings, smtp, complete_draft, owner, editor, reviewer
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = LOOPBACK, smtp.port
    svc.dossier_submit(dossier=complete_draft, by=editor)
    event = submit_event(complete_draft)
    smtp.refuse_attempt(2)  # a temporary failure (451) of the second message, once

    # In this process: apply() runs the retries at once, whatever their countdown.
    notification_tasks.send_dossier_event_notification.apply(args=[event.pk])

    assert is_notified(event)
    assert Counter(smtp.recipients()) == dict.fromkeys({owner.email, editor.email, reviewer.email}, 1)


def test_a_worker_killed_in_the_middle_of_a_certificate_pdf_leaves_one_pdf(
    start_worker, broker, complete_draft, walk, decision_maker, private_storage
):
    dossier = walk(complete_draft, Dossier.Status.DECISION)
    certificate = svc.dossier_qualify(dossier=dossier, by=decision_maker, scope="IaaS.")  # queues its PDF
    folder = private_storage / "certificates" / certificate.number
    env = {"BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT)}

    # The render locks the certificate's row, writes the file, then saves the row. A SHARE lock on the table lets the
    # row lock through (ROW SHARE) but not the UPDATE (ROW EXCLUSIVE): the worker stops there, with the PDF on disk and
    # its transaction open.
    table = Certificate._meta.db_table
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f'LOCK TABLE "{table}" IN SHARE MODE')
        first = start_worker(**env)
        wait_until(lambda: waiting_on_lock_to_update(table), timeout=DELIVERY_TIMEOUT, message="PDF half-done")
        assert [p.name for p in folder.iterdir()], "the worker was stopped before it wrote the PDF"
        first.kill()
    # Its connection's transaction ends when PostgreSQL notices the client went: nothing of the render is committed.
    certificate.refresh_from_db()
    assert not certificate.pdf

    wait_until_redeliverable(broker, VISIBILITY_TIMEOUT)
    start_worker(**env)
    wait_until(
        lambda: Certificate.objects.filter(pk=certificate.pk, pdf_status=certificate.status).exclude(pdf="").exists(),
        timeout=DELIVERY_TIMEOUT,
        message="PDF rendered after redelivery",
    )
    wait_until(lambda: not broker.unacked(), timeout=DELIVERY_TIMEOUT, message="redelivered message acknowledged")
    certificate.refresh_from_db()
    assert [p.name for p in folder.iterdir()] == [certificate.pdf.name.rsplit("/", 1)[1]]
    assert (private_storage / certificate.pdf.name).read_bytes().startswith(b"%PDF-")


def waiting_on_lock_to_update(table: str) -> bool:
    with connection.cursor() as cursor:
        # Inside a transaction pg_stat_activity is a snapshot taken at first use: clear it to see the news.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND wait_event_type = 'Lock' AND query ILIKE %s",
            [f'UPDATE "{table}"%'],
        )
        return cursor.fetchone()[0] > 0


# A rollback.


def test_a_task_asked_for_inside_a_rolled_back_transaction_queues_nothing(broker, complete_draft, editor):
    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), transaction.atomic():
        svc.dossier_submit(dossier=complete_draft, by=editor)
        raise Abandoned

    assert not DossierEvent.objects.filter(dossier=complete_draft, action="submit").exists()
    assert NOTIFY not in [name for name, _args in broker.queued_tasks()]

    # The same submission committed queues its notification once: the queue inspected above would have shown it.
    svc.dossier_submit(dossier=complete_draft, by=editor)
    event = submit_event(complete_draft)
    assert broker.queued_tasks().count((NOTIFY, repr((event.pk,)))) == 1
