"""Public pages kept for anonymous visitors (registry/public/cache.py): served without a query, dropped by every public
change, never shared across visitors' languages, addresses or accounts, the same bytes for every visitor (no CSRF token in
them, none ever kept). On Redis when REDIS_URL is set."""

import re
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry.certificates import changes
from registry.certificates.services import certificate_suspend
from registry.qualification.models import Dossier
from registry.qualification.services.dossiers import dossier_admit
from registry.qualification.workflow import REVIEWERS
from tests import factories as f
from tests.public.test_public_pages import certified

pytestmark = pytest.mark.django_db

HIT, MISS = "hit", "miss"
SUSPENDED_BADGE = ">Suspended</span>"


def cache_state(response) -> str | None:
    return response.headers.get("X-Public-Cache")


def public_urls(certificate) -> dict:
    return {
        "service page": reverse("registry:service", args=[certificate.service.slug]),
        "registry": reverse("registry:list"),
        "verification": reverse("registry:verify-number", args=[certificate.number]),
        "badge": reverse("registry:badge", args=[certificate.number]),
    }


def warm(client, url):
    first = client.get(url)
    assert first.status_code == 200 and cache_state(first) == MISS, url
    again = client.get(url)
    assert cache_state(again) == HIT, url
    return again


def test_a_kept_page_is_served_without_touching_the_database(client, django_assert_num_queries):
    certificate = certified("Alpha Cloud")
    urls = [
        *public_urls(certificate).values(),
        reverse("registry:home"),
        reverse("registry:in-process"),
        reverse("registry:archive"),
        reverse("registry:provider", args=[certificate.service.provider.slug]),
        reverse("registry:stats"),
        reverse("registry:feed"),
        reverse("api:certificate-list"),
        reverse("api:certificate-detail", args=[certificate.number]),
    ]
    for url in urls:
        rendered = client.get(url)
        assert rendered.status_code == 200 and cache_state(rendered) == MISS, url
        with django_assert_num_queries(0):
            kept = client.get(url)
        assert cache_state(kept) == HIT, url
        assert kept.content == rendered.content, url


def test_a_suspension_through_the_service_shows_on_the_next_request_everywhere(
    client, administrator, django_capture_on_commit_callbacks
):
    certificate = certified("Alpha Cloud")
    urls = public_urls(certificate)
    before = {name: warm(client, url).text for name, url in urls.items()}
    assert SUSPENDED_BADGE not in before["service page"] and SUSPENDED_BADGE not in before["registry"]
    assert 'data-verdict="valid"' in before["verification"]
    assert ">qualified<" in before["badge"]

    with django_capture_on_commit_callbacks(execute=True):
        certificate_suspend(
            review_on=f.review_date(), certificate=certificate, by=administrator, reason="Incident under investigation."
        )

    pages = {name: client.get(url) for name, url in urls.items()}
    for name, page in pages.items():
        assert page.status_code == 200 and cache_state(page) == MISS, name
    assert (
        SUSPENDED_BADGE in pages["service page"].text and "Incident under investigation." in pages["service page"].text
    )
    assert SUSPENDED_BADGE in pages["registry"].text
    assert 'data-verdict="suspended"' in pages["verification"].text
    assert ">suspended<" in pages["badge"].text


