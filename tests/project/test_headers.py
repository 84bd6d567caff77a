"""Security headers and cookies: the Content-Security-Policy and its one exception, framing, referrer, opener, HSTS and
the cookies' flags, read on a public page, a portal page and the admin, under the settings and under production's."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response.get("Content-Security-Policy", "")
    assert header, "no Content-Security-Policy header"
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_strict(response):
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    for sources in csp.values():
        assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources and "*" not in sources
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.fixture
def pages(client, owner, provider, reviewer, complete_draft):
    """(client, url) for a public page, a portal page and an admin page, each with the right person signed in."""
    from django.test import Client

    portal, admin = Client(), Client()
    portal.force_login(owner)
    f.login_with_mfa(admin, reviewer)
    return {
        "public": (client, reverse("registry:home")),
        "portal": (portal, reverse("portal:provider", args=[provider.slug])),
        "admin": (admin, reverse("admin:registry_dossier_change", args=[complete_draft.pk])),
    }


@pytest.mark.parametrize("page", ["public", "portal", "admin"])
def test_every_kind_of_page_has_the_strict_policy_and_headers(pages, page):
    client, url = pages[page]
    response = client.get(url)
    assert response.status_code == 200
    assert_strict(response)


def test_the_policy_also_covers_error_pages_and_redirects(client):
    assert_strict(client.get("/no-such-page/"))
    assert_strict(client.get(reverse("portal:home")))  # a redirect to the sign-in


def test_only_the_api_documentation_may_use_inline_styles_and_still_no_inline_script(client):
    docs = client.get(reverse("api:docs"))
    assert docs.status_code == 200
    csp = policy(docs)
    assert csp["style-src"] == ["'self'", "'unsafe-inline'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    # Its start-up script is a file of its own (the split view), which 'self' allows.
    script = client.get(reverse("api:docs") + "?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    # The exception is that view's alone: the schema and the API keep the strict policy.
    assert_strict(client.get(reverse("api:schema")))
    assert_strict(client.get(reverse("api:service-list")))


def test_the_badge_keeps_its_own_policy(client):
    response = client.get(reverse("registry:badge", args=["SNC-2026-0001"]))
    assert response["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"


def production_settings() -> dict:
    """The settings as production gets them (DEBUG off, a secret key, hosts), read in a fresh interpreter."""
    names = [
        "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "SESSION_COOKIE_NAME",
        "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_SAMESITE", "CSRF_COOKIE_NAME",
        "LANGUAGE_COOKIE_SECURE", "LANGUAGE_COOKIE_HTTPONLY", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD", "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER", "SECURE_REFERRER_POLICY",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY", "X_FRAME_OPTIONS", "SECURE_CONTENT_TYPE_NOSNIFF", "DEBUG",
    ]  # fmt: skip
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"}}
    env |= {
        "DJANGO_SETTINGS_MODULE": "trustedcloud.settings",
        "DEBUG": "0",
        "SECRET_KEY": "a-test-production-key-" + "x" * 40,
        "ALLOWED_HOSTS": "registry.example",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def production():
    return production_settings()


def test_production_settings_make_cookies_secure_and_https_mandatory(production):
    assert production["DEBUG"] is False
    assert production["SESSION_COOKIE_SECURE"] and production["CSRF_COOKIE_SECURE"]
    assert production["LANGUAGE_COOKIE_SECURE"]
    assert production["SESSION_COOKIE_HTTPONLY"] and production["CSRF_COOKIE_HTTPONLY"]
    assert production["LANGUAGE_COOKIE_HTTPONLY"]
    assert production["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert production["CSRF_COOKIE_NAME"].startswith("__Host-")
    assert production["SESSION_COOKIE_SAMESITE"] == production["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production["SECURE_REFERRER_POLICY"] == "same-origin"
    assert production["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"
    assert production["X_FRAME_OPTIONS"] == "DENY"


def test_under_production_settings_a_sign_in_sets_secure_http_only_host_cookies_and_hsts(
    client, settings, production, owner
):
    # The production values, applied here to see what the browser receives.
    for name, value in production.items():
        if name != "DEBUG":
            setattr(settings, name, tuple(value) if isinstance(value, list) else value)
    settings.ALLOWED_HOSTS = ["registry.example"]
    https = {"secure": True, "HTTP_HOST": "registry.example"}

    plain = client.get(reverse("registry:home"), HTTP_HOST="registry.example")
    assert plain.status_code == 301 and plain["Location"].startswith("https://registry.example/")

    page = client.get(reverse("account_login"), **https)
    assert page.status_code == 200
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    csrf = page.cookies[production["CSRF_COOKIE_NAME"]]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax" and csrf["path"] == "/"
    assert not csrf["domain"]

    # A real sign-in: the session cookie as Django writes it.
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    signed_in = client.post(reverse("account_login"), {"login": owner.email, "password": f.PASSWORD}, **https)
    assert signed_in.status_code == 302
    session = signed_in.cookies[production["SESSION_COOKIE_NAME"]]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert session["path"] == "/" and not session["domain"]

    switched = client.post(reverse("set_language"), {"language": "fr", "next": "/"}, **https)
    language = switched.cookies["django_language"]
    assert language["secure"] and language["httponly"] and language["samesite"] == "Lax"
