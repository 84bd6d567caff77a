"""The public read-only API (/api/): its root, the certificate list (the public rows of the registry, its order, the
registry page's filters, the paging), a certificate by number, ?on= answered from the status history, and the history
endpoint.

Services, providers and dossiers in process; errors, methods and throttling; the OpenAPI schema and its documentation
page; and the query counts are in test_api_services, test_api_errors, test_api_schema and test_api_queries."""

import datetime

import pytest

from registry.certificates.models import CertificateEvent
from registry.public import selectors as queries
from tests import factories as f
from tests.public.api_helpers import at, certified, get

pytestmark = pytest.mark.django_db


# --- The API root and the certificate list ---


def test_the_api_root_links_every_endpoint(client):
    r = client.get("/api/v1/")

    assert r.status_code == 200
    assert r["Content-Type"] == "application/json"
    assert set(r.json()) == {"services", "providers", "certificates", "in-process"}


def test_the_certificate_list_items_are_the_public_rows_of_the_registry(client, provider):
    active = certified(provider, conditions="Annual surveillance audit.")
    suspended = certified(provider, status="suspended")
    certified(status="withdrawn")
    certified(status="expired")

    r = get(client, "certificate-list")

    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 2
    rows = {row["certificate"]: row for row in body["results"]}
    expected = {c.number: queries.public_row(c) for c in queries.public_certificates()}
    assert set(rows) == {active.number, suspended.number}
    assert rows == expected
    assert rows[suspended.number]["status"] == "suspended"
    assert rows[active.number]["data_countries"] == ["DE", "FR"]


def test_the_certificate_list_keeps_the_order_of_the_registry(client):
    for name in ("Zeta", "Alpha", "Mu"):
        certified(name=name)

    names = [row["service"] for row in get(client, "certificate-list").json()["results"]]

    assert names == ["Alpha", "Mu", "Zeta"]


def test_the_certificate_list_takes_the_filters_of_the_registry_page(client, provider, other_provider):
    old_scheme = f.scheme(with_requirements=False, code="secnumcloud-3.1")
    compute = certified(provider, name="Nuage Compute", storage="FR", issued_on=datetime.date(2025, 1, 1))
    mail = certified(provider, name="Nuage Mail", service_model="saas", storage="DE", scheme_obj=old_scheme)
    other = certified(other_provider, name="Autre Kube", service_model="caas", status="suspended", storage="FR")

    def numbers(**params):
        r = get(client, "certificate-list", **params)
        assert r.status_code == 200, r.content
        return [row["certificate"] for row in r.json()["results"]]

    assert numbers(q="mail") == [mail.number]
    assert numbers(q="nuage compute") == [compute.number]
    assert numbers(q=other.number) == [other.number]
    assert sorted(numbers(provider="nuage-souverain")) == sorted([compute.number, mail.number])
    assert numbers(model="caas") == [other.number]
    assert numbers(scheme="secnumcloud-3.1") == [mail.number]
    assert numbers(status="suspended") == [other.number]
    assert sorted(numbers(country="FR")) == sorted([compute.number, other.number])
    assert numbers(country="FR", provider="autre-cloud") == [other.number]
    assert numbers(sort="provider") == [other.number, compute.number, mail.number]
    assert numbers(sort="issued")[-1] == compute.number
    assert numbers(sort="expiry")[0] == compute.number


@pytest.mark.parametrize(
    "params, field",
    [
        ({"status": "withdrawn"}, "status"),
        ({"status": "bogus"}, "status"),
        ({"model": "mainframe"}, "model"),
        ({"country": "fr"}, "country"),
        ({"country": "France"}, "country"),
        ({"sort": "price"}, "sort"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"page": ""}, "page"),
        ({"page": "-1"}, "page"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "null"}, "page_size"),
        ({"page_size": ""}, "page_size"),
        ({"page_size": "1.5"}, "page_size"),
    ],
)
def test_a_malformed_filter_answers_400_with_the_reason_in_json(client, params, field):
    certified()

    r = get(client, "certificate-list", **params)

    assert r.status_code == 400
    assert r["Content-Type"] == "application/json"
    body = r.json()
    assert list(body) == [field]
    assert body[field] and all(isinstance(reason, str) and reason for reason in body[field])


@pytest.mark.parametrize("url", ["/api/v1/services/", "/api/v1/providers/", "/api/v1/in-process/"])
def test_every_list_refuses_a_malformed_page_with_400_and_a_page_after_the_last_with_404(client, url):
    certified()

    bad = client.get(url, {"page_size": "ten"})
    after = client.get(url, {"page": "3"})

    assert bad.status_code == 400 and bad.json() == {
        "page_size": ["Enter a whole number from 1, without sign or spaces."]
    }
    assert after.status_code == 404 and after.json() == {"detail": "There is no page 3: the last page is 1."}


def test_a_provider_scheme_or_country_that_no_certificate_has_answers_an_empty_list(client, provider):
    c = certified(provider)
    f.certificate(f.service(f.provider(slug="withdrawn-only")), status="withdrawn")

    for params in ({"provider": "no-such-provider"}, {"provider": "withdrawn-only"}, {"scheme": "no-such-scheme"}, {"country": "XX"}):  # fmt: skip
        r = get(client, "certificate-list", **params)
        assert r.status_code == 200 and r.json()["count"] == 0, params
    assert [row["certificate"] for row in get(client, "certificate-list", provider=provider.slug).json()["results"]] == [c.number]  # fmt: skip


def test_empty_filters_filter_nothing_and_unknown_parameters_are_ignored(client):
    certified()
    certified()

    r = get(
        client,
        "certificate-list",
        q="",
        provider="",
        model="",
        scheme="",
        status="",
        country="",
        sort="",
        utm_source="x",
    )

    assert r.status_code == 200 and r.json()["count"] == 2