def test_a_service_renamed_shows_on_the_next_request(client, django_capture_on_commit_callbacks):
    certificate = certified("Alpha Cloud")
    owner = f.member(certificate.service.provider, "owner")
    urls = public_urls(certificate)
    for name in ("service page", "registry", "verification"):
        assert "Alpha Cloud" in warm(client, urls[name]).text

    # A certified service is renamed by an accepted change notice (a direct edit is refused: change control).
    reviewer = f.user(groups=[REVIEWERS])
    notice = changes.notice_open(provider=certificate.service.provider, service=certificate.service, by=owner)
    values = notice.proposed["service"] | {"name": "Alpha Cloud Sovereign"}
    changes.notice_propose_service(notice=notice, by=owner, values=values, sites=notice.proposed["sites"],
                                   third_parties=[])  # fmt: skip
    changes.notice_file(notice=notice, by=owner, kind="scope", change_type="adaptive",
                        effective_on=timezone.localdate(), description="New name.")  # fmt: skip
    changes.notice_take(notice=notice, by=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        changes.notice_accept(notice=notice, by=reviewer, public_summary="Renamed.")

    for name in ("service page", "registry", "verification"):
        assert "Alpha Cloud Sovereign" in client.get(urls[name]).text, name


def test_a_dossier_whose_contract_is_validated_enters_the_in_process_list_at_once(
    client, complete_draft, walk, editor, reviewer, center, django_capture_on_commit_callbacks
):
    complete_draft.listed_in_process_consent = True
    complete_draft.save(update_fields=["listed_in_process_consent"])
    in_review = walk(complete_draft, Dossier.Status.IN_REVIEW)
    url = reverse("registry:in-process")
    assert complete_draft.service.name not in warm(client, url).text

    with django_capture_on_commit_callbacks(execute=True):
        dossier_admit(dossier=in_review, by=reviewer)
    assert complete_draft.service.name not in client.get(url).text  # admitted, no centre engaged yet

    with django_capture_on_commit_callbacks(execute=True):
        f.contracted(in_review, provider_user=editor, reviewer=reviewer, center=center)

    assert complete_draft.service.name in client.get(url).text


def test_a_signed_in_visitor_never_gets_nor_leaves_a_kept_page(client, owner):
    certified("Alpha Cloud")
    url = reverse("registry:list")
    warm(client, url)

    client.force_login(owner)
    page = client.get(url)
    assert cache_state(page) is None
    assert owner.email in page.text and "Sign out" in page.text

    anonymous = Client().get(url)
    assert cache_state(anonymous) == HIT
    assert owner.email not in anonymous.text and "Sign out" not in anonymous.text


def test_a_page_seen_first_by_a_signed_in_visitor_is_not_kept_for_others(client, owner):
    certified("Alpha Cloud")
    client.force_login(owner)
    assert owner.email in client.get(reverse("registry:list")).text
    anonymous = Client().get(reverse("registry:list"))
    assert cache_state(anonymous) == MISS
    assert owner.email not in anonymous.text


@pytest.mark.urls("tests.public.public_cache_urls")
def test_a_response_that_sets_a_cookie_is_not_kept(db):
    first, second = Client().get("/"), Client().get("/")
    assert cache_state(first) is None and cache_state(second) is None
    assert first.cookies["visitor"].value != second.cookies["visitor"].value


@pytest.mark.urls("tests.public.public_cache_urls")
def test_a_page_with_a_token_outside_a_form_field_is_not_kept(db):
    first, second = Client().get("/registry/"), Client().get("/registry/")
    assert cache_state(first) is None and cache_state(second) is None
    assert csrf_tokens(first) and csrf_tokens(first) != csrf_tokens(second)


def test_languages_do_not_mix(client):
    url = reverse("registry:home")
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="fr">' in french.text and '<html lang="en">' in english.text
    assert cache_state(english) == MISS
    french_again = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    assert cache_state(french_again) == HIT and '<html lang="fr">' in french_again.text
    # The switcher's cookie, as LocaleMiddleware reads it, wins over the browser's header, cached or not.
    chose_french = Client()
    chose_french.get(reverse("set_language"), {"language": "fr", "next": "/"})
    page = chose_french.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert cache_state(page) == HIT and '<html lang="fr">' in page.text


def test_query_strings_do_not_mix(client):
    certified("Alpha Cloud")
    certified("Delta Docs", model="saas")
    url = reverse("registry:list")
    assert "Alpha Cloud" in warm(client, url).text
    saas = client.get(url, {"model": "saas"})
    assert cache_state(saas) == MISS
    assert "2 services found" not in saas.text and "1 service found" in saas.text
    assert cache_state(client.get(url, {"model": "saas"})) == HIT
    assert "2 services found" in client.get(url).text


def csrf_tokens(page) -> list[str]:
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)


