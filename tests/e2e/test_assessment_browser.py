"""The self-assessment keeps work, in a real browser.

A justification typed and left for the Documents tab (which the page itself points to) is there on the way back: each
answer is saved on its own as the provider goes (static/js/autosave.js), and says so beside it; leaving before the save
asks first and sends it. Without JavaScript, a chapter posted with one answer the form refuses saves the others and
brings the refused one back as typed, with the summary's link to its field. Evidence uploaded from the requirement
itself comes back cited in it.

Debian's Chromium through Playwright's sync API; the ORM is used outside the sync_playwright() block or, in between,
from a worker thread (tests.e2e.test_journey.orm).
"""

import re

import pytest
from django.utils import translation

from registry.catalogue.models import Requirement
from registry.qualification.models import Answer, Document
from registry.qualification.services.documents import document_add
from tests import factories as f
from tests.e2e.browser import MARKS, TIMEOUT, launch, session_cookie
from tests.e2e.test_journey import orm

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = MARKS

SAVED = re.compile(r"\d\d:\d\d")  # "Saved at 10:42" in the page's language: the time the server gives


@pytest.fixture(autouse=True)
def _tasks_inline(monkeypatch):
    # Uploads queue their document check after commit; run it in place, without a broker.
    import trustedcloud.celery

    monkeypatch.setitem(trustedcloud.celery.app.conf, "task_always_eager", True)


def browser_page(p, cookie, *, lang="en", javascript=True, width=1280):
    browser = launch(p)
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        locale={"en": "en-GB", "fr": "fr-FR"}[lang],
        java_script_enabled=javascript,
    )
    context.set_default_timeout(TIMEOUT)
    context.add_cookies([cookie])
    return browser, context.new_page()


def card(page, requirement):
    return page.locator(f"#req-{requirement.pk}")


def choose(page, requirement, status):
    page.locator(f'label[for="id_r{requirement.pk}-status_{status_index(status)}"]').click()


def status_index(status):
    return [value for value, _label in Answer.Status.choices].index(status)


def wait_saved(page, requirement):
    line = card(page, requirement).locator("[data-save-status]")
    page.wait_for_function(
        "(el) => /\\d\\d:\\d\\d/.test(el.textContent) && !el.classList.contains('text-danger')",
        arg=line.element_handle(),
    )
    return line.inner_text()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_justification_typed_then_left_for_the_documents_tab_is_there_on_the_way_back(
    live_server, owner, draft, scheme, lang
):
    first = Requirement.objects.get(scheme=scheme, ref="19.2")
    second = Requirement.objects.get(scheme=scheme, ref="19.6")
    chapter = f"{live_server.url}/portal/dossiers/{draft.reference}/assessment/19/"
    typed = "Data is stored in Roubaix; the backup site is in Strasbourg."
    quick = "Typed just before leaving."
    cookie = session_cookie(owner, live_server.url)
    with playwright.sync_playwright() as p:
        browser, page = browser_page(p, cookie, lang=lang)
        try:
            page.goto(chapter)
            assert page.locator("html").get_attribute("lang") == lang
            assert page.locator("[data-autosave-note]").is_visible()
            choose(page, first, Answer.Status.PARTIALLY_MET)
            page.locator(f"#id_r{first.pk}-justification").fill(typed)
            line = wait_saved(page, first)
            assert SAVED.search(line), line
            status = card(page, first).locator("[data-save-status]")
            assert status.get_attribute("role") == "status" and status.get_attribute("aria-live") == "polite"
            assert "tcr-outcome-pass" in card(page, first).locator("[data-answered]").get_attribute("class")

            # To the Documents tab, and back through the self-assessment's tab: the text is there.
            page.locator(".tcr-steps a[href$='/documents/']").click()
            page.wait_for_url(re.compile(r"/documents/$"))
            page.locator(".tcr-steps a[href*='/assessment/']").click()
            page.wait_for_url(re.compile(r"/assessment/19/$"))
            assert page.locator(f"#id_r{first.pk}-justification").input_value() == typed
            assert page.locator(f"#id_r{first.pk}-status_{status_index(Answer.Status.PARTIALLY_MET)}").is_checked()

            # An answer the server refuses says why beside it, and leaving then asks first.
            choose(page, second, Answer.Status.NOT_MET)
            refusal = card(page, second).locator("[data-save-status].text-danger")
            refusal.wait_for()
            with translation.override(lang):
                why = translation.gettext(
                    "Explain your assessment: a justification is required unless the requirement is met."
                )
            assert " ".join(why.split()) in " ".join(refusal.inner_text().split())
            asked = []

            def on_dialog(dialog):
                asked.append(dialog.type)
                dialog.accept()

            page.on("dialog", on_dialog)
            # Typed and gone at once, before the pause that saves it: leaving asks, and what was typed is sent.
            page.locator(f"#id_r{second.pk}-justification").fill(quick)
            page.locator(".tcr-steps a[href$='/documents/']").click()
            page.wait_for_url(re.compile(r"/documents/$"))
            assert asked == ["beforeunload"], asked
            # The keepalive request is the browser's: it outlives the page it came from.
            for _ in range(50):
                saved = orm(lambda: Answer.objects.filter(dossier=draft, requirement=second).first())
                if saved is not None and saved.justification == quick:
                    break
                page.wait_for_timeout(100)
            page.goto(chapter)
            assert page.locator(f"#id_r{second.pk}-justification").input_value() == quick
        finally:
            browser.close()
    answer = Answer.objects.get(dossier=draft, requirement=first)
    assert (answer.status, answer.justification) == (Answer.Status.PARTIALLY_MET, typed)
    assert Answer.objects.get(dossier=draft, requirement=second).status == Answer.Status.NOT_MET


