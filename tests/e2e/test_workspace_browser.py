"""The agency's workspace in Chromium: the dossier list fits a 1280x800 screen (every column in view, nothing to
scroll sideways), and the home and the list have no serious accessibility violation, in English and in French.

Debian's Chromium through Playwright against pytest-django's live server, as the other browser tests
(tests/e2e/browser.py; the axe audit's helpers are in tests/e2e/a11y_pages.py)."""

import shutil

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from registry.qualification.models import Dossier, DossierEvent, Message
from registry.qualification.workflow import COMMITTEE, REVIEWERS
from tests import factories as f
from tests.e2e.a11y_pages import AXE, Audit, a_registry, run
from tests.e2e.browser import MARKS, launch, session_cookie

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = [
    *MARKS,
    pytest.mark.skipif(
        not AXE.exists() and shutil.which("npm") is None, reason="needs axe-core: install Node and npm, then npm ci"
    ),
]

S = Dossier.Status
LANGS = pytest.mark.parametrize("lang", ["en", "fr"])

# The list's table against the width it is given, and where each column's heading ends.
MEASURE = """
() => {
  const results = document.querySelector("#changelist .results");
  return {
    pageScroll: document.documentElement.scrollWidth, pageWidth: document.documentElement.clientWidth,
    tableScroll: results.scrollWidth, tableWidth: results.clientWidth,
    columns: [...document.querySelectorAll("#result_list thead th")].map((th) => ({
      text: th.innerText.trim(), left: th.getBoundingClientRect().left, right: th.getBoundingClientRect().right,
    })),
    rows: document.querySelectorAll("#result_list tbody tr").length,
  };
}
"""


@pytest.fixture(autouse=True)
def _tasks_inline(monkeypatch):
    # The registry built here queues notifications and checks after commit; run them in place, without a broker.
    import trustedcloud.celery

    monkeypatch.setitem(trustedcloud.celery.app.conf, "task_always_eager", True)


def a_reviewers_desk():
    """a_registry() and a reviewer on the committee too, instructing dossiers with long names in several statuses,
    with a provider's unread messages: the widest rows the list shows."""
    world = a_registry()
    person = f.user(email="rita.both@agency.test", groups=[REVIEWERS, COMMITTEE], first_name="Rita", last_name="Both")
    provider = f.provider(legal_name="Société Européenne d’Hébergement Souverain et de Services Numériques SAS")
    writer = f.member(provider, "owner", email="contact@hebergement-souverain.test")
    scheme = world["qualified"].scheme
    for i, status in enumerate((S.IN_REVIEW, S.CHANGES_REQUESTED, S.EVALUATION, S.IN_REVIEW, S.EVALUATION)):
        service = f.service(provider, name=f"Plateforme de conteneurs managés haute disponibilité {i}")
        d = f.dossier(service, scheme, status=status, instructing_reviewer=person)
        DossierEvent.objects.create(dossier=d, action="take", actor=person, created_at=timezone.now())
        Message.objects.create(dossier=d, author=writer, body="Voici les pièces demandées.")
    f.dossier(f.service(provider, name="Stockage objet"), scheme, status=S.SUBMITTED)
    world["person"] = person
    return world


@LANGS
def test_the_dossier_list_fits_1280_by_800_without_scrolling_sideways(live_server, lang):
    world = a_reviewers_desk()
    cookie = session_cookie(world["person"], live_server.url, mfa=True)
    with playwright.sync_playwright() as p:
        browser = launch(p)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800}, locale=lang)
            context.add_cookies(
                [{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": live_server.url}, cookie]
            )
            page = context.new_page()
            page.goto(live_server.url + reverse("admin:registry_dossier_changelist"))
            measured = page.evaluate(MEASURE)
        finally:
            browser.close()
    assert measured["rows"] == 5, measured  # the person's own open dossiers
    assert measured["pageScroll"] <= measured["pageWidth"], measured
    assert measured["tableScroll"] <= measured["tableWidth"], measured
    headings = [c["text"] for c in measured["columns"]]
    assert len(headings) == 7 and all(headings), headings
    for column in measured["columns"]:
        assert column["left"] >= 0 and column["right"] <= 1280, column


@LANGS
def test_the_workspace_home_and_list_have_no_serious_accessibility_violation(live_server, lang):
    world = a_reviewers_desk()
    cookie = session_cookie(world["person"], live_server.url, mfa=True)
    changelist = reverse("admin:registry_dossier_changelist")

    def steps(browser):
        audit = Audit(browser, live_server.url, lang, [cookie])
        audit.visit("admin:index (workspace home)", reverse("admin:index"))
        audit.page.locator(".tcr-reference summary").click()
        audit.check("admin:index (reference data open)")
        audit.visit("admin:registry_dossier_changelist (mine, open)", changelist)
        for key in ("to_take", "answered", "decision", "all"):
            audit.visit(f"admin:registry_dossier_changelist ({key})", f"{changelist}?queue={key}")
        return [audit]

    run(live_server, lang, "Agency workspace", "workspace", steps)
