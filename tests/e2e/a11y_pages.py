"""What the accessibility audit (test_accessibility.py) uses: axe-core's file and the rules that fail, the registry's
URL names that are not HTML pages, a realistic registry to audit, an Audit that opens pages in one browser context and
runs axe on each, the report written for a person to review, and the computed style of the focused element with the
contrast arithmetic that checks it is visible."""

import datetime
import json
import os
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.utils import timezone

from registry.catalogue.services import DEFAULT_SCHEME_FILE, read_scheme_file, scheme_load
from registry.providers.models import Invitation, Site
from registry.qualification.models import Dossier
from registry.qualification.workflow import REVIEWERS
from tests import factories as f
from tests.e2e.browser import launch

playwright = pytest.importorskip("playwright.sync_api")
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("serious", "critical")
IMPACTS = ("critical", "serious", "moderate", "minor")
REPORT = Path(os.environ.get("A11Y_REPORT") or Path(settings.BASE_DIR) / "build" / "accessibility")


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
# "registry" and "portal" namespaces must be audited in test_accessibility.py (its
# test_every_public_and_portal_page_is_audited).
NOT_PAGES = {
    "registry:export-csv": "CSV",
    "registry:export-json": "JSON",
    "registry:scheme-oscal-catalog": "JSON (OSCAL catalog)",
    "registry:feed": "Atom",
    "registry:snapshot": "JSON",
    "registry:snapshot-signature": "signature",
    "registry:snapshot-numbered": "JSON",
    "registry:snapshot-numbered-signature": "signature",
    "registry:signing-key": "PEM",
    "registry:trusted-list": "XML (signed trusted list)",
    "registry:trusted-list-numbered": "XML (signed trusted list)",
    "registry:trusted-list-signing": "PEM (certificate)",
    "registry:published-key": "PEM",
    "registry:certificate-pdf": "PDF",
    "registry:badge": "SVG image",
    "registry:subscribe-start": "POST only (the public pages' follow form; it answers with registry:subscribe's page)",
    "registry:webhook-test": "POST only (the webhook's management page)",
    "registry:webhook-rotate": "POST only (the webhook's management page)",
    "registry:webhook-enable": "POST only (the webhook's management page)",
    "registry:webhook-delete": "POST only (the webhook's management page; it leads to registry:webhook-deleted)",
    "portal:certificate-pdf": "PDF",
    "portal:document-download": "a document file",
    "portal:dossier-submit": "POST only (the button is on the dossier page)",
    "portal:dossier-answer": "JSON (one answer of the self-assessment, saved by static/js/autosave.js)",
    "portal:member-role": "POST only (members page)",
    "portal:member-remove": "POST only (members page)",
    "portal:invitation-revoke": "POST only (members page)",
    "portal:require-mfa": "POST only (members page)",
    "portal:change-new": "POST only (the button is on the service, profile, ownership and change notices pages)",
    "portal:change-file": "POST only (the change notice's page)",
    "portal:change-withdraw": "POST only (the change notice's page)",
    "portal:change-document": "POST only (the change notice's page)",
    "portal:condition-answer": "POST only (the certificate's page)",
    "portal:dossier-oscal-export": "JSON (OSCAL component definition)",
    "portal:dossier-oscal-import-confirm": "POST only (the import's preview; it leads to the import's report)",
    "centre:document-download": "a document file",
    "centre:contract-confirm": "POST only (the dossier's page in the centre's space)",
    "centre:contract-decline": "POST only (the dossier's page in the centre's space)",
    "centre:audit-report-download": "a document file (the centre's own surveillance report)",
}


def a_webhook(service):
    """A webhook registered for `service`, not yet confirmed (the audit presses the button), with a delivery that
    failed once then went through, for its management page's table."""
    from registry.public.webhook_models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

    endpoint = WebhookEndpoint.objects.create(
        email="dev@relying.example", url="https://hooks.relying.example/registry", scope="service", service=service
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        message_id="msg_0123456789abcdef0123456789abcdef",
        event_type="certificate.status_changed",
        body="{}",
        attempts=2,
        delivered_at=timezone.now(),
        last_status=200,
    )
    for status in (503, 200):
        WebhookAttempt.objects.create(delivery=delivery, attempted_at=timezone.now(), status=status, duration_ms=42)
    return endpoint


def certified(service, scheme, *, status="active", reason="", days_ago=200):
    """A certificate and its public history, as qualification and later moves leave them."""
    issued_on = timezone.localdate() - datetime.timedelta(days=days_ago)
    certificate = f.certificate(service, scheme, issued_on=issued_on, status=status, scope=service.description)
    return f.public_history(certificate, later_after_days=90, reason=reason)


def surveyed(certificate):
    """The certificate's plan with its first audit done (maintained with a condition, still open) and the next due."""
    from registry.certificates.models import Condition, SurveillanceAudit

    done = SurveillanceAudit.objects.create(
        certificate=certificate,
        sequence=1,
        due_on=certificate.issued_on + datetime.timedelta(days=150),
        performed_on=certificate.issued_on + datetime.timedelta(days=140),
        outcome="maintained_with_conditions",
        findings="Logs are kept six months instead of twelve.",
        recorded_at=timezone.now(),
    )
    SurveillanceAudit.objects.create(
        certificate=certificate, sequence=2, due_on=certificate.issued_on + datetime.timedelta(days=515)
    )
    Condition.objects.create(
        certificate=certificate,
        surveillance_audit=done,
        text="Keep the logs twelve months.",
        due_on=timezone.localdate() + datetime.timedelta(days=30),
    )


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
    surveyed(qualified)
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

    from registry.certificates import changes

    notice = changes.notice_open(provider=provider, service=compute, by=owner)  # a draft: the forms and the checks

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
        "notice": notice,
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
