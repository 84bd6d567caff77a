"""The e-mails of surveillance audits and conditions, and their reminders, each in its recipient's language.

Written to the outbox in the transaction of the write they tell of (registry.certificates.surveillance), with a key
unique per message: an audit's outcome once; a condition's creation, each answer and each reviewer's move once (the
time of the move is in the key, so an answer sent back and answered again is told again). Reminders are sent once each
under their Reminder key (registry.notifications.reminders): an audit overdue, then past its scheme's grace, to the
holder's members and the reviewers; an overdue condition still open, to the holder's members (an answered one waits on
the agency, which sees it in the workspace's queue).
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from registry.certificates import rules
from registry.certificates.choices import ConditionState
from registry.certificates.models import Condition, SurveillanceAudit
from registry.notifications import outbox
from registry.notifications.emails import compose, group_recipients, recipients
from registry.notifications.models import Reminder
from registry.notifications.reminders import _claim, outbox_key
from registry.qualification.workflow import REVIEWERS


def _members(certificate):
    User = get_user_model()
    return recipients(User.objects.filter(memberships__provider_id=certificate.service.provider_id, is_active=True))


def _reviewers(reviewer_id):
    """The reviewer in charge when there is one, else every reviewer."""
    if reviewer_id is not None:
        return recipients(get_user_model().objects.filter(pk=reviewer_id, is_active=True))
    return group_recipients((REVIEWERS,))


def portal_url(certificate) -> str:
    return settings.SITE_URL + reverse(
        "portal:certificate", args=[certificate.service.provider.slug, certificate.number]
    )


def _stamp(moment) -> str:
    return moment.strftime("%Y%m%dT%H%M%S%f")


def audit_outcome(audit, conditions) -> None:
    """The holder's members: the audit's outcome, its findings and the conditions it set."""
    certificate = audit.certificate
    context = {
        "audit": audit,
        "certificate": certificate,
        "conditions": conditions,
        "url": portal_url(certificate),
        "site_url": settings.SITE_URL,
    }
    outbox.send_on_commit(
        f"surveillance:{audit.pk}:outcome", compose(_members(certificate), "surveillance_outcome", context)
    )


def condition_event(condition, what: str) -> None:
    """The holder's members: a condition set on their certificate ("created"), closed as met, sent back or withdrawn."""
    certificate = condition.certificate
    moment = condition.created_at if what == "created" else condition.closed_at
    context = {
        "condition": condition,
        "certificate": certificate,
        "what": what,
        "url": portal_url(certificate),
        "site_url": settings.SITE_URL,
    }
    key = f"condition:{condition.pk}:{what}:{_stamp(moment)}"
    outbox.send_on_commit(key, compose(_members(certificate), "condition_event", context))


def condition_answered(condition) -> None:
    """The reviewers (the audit's instructing reviewer for a condition of an audit): the provider's answer waits."""
    audit = condition.surveillance_audit
    context = {
        "condition": condition,
        "certificate": condition.certificate,
        "url": settings.SITE_URL + reverse("admin:registry_condition_change", args=[condition.pk]),
        "site_url": settings.SITE_URL,
    }
    key = f"condition:{condition.pk}:answered:{_stamp(condition.answered_at)}"
    to = _reviewers(audit.reviewer_id if audit is not None else None)
    outbox.send_on_commit(key, compose(to, "condition_answered", context))


# --- Reminders, each once. ---


def audit_reminder_key(audit, stage: str) -> str:
    return f"surveillance:{audit.pk}:{stage}"


def audit_reminder_stage(audit, today: datetime.date) -> str | None:
    """The reminder an audit calls for today: "grace" past its scheme's grace, "overdue" past its due day, or None.
    A day the scheduler missed is caught up; an audit found past its grace gets that reminder only."""
    if rules.audit_past_grace(audit, today):
        return "grace"
    if rules.audit_overdue(audit, today):
        return "overdue"
    return None


def _overdue_audits(today):
    return SurveillanceAudit.objects.filter(rules.audits_overdue_on(today)).select_related(
        "certificate__scheme", "certificate__service__provider"
    )


def audits_due_for_reminder(today: datetime.date | None = None) -> list[int]:
    """Ids of the overdue audits whose reminder of the day is not yet sent."""
    today = today or timezone.localdate()
    keys = {audit.pk: audit_reminder_key(audit, audit_reminder_stage(audit, today)) for audit in _overdue_audits(today)}
    sent = set(Reminder.objects.filter(key__in=keys.values()).values_list("key", flat=True))
    return sorted(pk for pk, key in keys.items() if key not in sent)


def audit_reminder_send(*, audit_id: int, today: datetime.date | None = None, claimer: str | None = None) -> bool:
    """Remind the holder's members and the reviewers that the audit is overdue (then past its grace), once each.
    Returns whether this call sent any of its e-mails."""
    today = today or timezone.localdate()
    with transaction.atomic():
        audit = _overdue_audits(today).filter(pk=audit_id).first()
        stage = audit_reminder_stage(audit, today) if audit is not None else None
        if stage is None:
            return False
        key = audit_reminder_key(audit, stage)
        if not _claim(key):
            return bool(outbox.deliver(outbox_key(key), claimer))
        certificate = audit.certificate
        grace_ends = audit.due_on + datetime.timedelta(days=certificate.scheme.surveillance_grace_days)
        context = {
            "audit": audit,
            "certificate": certificate,
            "stage": stage,
            "days": (today - audit.due_on).days,
            "grace_ends": grace_ends,
            "site_url": settings.SITE_URL,
        }
        emails = compose(_members(certificate), "surveillance_reminder", context | {"url": portal_url(certificate)})
        agency_url = settings.SITE_URL + reverse("admin:registry_surveillanceaudit_change", args=[audit.pk])
        emails += compose(
            _reviewers(audit.reviewer_id), "surveillance_reminder", context | {"url": agency_url, "for_agency": True}
        )
        outbox.write(outbox_key(key), emails)
    return bool(outbox.deliver(outbox_key(key), claimer))


def condition_reminder_key(condition) -> str:
    return f"condition:{condition.pk}:overdue"


def _overdue_open_conditions(today):
    return Condition.objects.filter(rules.conditions_overdue_on(today), state=ConditionState.OPEN).select_related(
        "certificate__service__provider"
    )


def conditions_due_for_reminder(today: datetime.date | None = None) -> list[int]:
    """Ids of the overdue conditions still open whose reminder is not yet sent."""
    today = today or timezone.localdate()
    keys = {condition.pk: condition_reminder_key(condition) for condition in _overdue_open_conditions(today)}
    sent = set(Reminder.objects.filter(key__in=keys.values()).values_list("key", flat=True))
    return sorted(pk for pk, key in keys.items() if key not in sent)


def condition_reminder_send(
    *, condition_id: int, today: datetime.date | None = None, claimer: str | None = None
) -> bool:
    """Remind the holder's members, once, that a condition is overdue. Returns whether this call sent any e-mail."""
    today = today or timezone.localdate()
    with transaction.atomic():
        condition = _overdue_open_conditions(today).filter(pk=condition_id).first()
        if condition is None:
            return False
        key = condition_reminder_key(condition)
        if not _claim(key):
            return bool(outbox.deliver(outbox_key(key), claimer))
        context = {
            "condition": condition,
            "certificate": condition.certificate,
            "days": (today - condition.due_on).days,
            "url": portal_url(condition.certificate),
            "site_url": settings.SITE_URL,
        }
        outbox.write(outbox_key(key), compose(_members(condition.certificate), "condition_reminder", context))
    return bool(outbox.deliver(outbox_key(key), claimer))
