"""The queries of the public API: each list and each detail runs a fixed number, whatever the size of the registry.
LIST_QUERIES is also read by tests/project/test_query_counts.py, which grows the registry between two reads."""

import pytest
from django.db import connection

from registry.certificates.models import CertificateEvent
from tests import factories as f
from tests.public.api_helpers import certified, get, in_process

pytestmark = pytest.mark.django_db


# --- Query counts ---


@pytest.fixture
def big_registry(db):
    """35 certified services of 12 providers, each with sites and two third parties, one relying on another service."""
    providers = [f.provider() for _ in range(12)]
    certificates = [certified(providers[i % 12], status="suspended" if i % 5 == 0 else "active") for i in range(35)]
    for i, c in enumerate(certificates):
        CertificateEvent.objects.create(certificate=c, status="active", reason="Granted.")
        f.third_party(c.service, relies_on_service=certificates[(i + 1) % 35].service)
        f.third_party(c.service)
    for i in range(4):
        in_process(f.service(providers[i]))
    return certificates


# Each list costs the same whatever the number of services:
LIST_QUERIES = {
    # the read model's version and the count of the registry's entries (kept under it: here counted); the page of
    # entries; those certificates with service, provider and scheme; their data sites; their surveillance dates
    "certificate-list": 6,
    # the read model's version; count (kept under it: here counted); services with provider; their certificates (with
    # scheme); those certificates' data sites; their listed
    # dossiers; their sites; their third parties with the relied-on service; its certificates; their data sites; the
    # surveillance dates of the services' certificates
    "service-list": 11,
    # count; providers; their services in the registry or in process; those services' certificates; their data sites;
    # their listed dossiers
    "provider-list": 6,
    # count; dossiers with service, provider and scheme and their entry date
    "in-process-list": 2,
}


@pytest.mark.parametrize("name", LIST_QUERIES)
def test_every_list_runs_a_fixed_number_of_queries(client, big_registry, name, django_assert_max_num_queries):
    with django_assert_max_num_queries(LIST_QUERIES[name]):
        r = get(client, name, page_size=200)
    assert r.status_code == 200
    assert r.json()["count"] >= 4


def test_the_filtered_certificate_list_stays_bounded(client, big_registry, django_assert_max_num_queries):
    provider_slug = big_registry[0].service.provider.slug
    # the list's six, and on PostgreSQL the search's question of which words no entry holds (those alone are then
    # matched by similarity: registry.public.search)
    with django_assert_max_num_queries(7 if connection.vendor == "postgresql" else 6):
        r = get(client, "certificate-list", provider=provider_slug, country="FR", q="Cloud", sort="expiry")
    assert r.status_code == 200 and r.json()["count"] == 3


DETAIL_QUERIES = {
    # the certificate with service, provider and scheme; its data sites; its events; its surveillance dates; its
    # accepted changes
    "certificate-detail": 5,
    # the certificate with service, provider and scheme; its data sites; its events; its accepted changes
    "certificate-history": 4,
    # the list's queries but the count (the service-list comment above)
    "service-detail": 9,
    "provider-detail": 5,
}


@pytest.mark.parametrize("name", DETAIL_QUERIES)
def test_every_detail_runs_a_fixed_number_of_queries(client, big_registry, name, django_assert_max_num_queries):
    c = big_registry[3]
    arg = {
        "certificate-detail": c.number,
        "certificate-history": c.number,
        "service-detail": c.service.slug,
        "provider-detail": c.service.provider.slug,
    }[name]
    with django_assert_max_num_queries(DETAIL_QUERIES[name]):
        r = get(client, name, arg, **({"on": "2026-01-01"} if name == "certificate-detail" else {}))
    assert r.status_code == 200


@pytest.mark.parametrize("name", ["certificate-list", "service-list"])
def test_the_count_of_a_list_is_kept_until_a_certificate_changes(client, settings, name, django_assert_max_num_queries):
    settings.PUBLIC_CACHE_SECONDS = 0  # the view runs each time: the count alone is kept
    for _ in range(3):
        certified()
    assert get(client, name, model="iaas").json()["count"] == 3
    # The same list again: one query fewer (the version read, no count).
    with django_assert_max_num_queries(LIST_QUERIES[name] - 1):
        assert get(client, name, model="iaas").json()["count"] == 3
    if name == "certificate-list":  # (the services' list has no filters)
        assert get(client, name, model="saas").json()["count"] == 0  # another filter is its own count
    # A certificate issued (a save: the read model moves) is counted at once.
    certified()
    assert get(client, name, model="iaas").json()["count"] == 4
