"""A reviewer works through the agency's workspace with the keyboard alone: no mouse, nothing filled in by script.

From the workspace's home, with Tab, Shift+Tab, Enter and the arrow keys: a queue's link, the list it opens, a dossier
of it, each part of the dossier's page by the part links, the first move of the summary, then one chapter of the answers,
a finding chosen in its select and saved with the chapter's button, back on the same chapter. Every control that takes
the focus on the way shows it (an outline or a ring, tests/e2e/test_keyboard.py's Keyboard checks after each key).

Debian's Chromium through Playwright's sync API; the ORM is used only outside the sync_playwright() block.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from registry.catalogue.models import Requirement
from registry.qualification.models import Answer, Dossier
from tests import factories as f
from tests.e2e.browser import MARKS, TIMEOUT, launch, session_cookie
from tests.e2e.test_keyboard import Keyboard

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = MARKS

# Where a part's link points: its ?part= value, or the overview's (the page without a query).
PART_OF = "(href) => new URL(href, location.href).searchParams.get('part') || 'overview'"


@pytest.fixture
def in_review(draft, scheme, owner, editor, reviewer, center):
    """A dossier the reviewer instructs, answered in two chapters (19 and 20): saving a finding of the second must
    come back to the second, not to the first chapter."""
    chapter = Requirement.objects.create(scheme=scheme, ref="20", title_en="Exit", title_fr="Réversibilité", position=5)
    for i, title in enumerate(("Data export", "Deletion at the end of the contract")):
        Requirement.objects.create(scheme=scheme, ref=f"20.{i + 1}", parent=chapter, title_en=title, position=6 + i)
    complete = f.complete(draft, owner)
    return f.walk(complete, Dossier.Status.IN_REVIEW, provider_user=editor, reviewer=reviewer, center=center)


def test_a_reviewer_reaches_a_dossier_its_parts_and_its_moves_and_saves_a_finding_with_the_keyboard_alone(
    live_server, reviewer, in_review
):
    dossier = in_review
    deletion = Answer.objects.get(dossier=dossier, requirement__ref="20.2")
    base = live_server.url
    page_url = reverse("admin:registry_dossier_change", args=[dossier.pk])
    cookie = session_cookie(reviewer, base, mfa=True)

    with playwright.sync_playwright() as p:
        browser = launch(p)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.set_default_timeout(TIMEOUT)
            context.add_cookies([cookie])
            page = context.new_page()
            keys = Keyboard(page)
            page.goto(base + reverse("admin:index"))

            # The home's queue of the dossiers in review opens their list; the dossier's reference opens its page.
            keys.tab_to(lambda el: el["text"] == "Mine in review")
            keys.activate()
            assert parse_qs(urlsplit(page.url).query) == {"queue": ["in_review"]}, page.url
            keys.tab_to(lambda el: el["text"] == dossier.reference)
            keys.activate()
            assert urlsplit(page.url).path == page_url, page.url

            # The summary's first move, then each part in turn by its link in the summary.
            first_move = page.locator(".tcr-summary .tcr-moves a.button").first.get_attribute("href")
            keys.tab_to(lambda el: el["href"] == first_move)
            for part in ("documents", "messages", "timeline", "overview", "answers"):
                keys.tab_to(
                    lambda el, part=part: (
                        bool(el["href"])
                        and "tcr-parts" in page.evaluate("document.activeElement.closest('nav')?.className || ''")
                        and page.evaluate(PART_OF, el["href"]) == part
                    )
                )
                keys.activate()
                assert (
                    page.locator(".tcr-parts a[aria-current=page]")
                    .get_attribute("href")
                    .endswith("" if part == "overview" else f"part={part}")
                ), (part, page.url)
            # From the answers, back up the page with Shift+Tab to the summary's first move.
            keys.tab_to(lambda el: el["href"] == first_move, backwards=True)

            # Chapter 20 by its link; 20.2's finding chosen with the arrow keys; the chapter's button saves it.
            keys.tab_to(lambda el: (el["href"] or "").endswith("chapter=20") and el["text"].startswith("20 "))
            keys.activate()
            keys.tab_to(lambda el: el["name"] == f"finding-{deletion.pk}")
            for _ in range(len(Answer.Finding.choices) + 1):
                if page.evaluate("document.activeElement.value") == Answer.Finding.MINOR:
                    break
                keys.press("ArrowDown")
            assert page.evaluate("document.activeElement.value") == Answer.Finding.MINOR
            keys.tab_to(lambda el: el["tag"] == "button" and el["text"] == "Save the findings of chapter 20")
            keys.activate()

            # Back on chapter 20, at the line saved, told so.
            landed = urlsplit(page.url)
            assert parse_qs(landed.query).get("chapter") == ["20"], page.url
            assert landed.fragment == f"answer-{deletion.pk}", page.url
            assert page.locator("#tcr-chapter-title").inner_text().startswith("20 ")
            page.get_by_text("1 finding saved.").wait_for()
        finally:
            browser.close()

    deletion.refresh_from_db()
    assert (deletion.finding, deletion.finding_by) == (Answer.Finding.MINOR, reviewer)
