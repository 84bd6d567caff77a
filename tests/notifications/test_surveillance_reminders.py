"""Overdue surveillance audits and conditions: reminded once each (the audit when overdue, then past its scheme's grace,
to the holder's members and the reviewers; an open condition past due to the holder's members), and past the grace
the certificate waits in the workspace. The clock moves with time-machine, as the days pass for the daily task."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from registry.accounts.permissions import actor_for
from registry.agency.home import home_context
from registry.certificates.models import Condition, SurveillanceAudit
from registry.certificates.selectors import needing_action
from registry.notifications import tasks as notification_tasks
from registry.notifications.models import Reminder
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

PROVIDER = ["editor@nuage.test", "owner@nuage.test", "viewer@nuage.test"]
REVIEWERS = ["reviewer2@agency.test", "reviewer@agency.test"]
ISSUED = datetime.date(2026, 1, 15)
DUE = datetime.date(2027, 1, 15)


def noon(day):
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=timezone.get_current_timezone())


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.fixture
def everyone(owner, editor, viewer, other_owner, reviewer, second_reviewer, decision_maker, administrator):
    """Everybody who could be told, so that a test sees who was not."""


@pytest.fixture
def audit_obj(service):
    scheme = f.scheme(with_requirements=False, surveillance_grace_days=30)
    certificate = f.certificate(service, scheme, issued_on=ISSUED)
    return SurveillanceAudit.objects.create(certificate=certificate, sequence=1, due_on=DUE)


def run_on(day) -> int:
    with time_machine.travel(noon(day), tick=False):
        return notification_tasks.remind_overdue_surveillance()


def test_an_overdue_audit_reminds_the_holder_and_the_reviewers_once_then_once_past_its_grace(everyone, audit_obj):
    assert run_on(DUE) == 0  # due today: not yet overdue
    assert mail.outbox == []

    assert run_on(DUE + datetime.timedelta(days=1)) == 1
    assert recipients() == sorted(PROVIDER + REVIEWERS)
    assert all("is overdue" in m.subject for m in mail.outbox)
    [to_owner] = [m for m in mail.outbox if m.to == ["owner@nuage.test"]]
    assert f"/portal/nuage-souverain/certificates/{audit_obj.certificate.number}/" in to_owner.body
    [to_reviewer] = [m for m in mail.outbox if m.to == ["reviewer@agency.test"]]
    assert f"/admin/registry/surveillanceaudit/{audit_obj.pk}/change/" in to_reviewer.body

    # Once: the following days, while within the grace, send nothing.
    mail.outbox.clear()
    for days in (1, 2, 30):
        assert run_on(DUE + datetime.timedelta(days=days)) == 0
    assert mail.outbox == []

    # Past the grace (30 days): one more reminder, once, and the certificate waits in the workspace.
    assert run_on(DUE + datetime.timedelta(days=31)) == 1
    assert recipients() == sorted(PROVIDER + REVIEWERS)
    assert all("past its grace period" in m.subject for m in mail.outbox)
    assert run_on(DUE + datetime.timedelta(days=32)) == 0
    assert set(Reminder.objects.values_list("key", flat=True)) == {
        f"surveillance:{audit_obj.pk}:overdue",
        f"surveillance:{audit_obj.pk}:grace",
    }


def test_the_instructing_reviewer_alone_is_reminded_once_the_audit_is_assigned(everyone, audit_obj, reviewer):
    SurveillanceAudit.objects.filter(pk=audit_obj.pk).update(reviewer=reviewer)
    run_on(DUE + datetime.timedelta(days=3))
    assert recipients() == sorted([*PROVIDER, "reviewer@agency.test"])


def test_an_audit_with_its_outcome_or_of_a_certificate_no_longer_in_force_is_not_reminded(everyone, audit_obj):
    SurveillanceAudit.objects.filter(pk=audit_obj.pk).update(outcome="maintained", recorded_at=timezone.now())
    assert run_on(DUE + datetime.timedelta(days=40)) == 0
    SurveillanceAudit.objects.filter(pk=audit_obj.pk).update(outcome="", recorded_at=None)
    audit_obj.certificate.__class__.objects.filter(pk=audit_obj.certificate_id).update(status="withdrawn")
    assert run_on(DUE + datetime.timedelta(days=40)) == 0
    assert mail.outbox == []


def test_past_its_grace_an_audit_puts_its_certificate_among_those_to_act_on(everyone, audit_obj, reviewer):
    assert needing_action(DUE + datetime.timedelta(days=30))["surveillance"] == (0, None)
    assert needing_action(DUE + datetime.timedelta(days=31))["surveillance"] == (1, DUE)

    with time_machine.travel(noon(DUE + datetime.timedelta(days=31)), tick=False):
        queues = {queue["key"]: queue for queue in home_context(actor_for(reviewer))["certificates"]}
    assert set(queues) == {"surveillance", "conditions"}  # a reviewer sees the certificate queues they act on
    assert (queues["surveillance"]["count"], queues["surveillance"]["date"]) == (1, DUE)


def test_an_overdue_open_condition_reminds_the_holder_once_and_waits_in_the_workspace(everyone, audit_obj):
    condition = Condition.objects.create(certificate=audit_obj.certificate, text="Publish the plan.", due_on=DUE)
    SurveillanceAudit.objects.filter(pk=audit_obj.pk).update(outcome="maintained", recorded_at=timezone.now())

    assert run_on(DUE) == 0
    assert run_on(DUE + datetime.timedelta(days=1)) == 1
    assert recipients() == PROVIDER
    assert "Publish the plan." in mail.outbox[0].body
    assert run_on(DUE + datetime.timedelta(days=9)) == 0
    assert len(mail.outbox) == len(PROVIDER)
    assert Reminder.objects.filter(key=f"condition:{condition.pk}:overdue").exists()
    assert needing_action(DUE + datetime.timedelta(days=1))["conditions"] == (1, DUE)

    # Answered, it waits on the agency: still overdue for the workspace, no reminder to the provider.
    Condition.objects.filter(pk=condition.pk).update(state="answered")
    assert needing_action(DUE + datetime.timedelta(days=9))["conditions"] == (1, DUE)
    Condition.objects.filter(pk=condition.pk).update(state="met")
    assert needing_action(DUE + datetime.timedelta(days=9))["conditions"] == (0, None)


def test_the_surveillance_reminders_run_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["remind-overdue-surveillance"]
    assert entry["task"] == "registry.notifications.tasks.remind_overdue_surveillance"
    assert entry["schedule"].remaining_estimate(timezone.now()) <= datetime.timedelta(days=1)
