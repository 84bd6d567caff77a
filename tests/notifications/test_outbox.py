"""The outbox's promise: one row per message and recipient, sent outside any transaction, each recipient exactly once
whatever fails part-way (a refusal, a worker gone, two workers at once); a name with a line break silences nobody;
a mail server down never fails a request; a bug while queuing is not taken for a broker outage."""

import datetime
import smtplib
import threading
from collections import Counter

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from registry.certificates.services import certificate_suspend
from registry.core import queue
from registry.notifications import outbox
from registry.notifications import tasks as notification_tasks
from registry.notifications.failures import delivery_failures_resolve
from registry.notifications.models import DeliveryFailure, OutgoingEmail
from registry.providers.models import Invitation, Service
from registry.public.models import Subscription
from tests import factories as f
from trustedcloud.celery import app as celery_app

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

PROVIDER = {"owner@nuage.test", "editor@nuage.test", "viewer@nuage.test"}


@pytest.fixture
def eager_tasks(monkeypatch):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


class RefusingServer(LocmemBackend):
    """A mail server that answers 451 (try later) to the messages for the addresses in `refuse`, and accepts the
    others: what smtplib raises, outside our walls."""

    refuse: set[str] = set()

    def send_messages(self, messages):
        for message in messages:
            if message.to[0] in self.refuse:
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (451, b"4.3.0 Try again later")})
        return super().send_messages(messages)


class DownServer(LocmemBackend):
    def open(self):
        raise smtplib.SMTPConnectError(421, b"Service not available")


