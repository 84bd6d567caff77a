"""Public pages carry no CSRF token, so that a cache can hand the same bytes to every visitor: the language switch is a
link (registry/accounts/views/language.py), the "follow by e-mail" form a POST without a token to a first step that
writes nothing (registry/public/views/subscriptions.py; its own tests in test_subscriptions.py)."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from registry.accounts.models import UserPreference
from registry.qualification.models import Dossier
from tests import factories as f
from tests.public.test_public_pages import certified

pytestmark = pytest.mark.django_db

SWITCH = reverse("set_language")
START = reverse("registry:subscribe-start")


@pytest.fixture(autouse=True)
def english_afterwards():
    # A request run by the test client leaves its language active in this thread: the tests that follow must not
    # inherit French.
    with translation.override("en"):
        yield


def switch_link(page, language) -> str:
    """The address of the strip's link to `language`, as a browser would follow it."""
    [href] = re.findall(rf'<a href="({re.escape(SWITCH)}\?language={language}&amp;next=[^"]*)"', page.text)
    return href.replace("&amp;", "&")


def test_the_link_switches_to_french_and_back_to_the_same_page(client):
    certified("Alpha Cloud")
    page = client.get(reverse("registry:list"), {"q": "alpha", "model": "iaas"})
    assert '<html lang="en">' in page.text
    assert re.search(r'<a href="[^"]*language=en[^"]*"[^>]*aria-current="true"', page.text)
    assert re.search(r'<a href="[^"]*language=fr[^"]*"[^>]*lang="fr" hreflang="fr"', page.text)

    switched = client.get(switch_link(page, "fr"))
    assert switched.status_code == 302
    assert switched["Location"] == reverse("registry:list") + "?q=alpha&model=iaas"
    assert switched.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert "no-cache" in switched["Cache-Control"] and "private" in switched["Cache-Control"]

    french = client.get(switched["Location"])
    assert '<html lang="fr">' in french.text and "Alpha Cloud" in french.text
    assert re.search(r'<a href="[^"]*language=fr[^"]*"[^>]*aria-current="true"', french.text)
    back = client.get(switch_link(french, "en"))
    assert '<html lang="en">' in client.get(back["Location"]).text


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example", "/\\evil.example", "https://evil.example/registry/", ""]
)
def test_a_next_address_off_this_site_goes_home(client, next_url):
    response = client.get(SWITCH, {"language": "fr", "next": next_url})
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"


def test_a_next_address_on_this_site_is_followed(client):
    response = client.get(SWITCH, {"language": "fr", "next": "http://testserver/stats/"})
    assert response["Location"] == "http://testserver/stats/"


def test_an_unknown_language_changes_nothing(client, owner):
    client.force_login(owner)
    response = client.get(SWITCH, {"language": "xx", "next": "/registry/"})
    assert response.status_code == 302 and response["Location"] == "/registry/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert not UserPreference.objects.exists()
    assert '<html lang="en">' in client.get("/registry/").text


def test_a_signed_in_user_s_choice_by_link_is_remembered_for_the_emails(client, owner):
    client.force_login(owner)
    response = client.get(SWITCH, {"language": "fr", "next": "/registry/"})
    assert response.status_code == 302 and response["Location"] == "/registry/"
    assert UserPreference.objects.get(user=owner).language == "fr"
    client.get(SWITCH, {"language": "en", "next": "/"})
    assert UserPreference.objects.get(user=owner).language == "en"


def test_anonymous_switching_by_link_stores_nothing_but_the_cookie(client):
    response = client.get(SWITCH, {"language": "fr", "next": "/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert not UserPreference.objects.exists()


def test_django_s_post_still_switches_and_is_csrf_checked(owner):
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(SWITCH, {"language": "fr", "next": "/"}).status_code == 403
    login = browser.get(reverse("account_login"))
    [token] = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
    switched = browser.post(SWITCH, {"language": "fr", "next": "/registry/", "csrfmiddlewaretoken": token})
    assert switched.status_code == 302 and switched["Location"] == "/registry/"
    assert switched.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_anonymous_public_pages_carry_no_csrf_token(language):
    certificate = certified("Alpha Cloud")
    listed = f.service(certificate.service.provider, name="Soon Cloud", slug="soon-cloud")
    f.dossier(listed, status=Dossier.Status.EVALUATION, listed_in_process_consent=True)
    visitor = Client(HTTP_ACCEPT_LANGUAGE=language)
    urls = [
        reverse("registry:home"),
        reverse("registry:list"),
        reverse("registry:service", args=[certificate.service.slug]),
        reverse("registry:provider", args=[certificate.service.provider.slug]),
        reverse("registry:verify-number", args=[certificate.number]),
        reverse("registry:in-process"),
        reverse("registry:stats"),
    ]
    for url in urls:
        page = visitor.get(url)
        assert page.status_code == 200, url
        assert f'<html lang="{language}">' in page.text, url
        assert "csrfmiddlewaretoken" not in page.text, url
        assert not re.search(r'<input[^>]*type="hidden"[^>]*csrf', page.text, re.IGNORECASE), url
        # The only POST forms are the follow forms, to the first step that needs no token because it writes nothing.
        actions = re.findall(r'<form[^>]*method="post"[^>]*action="([^"]*)"', page.text, re.IGNORECASE)
        assert set(actions) <= {START}, url
        assert len(actions) == len(re.findall(r"<form[^>]*method=\"post\"", page.text, re.IGNORECASE)), url
        assert settings.CSRF_COOKIE_NAME not in page.cookies, url  # nothing asked for the visitor's token
