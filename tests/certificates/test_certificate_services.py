"""Certificate services: suspend, reinstate, withdraw (committee or administrator, with a public reason), nightly expiry."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from registry.certificates import services as svc
from registry.certificates.choices import CertificateStatus
from registry.certificates.models import Certificate, CertificateEvent
from registry.certificates.tasks import expire_certificates
from registry.qualification.models import Dossier
from registry.qualification.services.dossiers import dossier_qualify
from registry.qualification.workflow import Refused
from tests import factories as f

pytestmark = pytest.mark.django_db

C = CertificateStatus


@pytest.fixture
def certificate(complete_draft, walk, decision_maker):
    return dossier_qualify(dossier=walk(complete_draft, Dossier.Status.DECISION), by=decision_maker, scope="IaaS.")


def history(certificate):
    return list(
        CertificateEvent.objects.filter(certificate=certificate).order_by("pk").values_list("status", "reason", "actor")
    )


def test_the_issued_certificate_starts_its_public_history(certificate, decision_maker):
    assert history(certificate) == [(C.ACTIVE, "Qualification granted.", decision_maker.pk)]


@pytest.mark.parametrize("who", ["decision_maker", "administrator"])
def test_the_committee_or_an_administrator_suspends_and_reinstates(request, certificate, who):
    actor = request.getfixturevalue(who)
    suspended = svc.certificate_suspend(
        review_on=f.review_date(), certificate=certificate, by=actor, reason=" Major non-conformity found. "
    )
    assert suspended.status == C.SUSPENDED
    reinstated = svc.certificate_reinstate(certificate=certificate, by=actor, reason="Corrected and audited.")
    assert reinstated.status == C.ACTIVE
    certificate.refresh_from_db()
    assert certificate.status == C.ACTIVE
    assert history(certificate)[1:] == [
        (C.SUSPENDED, "Major non-conformity found.", actor.pk),
        (C.ACTIVE, "Corrected and audited.", actor.pk),
    ]


@pytest.mark.parametrize("suspend_first", [False, True])
def test_the_committee_withdraws_an_active_or_suspended_certificate(certificate, decision_maker, suspend_first):
    if suspend_first:
        svc.certificate_suspend(review_on=f.review_date(), certificate=certificate, by=decision_maker, reason="Audit.")
    svc.certificate_withdraw(certificate=certificate, by=decision_maker, reason="Data moved outside the EU.")
    certificate.refresh_from_db()
    assert certificate.status == C.WITHDRAWN
    assert history(certificate)[-1] == (C.WITHDRAWN, "Data moved outside the EU.", decision_maker.pk)


CHANGES = [
    ("certificate_suspend", C.ACTIVE),
    ("certificate_reinstate", C.SUSPENDED),
    ("certificate_withdraw", C.ACTIVE),
]


def change_extra(change) -> dict:
    """What a change asks besides the reason: a suspension plans its review."""
    return {"review_on": f.review_date()} if change == "certificate_suspend" else {}


def place(certificate, status):
    Certificate.objects.filter(pk=certificate.pk).update(status=status)
    certificate.refresh_from_db()


@pytest.mark.parametrize(("change", "status"), CHANGES)
@pytest.mark.parametrize("reason", ["", "   "])
def test_it_refuses_a_change_without_a_reason(certificate, decision_maker, change, status, reason):
    place(certificate, status)
    before = history(certificate)
    with pytest.raises(Refused, match="give the reason"):
        getattr(svc, change)(certificate=certificate, by=decision_maker, reason=reason, **change_extra(change))
    certificate.refresh_from_db()
    assert certificate.status == status
    assert history(certificate) == before


@pytest.mark.parametrize(("change", "status"), CHANGES)
@pytest.mark.parametrize("who", ["reviewer", "owner", "other_owner"])
def test_it_refuses_a_change_by_anyone_but_the_committee_or_an_administrator(request, certificate, change, status, who):
    place(certificate, status)
    before = history(certificate)
    with pytest.raises(Refused, match="Only the qualification committee or a registry administrator"):
        getattr(svc, change)(
            certificate=certificate, by=request.getfixturevalue(who), reason="Because.", **change_extra(change)
        )
    certificate.refresh_from_db()
    assert certificate.status == status
    assert history(certificate) == before


def test_it_refuses_to_reinstate_an_active_certificate_or_touch_a_withdrawn_one(certificate, decision_maker):
    with pytest.raises(Refused, match="not possible while the certificate is active"):
        svc.certificate_reinstate(certificate=certificate, by=decision_maker, reason="Why not.")
    svc.certificate_withdraw(certificate=certificate, by=decision_maker, reason="Breach.")
    for change in ("certificate_suspend", "certificate_reinstate", "certificate_withdraw"):
        with pytest.raises(Refused, match="not possible while the certificate is withdrawn"):
            getattr(svc, change)(certificate=certificate, by=decision_maker, reason="Again.", **change_extra(change))
    assert [status for status, _, _ in history(certificate)] == [C.ACTIVE, C.WITHDRAWN]


def test_a_change_acts_on_the_fresh_row_not_a_stale_copy(certificate, decision_maker, administrator):
    stale = Certificate.objects.get(pk=certificate.pk)
    svc.certificate_withdraw(certificate=certificate, by=administrator, reason="Breach.")
    with pytest.raises(Refused, match="withdrawn"):
        svc.certificate_suspend(review_on=f.review_date(), certificate=stale, by=decision_maker, reason="Audit.")


def test_history_is_append_only(certificate):
    event = CertificateEvent.objects.get(certificate=certificate)
    event.reason = "Rewritten."
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    event.notified_at = timezone.now()
    event.save(update_fields=["notified_at"])  # the outbox may mark it sent


# Nightly expiry.


def days_ago(days):
    return timezone.localdate() - datetime.timedelta(days=days)


@pytest.fixture
def certificates_by_expiry(db):
    return {
        "past": f.certificate(issued_on=days_ago(1100), expires_on=days_ago(1)),
        "today": f.certificate(issued_on=days_ago(1095), expires_on=days_ago(0)),
        "future": f.certificate(issued_on=days_ago(10), expires_on=days_ago(-30)),
        "past_suspended": f.certificate(issued_on=days_ago(1100), expires_on=days_ago(3), status=C.SUSPENDED),
        "past_withdrawn": f.certificate(issued_on=days_ago(1100), expires_on=days_ago(3), status=C.WITHDRAWN),
    }


def statuses(certificates):
    return {name: Certificate.objects.get(pk=c.pk).status for name, c in certificates.items()}


def test_the_nightly_task_expires_active_and_suspended_certificates_past_their_date(certificates_by_expiry):
    assert expire_certificates() == 2
    assert statuses(certificates_by_expiry) == {
        "past": C.EXPIRED,
        "today": C.ACTIVE,  # valid through its last day
        "future": C.ACTIVE,
        "past_suspended": C.EXPIRED,  # a suspension never extends a validity
        "past_withdrawn": C.WITHDRAWN,
    }
    for name in ("past", "past_suspended"):
        assert history(certificates_by_expiry[name]) == [(C.EXPIRED, "Validity period ended.", None)]
    for name in ("today", "future", "past_withdrawn"):
        assert history(certificates_by_expiry[name]) == []


def test_the_nightly_task_can_run_twice(certificates_by_expiry):
    assert expire_certificates() == 2
    assert expire_certificates() == 0
    assert CertificateEvent.objects.filter(status=C.EXPIRED).count() == 2


def test_expiring_a_certificate_that_no_longer_needs_it_does_nothing(certificates_by_expiry):
    assert svc.certificate_expire(certificate=certificates_by_expiry["future"]) is None
    assert svc.certificate_expire(certificate=certificates_by_expiry["past_withdrawn"]) is None
    expired = svc.certificate_expire(certificate=certificates_by_expiry["past"])
    assert expired.status == C.EXPIRED
    assert svc.certificate_expire(certificate=certificates_by_expiry["past"]) is None
    assert CertificateEvent.objects.count() == 1


def test_a_suspended_certificate_past_its_date_leaves_the_public_registry_as_expired(certificates_by_expiry):
    from registry.public.selectors import public_certificates

    suspended = certificates_by_expiry["past_suspended"]
    expire_certificates()
    assert suspended not in public_certificates()


def test_reinstating_a_certificate_past_its_expiry_date_is_refused_with_the_reason(
    service, scheme, decision_maker, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    certificate = f.certificate(
        service,
        scheme,
        status=C.SUSPENDED,
        issued_on=today - datetime.timedelta(days=1096),
        expires_on=today - datetime.timedelta(days=1),
    )
    with pytest.raises(Refused, match="cannot be reinstated"):
        svc.certificate_reinstate(certificate=certificate, by=decision_maker, reason="Audit passed.")
    certificate.refresh_from_db()
    assert certificate.status == C.SUSPENDED and not CertificateEvent.objects.filter(certificate=certificate).exists()


# The database keeps one certificate in force per service and scheme, whatever the code does.


@pytest.mark.parametrize("first_status", [C.ACTIVE, C.SUSPENDED])
@pytest.mark.parametrize("second_status", [C.ACTIVE, C.SUSPENDED])
def test_the_database_refuses_two_live_certificates_for_one_service_and_scheme(first_status, second_status):
    first = f.certificate(status=first_status)
    with pytest.raises(IntegrityError), transaction.atomic():
        f.certificate(first.service, first.scheme, status=second_status)
    assert Certificate.objects.filter(service=first.service, scheme=first.scheme).count() == 1


@pytest.mark.parametrize("ended", [C.WITHDRAWN, C.EXPIRED, C.SUPERSEDED])
def test_an_ended_certificate_does_not_block_a_new_one(ended):
    first = f.certificate(status=ended)
    second = f.certificate(first.service, first.scheme)
    assert second.status == C.ACTIVE


def test_the_database_refuses_reactivating_an_old_certificate_beside_a_live_one():
    old = f.certificate(status=C.EXPIRED)
    f.certificate(old.service, old.scheme)
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.filter(pk=old.pk).update(status=C.ACTIVE)
