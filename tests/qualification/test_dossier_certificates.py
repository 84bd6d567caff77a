"""The certificate a qualification issues: its number, its validity from the scheme (the same day months later, or
that month's last day), its scope; and the certificate it replaces, by a renewal or a new initial qualification."""

import datetime
import re

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from registry.certificates import services as certificate_services
from registry.certificates.choices import CertificateStatus
from registry.certificates.models import Certificate, CertificateEvent
from registry.qualification.models import Dossier
from registry.qualification.services import dossiers as svc
from registry.qualification.workflow import Refused
from tests import factories as f
from tests.qualification.dossier_events import event_count

pytestmark = pytest.mark.django_db

S = Dossier.Status


# Qualification and the certificate.


def test_qualification_issues_a_numbered_certificate_valid_for_the_scheme_period(complete_draft, walk, decision_maker):
    d = walk(complete_draft, S.DECISION)
    certificate = svc.dossier_qualify(
        dossier=d, by=decision_maker, scope="  IaaS in Roubaix. ", conditions=" Annual audit. "
    )
    today = timezone.localdate()
    assert re.fullmatch(rf"SNC-{today.year}-\d{{4}}", certificate.number)
    assert certificate.issued_on == today
    assert certificate.expires_on == today + relativedelta(months=36)
    assert (certificate.scope, certificate.conditions) == ("IaaS in Roubaix.", "Annual audit.")
    assert (certificate.status, certificate.service, certificate.scheme) == ("active", d.service, d.scheme)
    event = CertificateEvent.objects.get(certificate=certificate)
    assert (event.status, event.actor) == ("active", decision_maker)


def test_certificate_numbers_increase(provider, scheme, owner, editor, walk, decision_maker):
    numbers = []
    for _ in range(2):
        d = f.complete(svc.dossier_create(service=f.service(provider), scheme=scheme, by=owner), owner)
        numbers.append(svc.dossier_qualify(dossier=walk(d, S.DECISION), by=decision_maker, scope="IaaS.").number)
    first, second = (int(n.rsplit("-", 1)[1]) for n in numbers)
    assert second == first + 1


def test_validity_follows_the_scheme(complete_draft, walk, decision_maker, scheme):
    scheme.validity_months = 24
    scheme.save()
    certificate = svc.dossier_qualify(dossier=walk(complete_draft, S.DECISION), by=decision_maker, scope="IaaS.")
    assert certificate.expires_on == certificate.issued_on + relativedelta(months=24)


@pytest.mark.parametrize(
    ("issued_on", "months", "expires_on"),
    [
        (datetime.date(2026, 3, 15), 36, datetime.date(2029, 3, 15)),
        (datetime.date(2024, 2, 29), 36, datetime.date(2027, 2, 28)),  # no 29 February then: the month's last day
        (datetime.date(2024, 2, 29), 48, datetime.date(2028, 2, 29)),
        (datetime.date(2023, 1, 31), 1, datetime.date(2023, 2, 28)),
        (datetime.date(2024, 1, 31), 1, datetime.date(2024, 2, 29)),
        (datetime.date(2025, 8, 31), 1, datetime.date(2025, 9, 30)),
        (datetime.date(2025, 11, 30), 3, datetime.date(2026, 2, 28)),
        (datetime.date(2025, 12, 31), 1, datetime.date(2026, 1, 31)),
        (datetime.date(2025, 10, 31), 14, datetime.date(2026, 12, 31)),
    ],
)
def test_a_certificate_expires_the_same_day_months_later_or_on_that_month_last_day(
    time_machine, complete_draft, walk, decision_maker, scheme, issued_on, months, expires_on
):
    scheme.validity_months = months
    scheme.save()
    time_machine.move_to(timezone.make_aware(datetime.datetime.combine(issued_on, datetime.time(12))))
    certificate = svc.dossier_qualify(dossier=walk(complete_draft, S.DECISION), by=decision_maker, scope="IaaS.")
    assert certificate.number.startswith(f"SNC-{issued_on.year}-")
    assert (certificate.issued_on, certificate.expires_on) == (issued_on, expires_on)


@pytest.mark.parametrize("scope", ["", "  \n"])
def test_qualification_needs_a_scope(complete_draft, walk, decision_maker, scope):
    d = walk(complete_draft, S.DECISION)
    before = event_count(d)
    with pytest.raises(Refused, match="scope"):
        svc.dossier_qualify(dossier=d, by=decision_maker, scope=scope)
    d.refresh_from_db()
    assert d.status == S.DECISION
    assert event_count(d) == before
    assert not Certificate.objects.exists()


