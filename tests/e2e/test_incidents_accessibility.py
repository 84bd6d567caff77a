"""Accessibility of the incidents and suspension proposals in the agency's workspace: the incident list (and a filter),
an incident's page, the proposal's form (and its error), the certificate's page with a proposal pending, and the
dismissal's form, checked by axe-core in Chromium, in English and in French (helpers in tests/e2e/a11y_pages.py). The
portal's incident pages are audited with the other portal pages in test_accessibility.py."""

import datetime
import shutil

import pytest
from django.urls import reverse
from django.utils import timezone

from registry.certificates.incidents import incident_report
from registry.qualification.workflow import COMMITTEE, REVIEWERS
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
    # The registry built here queues notifications and checks after commit; run them in place, without a broker.
    import trustedcloud.celery

    monkeypatch.setitem(trustedcloud.celery.app.conf, "task_always_eager", True)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_incidents_and_proposals_have_no_serious_accessibility_violation(live_server, lang):
    assert AXE.exists(), f"{AXE} is missing: run `npm ci` (make test does)"
    world = a_registry()
    qualified, owner = world["qualified"], world["owner"]
    incident = f.incident(qualified, owner, sovereignty_affected=True, documents=[("SOC alert", f.pdf())])
    incident_report(incident=incident, by=owner, stage="ongoing", body="Access from outside the EU confirmed.")
    closed = f.incident(qualified, owner, title="Support desk outage")
    incident_report(
        incident=closed,
        by=owner,
        stage="final",
        body="Restored.",
        ended_at=timezone.now() - datetime.timedelta(minutes=5),
    )
    reviewer = f.user(email="rita@agency.test", groups=[REVIEWERS], first_name="Rita", last_name="Reviewer")
    committee = f.user(email="committee@agency.test", groups=[COMMITTEE], first_name="Claude", last_name="Committee")
    reviewer_cookie = session_cookie(reviewer, live_server.url, mfa=True)
    committee_cookie = session_cookie(committee, live_server.url, mfa=True)
    incidents = reverse("admin:registry_incident_changelist")
    propose = reverse("admin:registry_incident_propose_suspension", args=[incident.pk])

    def steps(browser):
        desk = Audit(browser, live_server.url, lang, [reviewer_cookie])
        desk.visit("incident list", incidents)
        desk.visit("incident list: open, sovereignty affected", f"{incidents}?open=yes&sovereignty_affected__exact=1")
        desk.visit("incident page", reverse("admin:registry_incident_change", args=[incident.pk]))
        desk.visit("propose a suspension", propose)
        desk.page.evaluate("document.querySelector('main form').noValidate = true")
        desk.submit("propose a suspension, refused (no reason)", to=propose)
        desk.page.fill("#id_reason", "Administration reached from outside the EU.")
        desk.submit("proposed: back on the incident")
        committee_desk = Audit(browser, live_server.url, lang, [committee_cookie])
        committee_desk.visit("home with proposals and incidents", reverse("admin:index"))
        committee_desk.visit(
            "certificate page with a proposal", reverse("admin:registry_certificate_change", args=[qualified.pk])
        )
        committee_desk.visit(
            "dismiss the proposal", reverse("admin:registry_certificate_dismiss_proposal", args=[qualified.pk])
        )
        return [desk, committee_desk]

    run(live_server, lang, "Incidents and suspension proposals", "workspace-incidents", steps)
