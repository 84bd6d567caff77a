"""Error pages that reveal nothing (no traceback, no settings, no URL patterns, no exception names) and logs whose lines
a client cannot forge (control characters escaped)."""

import io
import logging
import re
import sys
from pathlib import Path

import pytest
from django.template import loader
from django.test import Client
from django.urls import reverse

from registry.core.logsafe import EscapingFormatter, escape_control_characters
from tests import factories as f

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
SECRET = "SECRET_KEY=do-not-show-this"


def assert_reveals_nothing(text):
    for leak in (SECRET, "Traceback", 'File "', "settings", "DEBUG", "urlpatterns", "Resolver404", "tried"):
        assert leak not in text, leak


def test_a_server_error_shows_a_plain_page_without_the_error(monkeypatch):
    from registry.public import selectors as queries

    def broken():
        raise RuntimeError(SECRET)

    monkeypatch.setattr(queries, "registry_statistics", broken)
    response = Client(raise_request_exception=False).get(reverse("registry:stats"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert_reveals_nothing(response.text)


@pytest.mark.parametrize("name", ["500.html", "400.html"])
def test_the_500_and_400_pages_need_no_request_nor_context_processor(name):
    # Django renders them with an empty context and no request: a context processor's variable, a {% url %} or a
    # {% static %} (which may raise in production without its manifest entry) could fail while reporting a failure.
    source = re.sub(r"{#.*?#}", "", (TEMPLATES / name).read_text(), flags=re.S)
    assert not re.search(r"{{\s*(request|user|perms|messages|csrf_token)\b", source)
    for tag in ("{% csrf_token", "{% url", "{% static", "{% extends", "{% include"):
        assert tag not in source, tag
    html = loader.get_template(name).render()
    assert "Trusted Cloud Registry" in html


def test_a_malformed_request_gets_the_plain_400_page(client):
    response = client.get(reverse("registry:home"), HTTP_HOST="evil.example\r\nX-Injected: 1")
    assert response.status_code == 400
    assert "This request cannot be answered" in response.text
    assert "evil.example" not in response.text and "X-Injected" not in response.text
    assert_reveals_nothing(response.text)


def test_an_unknown_address_shows_no_url_pattern_nor_exception_name(client, owner):
    client.force_login(owner)
    response = client.get("/portal/no/such/page/at/all/")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert_reveals_nothing(response.text)
    assert "portal/&lt;slug:slug&gt;" not in response.text and "<slug:slug>" not in response.text


def test_a_refusal_shows_its_reason_and_nothing_else(client, viewer, provider):
    client.force_login(viewer)
    response = client.get(reverse("portal:provider-edit", args=[provider.slug]))
    assert response.status_code == 403
    assert "Access refused" in response.text
    assert "Your role in this organisation does not allow this." in response.text
    assert_reveals_nothing(response.text)


def test_the_admins_refusals_use_the_same_page(client):
    f.login_with_mfa(client, f.user(staff=True))
    response = client.get(reverse("admin:registry_dossier_changelist"))
    assert response.status_code == 403 and "Access refused" in response.text


def test_a_csrf_failure_explains_without_detail(owner):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("registry:subscribe"), {"email": "a@b.test"})
    assert response.status_code == 403
    assert "This form could not be accepted" in response.text
    assert "CSRF cookie not set" not in response.text
    assert_reveals_nothing(response.text)


# Logs


def formatted(message, *args, exc_info=None):
    record = logging.LogRecord("registry.test", logging.WARNING, __file__, 1, message, args, exc_info)
    return EscapingFormatter("%(levelname)s %(message)s").format(record)


def test_control_characters_in_a_message_are_escaped_onto_one_line():
    line = formatted("Sign-in failed for %s", "mallory\r\nINFO Sign-in succeeded for admin\x1b[2J\u2028\x00\t")
    assert "\n" not in line and "\r" not in line and "\x1b" not in line and "\u2028" not in line
    assert line == ("WARNING Sign-in failed for mallory\\r\\nINFO Sign-in succeeded for admin\\x1b[2J\\u2028\\x00\\t")


def test_an_escaped_sequence_and_a_typed_backslash_stay_distinct():
    assert escape_control_characters("a\nb") == "a\\nb"
    assert escape_control_characters("a\\nb") == "a\\\\nb"


def test_a_traceback_keeps_its_lines_but_each_is_indented_and_escaped():
    try:
        raise ValueError("bad name: x\r\nINFO forged\x1b")
    except ValueError:
        line = formatted("Upload failed", exc_info=sys.exc_info())
    first, *rest = line.split("\n")
    assert first == "WARNING Upload failed"
    assert rest and all(part.startswith("    ") for part in rest)
    assert "\r" not in line and "\x1b" not in line
    assert not any(part.startswith("INFO") for part in line.split("\n"))


def test_the_sites_logs_go_through_the_escaping_formatter(client):
    handlers = [h for h in logging.getLogger().handlers if isinstance(h.formatter, EscapingFormatter)]
    assert handlers, "the console handler (settings.LOGGING) does not escape control characters"
    stream = io.StringIO()
    previous = handlers[0].setStream(stream)
    try:
        # Any logger of the site, with what a client typed as an argument.
        logging.getLogger("registry.views").warning("Upload refused: %s", "a.pdf\r\nCRITICAL forged line")
        client.get("/", HTTP_HOST="evil.example\r\nCRITICAL another forged line")  # Django's own warning
    finally:
        handlers[0].setStream(previous)
    output = stream.getvalue()
    assert "Upload refused: a.pdf\\r\\nCRITICAL forged line" in output
    assert "Invalid HTTP_HOST header" in output
    lines = output.splitlines()
    assert not any(line.lstrip().startswith("CRITICAL") for line in lines)
    # Two records; the lines of the second's traceback are indented under it.
    assert len([line for line in lines if not line.startswith(" ")]) == 2
