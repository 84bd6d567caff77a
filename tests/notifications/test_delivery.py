"""E-mail that cannot be delivered: retried with backoff and jitter, then recorded where the agency sees it; the outbox
sweep gives up on it instead of hammering the mail server (registry.notifications.failures states the rule)."""

import datetime
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.urls import reverse
from django.utils import timezone

from registry.notifications import tasks as notification_tasks
from registry.notifications.failures import delivery_failure_record, delivery_failures_resolve
from registry.notifications.models import DeliveryFailure, Reminder
from registry.notifications.retries import MAX_RETRIES, RETRY_BACKOFF, RETRY_BACKOFF_MAX
from registry.qualification.models import DossierEvent
from registry.qualification.services import dossiers as svc
from registry.qualification.workflow import Refused
from tests import factories as f
from trustedcloud.celery import app as celery_app

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

SEND_DOSSIER_EVENT = "registry.notifications.tasks.send_dossier_event_notification"
FAILURES = reverse("admin:registry_deliveryfailure_changelist")
REMINDERS = reverse("admin:registry_reminder_changelist")


class DownMailServer(BaseEmailBackend):
    """A mail server that drops the connection: outside our walls, as smtplib reports it."""

    calls = 0

    def send_messages(self, email_messages):
        type(self).calls += 1
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class FlakyMailServer(LocmemBackend):
    """Fails the first `failures` times, then delivers (to django.core.mail.outbox)."""

    calls = 0
    failures = 2

    def send_messages(self, messages):
        type(self).calls += 1
        if type(self).calls <= type(self).failures:
            raise smtplib.SMTPDataError(451, b"4.3.0 Try again later")
        return super().send_messages(messages)


@pytest.fixture
def eager_tasks(monkeypatch):
    # Tasks run inline (retries too, without their countdowns): the tests read what was sent, not what was queued.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


@pytest.fixture
def mail_server_down(settings):
    DownMailServer.calls = 0
    settings.EMAIL_BACKEND = "tests.notifications.test_delivery.DownMailServer"
    return DownMailServer


@pytest.fixture
def flaky_mail_server(settings):
    FlakyMailServer.calls = 0
    settings.EMAIL_BACKEND = "tests.notifications.test_delivery.FlakyMailServer"
    return FlakyMailServer


@pytest.fixture
def submitted(django_capture_on_commit_callbacks, complete_draft, editor, reviewer):
    """A submission whose e-mails could not go out: the event waits in the outbox, old enough for the sweep."""
    with django_capture_on_commit_callbacks(execute=True):
        svc.dossier_submit(dossier=complete_draft, by=editor)
    event = DossierEvent.objects.get(dossier=complete_draft, action="submit")
    DossierEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=3))
    event.refresh_from_db()
    return event


def age(event, **delta):
    DossierEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - datetime.timedelta(**delta))


def test_the_email_tasks_retry_with_exponential_backoff_and_jitter_late_acked_and_time_limited():
    for task in (
        notification_tasks.send_dossier_event_notification,
        notification_tasks.send_certificate_event_notification,
        notification_tasks.send_expiry_reminder,
        notification_tasks.send_review_reminder,
    ):
        assert smtplib.SMTPException in task.autoretry_for
        assert OSError in task.autoretry_for
        assert (task.retry_backoff, task.retry_backoff_max, task.retry_jitter) == (
            RETRY_BACKOFF,
            RETRY_BACKOFF_MAX,
            True,
        )
        assert task.max_retries == MAX_RETRIES
        assert task.acks_late
        assert task.soft_time_limit < task.time_limit
    # The longest wait stays under the broker's visibility timeout (else Redis would hand the task out twice).
    assert celery_app.conf.broker_transport_options.get("visibility_timeout", 3600) > RETRY_BACKOFF_MAX