@pytest.fixture
def refusing(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingServer"
    RefusingServer.refuse = set()
    yield RefusingServer.refuse
    RefusingServer.refuse = set()


def emails(to, kind="notice"):
    return [outbox.Email(to=sorted(to), subject="Subject", body="Body", kind=kind)]


def sent():
    return Counter(address for message in mail.outbox for address in message.to)


def test_writing_the_same_message_twice_writes_one_row_per_recipient(db):
    outbox.write("about:1", emails(PROVIDER))
    outbox.write("about:1", emails(PROVIDER))
    assert OutgoingEmail.objects.count() == 3
    outbox.write("about:1", emails(PROVIDER, kind="other"))
    assert OutgoingEmail.objects.count() == 6  # another kind of message to the same people is another message


def test_a_refusal_part_way_sends_the_others_and_the_rerun_sends_only_the_refused_one(refusing):
    outbox.write("about:1", emails(PROVIDER))
    refusing.add("editor@nuage.test")
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        outbox.deliver("about:1")
    assert sent() == {"owner@nuage.test": 1, "viewer@nuage.test": 1}
    refused = OutgoingEmail.objects.get(recipient="editor@nuage.test")
    assert refused.sent_at is None
    assert "451" in refused.last_error
    assert refused.claimed_by == ""  # given back: the next try takes it at once

    refusing.clear()
    assert outbox.deliver("about:1") == 1
    assert outbox.deliver("about:1") == 0
    assert sent() == dict.fromkeys(PROVIDER, 1)


def test_a_dead_senders_rows_wait_for_its_own_redelivery_or_the_end_of_its_claim(db):
    outbox.write("about:1", emails(PROVIDER))
    # The first worker claimed them, the server accepted one, then the worker died before the others.
    claimed = outbox._claim("about:1", "task:first")
    OutgoingEmail.objects.filter(pk=claimed[0].pk).update(sent_at=timezone.now())

    assert outbox.deliver("about:1", "task:another") == 0  # a live sender may still be at it: left alone
    assert outbox.deliver("about:1", "task:first") == 2  # its message redelivered: the same task takes them back
    assert sum(sent().values()) == 2

    outbox.write("about:2", emails(PROVIDER))
    outbox._claim("about:2", "task:dead")
    OutgoingEmail.objects.filter(key="about:2").update(claimed_until=timezone.now() - datetime.timedelta(seconds=1))
    assert outbox.deliver("about:2", "sweep:later") == 3  # the claim ran out: anyone may send them


def test_each_message_carries_a_fixed_message_id(db):
    outbox.write("about:1", emails(["owner@nuage.test"]))
    outbox.deliver("about:1")
    row = OutgoingEmail.objects.get()
    assert (
        mail.outbox[0].extra_headers["Message-ID"]
        == f"<outbox.{row.pk}.{int(row.created_at.timestamp())}@trusted-cloud.example>"
    )


def test_a_suspension_of_a_service_whose_name_holds_a_line_break_still_emails_holder_and_subscribers(
    django_capture_on_commit_callbacks, owner, editor, viewer, service, decision_maker
):
    # Stored raw, as a post could once store it: input checks are not what keeps the e-mails going.
    Service.objects.filter(pk=service.pk).update(name="Cloud\r\nBcc: victim@example.org\nX")
    service.refresh_from_db()
    certificate = f.certificate(service)
    Subscription.objects.create(
        email="follower@example.org", scope="service", service=service, confirmed_at=timezone.now()
    )
    Subscription.objects.create(email="everything@example.org", scope="registry", confirmed_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        certificate_suspend(review_on=f.review_date(), certificate=certificate, by=decision_maker, reason="Incident.")

    assert sent() == dict.fromkeys(PROVIDER | {"follower@example.org", "everything@example.org"}, 1)
    for message in mail.outbox:
        rendered = message.message()
        assert "\n" not in rendered["Subject"].replace("\n ", "")  # folded by the mail library, never broken
        assert rendered["Bcc"] is None
    assert not OutgoingEmail.objects.filter(sent_at__isnull=True).exists()


@pytest.mark.parametrize("text", ["a\r\nb", "a\nb", "a\x00b", "a\u2028b", "a\tb"])
def test_header_text_loses_its_control_characters_and_keeps_its_no_break_spaces(text):
    assert outbox.header_safe(text) == "a b"
    assert outbox.header_safe("Dossier\u00a0: déposé") == "Dossier\u00a0: déposé"


def test_an_invitation_with_the_mail_server_down_is_saved_and_sent_later_once(
    client, settings, owner, provider, administrator, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.DownServer"
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:members", args=[provider.slug]), {"email": "newcomer@nuage.test", "role": "editor"}
        )
    assert response.status_code == 302  # not a 500: the invitation is made, its e-mail waits
    assert Invitation.objects.filter(email="newcomer@nuage.test").exists()
    [row] = OutgoingEmail.objects.filter(recipient="newcomer@nuage.test")
    assert row.sent_at is None
    assert "421" in row.last_error
    # Its task retried, then gave up: the failure is listed for the agency, and the sweep leaves it alone meanwhile.
    [failure] = DeliveryFailure.objects.all()
    assert failure.arguments == [row.key]
    OutgoingEmail.objects.update(created_at=timezone.now() - notification_tasks.SWEEP_GRACE * 2)
    assert notification_tasks.sweep_unnotified_events() == 0

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    delivery_failures_resolve(failures=[failure], by=administrator)  # the server is fixed
    assert notification_tasks.sweep_unnotified_events() == 1
    assert notification_tasks.sweep_unnotified_events() == 0
    assert sent() == {"newcomer@nuage.test": 1}


def test_a_bug_while_queuing_is_logged_and_does_not_stop_the_next_jobs(db, caplog):
    # Wrong arguments: Celery refuses them before any broker is involved.
    assert queue.queue_now(notification_tasks.send_outgoing_emails, "k", "extra", "arguments") is False
    assert "Error while queuing" in caplog.text
    assert queue._broker_down_until == 0.0
    outbox.write("about:1", emails(["owner@nuage.test"]))
    assert queue.queue_now(notification_tasks.send_outgoing_emails, "about:1") is True
    assert sent() == {"owner@nuage.test": 1}


# Two workers at once: PostgreSQL's SELECT … FOR UPDATE SKIP LOCKED.


# serialized_rollback, as every transactional test here: a plain flush re-creates the content types, which the next
# serialized test's restore then meets twice.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_racing_on_the_same_messages_send_each_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (SKIP LOCKED)")
    to = [f"person{i}@example.org" for i in range(200)]
    outbox.write("about:race", emails(to))
    start = threading.Barrier(4)
    errors = []

    def worker(name):
        try:
            start.wait()
            outbox.deliver("about:race", name)
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(f"task:{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert sent() == dict.fromkeys(to, 1)
    assert not OutgoingEmail.objects.filter(sent_at__isnull=True).exists()