def test_a_control_character_in_a_filter_is_refused_before_the_api_reads_it(client):
    r = get(client, "certificate-list", q="nul\x00byte")

    assert r.status_code == 400  # registry.core.middleware's refusal, {"detail": ...} as the schema documents it
    assert r.json()["detail"]


def test_the_list_is_paginated_with_a_capped_page_size(client, settings):
    for _ in range(5):
        certified()

    first = get(client, "certificate-list", page_size=2).json()
    last = get(client, "certificate-list", page_size=2, page=3).json()
    capped = get(client, "certificate-list", page_size=100_000)

    assert first["count"] == 5 and len(first["results"]) == 2 and "page=2" in first["next"]
    assert len(last["results"]) == 1 and last["next"] is None
    assert capped.status_code == 200 and len(capped.json()["results"]) == 5
    from registry.public.api.pagination import RegistryPagination

    assert RegistryPagination.max_page_size == 200
    assert get(client, "certificate-list", page=99).status_code == 404
    assert get(client, "certificate-list", page=99)["Content-Type"] == "application/json"


# --- A certificate by number, ?on= and the status history ---


def test_a_certificate_by_number_carries_its_row_scope_and_public_history_but_never_the_actor(client, administrator):
    from registry.certificates.services import certificate_suspend

    c = certified()
    CertificateEvent.objects.create(
        certificate=c, status="active", reason="Qualification granted.", actor=administrator
    )
    c = certificate_suspend(
        review_on=f.review_date(), certificate=c, by=administrator, reason="Incident under investigation."
    )

    r = get(client, "certificate-detail", c.number)

    assert r.status_code == 200
    body = r.json()
    c = queries.public_certificates().get(pk=c.pk)
    assert {k: body[k] for k in queries.public_row(c)} == queries.public_row(c)
    assert body["status"] == "suspended"
    assert body["scope"] == "Virtual machines."
    assert [(e["status"], e["reason"]) for e in body["history"]] == [
        ("active", "Qualification granted."),
        ("suspended", "Incident under investigation."),
    ]
    assert "on" not in body
    assert administrator.email not in r.content.decode()
    assert all(
        set(e) == {"type", "status", "reason", "reason_fr", "time", "effective_on", "change"} for e in body["history"]
    )
    assert {(e["type"], e["change"]) for e in body["history"]} == {("status", None)}


def test_an_archived_certificate_is_found_by_number_though_not_listed(client):
    c = certified(status="withdrawn")

    assert get(client, "certificate-detail", c.number).json()["status"] == "withdrawn"
    assert get(client, "certificate-list").json()["count"] == 0


def test_a_number_is_found_whatever_its_case_as_on_the_verification_page(client):
    c = certified()

    assert get(client, "certificate-detail", c.number.lower()).json()["certificate"] == c.number
    assert get(client, "certificate-history", c.number.lower()).status_code == 200


def test_looking_a_certificate_up_ignores_the_list_filters(client):
    c = certified(status="suspended")

    assert get(client, "certificate-detail", c.number, status="active").status_code == 200


@pytest.fixture
def history_certificate(db):
    """Issued on 10 January 2026, suspended on 1 February, reinstated on 1 March; expires on 10 January 2029."""
    c = certified(issued_on=datetime.date(2026, 1, 10))
    for when, status in [(at(2026, 1, 10, 9), "active"), (at(2026, 2, 1), "suspended"), (at(2026, 3, 1), "active")]:
        CertificateEvent.objects.create(certificate=c, status=status, reason=status, created_at=when)
    return c


@pytest.mark.parametrize(
    "day, status, valid",
    [
        ("2026-01-09", None, False),  # before issue: not valid
        ("2026-01-10", "active", True),
        ("2026-01-31", "active", True),
        ("2026-02-01", "suspended", False),  # the suspension took effect during that day
        ("2026-02-15", "suspended", False),
        ("2026-03-15", "active", True),
        ("2029-01-11", "expired", False),
        ("0001-01-01", None, False),
        ("9999-12-31", "expired", False),
    ],
)
def test_on_answers_the_status_on_that_day_from_the_history(client, history_certificate, day, status, valid):
    r = get(client, "certificate-detail", history_certificate.number, on=day)

    assert r.status_code == 200
    assert r.json()["on"] == {"date": day, "status": status, "valid": valid}
    assert r.json()["status"] == "active"  # today's status is unchanged by the question


@pytest.mark.parametrize("day", ["", "2026-13-01", "2026-02-30", "yesterday", "01/02/2026", "2026-02", "20260201"])
def test_a_malformed_on_date_answers_400_with_the_reason(client, history_certificate, day):
    r = get(client, "certificate-detail", history_certificate.number, on=day)

    assert r.status_code == 400
    assert r["Content-Type"] == "application/json"
    assert list(r.json()) == ["on"] and "YYYY-MM-DD" in r.json()["on"][0]


def test_the_history_endpoint_lists_status_reason_and_time_oldest_first(client, history_certificate, administrator):
    CertificateEvent.objects.filter(certificate=history_certificate).update(actor=administrator)

    r = get(client, "certificate-history", history_certificate.number)

    assert r.status_code == 200
    assert [(e["status"], e["reason"]) for e in r.json()] == [
        ("active", "active"),
        ("suspended", "suspended"),
        ("active", "active"),
    ]
    assert all(set(e) == {"type", "status", "reason", "reason_fr", "time", "effective_on", "change"} for e in r.json())
    assert r.json()[1]["time"] == "2026-02-01T12:00:00+01:00"
    assert administrator.email not in r.content.decode()