def test_a_mail_server_down_is_retried_then_the_failure_is_recorded(mail_server_down, submitted):
    assert mail_server_down.calls == 1 + MAX_RETRIES
    assert mail.outbox == []
    assert submitted.notified_at is None  # nothing was marked sent: the rollback kept the outbox row
    [failure] = DeliveryFailure.objects.all()
    assert failure.task == SEND_DOSSIER_EVENT
    assert failure.arguments == [submitted.pk]
    assert failure.error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert failure.resolved_at is None


def test_a_passing_outage_is_retried_and_each_email_sent_once(flaky_mail_server, submitted):
    assert flaky_mail_server.calls == 2 + 3  # two refusals, then one message per recipient
    assert sorted(a for m in mail.outbox for a in m.to) == sorted(
        ["owner@nuage.test", "editor@nuage.test", "reviewer@agency.test"]
    )
    submitted.refresh_from_db()
    assert submitted.notified_at is not None
    assert not DeliveryFailure.objects.exists()


def test_a_failure_is_recorded_once_while_unresolved(db):
    first = delivery_failure_record(task=SEND_DOSSIER_EVENT, arguments=[7], error=OSError("refused"))
    again = delivery_failure_record(task=SEND_DOSSIER_EVENT, arguments=(7,), error=TimeoutError("timed out"))
    assert again.pk == first.pk
    assert DeliveryFailure.objects.get().error == "TimeoutError: timed out"
    DeliveryFailure.objects.update(resolved_at=timezone.now())
    delivery_failure_record(task=SEND_DOSSIER_EVENT, arguments=[7], error=OSError("refused"))
    assert DeliveryFailure.objects.count() == 2


# The sweep's give-up rule.


def test_the_sweep_skips_an_event_whose_delivery_failed_until_the_failure_is_resolved(
    settings, mail_server_down, submitted, administrator
):
    calls = mail_server_down.calls
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
    assert notification_tasks.sweep_unnotified_events() == 0  # a person has not looked at the failure yet
    assert mail.outbox == []
    assert mail_server_down.calls == calls

    delivery_failures_resolve(failures=DeliveryFailure.objects.all(), by=administrator)
    assert notification_tasks.sweep_unnotified_events() == 1
    assert len(mail.outbox) == 3
    assert notification_tasks.sweep_unnotified_events() == 0


def test_the_sweep_keeps_trying_a_recent_event_then_gives_up_after_a_day(
    settings, monkeypatch, mail_server_down, complete_draft, editor
):
    # The broker was down at the submission: only the sweep can send it, and the mail server is down too.
    monkeypatch.setattr(
        notification_tasks.send_dossier_event_notification, "delay", lambda *a: (_ for _ in ()).throw(OSError)
    )
    svc.dossier_submit(dossier=complete_draft, by=editor)
    event = DossierEvent.objects.get(dossier=complete_draft, action="submit")
    settings.NOTIFICATION_GIVE_UP_HOURS = 24

    age(event, minutes=3)
    assert notification_tasks.sweep_unnotified_events() == 0
    assert notification_tasks.sweep_unnotified_events() == 0
    assert mail_server_down.calls == 2  # one attempt per run
    assert not DeliveryFailure.objects.exists()  # a passing outage: no one needs to act yet

    age(event, hours=25)
    assert notification_tasks.sweep_unnotified_events() == 0
    assert mail_server_down.calls == 3
    [failure] = DeliveryFailure.objects.all()
    assert (failure.task, failure.arguments) == (SEND_DOSSIER_EVENT, [event.pk])

    assert notification_tasks.sweep_unnotified_events() == 0
    assert mail_server_down.calls == 3  # given up: the server is left alone


