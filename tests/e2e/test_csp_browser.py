"""The Content-Security-Policy in a real browser: the pages work and the browser reports no violation.

The markup tests (tests/project/test_csp_markup.py) show there is nothing inline to block; this shows what they cannot: that
the scripts actually run under the policy (Bootstrap's menus, the admin's own JavaScript, Swagger UI with its one
exception), with Chromium reporting every refused script or style as a console error and a securitypolicyviolation
event. Debian's Chromium through Playwright's sync API; the ORM is used outside the sync_playwright() block.
"""

import pytest
from django.urls import reverse

from tests import factories as f
from tests.e2e.browser import MARKS, launch, session_cookie

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = MARKS

LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || ""));
});
"""


def visit(live_server, paths, *, cookie=None, checks=None):
    """Open each path; return {path: [violations and console errors]}; `checks[path](page)` runs after loading."""
    seen = {}
    with playwright.sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context()
        if cookie:
            context.add_cookies([cookie])
        page = context.new_page()
        page.add_init_script(LISTEN)
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        try:
            for path in paths:
                errors.clear()
                response = page.goto(live_server.url + path, wait_until="networkidle")
                assert response.status == 200, (path, response.status)
                if checks and path in checks:
                    checks[path](page)
                page.wait_for_timeout(100)
                violations = page.evaluate("window.__violations")
                seen[path] = violations + [e for e in errors if "Content Security Policy" in e]
        finally:
            browser.close()
    return seen


def test_public_pages_and_the_menus_script_run_without_a_violation(live_server):
    f.certificate()

    def menu_opens(page):
        page.set_viewport_size({"width": 600, "height": 900})
        page.click(".navbar-toggler")  # Bootstrap's collapse: its script runs
        page.wait_for_selector("#nav.show")

    paths = [reverse("registry:home"), reverse("registry:list"), reverse("registry:stats"), reverse("account_login")]
    seen = visit(live_server, paths, checks={reverse("registry:home"): menu_opens})
    assert seen == {path: [] for path in paths}


def test_the_api_documentation_renders_with_its_scoped_exception(live_server):
    def swagger_ui_ran(page):
        page.wait_for_selector(".swagger-ui .info .title", timeout=10000)

    path = reverse("api:docs")
    assert visit(live_server, [path], checks={path: swagger_ui_ran}) == {path: []}


def test_the_admins_javascript_runs_under_the_policy(live_server, administrator, provider):
    cookie = session_cookie(administrator, live_server.url, mfa=True)

    def a_shareholder_row_is_added(page):
        # inlines.js: the admin's JavaScript, reading its data from data- attributes, adds a row on click.
        rows = page.locator("tr[class*='dynamic-']")
        before = rows.count()
        page.locator(".add-row a").first.click()
        playwright.expect(rows).to_have_count(before + 1)

    change = reverse("admin:registry_provider_change", args=[provider.pk])
    paths = [
        reverse("admin:index"),
        reverse("admin:registry_provider_changelist"),
        reverse("admin:registry_provider_add"),
        change,
        reverse("admin:registry_auditevent_changelist"),
    ]
    seen = visit(live_server, paths, cookie=cookie, checks={change: a_shareholder_row_is_added})
    assert seen == {path: [] for path in paths}


def test_the_portal_runs_without_a_violation(live_server, owner, provider, complete_draft):
    cookie = session_cookie(owner, live_server.url)
    paths = [
        reverse("portal:provider", args=[provider.slug]),
        reverse("portal:dossier", args=[complete_draft.reference]),
        reverse("portal:dossier-documents", args=[complete_draft.reference]),
    ]
    assert visit(live_server, paths, cookie=cookie) == {path: [] for path in paths}
