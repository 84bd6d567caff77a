"""Sites and third parties are added in one page, in a real browser (static/js/formset.js).

"Add another site" copies the empty row, counts it in TOTAL_FORMS, moves the focus to its first field and says so in a
live region; "Remove" hides a row and ticks its DELETE box. Five sites and a third party are one save; the page stays
compact; at 390 px nothing scrolls sideways. Without JavaScript the page offers empty rows and a "Remove" box per row.

Debian's Chromium through Playwright's sync API; the ORM is used outside the sync_playwright() block.
"""

import pytest

from registry.providers.models import Site, ThirdParty
from tests import factories as f
from tests.e2e.browser import MARKS, TIMEOUT, launch, session_cookie

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = MARKS

SITES = [
    ("storage", "FR", "Paris"),
    ("processing", "FR", "Lyon"),
    ("administration", "DE", "Berlin"),
    ("technical_data", "FR", "Lille"),
    ("support", "BE", "Brussels"),
]


def open_page(p, cookie, url, *, lang="en", width=1280, javascript=True):
    browser = launch(p)
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        locale={"en": "en-GB", "fr": "fr-FR"}[lang],
        java_script_enabled=javascript,
    )
    context.set_default_timeout(TIMEOUT)
    context.add_cookies([cookie])
    page = context.new_page()
    page.goto(url)
    return browser, page


def fill_site(page, index, role, country, city):
    page.locator(f"select[name='sites-{index}-role']").select_option(role)
    page.locator(f"select[name='sites-{index}-country']").select_option(country)
    page.locator(f"input[name='sites-{index}-city']").fill(city)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_five_sites_and_a_third_party_are_added_in_one_page_and_one_save(live_server, provider, editor, lang):
    service = f.service(provider, name="Nuage Storage")
    url = f"{live_server.url}/portal/{provider.slug}/services/{service.slug}/"
    cookie = session_cookie(editor, live_server.url)
    with playwright.sync_playwright() as p:
        browser, page = open_page(p, cookie, url, lang=lang)
        try:
            sites = page.locator("[data-formset][data-prefix=sites]")
            add = sites.locator("[data-formset-add]")
            assert add.is_visible()
            rows = sites.locator("[data-formset-row]:visible")
            assert rows.count() == 3  # the extra rows a browser without script also gets
            # The script's "Remove" replaces the box.
            assert sites.locator("[data-formset-remove]:visible").count() == 3
            assert sites.locator("[data-formset-delete-box]:visible").count() == 0
            for i, (role, country, city) in enumerate(SITES[:3]):
                fill_site(page, i, role, country, city)
            for i, (role, country, city) in enumerate(SITES[3:], start=3):
                add.click()
                # The new row's first field has the focus and the live region says a row was added.
                assert page.evaluate("document.activeElement.name") == f"sites-{i}-role"
                sites.locator("[data-formset-status]").filter(has_text=add.get_attribute("data-added")).wait_for()
                fill_site(page, i, role, country, city)
            assert sites.locator("input[name='sites-TOTAL_FORMS']").input_value() == "5"

            # One row too many, removed: hidden, ticked for deletion, the focus back on "Add another".
            add.click()
            fill_site(page, 5, "storage", "US", "Ashburn")
            sites.locator("[data-formset-row]").nth(5).locator("[data-formset-remove]").click()
            assert not sites.locator("[data-formset-row]").nth(5).is_visible()
            assert page.locator("input[name='sites-5-DELETE']").is_checked()
            assert page.evaluate("document.activeElement.hasAttribute('data-formset-add')")

            third = page.locator("[data-formset][data-prefix=third]")
            third.locator("input[name='third-0-name']").fill("Colo SA")
            third.locator("select[name='third-0-kind']").select_option("hosting")
            third.locator("select[name='third-0-country_of_control']").select_option("FR")
            third.locator("textarea[name='third-0-autonomy_evidence']").fill("Two alternative suppliers.")

            # Compact: six site rows and two third-party rows well under the 4,200 px the issue measured.
            height = page.evaluate("document.documentElement.scrollHeight")
            assert height < 3300, height
            page.locator("main form button[name=continue]").click()
            page.wait_for_url(f"**/portal/dossiers/new/{service.slug}/")
        finally:
            browser.close()
    assert sorted(Site.objects.filter(service=service).values_list("city", flat=True)) == sorted(c for *_, c in SITES)
    assert list(ThirdParty.objects.filter(service=service).values_list("name", flat=True)) == ["Colo SA"]


def test_at_390_px_the_rows_reflow_without_sideways_scrolling(live_server, provider, editor, service):
    url = f"{live_server.url}/portal/{provider.slug}/services/{service.slug}/"
    cookie = session_cookie(editor, live_server.url)
    with playwright.sync_playwright() as p:
        browser, page = open_page(p, cookie, url, lang="fr", width=390)
        try:
            page.locator("[data-formset][data-prefix=sites] [data-formset-add]").click()
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, overflow
        finally:
            browser.close()


def test_without_javascript_the_rows_are_there_and_each_has_a_remove_box(live_server, provider, editor, service):
    url = f"{live_server.url}/portal/{provider.slug}/services/{service.slug}/"
    cookie = session_cookie(editor, live_server.url)
    with playwright.sync_playwright() as p:
        browser, page = open_page(p, cookie, url, javascript=False)
        try:
            sites = page.locator("[data-formset][data-prefix=sites]")
            assert not sites.locator("[data-formset-add]").is_visible()
            boxes = sites.locator("[data-formset-rows] [data-formset-delete-box]")
            assert boxes.count() == sites.locator("[data-formset-rows] [data-formset-row]").count()
            assert boxes.first.is_visible()
        finally:
            browser.close()
