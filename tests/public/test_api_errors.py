"""The public API's errors and limits: an unknown address answers 404 in JSON and names what was not found, write
methods are refused whoever asks, GET, HEAD and OPTIONS are open to anyone, the browsable API renders, and anonymous
clients are throttled."""

import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.public.api_helpers import certified, get

pytestmark = pytest.mark.django_db


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


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/certificates/?q=nul%00byte",
        "/api/v1/certificates/?q=two%0D%0Alines",
        "/api/v1/certificates/SNC%002026/",
        "/api/v1/services/%09tab/",
        "/api/v1/providers/?page=1%7F",
        "/api/schema/?format=json%00",
    ],
)
def test_a_control_character_in_the_address_answers_400_in_json_as_every_api_error(client, url, caplog):
    r = client.get(url, HTTP_ACCEPT="text/html")  # even for a browser: the API's errors are JSON

    assert r.status_code == 400
    assert r["Content-Type"] == "application/json"
    assert r.json() == {
        "detail": "The address holds a control character (such as NUL, a tab or a line break), which no address of "
        "this API accepts."
    }
    # Logged as Django logs the site's other refusals of a suspicious request.
    assert "django.security.ControlCharacterInAddress" in [record.name for record in caplog.records]


def test_outside_the_api_a_control_character_still_gets_the_plain_400_page(client):
    r = client.get("/registry/?q=nul%00byte")

    assert r.status_code == 400
    assert r["Content-Type"].startswith("text/html") and "This request cannot be answered" in r.text


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


def test_a_throttled_client_is_let_in_again_when_its_period_ends(client, settings):
    """One period starts with a client's first request; once it ends, the client has its whole allowance again, and
    Retry-After never says more than the period."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/second"}}
    cache.clear()

    answers = [client.get("/api/v1/providers/") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert 1 <= int(answers[-1]["Retry-After"]) <= 1
    time.sleep(1.1)
    assert [client.get("/api/v1/providers/").status_code for _ in range(3)] == [200, 200, 429]


def test_a_generous_rate_costs_the_same_as_a_small_one(client, settings):
    """A partner allowed thousands of requests a minute is counted by one number, not a list of every request's time
    read and written back on each request."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute"}}
    cache.clear()

    for _ in range(5):
        assert client.get("/api/v1/providers/").status_code == 200
    assert cache.get("throttle_anon_count_127.0.0.1") == 5


def test_the_default_rate_is_120_a_minute():
    from trustedcloud import settings as project_settings

    assert project_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"] == "120/minute"
