"""The rules of a certificate's life (registry.certificates.rules): one definition each, the same in Python and SQL,
and every reader of a certificate's expiry or history asks it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from registry.certificates import rules
from registry.certificates.choices import CertificateStatus as C
from registry.certificates.models import Certificate, CertificateEvent
from registry.certificates.selectors import certificates_due_to_expire, event_change, status_on, with_change
from registry.certificates.tasks import expire_certificates
from tests import factories as f

ISSUED, EXPIRES = datetime.date(2023, 6, 30), datetime.date(2026, 6, 30)
DAY_BEFORE, EXPIRY_DAY, DAY_AFTER = EXPIRES - datetime.timedelta(days=1), EXPIRES, EXPIRES + datetime.timedelta(days=1)


def cert(status, expires_on=EXPIRES):
    return Certificate(status=status, issued_on=ISSUED, expires_on=expires_on)


@pytest.mark.parametrize(
    ("day", "expired"),
    [(DAY_BEFORE, False), (EXPIRY_DAY, False), (DAY_AFTER, True)],
    ids=["the day before", "the expiry day itself", "the day after"],
)
def test_an_active_certificate_is_valid_through_its_expiry_day_and_expired_the_day_after(day, expired):
    certificate = cert(C.ACTIVE)

    assert rules.is_expired(certificate, day) is expired
    assert rules.is_in_force(certificate, day) is not expired
    assert rules.live_status(certificate, day) == (C.EXPIRED if expired else C.ACTIVE)


def test_a_suspended_certificate_expires_at_its_date_like_an_active_one():
    # A suspension never extends a validity: past its date a suspended certificate is expired, in every list.
    certificate = cert(C.SUSPENDED)

    assert rules.is_expired(certificate, DAY_AFTER)
    assert rules.live_status(certificate, DAY_AFTER) == C.EXPIRED
    assert rules.live_status(certificate, DAY_BEFORE) == C.SUSPENDED
    assert not rules.is_in_force(certificate, DAY_BEFORE)  # suspended: never to be relied on, whatever the date


@pytest.mark.parametrize("status", [C.WITHDRAWN, C.SUPERSEDED])
def test_an_ended_certificate_keeps_its_status_past_its_date(status):
    assert not rules.is_expired(cert(status), DAY_AFTER)
    assert rules.live_status(cert(status), DAY_AFTER) == status


def test_a_certificate_recorded_expired_is_expired_whatever_the_day():
    assert rules.is_expired(cert(C.EXPIRED), DAY_BEFORE)


@pytest.mark.django_db
@pytest.mark.parametrize("day", [DAY_BEFORE, EXPIRY_DAY, DAY_AFTER])
def test_the_sql_of_each_rule_selects_exactly_what_its_python_says(day):
    made = [f.certificate(status=status, issued_on=ISSUED, expires_on=EXPIRES) for status in C.values]
    made += [
        f.certificate(status=C.ACTIVE, issued_on=ISSUED, expires_on=EXPIRES + datetime.timedelta(days=d))
        for d in (-2, 2)
    ]
    everything = Certificate.objects.filter(pk__in=[c.pk for c in made])

    def chosen(q):
        return set(everything.filter(q).values_list("pk", flat=True))

    assert chosen(rules.lapsed_on(day)) == {c.pk for c in made if rules.lapsed(c.status, c.expires_on, day)}
    assert chosen(rules.in_force_on(day)) == {c.pk for c in made if rules.is_in_force(c, day)}
    assert set(certificates_due_to_expire(day).filter(pk__in=[c.pk for c in made]).values_list("pk", flat=True)) == (
        chosen(rules.lapsed_on(day))
    )


@pytest.mark.django_db
def test_the_nightly_task_the_badge_and_the_verification_agree_on_the_day_after_expiry(client):
    today = timezone.localdate()
    lapsed = f.certificate(
        issued_on=today - datetime.timedelta(days=1096), expires_on=today - datetime.timedelta(days=1)
    )
    last_day = f.certificate(issued_on=today - datetime.timedelta(days=1095), expires_on=today)

    # Before the nightly task: the badge and the verification already say expired, and only for the lapsed one.
    assert "expired" in client.get(reverse("registry:badge", args=[lapsed.number])).content.decode()
    assert "qualified" in client.get(reverse("registry:badge", args=[last_day.number])).content.decode()
    assert status_on(lapsed, today) == C.EXPIRED and status_on(last_day, today) == C.ACTIVE

    assert expire_certificates() == 1  # the task moves exactly the certificate the rule calls lapsed
    assert Certificate.objects.get(pk=lapsed.pk).status == C.EXPIRED
    assert Certificate.objects.get(pk=last_day.pk).status == C.ACTIVE


# --- The public history's words. ---


@pytest.mark.parametrize(
    ("status", "has_earlier", "change"),
    [
        (C.ACTIVE, False, rules.QUALIFIED),
        (C.ACTIVE, True, rules.REINSTATED),
        (C.SUSPENDED, True, C.SUSPENDED),
        (C.SUPERSEDED, True, C.SUPERSEDED),
    ],
)
def test_a_first_active_is_a_qualification_a_later_one_a_reinstatement(status, has_earlier, change):
    assert rules.change_of(status, has_earlier=has_earlier) == change
    assert change in rules.CHANGES


@pytest.mark.django_db
def test_the_history_order_is_by_time_then_by_insertion_in_python_and_in_sql():
    certificate = f.certificate()
    at = timezone.now() - datetime.timedelta(days=10)
    # Inserted out of time order, as a history imported after the fact may be; two events share an instant.
    late = CertificateEvent.objects.create(certificate=certificate, status=C.ACTIVE, created_at=at)
    early = CertificateEvent.objects.create(
        certificate=certificate, status=C.ACTIVE, created_at=at - datetime.timedelta(days=5)
    )
    same_instant = CertificateEvent.objects.create(certificate=certificate, status=C.SUSPENDED, created_at=at)
    events = [late, early, same_instant]

    in_python = [e.pk for e in sorted(events, key=rules.history_key)]
    assert in_python == [early.pk, late.pk, same_instant.pk]
    for event in events:
        before_in_sql = set(
            CertificateEvent.objects.filter(certificate=certificate)
            .filter(rules.before_in_history(event.created_at, event.pk))
            .values_list("pk", flat=True)
        )
        assert before_in_sql == set(in_python[: in_python.index(event.pk)])
    # One event's change, asked alone (the e-mails) or annotated in bulk (the feed), is the same.
    annotated = {e.pk: event_change(e) for e in with_change(CertificateEvent.objects.filter(certificate=certificate))}
    assert annotated == {e.pk: event_change(CertificateEvent.objects.get(pk=e.pk)) for e in events}
    assert annotated == {early.pk: rules.QUALIFIED, late.pk: rules.REINSTATED, same_instant.pk: C.SUSPENDED}
