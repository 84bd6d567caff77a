"""Accessibility (WCAG 2.1 AA, which the RGAA follows) of every public page, the sign-in pages and the provider portal,
checked by axe-core in a real browser, in English and in French.

axe-core comes from the npm registry, pinned by package.json and package-lock.json (`make test` runs `npm ci`); nothing
is loaded from a CDN. The pages keep their strict Content-Security-Policy: only these tests' browser context bypasses
it, to inject axe's script file into each page.

What fails: a violation of a WCAG 2.0 / 2.1 A or AA rule with impact "serious" or "critical". Everything else axe
reports (WCAG violations of impact "moderate" or "minor", its "best-practice" rules, which are advice beyond the
success criteria, and the checks it cannot decide alone) is printed and written, page by page, to the report folder
(A11Y_REPORT, by default build/accessibility/), so that a person reviews it; it does not fail the build, because
best-practice rules are not criteria an audit holds us to and "needs review" items need a person by definition.

Debian's Chromium through Playwright's sync API against pytest-django's live server; the ORM runs before the browser
starts, in the test's own thread.
"""

import datetime
import json
import os
import shutil
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from registry.catalogue.services import DEFAULT_SCHEME_FILE, read_scheme_file, scheme_load
from registry.providers.models import Invitation, Site
from registry.qualification.models import Dossier
from registry.qualification.workflow import REVIEWERS
from tests import factories as f
from tests.e2e.browser import MARKS, launch, session_cookie

playwright = pytest.importorskip("playwright.sync_api")
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("serious", "critical")
IMPACTS = ("critical", "serious", "moderate", "minor")
REPORT = Path(os.environ.get("A11Y_REPORT") or Path(settings.BASE_DIR) / "build" / "accessibility")

pytestmark = [
    *MARKS,
    # Without Node there is no axe-core: `make test` installs it wherever npm exists (CI installs npm).
    pytest.mark.skipif(
        not AXE.exists() and shutil.which("npm") is None, reason="needs axe-core: install Node and npm, then npm ci"
    ),
]

RUN_AXE = """
async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags.concat(["best-practice"])},
    resultTypes: ["violations", "incomplete"],
  });
  return {
    violations: result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      wcag: v.tags.some((t) => tags.includes(t)),
      targets: v.nodes.map((n) => n.target.join(" ")),
      summary: v.nodes.length ? v.nodes[0].failureSummary : "",
    })),
    incomplete: result.incomplete.map((v) => ({
      id: v.id,
      nodes: v.nodes.map((n) => n.target.join(" ") + ": " + (n.any.concat(n.all, n.none).map((c) => c.message).join(" ") || "")),
    })),
  };
}
"""


# The registry's URL names that are not HTML pages, with why axe has nothing to check there; every other name of the
# "registry" and "portal" namespaces must be audited below (test_every_public_and_portal_page_is_audited).
NOT_PAGES = {
    "registry:export-csv": "CSV",
    "registry:export-json": "JSON",
    "registry:feed": "Atom",
    "registry:snapshot": "JSON",
    "registry:snapshot-signature": "signature",
    "registry:snapshot-numbered": "JSON",
    "registry:snapshot-numbered-signature": "signature",
    "registry:signing-key": "PEM",
    "registry:certificate-pdf": "PDF",
    "registry:badge": "SVG image",
    "portal:certificate-pdf": "PDF",
    "portal:document-download": "a document file",
    "portal:dossier-submit": "POST only (the button is on the dossier page)",
    "portal:member-role": "POST only (members page)",
    "portal:member-remove": "POST only (members page)",
    "portal:invitation-revoke": "POST only (members page)",
    "portal:require-mfa": "POST only (members page)",
}


def certified(service, scheme, *, status="active", reason="", days_ago=200):
    """A certificate and its public history, as qualification and later moves leave them."""
    issued_on = timezone.localdate() - datetime.timedelta(days=days_ago)
    certificate = f.certificate(service, scheme, issued_on=issued_on, status=status, scope=service.description)
    return f.public_history(certificate, later_after_days=90, reason=reason)