def test_the_sweep_records_a_broken_event_at_once_and_sends_the_others(
    monkeypatch, django_capture_on_commit_callbacks, broken_queue, complete_draft, editor, reviewer
):
    svc.dossier_submit(dossier=complete_draft, by=editor)
    svc.dossier_take(dossier=complete_draft, by=reviewer)
    submit, take = DossierEvent.objects.filter(dossier=complete_draft, action__in=("submit", "take")).order_by("pk")
    for event in (submit, take):
        age(event, minutes=3)
    compose = notification_tasks.dossier_event_emails

    def broken_for_the_submission(event):
        if event.pk == submit.pk:
            raise ValueError("a template error")
        return compose(event)

    monkeypatch.setattr(notification_tasks, "dossier_event_emails", broken_for_the_submission)
    assert notification_tasks.sweep_unnotified_events() == 1
    [failure] = DeliveryFailure.objects.all()
    assert (failure.arguments, failure.error) == ([submit.pk], "ValueError: a template error")
    assert notification_tasks.sweep_unnotified_events() == 0


@pytest.fixture
def broken_queue(monkeypatch):
    monkeypatch.setattr(notification_tasks.send_dossier_event_notification, "delay", lambda *a: None)


# Who sees the failures in the admin.


@pytest.fixture
def superuser(db):
    return f.user(email="root@agency.test", staff=True, is_superuser=True)


@pytest.fixture
def recorded(db):
    Reminder.objects.create(key="expiry:SNC-2026-0001:30")
    return delivery_failure_record(
        task=SEND_DOSSIER_EVENT, arguments=[41], error=smtplib.SMTPRecipientsRefused({"x@y": (550, b"No such user")})
    )


@pytest.mark.parametrize("url", [FAILURES, REMINDERS])
@pytest.mark.parametrize(
    "role, expected",
    [
        ("administrator", 200),  # registry administrators
        ("superuser", 200),
        ("reviewer", 403),  # the other agency groups are staff, but these pages are not theirs
        ("decision_maker", 403),
        ("owner", 302),  # not staff: the admin sends them to its login page
        (None, 302),
    ],
)
def test_who_sees_the_failed_deliveries_and_the_reminders(client, request, recorded, url, role, expected):
    if role:
        f.login_with_mfa(client, request.getfixturevalue(role))
    response = client.get(url)
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(reverse("admin:login"))


def test_an_administrator_sees_the_failure_and_marks_it_resolved(client, administrator, recorded):
    f.login_with_mfa(client, administrator)
    assert "Failed deliveries" in client.get(reverse("admin:index")).content.decode()
    page = client.get(FAILURES + "?state=unresolved").content.decode()
    assert "send_dossier_event_notification" in page
    assert "SMTPRecipientsRefused" in page
    assert "[41]" in page

    response = client.post(FAILURES, {"action": "mark_resolved", "_selected_action": [recorded.pk]})
    assert response.status_code == 302
    recorded.refresh_from_db()
    assert recorded.resolved_at is not None
    assert "SMTPRecipientsRefused" not in client.get(FAILURES + "?state=unresolved").content.decode()


def test_a_reviewer_can_neither_see_nor_resolve_a_failure(client, reviewer, recorded):
    f.login_with_mfa(client, reviewer)
    assert "Failed deliveries" not in client.get(reverse("admin:index")).content.decode()
    response = client.post(FAILURES, {"action": "mark_resolved", "_selected_action": [recorded.pk]})
    assert response.status_code == 403
    with pytest.raises(Refused):
        delivery_failures_resolve(failures=[recorded], by=reviewer)
    recorded.refresh_from_db()
    assert recorded.resolved_at is None


def test_failures_and_reminders_are_read_only(client, administrator, recorded):
    f.login_with_mfa(client, administrator)
    failure_page = reverse("admin:registry_deliveryfailure_change", args=[recorded.pk])
    assert client.get(failure_page).status_code == 200
    assert client.post(failure_page, {"task": "changed"}).status_code == 403
    assert client.get(reverse("admin:registry_deliveryfailure_delete", args=[recorded.pk])).status_code == 403
    assert client.get(reverse("admin:registry_reminder_add")).status_code == 403