@pytest.fixture
def first_certificate(complete_draft, walk, decision_maker):
    return svc.dossier_qualify(dossier=walk(complete_draft, S.DECISION), by=decision_maker, scope="IaaS.")


@pytest.mark.parametrize("previous_status", [CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED])
def test_a_renewal_supersedes_the_previous_certificate(
    first_certificate, service, scheme, owner, walk, decision_maker, previous_status
):
    if previous_status == CertificateStatus.SUSPENDED:
        certificate_services.certificate_suspend(
            review_on=f.review_date(), certificate=first_certificate, by=decision_maker, reason="Audit."
        )
    renewal = svc.dossier_create(
        service=service, scheme=scheme, by=owner, kind=Dossier.Kind.RENEWAL, renews=first_certificate
    )
    renewal = walk(f.complete(renewal, owner), S.DECISION)
    second = svc.dossier_qualify(dossier=renewal, by=decision_maker, scope="IaaS, renewed.")

    first_certificate.refresh_from_db()
    assert first_certificate.status == CertificateStatus.SUPERSEDED
    assert second.status == CertificateStatus.ACTIVE
    assert second.number != first_certificate.number
    superseded = CertificateEvent.objects.filter(certificate=first_certificate).last()
    assert superseded.status == CertificateStatus.SUPERSEDED
    assert superseded.actor is None  # the registry itself
    assert renewal.reference in superseded.reason
    assert Certificate.objects.filter(service=service, scheme=scheme, status="active").get() == second


def test_a_renewal_of_a_withdrawn_certificate_leaves_it_withdrawn(
    first_certificate, service, scheme, owner, walk, decision_maker
):
    certificate_services.certificate_withdraw(certificate=first_certificate, by=decision_maker, reason="Breach.")
    renewal = svc.dossier_create(
        service=service, scheme=scheme, by=owner, kind=Dossier.Kind.RENEWAL, renews=first_certificate
    )
    svc.dossier_qualify(dossier=walk(f.complete(renewal, owner), S.DECISION), by=decision_maker, scope="IaaS.")
    first_certificate.refresh_from_db()
    assert first_certificate.status == CertificateStatus.WITHDRAWN
    assert not CertificateEvent.objects.filter(certificate=first_certificate, status="superseded").exists()


def test_a_new_initial_qualification_replaces_the_certificate_still_in_force(
    first_certificate, service, scheme, owner, walk, decision_maker
):
    # The provider applied again as "initial" instead of "renewal": at most one certificate may be in force.
    again = svc.dossier_create(service=service, scheme=scheme, by=owner)
    second = svc.dossier_qualify(dossier=walk(f.complete(again, owner), S.DECISION), by=decision_maker, scope="IaaS.")
    first_certificate.refresh_from_db()
    assert (first_certificate.status, second.status) == (CertificateStatus.SUPERSEDED, CertificateStatus.ACTIVE)
    superseded = CertificateEvent.objects.filter(certificate=first_certificate).last()
    assert (superseded.status, superseded.actor) == (CertificateStatus.SUPERSEDED, None)
    assert again.reference in superseded.reason


def test_a_renewal_naming_an_old_certificate_replaces_the_one_in_force(service, scheme, owner, walk, decision_maker):
    expired = f.certificate(service, scheme, status=CertificateStatus.EXPIRED)
    in_force = f.certificate(service, scheme)
    renewal = svc.dossier_create(service=service, scheme=scheme, by=owner, kind=Dossier.Kind.RENEWAL, renews=expired)
    svc.dossier_qualify(dossier=walk(f.complete(renewal, owner), S.DECISION), by=decision_maker, scope="IaaS.")
    expired.refresh_from_db()
    in_force.refresh_from_db()
    assert (expired.status, in_force.status) == (CertificateStatus.EXPIRED, CertificateStatus.SUPERSEDED)


def test_dossier_references_and_certificate_numbers_count_the_agency_year(
    time_machine, service, scheme, owner, walk, decision_maker
):
    # 23:30 UTC on 31 December is already half past midnight on New Year's Day in Paris, where the agency works:
    # both numbers belong to the new year, never one to each.
    time_machine.move_to(datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC))
    d = f.complete(svc.dossier_create(service=service, scheme=scheme, by=owner), owner)
    certificate = svc.dossier_qualify(dossier=walk(d, S.DECISION), by=decision_maker, scope="IaaS.")
    assert re.fullmatch(r"DOS-2027-\d{5}", d.reference)
    assert re.fullmatch(r"SNC-2027-\d{4}", certificate.number)
    assert certificate.issued_on == datetime.date(2027, 1, 1)
