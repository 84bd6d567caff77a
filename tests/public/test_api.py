"""The public read-only API (/api/): its endpoints, its errors as JSON, ?on= from the status history, throttling, the
OpenAPI schema and its documentation page, agreement with queries.public_row, and query-count bounds."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from registry.certificates.models import CertificateEvent
from registry.providers.models import Service, Site
from registry.public import selectors as queries
from registry.qualification.models import Dossier, DossierEvent
from tests import factories as f

PARIS = ZoneInfo("Europe/Paris")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle():
    # The throttle counts requests in the cache: each test starts with a clean slate.
    cache.clear()
    yield
    cache.clear()


def certified(provider_obj=None, *, storage="FR", processing="DE", **kw):
    """A service with a storage and a processing site, certified (an active certificate unless told otherwise)."""
    service_kw = {key: kw.pop(key) for key in ("name", "slug", "service_model", "description") if key in kw}
    s = f.service(provider_obj, **service_kw)
    Site.objects.create(service=s, role=Site.Role.STORAGE, country=storage, city="Strasbourg")
    Site.objects.create(service=s, role=Site.Role.PROCESSING, country=processing, city="Frankfurt")
    Site.objects.create(service=s, role=Site.Role.SUPPORT, country="PT", city="Lisbon")
    return f.certificate(s, kw.pop("scheme_obj", None), **kw)


def in_process(service_obj, *, consent=True, status=Dossier.Status.EVALUATION):
    d = f.dossier(service_obj, status=status, listed_in_process_consent=consent)
    DossierEvent.objects.create(
        dossier=d, action="admit", from_status="in_review", to_status="evaluation", created_at=at(2026, 3, 2)
    )
    return d


def at(year, month, day, hour=12):
    return datetime.datetime(year, month, day, hour, tzinfo=PARIS)


def get(client, name, *args, **params):
    return client.get(reverse(f"api:{name}", args=args), params)


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
        ({"provider": "no-such-provider"}, "provider"),
        ({"model": "mainframe"}, "model"),
        ({"scheme": "no-such-scheme"}, "scheme"),
        ({"country": "XX"}, "country"),
        ({"sort": "price"}, "sort"),
        ({"q": "nul\x00byte"}, "q"),
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
    c = certificate_suspend(certificate=c, by=administrator, reason="Incident under investigation.")

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
    assert all(set(e) == {"status", "reason", "time"} for e in body["history"])


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


def test_an_empty_on_is_no_question(client, history_certificate):
    r = get(client, "certificate-detail", history_certificate.number, on="")

    assert r.status_code == 200 and "on" not in r.json()


@pytest.mark.parametrize("day", ["2026-13-01", "2026-02-30", "yesterday", "01/02/2026", "2026-02", "20260201"])
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
    assert all(set(e) == {"status", "reason", "time"} for e in r.json())
    assert r.json()[1]["time"] == "2026-02-01T12:00:00+01:00"
    assert administrator.email not in r.content.decode()


# --- Services, providers, dossiers in process ---


def test_a_service_shows_provider_certificate_countries_and_third_parties(client, provider):
    relied = certified(name="Stockage Objet")
    c = certified(provider, name="Nuage Compute", slug="nuage-compute", conditions="Yearly audit.")
    s = c.service
    Site.objects.create(service=s, role=Site.Role.STORAGE, country="BE", city="Brussels")
    f.third_party(s, name="Hébergeur", kind="hosting", country_of_control="FR", relies_on_service=relied.service)
    f.third_party(s, name="Logiciel", kind="technology_licensor", country_of_control="US")

    r = get(client, "service-detail", "nuage-compute")

    assert r.status_code == 200
    body = r.json()
    assert body["provider"] == {"slug": "nuage-souverain", "name": "Nuage Souverain SAS"}
    assert body["service_model"] == "iaas" and body["status"] == "active"
    assert body["certificate"] == queries.public_row(queries.public_certificates().get(pk=c.pk))
    assert [h["number"] for h in body["certificates"]] == [c.number]
    assert body["data_countries"] == ["BE", "DE", "FR"] == body["certificate"]["data_countries"]
    assert body["site_countries"] == {
        "storage": ["BE", "FR"],
        "processing": ["DE"],
        "administration": [],
        "support": ["PT"],
        "technical_data": [],
    }
    assert "Strasbourg" not in r.content.decode()  # countries, not addresses
    assert body["third_parties"] == [
        {
            "name": "Hébergeur",
            "kind": "hosting",
            "country_of_control": "FR",
            "relies_on": {
                "slug": relied.service.slug,
                "name": "Stockage Objet",
                "provider": relied.service.provider.legal_name,
                "status": "active",
            },
        },
        {"name": "Logiciel", "kind": "technology_licensor", "country_of_control": "US", "relies_on": None},
    ]
    assert body["dependency_warnings"] == []
    assert body["in_process"] == []
    assert body["url"].endswith("/registry/nuage-compute/")


def test_a_service_warns_of_the_qualified_services_it_relies_on_that_are_no_longer_active(client, administrator):
    from registry.certificates.services import certificate_suspend, certificate_withdraw

    suspended, withdrawn, renewed, fine = (certified(name=n) for n in ("Susp", "Withdrawn", "Renewed", "Fine"))
    certificate_suspend(certificate=suspended, by=administrator, reason="Incident.")
    certificate_withdraw(certificate=withdrawn, by=administrator, reason="Audit failed.")
    renewed.status = "superseded"
    renewed.save()
    f.certificate(renewed.service, issued_on=renewed.issued_on + datetime.timedelta(days=1))
    never = f.service(name="Never qualified")
    s = certified(slug="relying").service
    for relied in (suspended, withdrawn, renewed, fine):
        f.third_party(s, name=f"Supplier of {relied.service.name}", relies_on_service=relied.service)
    f.third_party(s, name="Supplier of nothing", relies_on_service=never)

    body = get(client, "service-detail", "relying").json()

    assert sorted((w["third_party"], w["status"]) for w in body["dependency_warnings"]) == [
        ("Supplier of Susp", "suspended"),
        ("Supplier of Withdrawn", "withdrawn"),
        ("Supplier of nothing", None),
    ]
    # The same warnings as the service's page, which reads queries.dependency_warnings.
    page_service = Service.objects.prefetch_related("third_parties__relies_on_service").get(slug="relying")
    assert sorted((w.third_party.name, w.service.slug) for w in queries.dependency_warnings(page_service)) == sorted(
        (w["third_party"], w["service"]) for w in body["dependency_warnings"]
    )
    relies = {tp["name"]: tp["relies_on"] for tp in body["third_parties"]}
    assert relies["Supplier of nothing"] == {"slug": never.slug, "name": "Never qualified", "provider": never.provider.legal_name, "status": None}  # fmt: skip
    assert relies["Supplier of Renewed"]["status"] == "active"


def test_a_service_lists_every_certificate_it_held_and_shows_none_in_force_when_all_are_archived(client):
    old = certified(status="expired", issued_on=datetime.date(2020, 1, 1))
    f.certificate(old.service, status="withdrawn", issued_on=datetime.date(2023, 1, 1))

    body = get(client, "service-detail", old.service.slug).json()

    assert body["certificate"] is None
    assert [h["status"] for h in body["certificates"]] == ["withdrawn", "expired"]
    assert body["status"] == "withdrawn"
    assert get(client, "service-list").json()["count"] == 1


def test_only_services_that_hold_or_held_a_certificate_are_public(client, provider):
    renewing = certified(provider, slug="renewing", status="expired", issued_on=datetime.date(2022, 1, 1)).service
    renewal = in_process(renewing, status=Dossier.Status.DECISION)
    in_process(f.service(provider, name="Listed", slug="listed"))
    f.dossier(f.service(provider, name="Draft", slug="draft-only"))

    slugs = [s["slug"] for s in get(client, "service-list").json()["results"]]
    body = get(client, "service-detail", "renewing").json()

    assert slugs == ["renewing"]
    assert body["status"] == "in_process" and body["certificate"] is None
    assert body["in_process"] == [
        {"scheme": str(renewal.scheme), "scheme_code": renewal.scheme.code, "kind": "initial", "stage": "decision", "entered_on": "2026-03-02"}
    ]  # fmt: skip
    for slug in ("listed", "draft-only"):  # as on the service pages: no certificate, no page
        assert get(client, "service-detail", slug).status_code == 404


def test_a_provider_shows_its_locations_its_services_with_their_status_and_its_dossiers_in_process(
    client, provider, other_provider
):
    certified(provider, name="Compute", slug="compute")
    certified(provider, name="Kube", slug="kube", status="suspended")
    certified(provider, name="Old", slug="old", status="withdrawn")
    mail = in_process(f.service(provider, name="Mail", slug="mail"))
    in_process(f.service(provider, name="Hidden", slug="hidden"), consent=False)
    f.service(provider, name="Secret", slug="secret")
    in_process(f.service(other_provider, name="Only in process"))

    listed = get(client, "provider-list").json()
    body = get(client, "provider-detail", "nuage-souverain").json()

    assert [p["slug"] for p in listed["results"]] == ["nuage-souverain"]
    assert body["name"] == "Nuage Souverain SAS" and body["registration_id"] == provider.registration_id
    assert body["locations"] == {
        "registered_office": "FR",
        "central_administration": "FR",
        "principal_establishment": "FR",
    }
    assert [(s["slug"], s["status"]) for s in body["services"]] == [
        ("compute", "active"),
        ("kube", "suspended"),
        ("old", "withdrawn"),
    ]
    assert body["in_process"] == [
        {"service": {"slug": "mail", "name": "Mail", "service_model": "iaas"}, "scheme": str(mail.scheme),
         "scheme_code": mail.scheme.code, "kind": "initial", "stage": "evaluation", "entered_on": "2026-03-02"}
    ]  # fmt: skip
    assert body["url"].endswith("/providers/nuage-souverain/")
    # as on the provider pages: a provider without any certificate is not in the registry
    assert get(client, "provider-detail", "autre-cloud").status_code == 404


def test_the_in_process_list_shows_consented_dossiers_in_evaluation_or_decision_and_nothing_internal(
    client, complete_draft, walk, reviewer, center, provider
):
    d = walk(complete_draft, Dossier.Status.EVALUATION)
    Dossier.objects.filter(pk=d.pk).update(listed_in_process_consent=True)
    in_process(f.service(provider, name="Deciding", slug="deciding"), status=Dossier.Status.DECISION)
    in_process(f.service(provider, name="Secret", slug="secret"), consent=False)
    f.dossier(f.service(provider, name="Submitted", slug="submitted"), status=Dossier.Status.SUBMITTED)

    r = get(client, "in-process-list")

    assert r.status_code == 200
    rows = r.json()["results"]
    assert [(row["service"]["slug"], row["stage"]) for row in rows] == [
        ("deciding", "decision"),
        ("nuage-compute", "evaluation"),
    ]
    assert rows[1]["entered_on"] == timezone.localdate().isoformat()
    assert rows[1]["provider"] == {"slug": "nuage-souverain", "name": "Nuage Souverain SAS"}
    assert set(rows[1]) == {"service", "provider", "scheme", "scheme_code", "kind", "stage", "entered_on"}
    content = r.content.decode()
    for internal in (d.reference, center.name, reviewer.email, "CESTI"):
        assert internal not in content


# --- Errors, methods, throttling ---


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/certificates/SNC-2026-9999/",
        "/api/v1/certificates/SNC-2026-9999/history/",
        "/api/v1/certificates/SNC-2026-9999/?on=2026-01-01",
        "/api/v1/services/no-such-service/",
        "/api/v1/providers/no-such-provider/",
        "/api/v1/in-process/1/",
        "/api/v1/no-such-collection/",
        "/api/v1/certificates/SNC.2026/",
        "/api/nothing/here/",
    ],
)
def test_an_unknown_address_answers_404_in_json(client, url):
    r = client.get(url)

    assert r.status_code == 404
    assert r["Content-Type"] == "application/json"
    assert r.json()["detail"]


def test_the_404_names_what_was_not_found(client):
    assert "SNC-2026-9999" in get(client, "certificate-detail", "SNC-2026-9999").json()["detail"]
    assert "no-such" in get(client, "service-detail", "no-such").json()["detail"]


@pytest.fixture
def every_url(provider):
    c = certified(provider, slug="compute")
    return [
        "/api/v1/",
        reverse("api:certificate-list"),
        reverse("api:certificate-detail", args=[c.number]),
        reverse("api:certificate-history", args=[c.number]),
        reverse("api:service-list"),
        reverse("api:service-detail", args=["compute"]),
        reverse("api:provider-list"),
        reverse("api:provider-detail", args=["nuage-souverain"]),
        reverse("api:in-process-list"),
    ]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_write_methods_are_refused(client, every_url, method, owner):
    client.force_login(owner)  # a session changes nothing: the API knows no user
    for url in every_url:
        r = getattr(client, method)(url, data={"status": "withdrawn"}, content_type="application/json")
        assert r.status_code == 405, url
        assert r["Content-Type"] == "application/json"
    assert get(client, "certificate-list").json()["results"][0]["status"] == "active"


def test_get_head_and_options_are_allowed_anonymously(client, every_url):
    for url in every_url:
        assert client.get(url).status_code == 200, url
        assert client.head(url).status_code == 200, url
        options = client.options(url)
        assert options.status_code == 200, url
        assert set(options["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}


def test_the_browsable_api_renders_for_a_browser(client, every_url):
    for url in every_url:
        r = client.get(url, HTTP_ACCEPT="text/html")
        assert r.status_code == 200, url
        assert r["Content-Type"].startswith("text/html")


def test_anonymous_clients_are_throttled(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/minute"}}
    cache.clear()

    answers = [client.get("/api/v1/certificates/").status_code for _ in range(4)]
    other_client = client.get("/api/v1/services/", REMOTE_ADDR="192.0.2.7")

    assert answers == [200, 200, 200, 429]
    throttled = client.get("/api/v1/providers/")
    assert throttled.status_code == 429
    assert throttled["Content-Type"] == "application/json" and throttled.json()["detail"]
    assert int(throttled["Retry-After"]) > 0
    assert other_client.status_code == 200


def test_the_default_rate_is_120_a_minute():
    from trustedcloud import settings as project_settings

    assert project_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"] == "120/minute"


# --- The OpenAPI schema and its documentation page ---


def test_the_openapi_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    schema = yaml.safe_load(out.read_text())
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Trusted Cloud Registry API" and schema["info"]["version"]
    assert {t["name"] for t in schema["tags"]} == {"certificates", "services", "providers", "in-process"}
    paths = schema["paths"]
    assert set(paths) == {
        "/api/v1/certificates/",
        "/api/v1/certificates/{number}/",
        "/api/v1/certificates/{number}/history/",
        "/api/v1/services/",
        "/api/v1/services/{slug}/",
        "/api/v1/providers/",
        "/api/v1/providers/{slug}/",
        "/api/v1/in-process/",
    }
    assert set(paths["/api/v1/certificates/"]) == {"get"}
    list_params = {p["name"] for p in paths["/api/v1/certificates/"]["get"]["parameters"]}
    assert {"q", "provider", "model", "scheme", "status", "country", "sort", "page", "page_size"} <= list_params
    detail_params = {p["name"]: p for p in paths["/api/v1/certificates/{number}/"]["get"]["parameters"]}
    assert detail_params["on"]["schema"] == {"type": "string", "format": "date"}
    assert detail_params["on"]["description"]
    row = schema["components"]["schemas"]["RegistryRow"]
    assert set(row["properties"]) == set(queries.public_row(certified()))


def test_the_schema_is_served_as_json_and_yaml(client):
    as_json = client.get("/api/schema/", {"format": "json"})
    as_yaml = client.get("/api/schema/")

    assert as_json.status_code == 200 and as_json.json()["info"]["title"] == "Trusted Cloud Registry API"
    assert as_yaml.status_code == 200 and yaml.safe_load(as_yaml.content)["paths"]


def test_the_documentation_page_loads_its_assets_locally(client):
    page = client.get("/api/docs/")

    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    script_urls = [a for a in assets if a.startswith("/api/docs/")]
    assert len(script_urls) == 1  # the start-up script is served, not inlined (a strict CSP can allow it)
    script = client.get(script_urls[0].replace("&amp;", "&"))
    assert script.status_code == 200
    for text in (html, script.content.decode()):
        assert "http://" not in text and "https://" not in text
        assert not re.search(r"cdn|jsdelivr|unpkg|googleapis", text, re.IGNORECASE)
    assert '"validatorUrl": null' in script.content.decode()
    for asset in assets:
        if asset.startswith("/static/"):
            assert finders.find(asset.removeprefix("/static/")), asset
    assert any("swagger-ui-bundle.js" in a for a in assets)


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
    # count; certificates with service, provider and scheme; their data sites
    "certificate-list": 3,
    # count; services with provider; their certificates (with scheme); those certificates' data sites; their listed
    # dossiers; their sites; their third parties with the relied-on service; its certificates; their data sites
    "service-list": 9,
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
    # the list's three, and the provider filter checking the slug against the providers on offer
    with django_assert_max_num_queries(4):
        r = get(client, "certificate-list", provider=provider_slug, country="FR", q="Cloud", sort="expiry")
    assert r.status_code == 200 and r.json()["count"] == 3


DETAIL_QUERIES = {
    # the certificate with service, provider and scheme; its data sites; its events
    "certificate-detail": 3,
    "certificate-history": 3,
    # the list's queries but the count (the service-list comment above)
    "service-detail": 8,
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
