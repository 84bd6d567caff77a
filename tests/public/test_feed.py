"""/registry/feed/: an Atom feed of certificate status changes, newest first, with the published reasons."""

import datetime

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from registry.certificates import services as svc
from registry.certificates.models import CertificateEvent
from tests import factories as f

pytestmark = pytest.mark.django_db


def qualified(service=None, *, ago=datetime.timedelta(days=30)):
    """A certificate with the first event of its public history, as certificate_issue writes it."""
    service = service or f.service()
    certificate = f.certificate(service)
    CertificateEvent.objects.create(
        certificate=certificate, status="active", reason="Qualification granted.", created_at=timezone.now() - ago
    )
    return certificate


def read_feed(client):
    response = client.get(reverse("registry:feed"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed, response.content.decode()


@pytest.fixture
def history(administrator, provider):
    """One certificate qualified, suspended, reinstated then withdrawn."""
    certificate = qualified(f.service(provider, name="Nuage Compute", slug="nuage-compute"))
    svc.certificate_suspend(
        review_on=f.review_date(), certificate=certificate, by=administrator, reason="Major non-conformity on backups."
    )
    svc.certificate_reinstate(certificate=certificate, by=administrator, reason="Backups audited again.")
    svc.certificate_withdraw(certificate=certificate, by=administrator, reason="Data moved outside the EU.")
    return certificate


def test_the_feed_is_atom_with_every_status_change_newest_first(client, history):
    parsed, _ = read_feed(client)

    assert [e.tags[0].term for e in parsed.entries] == ["withdrawn", "reinstated", "suspended", "qualified"]
    published = [e.published_parsed for e in parsed.entries]
    assert published == sorted(published, reverse=True)
    assert "SNC-" in parsed.entries[0].title and "withdrawn" in parsed.entries[0].title
    assert "Nuage Compute" in parsed.entries[0].title


def test_each_entry_carries_its_reason_and_links_to_the_service_page(client, history):
    parsed, _ = read_feed(client)

    summaries = [e.summary for e in parsed.entries]
    assert "Data moved outside the EU." in summaries[0]
    assert "Backups audited again." in summaries[1]
    assert "Major non-conformity on backups." in summaries[2]
    assert "Qualification granted." in summaries[3]
    assert {e.link for e in parsed.entries} == {"http://testserver/registry/nuage-compute/"}
    assert len({e.id for e in parsed.entries}) == 4  # one id per event, not per service page


def test_the_feed_never_names_who_made_the_change(client, history, administrator):
    _, xml = read_feed(client)

    assert administrator.email not in xml
    assert "<author><name>Trusted Cloud Registry</name></author>" in xml  # the agency signs, at the feed level only
    assert xml.count("<author>") == 1


def test_superseded_and_expired_certificates_are_in_the_feed(client, db):
    old = qualified(ago=datetime.timedelta(days=3))
    CertificateEvent.objects.create(certificate=old, status="superseded", reason="Replaced by the renewal DOS-1.")
    expiring = qualified(ago=datetime.timedelta(days=2))
    CertificateEvent.objects.create(certificate=expiring, status="expired", reason="Validity period ended.")

    parsed, _ = read_feed(client)

    assert [e.tags[0].term for e in parsed.entries[:2]] == ["expired", "superseded"]
    assert "Replaced by the renewal DOS-1." in parsed.entries[1].summary


def test_a_reason_with_markup_stays_text(client, administrator):
    certificate = qualified()
    svc.certificate_suspend(
        review_on=f.review_date(),
        certificate=certificate,
        by=administrator,
        reason="<script>alert(1)</script> & <b>bold</b>\x0b",
    )

    parsed, xml = read_feed(client)

    assert "<script>" not in xml
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in parsed.entries[0].summary


def test_the_feed_costs_two_queries_whatever_the_number_of_certificates(client, django_assert_max_num_queries, db):
    for i in range(32):
        certificate = qualified()
        if i % 4 == 0:
            f.accepted_change_record(certificate)

    with django_assert_max_num_queries(2):
        # 1. the latest events with their certificate, service, provider and scheme, and whether each is the first
        # 2. the latest accepted changes with their certificate, service, provider and scheme
        parsed, _ = read_feed(client)

    assert len(parsed.entries) == 32 + 8


def test_the_feed_url_is_the_published_contract():
    assert reverse("registry:feed") == "/registry/feed/"