def a_registry():
    """A realistic registry: qualified, suspended, archived and in-process services of two providers, the shipped
    SecNumCloud catalogue, and a dossier sent back for changes with answers, documents and a dialogue."""
    from registry.qualification.services import answers
    from registry.qualification.services.dossiers import dossier_create, dossier_request_changes, message_post

    scheme, _stats = scheme_load(data=read_scheme_file(DEFAULT_SCHEME_FILE))
    provider = f.provider(legal_name="Nuage Souverain SAS", slug="nuage-souverain", website="https://nuage.example")
    owner = f.member(provider, "owner", email="owner@nuage.test", first_name="Olga", last_name="Owner")
    editor = f.member(provider, "editor", email="editor@nuage.test")
    f.member(provider, "viewer", email="viewer@nuage.test")
    Invitation.objects.create(provider=provider, email="new@nuage.test", role="editor", invited_by=owner)
    f.shareholder(provider, name="Fondateurs", capital_percent=60, voting_percent=60)
    f.shareholder(provider, name="Banque publique", capital_percent=30, voting_percent=30)
    f.shareholder(provider, name="Fonds américain", country="US", capital_percent=10, voting_percent=10)
    other = f.provider(legal_name="Autre Cloud SA", slug="autre-cloud")

    def offering(p, name, model="iaas"):
        s = f.service(p, name=name, slug=name.lower().replace(" ", "-"), service_model=model, description=f"{name}.")
        f.eu_sites(s)
        f.third_party(s, name="Matériel Libre SARL")
        return s

    compute = offering(provider, "Nuage Compute")
    qualified = certified(compute, scheme)
    suspended = certified(offering(provider, "Nuage Storage"), scheme, status="suspended", reason="Incident.")
    certified(offering(provider, "Nuage Legacy"), scheme, status="withdrawn", reason="End of sale.", days_ago=900)
    certified(offering(other, "Autre Kubernetes", "caas"), scheme)
    Site.objects.create(service=compute, role=Site.Role.STORAGE, country="DE", city="Frankfurt")
    center = f.evaluation_center(name="CESTI Paris")
    f.dossier(
        offering(other, "Autre Office", "saas"),
        scheme,
        status=Dossier.Status.EVALUATION,
        listed_in_process_consent=True,
        evaluation_center=center,
    )

    office = offering(provider, "Nuage Office", "saas")
    reviewer = f.user(email="reviewer@agency.test", groups=[REVIEWERS], first_name="Rita", last_name="Reviewer")
    dossier = f.complete(dossier_create(service=office, scheme=scheme, by=owner), owner)
    dossier = f.walk(dossier, Dossier.Status.IN_REVIEW, provider_user=editor, reviewer=reviewer, center=center)
    dossier = dossier_request_changes(dossier=dossier, by=reviewer, comment="Please detail the backup sites.")
    message_post(dossier=dossier, by=reviewer, body="The risk analysis omits the support site.")
    answers.reply_post(dossier=dossier, by=owner, body="We are adding the support site to the risk analysis.")

    newcomer = f.user(email="new@nuage.test")
    two_factor = f.user(email="mfa@nuage.test")
    EmailAddress.objects.create(user=two_factor, email=two_factor.email, verified=True, primary=True)
    f.totp_authenticator(two_factor)
    invitation = Invitation.objects.get(email=newcomer.email)
    chapters = [r.ref for r in scheme.requirements.filter(parent=None).order_by("position")]
    return {
        "provider": provider,
        "owner": owner,
        "newcomer": newcomer,
        "two_factor": two_factor,
        "qualified": qualified,
        "suspended": suspended,
        "compute": compute,
        "office": office,
        "dossier": dossier,
        "invitation": invitation,
        "chapters": chapters,
    }