def test_without_javascript_a_refused_answer_keeps_the_others_saved_and_its_own_text(live_server, owner, draft, scheme):
    first = Requirement.objects.get(scheme=scheme, ref="19.2")
    second = Requirement.objects.get(scheme=scheme, ref="19.6")
    diagram = document_add(dossier=draft, kind="evidence", title="Diagram", uploaded=f.pdf(), by=owner)
    chapter = f"{live_server.url}/portal/dossiers/{draft.reference}/assessment/19/"
    typed = "Partly: the support team in Pune reads no customer data."
    cookie = session_cookie(owner, live_server.url)
    with playwright.sync_playwright() as p:
        browser, page = browser_page(p, cookie, javascript=False)
        try:
            page.goto(chapter)
            assert not page.locator("[data-autosave-note]").is_visible()
            choose(page, first, Answer.Status.PARTIALLY_MET)
            page.locator(f"#id_r{first.pk}-justification").fill(typed)
            card(page, first).locator("summary").click()
            page.locator(f"#id_r{first.pk}-evidence_0").check()
            choose(page, second, Answer.Status.MET)
            # Meanwhile a colleague uploads a new version of the diagram: the version ticked is no longer offered.
            orm(lambda: document_add(dossier=draft, kind="evidence", title="Diagram", uploaded=f.pdf(), by=owner))
            page.get_by_role("button", name="Save this chapter").click()
            page.wait_for_load_state("load")

            summary = page.locator("[data-error-summary]")
            assert summary.is_visible()
            link = summary.locator(f'a[href="#id_r{first.pk}-evidence_0"]')
            assert link.count() == 1, summary.inner_text()
            assert "1 answer saved." in page.locator("body").inner_text()
            # The refused answer comes back as typed, its choice kept; the other one is saved and says so.
            assert page.locator(f"#id_r{first.pk}-justification").input_value() == typed
            assert page.locator(f"#id_r{first.pk}-status_{status_index(Answer.Status.PARTIALLY_MET)}").is_checked()
            assert "tcr-outcome-pass" in card(page, second).locator("[data-answered]").get_attribute("class")
            link.click()
            assert page.evaluate("document.activeElement.id") == f"id_r{first.pk}-evidence_0"
        finally:
            browser.close()
    assert Answer.objects.get(dossier=draft, requirement=second).status == Answer.Status.MET
    assert not Answer.objects.filter(dossier=draft, requirement=first).exists()
    assert diagram.pk


def test_evidence_uploaded_from_the_requirement_comes_back_cited_in_it(live_server, owner, draft, scheme):
    first = Requirement.objects.get(scheme=scheme, ref="19.2")
    chapter = f"{live_server.url}/portal/dossiers/{draft.reference}/assessment/19/"
    cookie = session_cookie(owner, live_server.url)
    with playwright.sync_playwright() as p:
        browser, page = browser_page(p, cookie)
        try:
            page.goto(chapter)
            choose(page, first, Answer.Status.MET)
            wait_saved(page, first)
            card(page, first).get_by_role("link", name=re.compile("Upload evidence")).click()
            page.wait_for_url(re.compile(r"/documents/\?for=\d+#upload$"))
            form = page.locator("#upload-form")
            assert form.locator("input[name=title]").input_value() == str(first)
            form.locator("input[type=file]").set_input_files(
                {"name": "diagram.pdf", "mimeType": "application/pdf", "buffer": f.PDF_BYTES}
            )
            form.locator("[data-upload-submit]").click()
            page.wait_for_url(re.compile(rf"/assessment/19/#req-{first.pk}$"))
            box = page.locator(f"input[name='r{first.pk}-evidence']")
            assert box.count() == 1 and box.first.is_checked()
        finally:
            browser.close()
    answer = Answer.objects.get(dossier=draft, requirement=first)
    assert answer.status == Answer.Status.MET
    assert list(answer.evidence.all()) == [Document.objects.get(dossier=draft, title=str(first))]


def test_an_answer_saved_after_the_chapter_refused_it_is_no_longer_called_invalid(live_server, owner, draft, scheme):
    first = Requirement.objects.get(scheme=scheme, ref="19.2")
    chapter = f"{live_server.url}/portal/dossiers/{draft.reference}/assessment/19/"
    cookie = session_cookie(owner, live_server.url)
    with playwright.sync_playwright() as p:
        browser, page = browser_page(p, cookie)
        try:
            page.goto(chapter)
            choose(page, first, Answer.Status.NOT_MET)
            page.locator(".tcr-save-bar button:not([name])").click()
            page.wait_for_load_state("load")
            field = page.locator(f"#id_r{first.pk}-justification")
            assert field.get_attribute("aria-invalid") == "true"
            badge = page.locator("[data-chapter-left]")
            assert badge.inner_text() == "2 left in this chapter"
            field.fill("Not yet: the second site opens in June.")
            wait_saved(page, first)
            assert badge.inner_text() == "1 left in this chapter"  # the chapter's count follows the saves
            assert card(page, first).locator("[aria-invalid], .is-invalid, .invalid-feedback").count() == 0
            described = field.get_attribute("aria-describedby") or ""
            assert "_error" not in described, described
        finally:
            browser.close()
    assert (
        Answer.objects.get(dossier=draft, requirement=first).justification == "Not yet: the second site opens in June."
    )
