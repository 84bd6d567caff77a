"""Daily reminders, each sent once: holders 90, 30 and 7 days before expiry; reviewers of dossiers left waiting."""

import datetime
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import formats, timezone, translation

from registry.accounts.models import UserPreference
from registry.certificates.models import Certificate
from registry.notifications import tasks as notification_tasks
from registry.notifications.models import DeliveryFailure, OutgoingEmail, Reminder
from registry.notifications.tasks import SWEEP_GRACE
from registry.qualification.models import Dossier
from tests import factories as f
from trustedcloud.celery import app as celery_app

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

S = Dossier.Status
PROVIDER = ["editor@nuage.test", "owner@nuage.test", "viewer@nuage.test"]
REVIEWERS = ["reviewer2@agency.test", "reviewer@agency.test"]


class DownMailServer(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPConnectError(421, b"Service not available")


@pytest.fixture
def eager_tasks(monkeypatch):
    # The daily task queues one task per reminder; inline here, so the tests read what was sent.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


@pytest.fixture
def everyone(owner, editor, viewer, other_owner, reviewer, second_reviewer, decision_maker, administrator):
    """Everybody who could be told, so that a test sees who was not."""


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def today():
    return timezone.localdate()


# Certificates about to expire.


@pytest.fixture
def certificate(service):
    return f.certificate(
        service, issued_on=today() - datetime.timedelta(days=700), expires_on=today() + datetime.timedelta(days=400)
    )


def expires_in(certificate, days):
    """Freeze "today" by moving the expiry instead of the clock."""
    Certificate.objects.filter(pk=certificate.pk).update(expires_on=today() + datetime.timedelta(days=days))
    certificate.refresh_from_db()


def test_holders_are_reminded_90_30_and_7_days_before_expiry_once_each(everyone, certificate):
    for days in (90, 30, 7):
        mail.outbox.clear()
        expires_in(certificate, days)
        assert notification_tasks.remind_expiring_certificates() == 1
        assert recipients() == PROVIDER
        with translation.override("en"):
            when = formats.date_format(certificate.expires_on, "DATE_FORMAT")
        assert {m.subject for m in mail.outbox} == {f"[{certificate.number}] Your certificate expires on {when}"}
        assert f"The certificate expires on {when}, in {days} days." in mail.outbox[0].body
        assert "/portal/" in mail.outbox[0].body
        assert Reminder.objects.filter(key=f"expiry:{certificate.number}:{days}").exists()

        # Once: the next run (the same day, or a redelivered task) sends nothing.
        assert notification_tasks.remind_expiring_certificates() == 0
        assert notification_tasks.send_expiry_reminder(certificate.pk) is False
        assert len(mail.outbox) == len(PROVIDER)
    assert Reminder.objects.count() == 3


@pytest.mark.parametrize("days", [400, 91, 60, 31, 8, -1])
def test_between_the_thresholds_nothing_is_sent(everyone, certificate, days):
    for sent_days in (90, 30, 7):  # the reminders already behind it
        if days < sent_days:
            Reminder.objects.create(key=f"expiry:{certificate.number}:{sent_days}")
    expires_in(certificate, days)
    assert notification_tasks.remind_expiring_certificates() == 0
    assert mail.outbox == []


def test_a_missed_day_is_caught_up_with_the_nearest_threshold_only(everyone, certificate):
    expires_in(certificate, 29)  # the scheduler was down on the 30th day, and the 90-day reminder never went out
    assert notification_tasks.remind_expiring_certificates() == 1
    assert list(Reminder.objects.values_list("key", flat=True)) == [f"expiry:{certificate.number}:30"]
    assert len(mail.outbox) == len(PROVIDER)


@pytest.mark.parametrize("status", ["suspended", "withdrawn", "expired", "superseded"])
def test_a_certificate_not_in_force_gets_no_reminder(everyone, certificate, status):
    Certificate.objects.filter(pk=certificate.pk).update(status=status)
    expires_in(certificate, 30)
    assert notification_tasks.remind_expiring_certificates() == 0
    assert notification_tasks.send_expiry_reminder(certificate.pk) is False
    assert mail.outbox == []
    assert not Reminder.objects.exists()


def test_an_expiry_reminder_is_in_html_too_and_in_the_members_language(everyone, certificate, owner):
    UserPreference.objects.create(user=owner, language="fr")
    expires_in(certificate, 7)
    with translation.override("en"):
        notification_tasks.remind_expiring_certificates()
        assert translation.get_language() == "en"
    [to_owner] = [m for m in mail.outbox if m.to == [owner.email]]
    with translation.override("fr"):
        footer = translation.gettext("Trusted Cloud Registry – qualification of trusted cloud services")
    assert footer.startswith("Registre du cloud de confiance")
    assert footer in to_owner.body
    [(html, mimetype)] = to_owner.alternatives
    assert mimetype == "text/html"
    assert 'lang="fr"' in html
    assert to_owner.extra_headers["Content-Language"] == "fr"
    [to_editor] = [m for m in mail.outbox if m.to == ["editor@nuage.test"]]
    assert "The certificate expires on" in to_editor.body


def test_a_reminder_that_could_not_be_sent_is_sent_once_by_the_sweep_when_the_server_answers(
    settings, everyone, certificate
):
    expires_in(certificate, 30)
    settings.EMAIL_BACKEND = "tests.notifications.test_reminders.DownMailServer"
    notification_tasks.remind_expiring_certificates()  # the task retries, then records its failure
    assert Reminder.objects.count() == 1  # written to the outbox: the next daily run does not write it again
    [failure] = DeliveryFailure.objects.all()
    assert (failure.task, failure.arguments) == ("registry.notifications.tasks.send_expiry_reminder", [certificate.pk])
    assert notification_tasks.remind_expiring_certificates() == 0

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutgoingEmail.objects.update(created_at=timezone.now() - SWEEP_GRACE - datetime.timedelta(minutes=1))
    assert notification_tasks.sweep_unnotified_events() == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted(PROVIDER)
    assert notification_tasks.sweep_unnotified_events() == 0
    assert len(mail.outbox) == len(PROVIDER)


# Dossiers left waiting.


def waiting(dossier, days):
    """The dossier entered its status `days` days ago (at noon, so that no daylight-saving change moves the day)."""
    entered = timezone.make_aware(
        datetime.datetime.combine(today() - datetime.timedelta(days=days), datetime.time(12, 0))
    )
    Dossier.objects.filter(pk=dossier.pk).update(status_changed_at=entered)
    dossier.refresh_from_db()
    return dossier


@pytest.fixture
def dossier_in(service, scheme, reviewer):
    def make(status, days):
        d = f.dossier(service, scheme, status=status, instructing_reviewer=None if status == S.SUBMITTED else reviewer)
        return waiting(d, days)

    return make


def test_a_submitted_dossier_nobody_took_is_recalled_to_every_reviewer(settings, everyone, dossier_in):
    settings.REVIEW_REMINDER_DAYS = 14
    d = dossier_in(S.SUBMITTED, 14)
    assert notification_tasks.remind_waiting_dossiers() == 0  # waiting 14 days is not waiting longer than 14
    waiting(d, 15)
    assert notification_tasks.remind_waiting_dossiers() == 1
    assert recipients() == REVIEWERS
    message = mail.outbox[0]
    assert message.subject == f"[{d.reference}] Waiting for 15 days: Submitted"
    assert "No reviewer has taken it yet." in message.body
    assert f"/admin/registry/dossier/{d.pk}/change/" in message.body
    [(html, _mimetype)] = message.alternatives
    assert f"/admin/registry/dossier/{d.pk}/change/" in html

    assert notification_tasks.remind_waiting_dossiers() == 0
    assert notification_tasks.send_review_reminder(d.pk) is False
    assert len(mail.outbox) == len(REVIEWERS)


@pytest.mark.parametrize("status", [S.IN_REVIEW, S.EVALUATION])
def test_a_dossier_in_review_or_evaluation_is_recalled_to_its_instructing_reviewer(
    settings, everyone, dossier_in, status
):
    settings.REVIEW_REMINDER_DAYS = 14
    dossier_in(status, 20)
    assert notification_tasks.remind_waiting_dossiers() == 1
    assert recipients() == ["reviewer@agency.test"]
    assert "You are its instructing reviewer." in mail.outbox[0].body


def test_a_dossier_awaiting_decision_is_recalled_to_the_committee_but_not_its_instructing_reviewer(
    settings, everyone, dossier_in, reviewer, reviewer_in_committee
):
    settings.REVIEW_REMINDER_DAYS = 14
    d = dossier_in(S.DECISION, 15)
    Dossier.objects.filter(pk=d.pk).update(instructing_reviewer=reviewer_in_committee)
    assert notification_tasks.remind_waiting_dossiers() == 1
    assert recipients() == ["committee@agency.test"]  # both@agency.test instructed it: four eyes
    assert "It awaits a decision of the qualification committee." in mail.outbox[0].body


def test_a_dossier_still_waiting_is_recalled_again_every_period(settings, everyone, dossier_in):
    from registry.notifications.reminders import dossiers_due_for_reminder, review_reminder_send

    settings.REVIEW_REMINDER_DAYS = 14
    d = dossier_in(S.IN_REVIEW, 0)  # entered today; the days below are the days of the daily runs that follow
    sent = []
    for day in range(1, 50):
        run = today() + datetime.timedelta(days=day)
        sent += [
            day
            for dossier_id in dossiers_due_for_reminder(run)
            if review_reminder_send(dossier_id=dossier_id, today=run)
        ]
    assert sent == [15, 29, 43]
    assert len(mail.outbox) == 3
    assert sorted(Reminder.objects.values_list("key", flat=True)) == [
        f"review:{d.pk}:in_review:{today()}:{n}" for n in (1, 2, 3)
    ]


def test_a_dossier_that_moves_on_starts_counting_again(settings, everyone, dossier_in):
    settings.REVIEW_REMINDER_DAYS = 14
    d = dossier_in(S.IN_REVIEW, 15)
    notification_tasks.remind_waiting_dossiers()
    Dossier.objects.filter(pk=d.pk).update(status=S.EVALUATION)
    waiting(d, 3)
    assert notification_tasks.remind_waiting_dossiers() == 0
    waiting(d, 15)
    assert notification_tasks.remind_waiting_dossiers() == 1
    assert len(mail.outbox) == 2


def test_the_waiting_period_is_a_setting(settings, everyone, dossier_in):
    settings.REVIEW_REMINDER_DAYS = 3
    dossier_in(S.IN_REVIEW, 4)
    assert notification_tasks.remind_waiting_dossiers() == 1


@pytest.mark.parametrize("status", [S.DRAFT, S.CHANGES_REQUESTED, S.QUALIFIED, S.REJECTED, S.WITHDRAWN])
def test_dossiers_in_the_providers_hands_or_closed_are_not_recalled(settings, everyone, dossier_in, status):
    settings.REVIEW_REMINDER_DAYS = 14
    dossier_in(status, 60)
    assert notification_tasks.remind_waiting_dossiers() == 0
    assert mail.outbox == []


def test_the_reminders_run_daily(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    for name, task in (
        ("remind-expiring-certificates", "registry.notifications.tasks.remind_expiring_certificates"),
        ("remind-waiting-dossiers", "registry.notifications.tasks.remind_waiting_dossiers"),
    ):
        assert schedule[name]["task"] == task
        assert schedule[name]["schedule"].remaining_estimate(timezone.now()) <= datetime.timedelta(days=1)
