"""Markup that the strict Content-Security-Policy lets run: no inline script, no inline style, no event-handler
attribute, in our templates and in the pages they render (public, portal, sign-in, and Django's admin), and every
script and stylesheet those pages load is a file the site serves itself."""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from registry.qualification.services import dossiers as svc
from tests import factories as f

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# E-mails are not pages (mail clients need inline styles); the badge SVG is served with a policy of its own.
NOT_PAGES = ("emails/", "registry/publication/badge.svg")
# Data for scripts, never executed: allowed inline.
DATA_TYPES = {"application/json", "application/ld+json"}


class Inline(HTMLParser):
    """Collects what a strict policy would block, and the scripts and stylesheets a page loads."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems, self.loads = [], []
        self._in_script = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name == "style":
                self.problems.append(f"<{tag} style={value!r}>")
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}=javascript:…>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            if attrs.get("src"):
                self.loads.append(attrs["src"])
            elif (attrs.get("type") or "").lower() not in DATA_TYPES:
                self._in_script = tag
        if tag == "link" and "stylesheet" in (attrs.get("rel") or ""):
            self.loads.append(attrs.get("href") or "")

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"inline <script>: {data.strip()[:60]!r}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None


def inspect(html: str) -> Inline:
    parser = Inline()
    parser.feed(html)
    return parser


def our_templates():
    for path in sorted(TEMPLATES.rglob("*")):
        relative = path.relative_to(TEMPLATES).as_posix()
        if path.is_file() and path.suffix in (".html", ".svg") and not relative.startswith(NOT_PAGES):
            yield relative


@pytest.mark.parametrize("name", list(our_templates()))
def test_no_template_of_ours_has_inline_script_or_style(name):
    source = (TEMPLATES / name).read_text()
    # Template tags and comments are not markup; {% … %} inside an attribute would confuse the parser.
    source = re.sub(r"{%.*?%}|{#.*?#}", "", source, flags=re.S)
    assert inspect(source).problems == [], name


@pytest.fixture
def site(client, owner, provider, service, reviewer, decision_maker, administrator, complete_draft, editor, scheme):
    """A dossier in review with a certificate elsewhere: every kind of page has something to show."""
    dossier = svc.dossier_submit(dossier=complete_draft, by=editor)
    dossier = svc.dossier_take(dossier=dossier, by=reviewer)
    certificate = f.certificate()
    return {"dossier": dossier, "certificate": certificate, "provider": provider, "service": service}


def public_pages(site):
    certificate = site["certificate"]
    return [
        reverse("registry:home"),
        reverse("registry:list"),
        reverse("registry:in-process"),
        reverse("registry:archive"),
        reverse("registry:service", args=[certificate.service.slug]),
        reverse("registry:provider", args=[certificate.service.provider.slug]),
        reverse("registry:verify"),
        reverse("registry:verify-number", args=[certificate.number]),
        reverse("registry:stats"),
        reverse("registry:subscribe"),
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
        "/no-such-page/",
    ]


def portal_pages(site):
    provider, service, dossier = site["provider"], site["service"], site["dossier"]
    ref = dossier.reference
    return [
        reverse("portal:provider", args=[provider.slug]),
        reverse("portal:provider-edit", args=[provider.slug]),
        reverse("portal:ownership", args=[provider.slug]),
        reverse("portal:members", args=[provider.slug]),
        reverse("portal:history", args=[provider.slug]),
        reverse("portal:service", args=[provider.slug, service.slug]),
        reverse("portal:service-new", args=[provider.slug]),
        reverse("portal:dossier", args=[ref]),
        reverse("portal:dossier-section", args=[ref, "ownership"]),
        reverse("portal:dossier-assessment", args=[ref, "19"]),
        reverse("portal:dossier-documents", args=[ref]),
        reverse("portal:dossier-declaration", args=[ref]),
        reverse("portal:dossier-message", args=[ref]),
        reverse("portal:dossier-withdraw", args=[ref]),
        reverse("account_email"),
        reverse("account_change_password"),
    ]


def admin_pages(site):
    dossier, certificate, provider = site["dossier"], site["certificate"], site["provider"]
    return [
        reverse("admin:index"),
        reverse("admin:registry_dossier_changelist"),
        reverse("admin:registry_dossier_change", args=[dossier.pk]),
        reverse("admin:registry_certificate_changelist"),
        reverse("admin:registry_certificate_change", args=[certificate.pk]),
        reverse("admin:registry_provider_change", args=[provider.pk]),
        reverse("admin:registry_provider_add"),
        reverse("admin:registry_provider_history", args=[provider.pk]),
        reverse("admin:registry_scheme_changelist"),
        reverse("admin:registry_auditevent_changelist"),
    ]


# Third-party markup that a strict policy only makes plainer (a border), never breaks: listed, not hidden.
KNOWN_THIRD_PARTY_STYLES = {
    "<p style='border-top: 0'>",  # django-simple-history's history list paginator
    "<form style='display: none'>",  # allauth's e-mail change: a form of hidden inputs, which shows nothing anyway
}


def check_pages(client, urls):
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        found = inspect(response.content.decode())
        problems = [p for p in found.problems if p not in KNOWN_THIRD_PARTY_STYLES]
        assert problems == [], url
        for load in found.loads:
            assert_served_by_us(client, load, url)


def assert_served_by_us(client, url, page):
    parts = urlsplit(url)
    assert not parts.netloc, f"{page} loads {url} from another origin"
    if parts.path.startswith("/static/"):
        assert finders.find(parts.path.removeprefix("/static/")), f"{page} loads a missing static file {url}"
    else:
        assert client.get(url).status_code == 200, f"{page} loads {url}, which does not answer"


def test_public_and_sign_in_pages_render_without_inline_script_or_style(client, site):
    check_pages(client, public_pages(site))


def test_portal_pages_render_without_inline_script_or_style(client, site, owner):
    client.force_login(owner)
    check_pages(client, portal_pages(site))


def test_the_admin_renders_without_inline_script_and_loads_only_its_own_files(client, site, administrator):
    # Django 5.2's admin has no inline script: its data travels in data- attributes of <script src> elements.
    f.login_with_mfa(client, administrator)
    check_pages(client, admin_pages(site))


def test_the_reviewers_pages_of_the_admin_too(client, site, reviewer):
    f.login_with_mfa(client, reviewer)
    dossier = site["dossier"]
    check_pages(
        client,
        [
            reverse("admin:registry_dossier_change", args=[dossier.pk]),
            reverse("admin:registry_dossier_move", args=[dossier.pk, "admit"]),
            reverse("admin:registry_dossier_move", args=[dossier.pk, "request_changes"]),
        ],
    )