class Audit:
    """Opens pages in one browser context (a language, maybe a signed-in user), runs axe on each, keeps the results."""

    def __init__(self, browser, base, lang, cookies=(), phone=False):
        self.base = base
        self.lang = lang
        size = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True} if phone else {}
        self.context = browser.new_context(bypass_csp=True, locale=lang, **size)
        self.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": base}, *cookies])
        self.context.set_default_timeout(20_000)
        self.page = self.context.new_page()
        self.results = {}

    def visit(self, name, path, status=200):
        response = self.page.goto(self.base + path)
        assert response.status == status, (path, response.status)
        self.check(name)

    def submit(self, name, to=None):
        """Send the page's main form with its first button; audit the page that comes back (at `to`, if given)."""
        with self.page.expect_navigation():
            self.page.locator("main form [type=submit]").first.click()
        if to is not None:
            assert urlsplit(self.page.url).path == to, (name, self.page.url)
        self.check(name)

    def check(self, name):
        """Run axe on the page as it is now (after a visit or a form sent in the browser)."""
        assert self.page.locator("html").get_attribute("lang") == self.lang, (name, "page not in", self.lang)
        self.page.add_script_tag(path=str(AXE))
        self.results[name] = self.page.evaluate(RUN_AXE, WCAG_TAGS)


def failures(results):
    lines = []
    for name, result in results.items():
        for v in result["violations"]:
            if v["wcag"] and v["impact"] in FAILING_IMPACTS:
                lines.append(f"{name}: {v['id']} ({v['impact']}) {v['targets'][:5]} {v['help']}: {v['summary']}")
    return lines