def test_a_kept_page_is_the_same_bytes_for_every_visitor_and_sets_no_cookie(db, settings):
    certificate = certified("Alpha Cloud")
    urls = [reverse("registry:list"), reverse("registry:service", args=[certificate.service.slug])]
    # Two visitors who already hold a CSRF cookie each (from a sign-in page, say), and one who holds none.
    first, second, newcomer = Client(), Client(), Client()
    for visitor in (first, second):
        visitor.get(reverse("account_login"))
    assert first.cookies[settings.CSRF_COOKIE_NAME].value != second.cookies[settings.CSRF_COOKIE_NAME].value
    for url in urls:
        rendered, kept, also_kept = first.get(url), second.get(url), newcomer.get(url)
        assert (cache_state(rendered), cache_state(kept), cache_state(also_kept)) == (MISS, HIT, HIT), url
        assert rendered.content == kept.content == also_kept.content, url
        assert b"csrfmiddlewaretoken" not in kept.content, url
        assert "Set-Cookie" not in kept.headers and not kept.cookies, url
        assert not also_kept.cookies, url


@pytest.mark.urls("tests.public.public_cache_urls")
def test_a_page_holding_a_csrf_field_is_served_but_not_kept(db):
    first, second = Client().get("/verify/"), Client().get("/verify/")
    assert first.status_code == second.status_code == 200 and csrf_tokens(first) == ["x"]
    assert cache_state(first) is None and cache_state(second) is None


def test_kept_pages_carry_the_same_security_headers(client):
    url = reverse("registry:home")
    rendered, kept = client.get(url), client.get(url)
    assert cache_state(kept) == HIT
    for header in ("Content-Security-Policy", "X-Frame-Options", "Referrer-Policy", "X-Content-Type-Options"):
        assert kept[header] == rendered[header], header
    assert "'unsafe-inline'" not in kept["Content-Security-Policy"]
    assert {"Accept-Language", "Cookie"} <= {v.strip() for v in kept["Vary"].split(",")}
    # Written below the cache (language, content length): kept with the page, since a hit skips them.
    for header in ("Content-Language", "Content-Length", "Content-Type"):
        assert kept[header] == rendered[header], header


def test_a_kept_page_is_answered_before_sessions_languages_and_users_are_read(client, monkeypatch):
    """A hit is answered right below the static files: the middleware below the cache (sessions, the language, CSRF,
    the user) does not run for it, yet the visitor's language cookie still picks the kept page."""
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.middleware.locale import LocaleMiddleware

    url = reverse("registry:home")
    chose_french = Client()
    chose_french.get(reverse("set_language"), {"language": "fr", "next": "/"})
    assert cache_state(chose_french.get(url)) == MISS

    def never(self, request):
        raise AssertionError("ran below a kept page")

    monkeypatch.setattr(SessionMiddleware, "process_request", never)
    monkeypatch.setattr(LocaleMiddleware, "process_request", never)
    kept = chose_french.get(url)
    assert cache_state(kept) == HIT and '<html lang="fr">' in kept.text


