"""Each rule the public registry states is told the same everywhere: the feed and the followers' e-mails name a change
alike, the service's page and the API give the same dependency warnings, and the home page states the scheme's caps."""

import datetime
import html
import re
from decimal import Decimal

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from registry.certificates import rules
from registry.certificates.models import CertificateEvent
from registry.notifications.emails import certificate_event_emails
from registry.providers.models import Service
from registry.public import selectors as queries
from registry.public.models import Subscription
from registry.public.subscriptions import CHANGE_LABELS
from registry.public.views.feed import CHANGES as FEED_CHANGES
from tests import factories as f

pytestmark = pytest.mark.django_db


# --- Qualified or reinstated. ---


def test_the_feed_and_the_emails_have_a_word_for_every_change():
    assert set(FEED_CHANGES) == set(CHANGE_LABELS) == set(rules.CHANGES)


def test_the_feed_and_the_followers_emails_call_each_event_the_same_even_in_a_history_inserted_out_of_order(
    client, service
):
    certificate = f.certificate(service)
    Subscription.objects.create(email="all@example.org", scope=Subscription.Scope.REGISTRY, confirmed_at=timezone.now())
    now = timezone.now()
    # An imported history: the reinstatement was inserted before the qualification it follows. The feed used to go
    # by time and the e-mails by insertion, so one called "qualified" what the other called "reinstated".
    reinstated = CertificateEvent.objects.create(
        certificate=certificate, status="active", created_at=now - datetime.timedelta(days=2)
    )
    suspended = CertificateEvent.objects.create(
        certificate=certificate, status="suspended", created_at=now - datetime.timedelta(days=5)
    )
    qualified = CertificateEvent.objects.create(
        certificate=certificate, status="active", created_at=now - datetime.timedelta(days=9)
    )

    feed = feedparser.parse(client.get(reverse("registry:feed")).content)
    in_feed = {int(entry.id.rsplit("#event-", 1)[1]): entry.tags[0].term for entry in feed.entries}
    by_email = {}
    for event in (reinstated, suspended, qualified):
        [email] = [e for e in certificate_event_emails(event) if e.to == ["all@example.org"]]
        by_email[event.pk] = email.subject.rsplit(": ", 1)[1]

    assert in_feed == {qualified.pk: "qualified", suspended.pk: "suspended", reinstated.pk: "reinstated"}
    assert by_email == {qualified.pk: "Qualified", suspended.pk: "Suspended", reinstated.pk: "Reinstated"}


# --- Dependency warnings. ---


def certified_service(name, **certificate_kw):
    service = f.service(name=name, slug=name.lower())
    f.eu_sites(service)
    f.public_history(f.certificate(service, **certificate_kw))
    return service


def page_warnings(client, slug) -> set:
    text = html.unescape(client.get(reverse("registry:service", args=[slug])).content.decode())
    found = re.findall(r"relies on (\S+) \((\S+)\), (?:whose certificate is (\w+)|which holds no certificate)", text)
    return {(third_party, status or None) for third_party, _service, status in found}


def test_the_page_and_the_api_warn_of_the_same_dependencies_by_one_rule(client):
    today = timezone.localdate()
    relied = {
        "Suspended": certified_service("Suspended", status="suspended"),
        "Withdrawn": certified_service("Withdrawn", status="withdrawn"),
        # Past its date, before the nightly task records it: no longer in force, as the badge already says.
        "Lapsed": certified_service(
            "Lapsed", issued_on=today - datetime.timedelta(days=1097), expires_on=today - datetime.timedelta(days=1)
        ),
        "LastDay": certified_service("LastDay", issued_on=today - datetime.timedelta(days=1096), expires_on=today),
        "Fine": certified_service("Fine"),
        "Never": f.service(name="Never", slug="never"),
    }
    relying = certified_service("Relying")
    for name, service in relied.items():
        f.third_party(relying, name=f"{name}Supplier", relies_on_service=service)

    api = client.get(reverse("api:service-detail", args=["relying"])).json()
    in_api = {(w["third_party"], w["status"]) for w in api["dependency_warnings"]}
    selected = queries.dependency_warnings(
        Service.objects.prefetch_related("third_parties__relies_on_service").get(pk=relying.pk)
    )

    expected = {
        ("SuspendedSupplier", "suspended"),
        ("WithdrawnSupplier", "withdrawn"),
        ("LapsedSupplier", "expired"),
        ("NeverSupplier", None),
    }
    assert in_api == expected
    assert page_warnings(client, "relying") == expected
    assert {(w.third_party.name, w.status) for w in selected} == expected
    relies = {tp["name"]: tp["relies_on"]["status"] for tp in api["third_parties"]}
    assert relies["LapsedSupplier"] == "expired" and relies["LastDaySupplier"] == "active"


# --- The ownership caps. ---


def test_the_home_page_states_the_current_schemes_caps_and_follows_a_change(client, settings):
    settings.PUBLIC_CACHE_SECONDS = 0  # each read renders; how a change drops kept pages is test_public_cache.py's
    scheme = f.scheme(
        with_requirements=False, individual_cap_percent=Decimal("24"), collective_cap_percent=Decimal("39")
    )

    assert "No non-EU shareholder above 24 % alone or 39 % together" in client.get(reverse("registry:home")).text

    scheme.individual_cap_percent, scheme.collective_cap_percent = Decimal("20"), Decimal("33.5")
    scheme.save()

    page = client.get(reverse("registry:home")).text
    assert "No non-EU shareholder above 20 % alone or 33.50 % together" in page
    assert "24 %" not in page and "39 %" not in page


def test_without_a_scheme_open_to_applications_the_home_page_states_no_cap(client):
    f.scheme(with_requirements=False, active=False)

    page = client.get(reverse("registry:home"))

    assert page.status_code == 200
    assert "No non-EU shareholder" not in page.text
