"""A provider files a dossier with the keyboard alone: no mouse, no pointer, nothing filled in by script.

From a draft whose documents are uploaded, the provider answers a chapter of the self-assessment, gets an error and
corrects it, signs the declaration (after forgetting to tick it) and submits, with Tab, Shift+Tab, the arrow keys,
Space, Enter and typing. On the way: the first Tab reaches the skip link and Enter on it takes the next Tab into the
page's main content; every control that takes the focus shows it (an outline or a ring); a field in error says so to
assistive technology (aria-invalid) and points at its message (aria-describedby).

Debian's Chromium through Playwright's sync API; the ORM is used only outside the sync_playwright() block.
"""

import re

import pytest

from registry.qualification.models import Answer, Dossier
from registry.qualification.services.documents import document_add
from tests import factories as f
from tests.e2e.browser import MARKS, TIMEOUT, launch, session_cookie

playwright = pytest.importorskip("playwright.sync_api")
# More Tabs than any page of the portal has stops: a target never reached fails instead of looping.
MAX_TABS = 120

pytestmark = MARKS

# What has the focus, and whether it shows: a visually hidden radio (Bootstrap's .btn-check) shows it on its label.
FOCUSED = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {tag: "body", id: "", name: null, href: null, text: "", inMain: false};
  const shown = el.matches(".btn-check") ? document.querySelector(`label[for="${el.id}"]`) : el;
  const style = getComputedStyle(shown);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const ring = style.boxShadow !== "none";
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    name: el.getAttribute("name"),
    type: el.getAttribute("type"),
    value: el.value === undefined ? null : el.value,
    checked: !!el.checked,
    href: el.getAttribute("href"),
    text: (el.innerText || "").trim().replace(/\\s+/g, " ").slice(0, 80),
    inMain: !!document.getElementById("main")?.contains(el),
    visible: outline || ring,
    style: `outline: ${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}; box-shadow: ${style.boxShadow}`,
  };
}
"""

# A field's error as assistive technology gets it: aria-invalid, and the text of what aria-describedby points at.
FIELD_ERROR = """
(id) => {
  const field = document.getElementById(id);
  const described = (field.getAttribute("aria-describedby") || "").split(/\\s+/).filter(Boolean);
  return {
    invalid: field.getAttribute("aria-invalid"),
    description: described.map((ref) => document.getElementById(ref)?.textContent || `(no element #${ref})`).join(" "),
  };
}
"""


class Keyboard:
    """Presses keys and checks, after each one, that whatever took the focus shows it."""

    def __init__(self, page):
        self.page = page

    def press(self, key):
        self.page.keyboard.press(key)
        focused = self.page.evaluate(FOCUSED)
        if focused["tag"] != "body":
            assert focused["visible"], f"no visible focus after {key} on {self.page.url}: {focused}"
        return focused

    def tab_to(self, wanted, *, backwards=False):
        """Tab (or Shift+Tab) until the focused element matches `wanted`; every stop on the way is checked."""
        visited = []
        for _ in range(MAX_TABS):
            focused = self.press("Shift+Tab" if backwards else "Tab")
            if wanted(focused):
                return focused
            visited.append(focused.get("id") or focused.get("name") or focused.get("href") or focused.get("text"))
        raise AssertionError(f"never reached the control on {self.page.url}; went through {visited}")

    def activate(self, key="Enter"):
        """A key that submits a form or follows a link: returns once the next page has loaded."""
        with self.page.expect_navigation():
            self.page.keyboard.press(key)


def field_error(page, field_id):
    return page.evaluate(FIELD_ERROR, field_id)


@pytest.fixture
def documented_draft(draft, owner):
    """A draft with its required documents checked, no answer and no declaration yet."""
    for kind in draft.scheme.required_document_kinds:
        f.checked(document_add(dossier=draft, kind=kind, title=f"Document {kind}", uploaded=f.pdf(), by=owner))
    return draft


def test_a_provider_files_a_dossier_with_the_keyboard_alone(live_server, owner, documented_draft):
    dossier = documented_draft
    first, second = dossier.scheme.requirements.filter(ref__in=["19.2", "19.6"]).order_by("ref")
    cookie = session_cookie(owner, live_server.url)
    base = live_server.url
    overview = f"{base}/portal/dossiers/{dossier.reference}/"
    chapter = f"{overview}assessment/19/"

    with playwright.sync_playwright() as p:
        browser = launch(p)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.set_default_timeout(TIMEOUT)
            context.add_cookies([cookie])
            page = context.new_page()
            keys = Keyboard(page)
            page.goto(chapter)

            # The first Tab reaches the skip link, shown; Enter on it sends the next Tab into the main content.
            skip = keys.press("Tab")
            assert skip["href"] == "#main" and skip["text"] == "Skip to content", skip
            page.keyboard.press("Enter")
            page.wait_for_url(re.compile(r"#main$"))
            assert keys.press("Tab")["inMain"], "the Tab after the skip link did not land in the main content"

            # 19.2 "not met" without a justification (arrow keys move through a radio group and choose), 19.6 "met".
            keys.tab_to(lambda el: el["name"] == f"r{first.pk}-status")
            for _ in range(len(Answer.Status.choices)):
                if page.evaluate("document.activeElement.value") == Answer.Status.NOT_MET:
                    break
                keys.press("ArrowRight")
            assert page.evaluate("document.activeElement.checked"), "the arrow keys did not choose the answer"
            keys.tab_to(lambda el: el["name"] == f"r{second.pk}-status")
            keys.press("Space")
            assert page.evaluate("[document.activeElement.value, document.activeElement.checked]") == ["met", True]
            keys.tab_to(lambda el: el["tag"] == "button" and el["text"] == "Save this chapter")
            keys.activate()

            # The missing justification is tied to its field; the provider types it and saves again.
            justification = f"id_r{first.pk}-justification"
            error = field_error(page, justification)
            assert error["invalid"] == "true", error
            assert "a justification is required unless the requirement is met" in error["description"], error
            keys.tab_to(lambda el: el["id"] == justification)
            page.keyboard.type("Backups are replicated to a second site in the EU only from next year.")
            keys.tab_to(lambda el: el["tag"] == "button" and el["text"] == "Save this chapter")
            keys.activate()
            page.get_by_text("Chapter complete").first.wait_for()

            # To the declaration through the dossier's steps, back up the page with Shift+Tab.
            keys.tab_to(lambda el: (el["href"] or "").endswith("/declaration/"), backwards=True)
            keys.activate()
            page.wait_for_url(re.compile(r"/declaration/$"))

            # The signatory's name and capacity, then signing without ticking the box: the error is tied to the box.
            keys.tab_to(lambda el: el["id"] == "id_signatory_name")
            page.keyboard.type("Claire Martin")
            keys.tab_to(lambda el: el["id"] == "id_signatory_capacity")
            page.keyboard.type("Chief executive officer")
            sign = lambda el: el["tag"] == "button" and el["text"] == "Sign and continue"  # noqa: E731
            keys.tab_to(sign)
            keys.activate()
            error = field_error(page, "id_declare")
            assert error["invalid"] == "true", error
            assert "Tick the declaration to sign it." in error["description"], error
            keys.tab_to(lambda el: el["id"] == "id_declare")
            keys.press("Space")
            assert page.evaluate("document.activeElement.checked")
            keys.tab_to(sign)
            keys.activate()
            page.wait_for_url(overview + "#submission")

            # Submission, with a note for the reviewers.
            keys.tab_to(lambda el: el["name"] == "comment")
            page.keyboard.type("Filed with the keyboard alone.")
            keys.tab_to(lambda el: el["tag"] == "button" and el["text"] == "Submit the dossier")
            keys.activate()
            page.get_by_text(f"Dossier {dossier.reference} submitted").wait_for()
        finally:
            browser.close()

    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.SUBMITTED
    assert dossier.declared_by == owner
    assert dict(dossier.answers.values_list("requirement__ref", "status")) == {
        "19.2": Answer.Status.NOT_MET,
        "19.6": Answer.Status.MET,
    }
    assert dossier.events.filter(action="submit", comment="Filed with the keyboard alone.").exists()