def test_the_badge_keeps_its_own_policy_when_kept(client):
    certificate = certified("Alpha Cloud")
    url = reverse("registry:badge", args=[certificate.number])
    rendered, kept = client.get(url), client.get(url)
    assert cache_state(kept) == HIT
    assert (
        kept["Content-Security-Policy"]
        == rendered["Content-Security-Policy"]
        == "default-src 'none'; style-src 'unsafe-inline'"
    )
    assert kept["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert kept["Access-Control-Allow-Origin"] == "*"


def test_the_api_throttle_counts_kept_answers(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/minute"}}
    url = reverse("api:certificate-list")
    states = [cache_state(client.get(url)) for _ in range(3)]
    assert states == [MISS, HIT, HIT]
    refused = client.get(url)
    assert refused.status_code == 429 and cache_state(refused) is None


def test_api_formats_do_not_mix(client):
    url = reverse("api:certificate-list")
    as_json = client.get(url, HTTP_ACCEPT="application/json")
    as_html = client.get(url, HTTP_ACCEPT="text/html")
    assert as_json["Content-Type"] == "application/json" and as_html["Content-Type"].startswith("text/html")
    assert cache_state(client.get(url, HTTP_ACCEPT="application/json")) == HIT


def test_pages_with_state_are_never_kept(client, settings):
    # The subscription pages (forms that change state), the exports (streamed) and the snapshot are rendered each time.
    certified("Alpha Cloud")
    for url in (reverse("registry:subscribe-sent"), reverse("registry:export-csv"), reverse("registry:signing-key")):
        client.get(url)
        assert cache_state(client.get(url)) is None, url


def test_a_zero_lifetime_turns_the_cache_off(client, settings, django_assert_max_num_queries):
    settings.PUBLIC_CACHE_SECONDS = 0
    url = reverse("registry:home")
    client.get(url)
    page = client.get(url)
    assert page.status_code == 200 and cache_state(page) is None


def kept_entries() -> int:
    """Pages kept in the cache, counted in its store: the Redis database of CACHE_URL, or the in-memory cache."""
    from django.core.cache import cache

    from registry.public.cache import ENTRY_PREFIX

    if hasattr(cache._cache, "get_client"):
        return sum(1 for _ in cache._cache.get_client().scan_iter(match=f"*{ENTRY_PREFIX}*"))
    return sum(1 for key in cache._cache if ENTRY_PREFIX in key)


def test_each_host_gets_its_own_links(client, settings):
    settings.ALLOWED_HOSTS = ["registry.example", "mirror.example"]
    certificate = certified("Alpha Cloud")
    certified("Beta Cloud")
    page = reverse("registry:service", args=[certificate.service.slug])
    api = reverse("api:certificate-list") + "?page_size=1"
    for host, other in (("registry.example", "mirror.example"), ("mirror.example", "registry.example")):
        for url in (page, api):
            first, again = client.get(url, HTTP_HOST=host), client.get(url, HTTP_HOST=host)
            assert (cache_state(first), cache_state(again)) == (MISS, HIT), (host, url)
            assert other not in again.text, (host, url)
        # The API's links are the host's; the page's absolute links (the badge's snippet) are SITE_URL's, never a host's.
        assert f"//{host}/" in client.get(api, HTTP_HOST=host).text
        assert f"//{host}/" not in client.get(page, HTTP_HOST=host).text


def test_a_host_the_site_does_not_name_exactly_is_never_kept(client, settings):
    # Django accepts any port on an allowed name: such a Host must neither plant its address nor add entries.
    settings.ALLOWED_HOSTS = ["registry.example", ".example.org"]
    certificate = certified("Alpha Cloud")
    url = reverse("registry:service", args=[certificate.service.slug])
    for host in ("registry.example:4444", "anything.example.org"):
        answers = [client.get(url, HTTP_HOST=host) for _ in range(2)]
        assert [(a.status_code, cache_state(a)) for a in answers] == [(200, None)] * 2, host
    assert kept_entries() == 0
    assert "4444" not in client.get(url, HTTP_HOST="registry.example").text


def test_unknown_parameters_make_no_entry(client):
    certified("Alpha Cloud")
    url = reverse("registry:list")
    warm(client, url)
    assert kept_entries() == 1
    for n in range(5):
        answer = client.get(url, {f"utm_{n}": "x"})
        assert answer.status_code == 200 and cache_state(answer) is None
        assert "Alpha Cloud" in answer.text
    for url in (reverse("registry:home") + "?x=1", reverse("api:certificate-list") + "?x=1"):
        assert cache_state(client.get(url)) is None, url
    assert kept_entries() == 1


def test_declared_parameters_make_the_key_in_any_order(client):
    certified("Alpha Cloud")
    url = reverse("registry:list")
    assert cache_state(client.get(url + "?model=iaas&q=alpha")) == MISS
    assert cache_state(client.get(url + "?q=alpha&model=iaas")) == HIT
    assert kept_entries() == 1


def test_the_number_of_kept_pages_is_bounded(client, settings):
    settings.PUBLIC_CACHE_MAX_ENTRIES = 3
    certified("Alpha Cloud")
    url = reverse("registry:list")
    states = [cache_state(client.get(url, {"q": f"search {n}"})) for n in range(6)]
    assert states == [MISS] * 3 + [None] * 3
    assert kept_entries() == 3
    # What was kept is still served.
    assert cache_state(client.get(url, {"q": "search 0"})) == HIT


def test_the_list_declares_every_filter_it_reads():
    from registry.public.cache import LIST_PARAMETERS
    from registry.public.filters import RegistryFilter

    assert set(LIST_PARAMETERS) == {*RegistryFilter.base_filters, "page"}


def settings_in_a_fresh_process(**environment) -> dict:
    import json
    import os
    import subprocess
    import sys

    from django.conf import settings

    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({'cache': settings.CACHES['default'].get('LOCATION'), 'broker': settings.CELERY_BROKER_URL}))"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CACHE_URL")}
    env |= {"DJANGO_SETTINGS_MODULE": "trustedcloud.settings", "DEBUG": "1", **environment}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_cache_url_puts_the_cache_apart_from_the_broker():
    apart = settings_in_a_fresh_process(REDIS_URL="redis://redis.internal:6379/0", CACHE_URL="redis://cache:6379/2")
    assert apart == {"cache": "redis://cache:6379/2", "broker": "redis://redis.internal:6379/0"}
    together = settings_in_a_fresh_process(REDIS_URL="redis://redis.internal:6379/0")
    assert together == {"cache": "redis://redis.internal:6379/0", "broker": "redis://redis.internal:6379/0"}


