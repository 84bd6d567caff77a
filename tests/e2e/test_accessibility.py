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
starts, in the test's own thread. The registry audited, the Audit, the report and the list of URL names that are not
pages are in tests/e2e/a11y_pages.py; the pages each audit visits are here, where
test_every_public_and_portal_page_is_audited looks for them.
"""

import datetime
import json
import shutil
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests import factories as f
from tests.e2e.a11y_pages import (
    AXE,
    FOCUS_STYLE,
    NOT_PAGES,
    Audit,
    a_registry,
    a_webhook,
    assert_visible_focus,
    run,
)
from tests.e2e.browser import MARKS, launch, session_cookie

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = [
    *MARKS,
    # Without Node there is no axe-core: `make test` installs it wherever npm exists (CI installs npm).
    pytest.mark.skipif(
        not AXE.exists() and shutil.which("npm") is None, reason="needs axe-core: install Node and npm, then npm ci"
    ),
]


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
        audit.visit("registry:providers", r("providers"))
        audit.visit("registry:provider", r("provider", world["provider"].slug))
        audit.visit("registry:list (search finding services in process and providers)", r("list") + "?q=autre")
        audit.visit("registry:verify (unknown number, typed)", r("verify") + "?number=snc+1999+0", status=404)
        audit.visit("registry:verify", r("verify"))
        audit.visit("registry:verify-number (active)", r("verify-number", qualified.number))
        audit.visit("registry:verify-number (suspended)", r("verify-number", suspended.number))
        audit.visit("registry:verify-number (unknown)", r("verify-number", "SNC-1999-0000"), status=404)
        audit.visit("404 page", "/registry/no-such-service/", status=404)
        audit.visit("registry:stats", r("stats"))
        audit.visit("registry:apply", r("apply"))
        audit.visit("registry:subscribe", service_follow)
        audit.page.fill("input[name=email]", "not-an-address")
        audit.submit("registry:subscribe (with errors)")
        audit.page.fill("input[name=email]", "reader@example.org")
        audit.submit("registry:subscribe-sent", to=r("subscribe-sent"))
        audit.visit("registry:subscription-confirm", r("subscription-confirm", world["follow_token"]))
        audit.visit("registry:subscription-unsubscribe", r("subscription-unsubscribe", world["follow_token"]))
        audit.visit("registry:subscription-confirm (unknown)", r("subscription-confirm", "no-such-token"), 404)
        audit.visit("registry:subscription-unsubscribed", r("subscription-unsubscribed"))
        audit.visit("registry:webhook-new", r("webhook-new") + f"?scope=service&target={compute.slug}")
        audit.page.fill("input[name=email]", "not-an-address")
        audit.submit("registry:webhook-new (with errors)")
        audit.visit("registry:webhook-sent", r("webhook-sent"))
        audit.visit("registry:webhook-confirm", r("webhook-confirm", world["webhook"].confirm_token))
        audit.submit("registry:webhook-confirm (confirmed: the secret shown)")
        audit.visit("registry:webhook-confirm (unknown)", r("webhook-confirm", "no-such-token"), 404)
        audit.visit("registry:webhook-manage", r("webhook-manage", world["webhook"].manage_token))
        audit.visit("registry:webhook-deleted", r("webhook-deleted"))
        return [audit]

    from registry.public.models import Subscription

    world["follow_token"] = Subscription.objects.create(
        email="follower@example.org", scope="service", service=compute
    ).token
    world["webhook"] = a_webhook(compute)
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
        audit.visit("account_confirm_email (expired link)", reverse("account_confirm_email", args=["not-a-key"]))
        audit.visit("account_inactive", reverse("account_inactive"))
        audit.visit("account_login (again)", reverse("account_login"))
        page.fill("input[name=login]", two_factor.email)
        page.fill("input[name=password]", f.PASSWORD)
        audit.submit("mfa_authenticate", to=reverse("mfa_authenticate"))
        page.fill("input[name=code]", "000000")
        audit.submit("mfa_authenticate (with errors)")
        return [audit]

    run(live_server, lang, "Sign-in pages", "sign-in", steps)


def oscal_file(dossier) -> dict:
    """The dossier's own answers exported as OSCAL, as a file for the import's form (Playwright's file payload)."""
    from registry.qualification import oscal_components
    from registry.qualification.models import Answer

    answers = Answer.objects.filter(dossier=dossier).exclude(status="").select_related("requirement")
    document = oscal_components.component_definition(dossier, answers, now=timezone.now())
    return {"name": "self-assessment.json", "mimeType": "application/json", "buffer": json.dumps(document).encode()}


def oscal_import(dossier, by):
    """An import whose lines do not map (nothing changes in the dossier), for its report's page."""
    from registry.qualification.oscal_components import Entry
    from registry.qualification.services.answers_import import answers_import

    entries = [Entry("req-0.0", "implemented", ""), Entry("", "", "")]
    return answers_import(dossier=dossier, by=by, entries=entries, file_name="self-assessment.json")


@LANGS
def test_portal_pages_have_no_serious_accessibility_violation(live_server, axe_installed, lang):
    world = a_registry()
    provider, dossier = world["provider"], world["dossier"]
    owner_cookie = session_cookie(world["owner"], live_server.url)
    newcomer_cookie = session_cookie(world["newcomer"], live_server.url)
    incident = f.incident(world["qualified"], world["owner"])  # open: its page shows the report form
    imported = oscal_import(dossier, world["owner"])
    admitted = f.dossier(f.service(provider, name="Nuage Archive"), dossier.scheme, status="evaluation")
    oscal_upload = oscal_file(dossier)  # read before the browser starts: no ORM call inside its block

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
        audit.visit("portal:changes", r("changes", slug))
        audit.visit("portal:change-notice", r("change-notice", slug, world["notice"].reference))
        audit.visit("portal:incidents", r("incidents", slug))
        audit.visit("portal:incident-new", r("incident-new", slug))
        audit.submit("portal:incident-new (with errors)")
        audit.visit("portal:incident", r("incident", slug, incident.reference))
        audit.submit("portal:incident (a report with errors)")
        audit.visit("portal:certificate", r("certificate", slug, world["qualified"].number))
        audit.submit("portal:certificate (an answer with errors)")
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
        audit.visit("portal:dossier-evaluation", r("dossier-evaluation", admitted.reference))
        audit.submit("portal:dossier-evaluation (a contract with errors)")
        audit.visit("portal:dossier-declaration", r("dossier-declaration", ref))
        audit.visit("portal:dossier-withdraw", r("dossier-withdraw", ref))
        audit.visit("portal:dossier-oscal-import", r("dossier-oscal-import", ref))
        audit.submit("portal:dossier-oscal-import (with errors)")
        audit.page.set_input_files("input[name=document]", files=[oscal_upload])
        audit.submit("portal:dossier-oscal-import (preview)")
        audit.visit("portal:dossier-oscal-import-report", r("dossier-oscal-import-report", ref, imported.pk))
        for name in ("account_email", "account_change_password", "mfa_index", "usersessions_list"):
            audit.visit(name, reverse(name))
        return [newcomer, audit]

    run(live_server, lang, "Provider portal", "portal", steps)


@LANGS
def test_centre_pages_have_no_serious_accessibility_violation(live_server, axe_installed, lang):
    from registry.catalogue.models import EvaluationCenter
    from registry.evaluation.models import EvaluatorInvitation
    from registry.qualification.models import Answer, Message

    world = a_registry()
    centre = EvaluationCenter.objects.get(name="CESTI Paris")
    held = centre.dossiers.get(status="evaluation")
    requirement = held.scheme.requirements.filter(children__isnull=True).first()
    Answer.objects.create(dossier=held, requirement=requirement, status="met", justification="Encrypted at rest.")
    Message.objects.create(dossier=held, author=world["owner"], body="The plan suits us.")
    evaluator = f.evaluator(centre, email="evaluator@cesti.test")
    lapsed = f.evaluator(f.evaluation_center(name="CESTI Lyon", active=False), email="evaluator@lyon.test")
    # A contract waiting for the centre's answer, on a dossier of its own; on the held one, the plan the agency
    # validated and one verdict of the grid.
    from registry.evaluation import contracts, grid, plans
    from registry.qualification.services.dossiers import applicable_requirements
    from registry.qualification.workflow import REVIEWERS

    waiting = f.dossier(f.service(world["provider"], name="Nuage Backup"), held.scheme, status="evaluation")
    contracts.contract_file(dossier=waiting, by=world["owner"], centre=centre, uploaded=f.pdf("contract.pdf"))
    reviewer = f.user(email="rita@agency.test", groups=[REVIEWERS])
    type(held).objects.filter(pk=held.pk).update(instructing_reviewer=reviewer)
    held.refresh_from_db()
    plan = plans.plan_file(
        dossier=held, by=evaluator.user, scope="The platform and chapter 19.", sites=[],
        other_locations="The provider's head office.", starts_on=datetime.date(2027, 1, 11),
        ends_on=datetime.date(2027, 2, 19), team="Eve Martin, lead evaluator",
    )  # fmt: skip
    plans.plan_validate(plan=plan, by=reviewer)
    # Surveillance: an audit assigned to the centre with no plan yet, and one whose plan the agency validated.
    from registry.certificates.models import SurveillanceAudit
    from registry.certificates.surveillance import audit_assign
    from registry.evaluation import selectors as evaluation_selectors
    from registry.evaluation import surveillance as audit_work

    to_plan = world["qualified"].surveillance_audits.get(sequence=2)
    planned = SurveillanceAudit.objects.create(
        certificate=world["qualified"], sequence=3, due_on=to_plan.due_on + datetime.timedelta(days=365)
    )
    for audit_obj in (to_plan, planned):
        audit_assign(audit_obj=audit_obj, by=reviewer, evaluation_center=centre, reviewer=reviewer)
    audit_plan = audit_work.audit_plan_file(
        audit_obj=planned, by=evaluator.user, scope="Access management and logging.", sites=[],
        other_locations="A remote session.", starts_on=datetime.date(2027, 3, 1), ends_on=datetime.date(2027, 3, 2),
        team="Eve Martin, lead evaluator",
    )  # fmt: skip
    audit_work.audit_plan_validate(plan=audit_plan, by=reviewer)
    audit_requirement = evaluation_selectors.audit_requirements(planned)[0]
    graded, ungraded = applicable_requirements(held)[:2]
    grid.verdict_record(
        dossier=held, requirement=graded, by=evaluator.user, value="minor",
        note="Keys rotate yearly, not quarterly.", evidence_reviewed="Key management procedure.",
    )  # fmt: skip
    invitation = EvaluatorInvitation.objects.create(
        centre=centre, email=world["newcomer"].email, invited_by=evaluator.user
    )
    evaluator_cookie = session_cookie(evaluator.user, live_server.url, mfa=True)
    lapsed_cookie = session_cookie(lapsed.user, live_server.url, mfa=True)
    newcomer_cookie = session_cookie(world["newcomer"], live_server.url)

    def steps(browser):
        newcomer = Audit(browser, live_server.url, lang, [newcomer_cookie])
        newcomer.visit("centre:invitation-accept", reverse("centre:invitation-accept", args=[invitation.token]))
        audit = Audit(browser, live_server.url, lang, [evaluator_cookie])
        audit.visit("centre:home", reverse("centre:home"))
        audit.visit("centre:dossier", reverse("centre:dossier", args=[held.reference]))
        audit.visit("centre:dossier (a contract to confirm)", reverse("centre:dossier", args=[waiting.reference]))
        audit.visit("centre:plan-file", reverse("centre:plan-file", args=[held.reference]))
        audit.page.fill("textarea[name=scope]", "")
        audit.submit("centre:plan-file (with errors)")
        audit.visit("centre:verdict", reverse("centre:verdict", args=[held.reference, graded.pk]))
        audit.visit("centre:verdict (none yet)", reverse("centre:verdict", args=[held.reference, ungraded.pk]))
        audit.submit("centre:verdict (with errors)")
        audit.visit(
            "centre:report-submit (the grid incomplete)", reverse("centre:report-submit", args=[held.reference])
        )
        audit.visit("centre:audit (a plan to file)", reverse("centre:audit", args=[to_plan.pk]))
        audit.visit("centre:audit-plan", reverse("centre:audit-plan", args=[to_plan.pk]))
        audit.page.fill("textarea[name=scope]", "")
        audit.submit("centre:audit-plan (with errors)")
        audit.visit("centre:audit (the plan validated)", reverse("centre:audit", args=[planned.pk]))
        audit.visit("centre:audit-verdict", reverse("centre:audit-verdict", args=[planned.pk, audit_requirement.pk]))
        audit.submit("centre:audit-verdict (with errors)")
        audit.visit("centre:audit-report", reverse("centre:audit-report", args=[planned.pk]))
        gone = Audit(browser, live_server.url, lang, [lapsed_cookie])
        gone.visit("centre:home (approval lapsed)", reverse("centre:home"))
        return [newcomer, audit, gone]

    run(live_server, lang, "Evaluation centre", "centre", steps)


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
        public.visit("registry:apply", reverse("registry:apply"))
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
            language = page.evaluate(FOCUS_STYLE)
            assert "tcr-lang" in language["classes"]  # the agency's strip first: languages, then the account's links
            assert_visible_focus(language)  # on the strip's white
            for _ in range(4):
                page.keyboard.press("Tab")
                if "navbar-brand" in page.evaluate(FOCUS_STYLE)["classes"]:
                    break
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
        if name.partition(":")[0] not in ("registry", "portal", "centre") or name in NOT_PAGES:
            continue
        if f'"{name}' not in source:
            missing.append(name)
    assert not missing, f"pages no accessibility audit visits: {missing}"
