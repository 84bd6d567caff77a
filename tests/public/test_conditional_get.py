"""Conditional GET on the public answers (registry/public/cache.py): an ETag and a Last-Modified on the API's lists and
details, the exports, the feed and the pages, and on each snapshot; a client that sends them back gets a 304 without a
body, at no query, until something public changes."""

import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from registry.certificates.services import certificate_suspend
from registry.public.cache import GENERATION_KEY
from registry.public.snapshots import snapshot_issue
from tests import factories as f
from tests.public.test_public_pages import certified

pytestmark = pytest.mark.django_db

ANSWERS = {
    "API certificates": "/api/v1/certificates/",
    "API services": "/api/v1/services/",
    "API certificate": None,  # by number, below
    "CSV export": "/registry/export.csv",
    "JSON export": "/registry/export.json?model=iaas",
    "feed": "/registry/feed/",
    "registry page": "/registry/",
}


@pytest.fixture
def registry():
    certificate = certified("Alpha Cloud")
    # The registry last changed a minute ago: its Last-Modified is a second that is over.
    cache.set(GENERATION_KEY, int((time.time() - 60) * 1_000_000), timeout=None)
    return certificate


def answers(certificate) -> dict:
    return {name: url or f"/api/v1/certificates/{certificate.number}/" for name, url in ANSWERS.items()}


@pytest.mark.parametrize("cache_seconds", [300, 0], ids=["page cache on", "page cache off"])
def test_a_client_with_the_current_copy_gets_a_304_without_a_query(
    client, settings, registry, cache_seconds, django_assert_num_queries
):
    settings.PUBLIC_CACHE_SECONDS = cache_seconds
    for name, url in answers(registry).items():
        first = client.get(url)
        assert first.status_code == 200, name
        etag, last_modified = first["ETag"], first["Last-Modified"]
        assert etag.startswith('W/"'), name
        with django_assert_num_queries(0):
            by_etag = client.get(url, HTTP_IF_NONE_MATCH=etag)
            by_date = client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified)
        for again in (by_etag, by_date):
            assert again.status_code == 304 and again.content == b"", name
            assert again["ETag"] == etag, name
        assert client.get(url, HTTP_IF_NONE_MATCH='W/"1-other"').status_code == 200, name


def test_a_public_change_makes_every_copy_stale(client, registry, decision_maker, django_capture_on_commit_callbacks):
    urls = answers(registry)
    before = {name: client.get(url)["ETag"] for name, url in urls.items()}

    with django_capture_on_commit_callbacks(execute=True):
        certificate_suspend(review_on=f.review_date(), certificate=registry, by=decision_maker, reason="Incident.")

    for name, url in urls.items():
        again = client.get(url, HTTP_IF_NONE_MATCH=before[name])
        assert again.status_code == 200 and again["ETag"] != before[name], name
    assert client.get(urls["API certificate"]).json()["status"] == "suspended"


def test_each_language_and_address_has_its_own_validator(client, registry):
    english = client.get("/registry/", HTTP_ACCEPT_LANGUAGE="en")
    french = client.get("/registry/", HTTP_ACCEPT_LANGUAGE="fr")
    assert english["ETag"] != french["ETag"]
    french_again = client.get("/registry/", HTTP_ACCEPT_LANGUAGE="fr", HTTP_IF_NONE_MATCH=english["ETag"])
    assert french_again.status_code == 200 and '<html lang="fr">' in french_again.text
    assert client.get("/registry/?page=1")["ETag"] != english["ETag"]


def test_a_signed_in_visitor_always_gets_the_page(client, registry, owner):
    etag = client.get("/registry/")["ETag"]
    client.force_login(owner)
    page = client.get("/registry/", HTTP_IF_NONE_MATCH=etag)
    assert page.status_code == 200 and owner.email in page.text and not page.has_header("ETag")


def test_the_api_throttle_counts_304_answers(client, settings, registry):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/minute"}}
    url = "/api/v1/providers/"
    etag = client.get(url)["ETag"]
    statuses = [client.get(url, HTTP_IF_NONE_MATCH=etag).status_code for _ in range(3)]
    assert statuses == [304, 304, 429]


def test_a_snapshot_is_named_by_its_number_and_a_new_one_is_fetched_again(client, registry):
    snapshot_issue(force=True)
    for url in (reverse("registry:snapshot"), reverse("registry:snapshot-signature")):
        first = client.get(url)
        sequence = first["X-Snapshot-Sequence"]
        assert first["ETag"].startswith(f'"snapshot-{sequence}-') and first.has_header("Last-Modified")
        assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
        assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    etag = client.get(reverse("registry:snapshot"))["ETag"]
    snapshot_issue(force=True)
    newer = client.get(reverse("registry:snapshot"), HTTP_IF_NONE_MATCH=etag)
    assert newer.status_code == 200 and newer["ETag"] != etag
    numbered = reverse("registry:snapshot-numbered", args=[1])
    assert Client().get(numbered, HTTP_IF_NONE_MATCH=client.get(numbered)["ETag"]).status_code == 304