# --- With the page cache off, a search's matches are kept until the next change, never past it. ---


def test_a_kept_search_shows_a_suspension_on_the_next_request(
    client, settings, administrator, django_capture_on_commit_callbacks
):
    settings.PUBLIC_CACHE_SECONDS = 0
    certificate = certified("Alpha Cloud")
    url = reverse("registry:list") + "?q=alpha"
    with CaptureQueriesContext(connection) as reading:
        first = client.get(url)
    with CaptureQueriesContext(connection) as kept:
        again = client.get(url)
    assert first.text == again.text and SUSPENDED_BADGE not in again.text and "1 service found" in again.text
    # Asked again before any change: the matches, their counts and the other sections are not searched again.
    assert len(kept) < len(reading)

    with django_capture_on_commit_callbacks(execute=True):
        certificate_suspend(
            review_on=f.review_date(), certificate=certificate, by=administrator, reason="Incident under investigation."
        )

    after = client.get(url)
    assert SUSPENDED_BADGE in after.text and "Suspended (1)" in after.text


def test_a_kept_search_shows_a_dossier_in_process_in_its_in_process_section_at_once(
    client, settings, complete_draft, walk, editor, reviewer, center, django_capture_on_commit_callbacks
):
    settings.PUBLIC_CACHE_SECONDS = 0
    complete_draft.listed_in_process_consent = True
    complete_draft.save(update_fields=["listed_in_process_consent"])
    in_review = walk(complete_draft, Dossier.Status.IN_REVIEW)
    name = complete_draft.service.name
    url = reverse("registry:list") + "?" + urlencode({"q": name})
    for _ in range(2):
        assert 'id="found-in-process"' not in client.get(url).text

    dossier_admit(dossier=in_review, by=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        f.contracted(in_review, provider_user=editor, reviewer=reviewer, center=center)

    page = client.get(url).text
    assert 'id="found-in-process"' in page and name in page[page.index('id="found-in-process"') :]
