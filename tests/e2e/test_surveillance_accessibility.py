"""Accessibility of the workspace's surveillance and condition pages: the audits' list and its "past grace" filter, an
audit's page with the instructing reviewer's forms (and the outcome refused with its reason), the conditions' list, a
condition's page with the reviewer's moves, and the certificate's page with its plan and conditions; checked by axe-core
in Chromium, in English and in French (helpers in tests/e2e/a11y_pages.py)."""

import shutil

import pytest
from django.urls import reverse

from registry.catalogue.models import EvaluationCenter
from registry.certificates.models import Condition, SurveillanceAudit
from registry.qualification.workflow import REVIEWERS
from tests import factories as f
from tests.e2e.a11y_pages import AXE, Audit, a_registry, run
from tests.e2e.browser import MARKS, session_cookie

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = [
    *MARKS,
    pytest.mark.skipif(
        not AXE.exists() and shutil.which("npm") is None, reason="needs axe-core: install Node and npm, then npm ci"
    ),
]


@pytest.fixture(autouse=True)
def _tasks_inline(monkeypatch):
    import trustedcloud.celery

    monkeypatch.setitem(trustedcloud.celery.app.conf, "task_always_eager", True)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_surveillance_and_condition_pages_have_no_serious_accessibility_violation(live_server, lang):
    assert AXE.exists(), f"{AXE} is missing: run `npm ci` (make test does)"
    world = a_registry()
    qualified = world["qualified"]
    reviewer = f.user(email="rita@agency.test", groups=[REVIEWERS], first_name="Rita", last_name="Reviewer")
    center = EvaluationCenter.objects.first() or f.evaluation_center()
    upcoming = SurveillanceAudit.objects.get(certificate=qualified, sequence=2)
    SurveillanceAudit.objects.filter(pk=upcoming.pk).update(evaluation_center=center, reviewer=reviewer)
    condition = Condition.objects.get(certificate=qualified)
    Condition.objects.filter(pk=condition.pk).update(state="answered", response="Retention set to twelve months.")
    cookie = session_cookie(reviewer, live_server.url, mfa=True)
    audits = reverse("admin:registry_surveillanceaudit_changelist")

    def steps(browser):
        desk = Audit(browser, live_server.url, lang, [cookie])
        desk.visit("surveillance audits", audits)
        desk.visit("surveillance audits: past grace", f"{audits}?state=past_grace")
        desk.visit(
            "surveillance audit (instructing)", reverse("admin:registry_surveillanceaudit_change", args=[upcoming.pk])
        )
        # The browser's own checks set aside, so that the server's messages come back beside the fields.
        desk.page.evaluate("document.querySelector(\"form[action$='/outcome/']\").noValidate = true")
        with desk.page.expect_navigation():
            desk.page.locator("form[action$='/outcome/'] [type=submit]").click()
        desk.check("surveillance audit: outcome refused")
        desk.visit("conditions", reverse("admin:registry_condition_changelist"))
        desk.visit("condition (answered)", reverse("admin:registry_condition_change", args=[condition.pk]))
        desk.visit("certificate page (plan)", reverse("admin:registry_certificate_change", args=[qualified.pk]))
        return [desk]

    run(live_server, lang, "Surveillance and conditions", "workspace-surveillance", steps)
