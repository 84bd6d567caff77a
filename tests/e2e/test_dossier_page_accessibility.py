"""Accessibility of the dossier's page in the agency's workspace, each of its parts, and the move pages (the committee's
with their brief), checked by axe-core in Chromium, in English and in French, as tests/e2e/test_accessibility.py
checks the public pages and the portal (the helpers are in tests/e2e/a11y_pages.py)."""

import shutil

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from registry.qualification.models import Answer, Dossier
from registry.qualification.services import dossiers as svc
from registry.qualification.services.answers import answer_save
from registry.qualification.services.dossiers import dossier_create
from registry.qualification.workflow import COMMITTEE
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

S = Dossier.Status
PARTS = ("overview", "answers", "documents", "messages", "timeline")


@pytest.fixture(autouse=True)
def _tasks_inline(monkeypatch):
    # The registry built here queues notifications and checks after commit; run them in place, without a broker.
    import trustedcloud.celery

    monkeypatch.setitem(trustedcloud.celery.app.conf, "task_always_eager", True)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_dossier_page_parts_and_move_pages_have_no_serious_accessibility_violation(live_server, lang):
    assert AXE.exists(), f"{AXE} is missing: run `npm ci` (make test does)"
    world = a_registry()
    reviewer = get_user_model().objects.get(email="reviewer@agency.test")
    owner, provider, center = world["owner"], world["provider"], f.evaluation_center(name="CESTI Lyon")
    committee = f.user(email="committee@agency.test", groups=[COMMITTEE], first_name="Claude", last_name="Committee")

    # The resubmitted dossier: a changed answer, findings (one internal), back with its reviewer.
    resubmitted = world["dossier"]
    line = Answer.objects.select_related("requirement").filter(dossier=resubmitted).order_by("requirement__position")
    answer_save(
        dossier=resubmitted, requirement=line[1].requirement, by=owner, status="partially_met", justification="By June."
    )
    svc.dossier_declare(
        dossier=resubmitted,
        by=owner,
        signatory_name="Claire Martin",
        signatory_capacity="Chief executive officer",
        listed_in_process_consent=False,
    )
    resubmitted = svc.dossier_resubmit(dossier=resubmitted, by=owner)
    svc.answer_record_finding(answer=line[0], by=reviewer, finding="minor", note="Name the backup site.")
    svc.answer_record_finding(answer=line[1], by=reviewer, finding="major", note="Doubt.", internal=True)

    def walked(name, to):
        service = f.service(provider, name=name, slug=name.lower().replace(" ", "-"))
        f.eu_sites(service)
        d = f.complete(dossier_create(service=service, scheme=resubmitted.scheme, by=owner), owner)
        return f.walk(d, to, provider_user=owner, reviewer=reviewer, center=center)

    without_report = walked("Nuage Backup", S.EVALUATION)
    with_report = walked("Nuage Files", S.EVALUATION)
    f.evaluated(with_report, reviewer=reviewer)
    in_review = walked("Nuage Mail", S.IN_REVIEW)
    at_decision = walked("Nuage Archive", S.DECISION)

    reviewer_cookie = session_cookie(reviewer, live_server.url, mfa=True)
    committee_cookie = session_cookie(committee, live_server.url, mfa=True)

    def steps(browser):
        def page(d, part, **params):
            query = "&".join(f"{k}={v}" for k, v in params.items())
            return (
                reverse("admin:registry_dossier_change", args=[d.pk]) + f"?part={part}" + (f"&{query}" if query else "")
            )

        def move(d, action):
            return reverse("admin:registry_dossier_move", args=[d.pk, action])

        desk = Audit(browser, live_server.url, lang, [reviewer_cookie])
        for part in PARTS:
            desk.visit(f"dossier page: {part}", page(resubmitted, part))
        desk.visit("dossier page: answers, findings open", page(resubmitted, "answers", filter="findings"))
        desk.visit("dossier page: answers, changed since the request", page(resubmitted, "answers", filter="changed"))
        desk.visit("dossier history", reverse("admin:registry_dossier_history", args=[resubmitted.pk]))
        desk.visit("move: request changes (from the open findings)", move(resubmitted, "request_changes"))
        desk.visit("dossier page: overview, the report to upload", page(without_report, "overview"))
        desk.visit("move: send to decision (report missing)", move(without_report, "report"))
        desk.visit("move: send to decision (the recommendation)", move(with_report, "report"))
        desk.visit("move: admit", move(in_review, "admit"))

        committee_desk = Audit(browser, live_server.url, lang, [committee_cookie])
        for action in ("qualify", "reject", "send_back"):
            committee_desk.visit(f"move: {action} (with the brief)", move(at_decision, action))
        committee_desk.visit("dossier page at decision: overview", page(at_decision, "overview"))
        return [desk, committee_desk]

    run(live_server, lang, "Dossier page and moves", "dossier-page", steps)