def report(results, title, filename):
    """Print every violation that does not fail and a table of counts per page; write both to the report folder."""
    rows = [
        f"## {title}",
        "",
        "| page | critical | serious | moderate | minor | best practice | needs review (elements) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    details = []
    for name, result in results.items():
        wcag = Counter(v["impact"] for v in result["violations"] if v["wcag"])
        advice = sum(1 for v in result["violations"] if not v["wcag"])
        rows.append(
            f"| {name} | {' | '.join(str(wcag[i]) for i in IMPACTS)} | {advice} | {sum(len(i['nodes']) for i in result['incomplete'])} |"
        )
        for v in result["violations"]:
            if not (v["wcag"] and v["impact"] in FAILING_IMPACTS):
                kind = "wcag" if v["wcag"] else "best-practice"
                details.append(f"- {name}: {v['id']} ({kind}, {v['impact']}) {v['targets'][:5]}: {v['help']}")
    text = "\n".join(rows + ["", "Reported, not failing:", *(details or ["- none"]), ""])
    REPORT.mkdir(parents=True, exist_ok=True)
    (REPORT / f"{filename}.md").write_text(text, encoding="utf-8")
    (REPORT / f"{filename}.json").write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    print(text)


def run(live_server, lang, title, filename, steps):
    """`steps(browser)` returns the audits it made; the test fails on any serious or critical WCAG violation."""
    with playwright.sync_playwright() as p:
        browser = launch(p)
        try:
            results = {}
            for audit in steps(browser):
                results.update(audit.results)
        finally:
            browser.close()
    report(results, f"{title} ({lang})", f"{filename}-{lang}")
    found = failures(results)
    assert not found, "serious or critical WCAG violations:\n" + "\n".join(found)


@pytest.fixture(autouse=True)
def _tasks_inline(monkeypatch):
    # The registry built here queues notifications and checks after commit: with REDIS_URL set they would wait in the
    # broker for a worker that is not there, and a later test's worker would pick them up.
    import trustedcloud.celery

    monkeypatch.setitem(trustedcloud.celery.app.conf, "task_always_eager", True)


@pytest.fixture
def axe_installed():
    assert AXE.exists(), f"{AXE} is missing: run `npm ci` (make test does)"


LANGS = pytest.mark.parametrize("lang", ["en", "fr"])


@LANGS
def test_public_pages_have_no_serious_accessibility_violation(live_server, axe_installed, lang):
    world = a_registry()
    qualified, suspended, compute = world["qualified"], world["suspended"], world["compute"]
    service_follow = reverse("registry:subscribe") + f"?scope=service&target={compute.slug}"

    def steps(browser):
        audit = Audit(browser, live_server.url, lang)
        r = lambda name, *args: reverse(f"registry:{name}", args=args)  # noqa: E731
        audit.visit("registry:home", r("home"))
        audit.visit("registry:list", r("list"))
        audit.visit("registry:list (filtered)", r("list") + "?model=iaas&country=FR&status=active")
        audit.visit("registry:list (no result)", r("list") + "?q=nothing-matches-this")
        audit.visit("registry:in-process", r("in-process"))
        audit.visit("registry:archive", r("archive"))
        audit.visit("registry:service", r("service", compute.slug))
        audit.visit("registry:provider", r("provider", world["provider"].slug))
        audit.visit("registry:verify", r("verify"))
        audit.visit("registry:verify-number (active)", r("verify-number", qualified.number))
        audit.visit("registry:verify-number (suspended)", r("verify-number", suspended.number))
        audit.visit("registry:verify-number (unknown)", r("verify-number", "SNC-1999-0000"), status=404)
        audit.visit("404 page", "/registry/no-such-service/", status=404)
        audit.visit("registry:stats", r("stats"))
        audit.visit("registry:subscribe", service_follow)
        audit.page.fill("input[name=email]", "not-an-address")
        audit.submit("registry:subscribe (with errors)")
        audit.page.fill("input[name=email]", "reader@example.org")
        audit.submit("registry:subscribe-sent", to=r("subscribe-sent"))
        audit.visit("registry:subscription-confirm", r("subscription-confirm", world["follow_token"]))
        audit.visit("registry:subscription-unsubscribe", r("subscription-unsubscribe", world["follow_token"]))
        audit.visit("registry:subscription-confirm (unknown)", r("subscription-confirm", "no-such-token"), 404)
        audit.visit("registry:subscription-unsubscribed", r("subscription-unsubscribed"))
        return [audit]

    from registry.public.models import Subscription

    world["follow_token"] = Subscription.objects.create(
        email="follower@example.org", scope="service", service=compute
    ).token
    run(live_server, lang, "Public pages", "public", steps)


@LANGS
def test_sign_in_pages_have_no_serious_accessibility_violation(live_server, axe_installed, lang):
    world = a_registry()
    two_factor = world["two_factor"]

    def steps(browser):
        audit = Audit(browser, live_server.url, lang)
        page = audit.page
        audit.visit("account_login", reverse("account_login"))
        page.fill("input[name=login]", two_factor.email)
        page.fill("input[name=password]", "not-the-password")
        audit.submit("account_login (with errors)")
        audit.visit("account_signup", reverse("account_signup"))
        page.fill("input[name=email]", "someone@new.test")
        page.fill("input[name=password1]", "short")
        page.fill("input[name=password2]", "different")
        audit.submit("account_signup (with errors)")
        page.fill("input[name=password1]", f.PASSWORD)
        page.fill("input[name=password2]", f.PASSWORD)
        audit.submit("account_email_verification_sent", to=reverse("account_email_verification_sent"))
        audit.visit("account_reset_password", reverse("account_reset_password"))
        page.fill("input[name=email]", two_factor.email)
        audit.submit("account_reset_password_done", to=reverse("account_reset_password_done"))
        audit.visit("account_login (again)", reverse("account_login"))
        page.fill("input[name=login]", two_factor.email)
        page.fill("input[name=password]", f.PASSWORD)
        audit.submit("mfa_authenticate", to=reverse("mfa_authenticate"))
        page.fill("input[name=code]", "000000")
        audit.submit("mfa_authenticate (with errors)")
        return [audit]

    run(live_server, lang, "Sign-in pages", "sign-in", steps)


@LANGS
def test_portal_pages_have_no_serious_accessibility_violation(live_server, axe_installed, lang):
    world = a_registry()
    provider, dossier = world["provider"], world["dossier"]
    owner_cookie = session_cookie(world["owner"], live_server.url)
    newcomer_cookie = session_cookie(world["newcomer"], live_server.url)

    def steps(browser):
        def r(name, *args):
            return reverse(f"portal:{name}", args=args)

        newcomer = Audit(browser, live_server.url, lang, [newcomer_cookie])
        newcomer.visit("portal:home (no organisation yet)", r("home"))
        newcomer.visit("portal:provider-new", r("provider-new"))
        newcomer.visit("portal:invitation-accept", r("invitation-accept", world["invitation"].token))

        audit = Audit(browser, live_server.url, lang, [owner_cookie])
        slug, ref = provider.slug, dossier.reference
        audit.visit("portal:provider", r("provider", slug))
        audit.visit("portal:provider-edit", r("provider-edit", slug))
        audit.visit("portal:ownership", r("ownership", slug))
        audit.visit("portal:members", r("members", slug))
        audit.visit("portal:history", r("history", slug))
        audit.visit("portal:service-new", r("service-new", slug))
        audit.submit("portal:service-new (with errors)")
        audit.visit("portal:service (qualified)", r("service", slug, world["compute"].slug))
        audit.visit("portal:service (dossier under way)", r("service", slug, world["office"].slug))
        audit.visit("portal:dossier-new", r("dossier-new", world["compute"].slug))
        audit.visit("portal:dossier", r("dossier", ref))
        for section in ("scope", "locations", "ownership"):
            audit.visit(f"portal:dossier-section {section}", r("dossier-section", ref, section))
        for chapter in world["chapters"]:
            audit.visit(f"portal:dossier-assessment {chapter}", r("dossier-assessment", ref, chapter))
        audit.visit("portal:dossier-documents", r("dossier-documents", ref))
        audit.visit("portal:dossier-message", r("dossier-message", ref))
        audit.visit("portal:dossier-declaration", r("dossier-declaration", ref))
        audit.visit("portal:dossier-withdraw", r("dossier-withdraw", ref))
        for name in ("account_email", "account_change_password", "mfa_index", "usersessions_list"):
            audit.visit(name, reverse(name))
        return [newcomer, audit]

    run(live_server, lang, "Provider portal", "portal", steps)


def test_pages_on_a_phone_have_no_serious_accessibility_violation(live_server, axe_installed):
    """The phone layouts (tables as cards, the collapsed menu) on a 390px-wide screen, for the pages that change most."""
    world = a_registry()
    provider, dossier, compute = world["provider"], world["dossier"], world["compute"]
    owner_cookie = session_cookie(world["owner"], live_server.url)

    def steps(browser):
        public = Audit(browser, live_server.url, "en", phone=True)
        public.visit("registry:home", reverse("registry:home"))
        public.page.click(".navbar-toggler")
        public.page.wait_for_selector("#nav.show")
        public.check("registry:home (menu open)")
        public.visit("registry:list", reverse("registry:list"))
        public.visit("registry:archive", reverse("registry:archive"))
        public.visit("registry:service", reverse("registry:service", args=[compute.slug]))
        public.visit("registry:verify-number", reverse("registry:verify-number", args=[world["qualified"].number]))
        public.visit("registry:stats", reverse("registry:stats"))
        public.visit("account_login", reverse("account_login"))
        portal = Audit(browser, live_server.url, "en", [owner_cookie], phone=True)
        portal.visit("portal:provider", reverse("portal:provider", args=[provider.slug]))
        portal.visit("portal:ownership", reverse("portal:ownership", args=[provider.slug]))
        portal.visit("portal:members", reverse("portal:members", args=[provider.slug]))
        portal.visit("portal:dossier", reverse("portal:dossier", args=[dossier.reference]))
        portal.visit("portal:dossier-documents", reverse("portal:dossier-documents", args=[dossier.reference]))
        chapter = world["chapters"][0]
        portal.visit(
            "portal:dossier-assessment", reverse("portal:dossier-assessment", args=[dossier.reference, chapter])
        )
        return [public, portal]

    run(live_server, "en", "Phone (390px)", "phone", steps)


FOCUS_STYLE = """
() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  let node = el.parentElement, behind = "rgb(255, 255, 255)";
  for (; node; node = node.parentElement) {
    const bg = getComputedStyle(node).backgroundColor;
    if (bg !== "transparent" && !bg.startsWith("rgba(0, 0, 0, 0)")) { behind = bg; break; }
  }
  const box = el.getBoundingClientRect();
  return {
    id: el.id, tag: el.tagName, text: el.textContent.trim().slice(0, 40), classes: el.className,
    outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth), outlineColor: style.outlineColor,
    behind, width: box.width, height: box.height, top: box.top, left: box.left,
  };
}
"""


def luminance(rgb: str) -> float:
    def channel(c):
        c = int(c) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def assert_visible_focus(focus):
    """A solid outline of at least 2px, at least 3:1 against what surrounds the element (WCAG 1.4.11)."""
    assert focus["outlineStyle"] == "solid" and focus["outlineWidth"] >= 2, focus
    assert contrast(focus["outlineColor"], focus["behind"]) >= 3, focus


def test_the_keyboard_focus_is_always_visible_and_the_skip_link_appears(live_server):
    f.user(email="someone@example.org")
    with playwright.sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page()
            page.goto(live_server.url + reverse("account_login"))
            page.keyboard.press("Tab")
            skip = page.evaluate(FOCUS_STYLE)
            assert skip["text"] == "Skip to content"
            # Shown once focused: on screen, large enough to read, outlined.
            assert skip["width"] > 50 and skip["height"] > 20 and skip["top"] >= 0 and skip["left"] >= 0, skip
            assert_visible_focus(skip)
            page.keyboard.press("Tab")
            brand = page.evaluate(FOCUS_STYLE)
            assert "navbar-brand" in brand["classes"]
            assert_visible_focus(brand)  # white on the navbar's blue
            for _ in range(30):  # on through the menu to the sign-in form
                page.keyboard.press("Tab")
                if page.evaluate("document.activeElement.id") == "id_login":
                    break
            assert_visible_focus(page.evaluate(FOCUS_STYLE))
            page.keyboard.type("someone@example.org")
            page.keyboard.press("Tab")
            assert_visible_focus(page.evaluate(FOCUS_STYLE))
            page.keyboard.type("not-the-password")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            # The page comes back with the error summary focused, so it is read first; Tab then leaves it.
            summary = page.evaluate(FOCUS_STYLE)
            assert "tcr-error-summary" in summary["classes"], summary
            assert_visible_focus(summary)
            page.keyboard.press("Tab")
            button = page.locator("main form [type=submit]").first
            button.focus()
            assert_visible_focus(page.evaluate(FOCUS_STYLE))
        finally:
            browser.close()


def _names(resolver, namespace=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from _names(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}:{entry.name}" if namespace else entry.name


@pytest.mark.django_db
def test_every_public_and_portal_page_is_audited():
    """A new page of the registry or the portal must join the audits above (or NOT_PAGES, saying why)."""
    source = Path(__file__).read_text(encoding="utf-8")
    missing = []
    for name in sorted(set(_names(get_resolver()))):
        if name.partition(":")[0] not in ("registry", "portal") or name in NOT_PAGES:
            continue
        if f'"{name}' not in source:
            missing.append(name)
    assert not missing, f"pages no accessibility audit visits: {missing}"
