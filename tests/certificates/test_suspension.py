"""A suspension as the agency records it: the public reason and the day it took effect, a planned review date and an
internal note that only the agency ever reads."""

import datetime
import json

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from registry.certificates import services as svc
from registry.certificates.choices import CertificateStatus as C
from registry.certificates.models import CertificateEvent
from registry.public.snapshots import snapshot_issue
from registry.qualification.workflow import Refused
from tests import factories as f
from tests.public.test_public_pages import certified

NOTE = "INTERNAL-NOTE-7f3a: the CISO of the provider admitted the backup leak by phone."


def days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def live(db):
    return certified("Alpha Cloud", issued_on=timezone.localdate() - datetime.timedelta(days=60))


def test_a_suspension_keeps_its_effective_day_review_date_and_internal_note(live, decision_maker):
    suspended = svc.certificate_suspend(
        certificate=live, by=decision_maker, reason="Backups stored outside the EU.", effective_on=days(-3),
        review_on=days(45), internal_note=NOTE,
    )  # fmt: skip
    assert (suspended.status, suspended.review_due_on) == (C.SUSPENDED, days(45))
    event = CertificateEvent.objects.filter(certificate=live).latest("created_at")
    assert (event.effective_on, event.reason, event.internal_note) == (days(-3), "Backups stored outside the EU.", NOTE)


def test_the_review_date_ends_with_the_suspension(live, decision_maker):
    svc.certificate_suspend(certificate=live, by=decision_maker, reason="Audit.", review_on=days(30))
    reinstated = svc.certificate_reinstate(certificate=live, by=decision_maker, reason="Plan verified.")
    assert reinstated.review_due_on is None


@pytest.mark.parametrize(
    ("effective_on", "review_on", "refusal"),
    [
        (1, 30, "today or on a past day"),
        (-61, 30, "before the certificate's last change"),
        (0, None, "plan the date"),
        (0, 0, "a day to come"),
        (0, 2000, "before the certificate expires"),
    ],
)
def test_a_suspension_with_impossible_dates_is_refused_and_changes_nothing(
    live, decision_maker, effective_on, review_on, refusal
):
    with pytest.raises(Refused, match=refusal):
        svc.certificate_suspend(
            certificate=live, by=decision_maker, reason="Audit.", effective_on=days(effective_on),
            review_on=days(review_on) if review_on is not None else None,
        )  # fmt: skip
    live.refresh_from_db()
    assert live.status == C.ACTIVE and CertificateEvent.objects.filter(certificate=live).count() == 1


def test_a_verification_for_a_day_after_the_effective_day_says_suspended(client, live, decision_maker):
    svc.certificate_suspend(
        certificate=live, by=decision_maker, reason="Audit.", effective_on=days(-3), review_on=days(30)
    )
    two_days_ago = reverse("api:certificate-detail", args=[live.number]) + f"?on={days(-2).isoformat()}"
    assert client.get(two_days_ago).json()["on"]["status"] == C.SUSPENDED
    four_days_ago = reverse("api:certificate-detail", args=[live.number]) + f"?on={days(-4).isoformat()}"
    assert client.get(four_days_ago).json()["on"]["status"] == C.ACTIVE


def test_the_internal_note_is_never_public(client, live, decision_maker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        svc.certificate_suspend(
            certificate=live, by=decision_maker, reason="Backups stored outside the EU.", effective_on=days(-1),
            review_on=days(30), internal_note=NOTE,
        )  # fmt: skip
    snapshot = snapshot_issue(force=True)
    answers = [
        client.get(reverse("registry:service", args=[live.service.slug])).text,
        client.get(reverse("registry:verify-number", args=[live.number])).text,
        client.get(reverse("registry:list")).text,
        client.get(reverse("registry:feed")).content.decode(),
        b"".join(client.get(reverse("registry:export-json")).streaming_content).decode(),
        b"".join(client.get(reverse("registry:export-csv")).streaming_content).decode(),
        json.dumps(client.get(reverse("api:certificate-detail", args=[live.number])).json()),
        json.dumps(client.get(reverse("api:certificate-history", args=[live.number])).json()),
        snapshot.body,
    ]
    assert all("Backups stored outside the EU." in answer for answer in (answers[0], answers[1], answers[-1]))
    for answer in answers:
        assert "INTERNAL-NOTE-7f3a" not in answer
    assert "(effective from" in answers[0]


def test_the_agency_suspends_with_its_form_and_reads_the_note_and_review_date(client, live, decision_maker):
    f.login_with_mfa(client, decision_maker)
    url = reverse("admin:registry_certificate_move", args=[live.pk, "suspend"])
    refused = client.post(url, f.suspension_form("Audit.", review_on=days(-1).isoformat()))
    assert refused.status_code == 200 and "a day to come" in refused.text
    live.refresh_from_db()
    assert live.status == C.ACTIVE

    assert client.post(url, f.suspension_form("Audit.", internal_note=NOTE)).status_code == 302
    page = client.get(reverse("admin:registry_certificate_change", args=[live.pk])).text
    assert NOTE in page and "Review of the suspension planned on" in page


def test_the_agency_finds_the_certificates_waiting_on_it(client, decision_maker):
    due = certified("Due Cloud", issued_on=timezone.localdate() - datetime.timedelta(days=60))
    later = certified("Later Cloud", issued_on=timezone.localdate() - datetime.timedelta(days=60))
    expiring = certified("Ending Cloud", issued_on=timezone.localdate() - datetime.timedelta(days=1030))
    quiet = certified("Quiet Cloud", issued_on=timezone.localdate() - datetime.timedelta(days=60))
    # Suspended twenty days ago, one with its review planned ten days ago, the other in twenty days.
    for certificate, review_on in ((due, days(-10)), (later, days(20))):
        with time_machine.travel(timezone.now() - datetime.timedelta(days=20), tick=False):
            svc.certificate_suspend(certificate=certificate, by=decision_maker, reason="Audit.", review_on=review_on)
    f.login_with_mfa(client, decision_maker)
    url = reverse("admin:registry_certificate_changelist")

    review_page = client.get(url, {"action": "review"}).text
    assert due.number in review_page and later.number not in review_page and quiet.number not in review_page
    expiring_page = client.get(url, {"action": "expiring"}).text
    assert expiring.number in expiring_page and quiet.number not in expiring_page and due.number not in expiring_page


def test_the_suspension_form_offers_today_in_a_value_the_date_field_reads_in_french_too(client, live, decision_maker):
    f.login_with_mfa(client, decision_maker)
    url = reverse("admin:registry_certificate_move", args=[live.pk, "suspend"])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").text
    assert "Suspendre" in page
    assert f'value="{timezone.localdate().isoformat()}"' in page  # an <input type=date> reads only YYYY-MM-DD
