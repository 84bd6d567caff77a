"""/badge/<number>.svg: a small embeddable SVG with the certificate's live status."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories as f

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def get_badge(client, number):
    response = client.get(reverse("registry:badge", args=[number]))
    root = ET.fromstring(response.content)  # well-formed XML, or this raises
    texts = [t.text for t in root.iter(f"{SVG}text")]
    fills = [r.get("fill") for r in root.iter(f"{SVG}rect") if r.get("fill")]
    return response, root, texts, fills


@pytest.mark.parametrize(
    ("status", "text", "colour"),
    [
        ("active", "qualified", "#2e7d32"),
        ("suspended", "suspended", "#b45309"),
        ("withdrawn", "withdrawn", "#b91c1c"),
        ("superseded", "superseded", "#4b5563"),
    ],
)
def test_the_badge_shows_the_scheme_and_the_live_status(client, status, text, colour):
    certificate = f.certificate(status=status)

    response, root, texts, fills = get_badge(client, certificate.number)

    assert response.status_code == 200
    assert texts == ["SecNumCloud", text]
    assert fills[-1] == colour
    assert root.find(f"{SVG}title").text == f"Certificate {certificate.number}: {text}"


def test_a_certificate_past_its_expiry_shows_expired_before_the_nightly_job(client):
    issued = timezone.localdate() - datetime.timedelta(days=3 * 366)
    certificate = f.certificate(issued_on=issued, expires_on=issued + datetime.timedelta(days=3 * 365))

    _, _, texts, _ = get_badge(client, certificate.number)

    assert texts[1] == "expired"


def test_an_unknown_number_answers_404_with_an_unknown_badge(client, db):
    response, _, texts, fills = get_badge(client, "SNC-1999-0001")

    assert response.status_code == 404
    assert texts == ["certificate", "unknown"]
    assert fills[-1] == "#6b7280"


def test_the_badge_is_embeddable_anywhere_and_cached_briefly(client):
    certificate = f.certificate()

    response = client.get(reverse("registry:badge", args=[certificate.number]))

    assert response["Content-Type"].startswith("image/svg+xml")
    assert response["Cache-Control"] == "public, max-age=300"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response.content.startswith(b"<svg ")


def test_the_badge_escapes_what_it_shows_and_runs_nothing(client):
    certificate = f.certificate(scheme_obj=f.scheme(with_requirements=False, name='<script>alert("x")</script>'))
    response, root, texts, _ = get_badge(client, certificate.number)
    unknown, unknown_root, _, _ = get_badge(client, "<img src=x onerror=alert(1)>&")

    assert texts[0] == '<script>alert("x")</script>'  # shown as text
    assert b"<script" not in response.content
    assert b"&lt;script&gt;" in response.content
    assert b"<img" not in unknown.content
    assert unknown_root.find(f"{SVG}title").text == "Certificate <img src=x onerror=alert(1)>&: unknown"
    for element in (*root.iter(), *unknown_root.iter()):
        assert element.tag.removeprefix(SVG) not in ("script", "foreignObject")
        assert not [name for name in element.attrib if name.lower().startswith("on")]


def test_the_badge_url_is_the_published_contract():
    assert reverse("registry:badge", args=["SNC-2026-0001"]) == "/badge/SNC-2026-0001.svg"
