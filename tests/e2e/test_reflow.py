"""Reflow (WCAG 1.4.10): the main pages fit a window 320 CSS px wide without scrolling sideways, in English and in
French, and on a phone a provider's page starts on the first screen: the organisation's sections and the dossier's steps
fold behind a button instead of filling the screen before the content. Debian's Chromium through Playwright against
the live server, on the registry the accessibility audit uses (tests/e2e/a11y_pages.py)."""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.e2e.a11y_pages import a_registry
from tests.e2e.browser import MARKS, TIMEOUT, launch, session_cookie

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = MARKS

WIDTH = 320  # CSS px: WCAG 1.4.10's width, a 1280 px window zoomed to 400 %
FIRST_SCREEN = 600  # CSS px from the top within which a portal page's own content starts on a 390 x 844 phone

MEASURE = """
() => {
  const over = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > window.innerWidth + 0.5 && getComputedStyle(el).position !== "absolute") {
      over.push(el.tagName.toLowerCase() + "." + [...el.classList].join(".") + " «" + (el.textContent || "").trim().slice(0, 40) + "» " + Math.round(box.right));
    }
  }
  // A dossier page's own content starts with the agency's request for changes, if any, or the step's part; an
  // organisation's page with its page column; the others with their heading.
  const content = document.querySelector("section[aria-labelledby=change-request-title], .tcr-dossier-part")
    || document.querySelector(".tcr-page") || document.querySelector("main h1");
  return {
    width: document.documentElement.scrollWidth,
    over: over.slice(-4),
    menuFolded: getComputedStyle(document.querySelector(".navbar-toggler")).display !== "none",
    // The blue bar's height: one row of links is under 4.5 rem.
    barHeight: Math.round(document.querySelector(".tcr-navbar").getBoundingClientRect().height),
    content: content ? Math.round(content.getBoundingClientRect().top + window.scrollY) : null,
  };
}
"""


@pytest.fixture(autouse=True)
def _tasks_inline(monkeypatch):
    # The registry built here queues notifications and checks after commit; run them in place, without a broker.
    import trustedcloud.celery

    monkeypatch.setitem(trustedcloud.celery.app.conf, "task_always_eager", True)


def public_pages(world):
    r = lambda name, *args: reverse(f"registry:{name}", args=args)  # noqa: E731
    return [
        r("home"),
        r("apply"),
        r("list"),
        r("list") + "?q=autre",  # certified, in process and providers found
        r("in-process"),
        r("providers"),
        r("provider", world["provider"].slug),
        r("service", world["compute"].slug),
        r("service", world["suspended"].service.slug),
        r("verify"),
        r("verify-number", world["qualified"].number),
        r("stats"),
        reverse("account_login"),
        reverse("account_signup"),
    ]


def portal_pages(world):
    slug, ref = world["provider"].slug, world["dossier"].reference
    r = lambda name, *args: reverse(f"portal:{name}", args=args)  # noqa: E731
    return [
        r("home"),
        r("provider", slug),
        r("provider-edit", slug),
        r("ownership", slug),
        r("dossier", ref),
        r("dossier-assessment", ref, world["chapters"][0]),
        r("dossier-documents", ref),
    ]


def measure(browser, base, lang, paths, cookies=(), phone=False, width=WIDTH):
    """{path: its width, the elements past the window's right edge, where its content starts}, in a window `width` px
    wide or on a 390 px phone."""
    size = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True} if phone else {}
    context = browser.new_context(**(size or {"viewport": {"width": width, "height": 640}}), locale=lang)
    context.set_default_timeout(TIMEOUT)
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": base}, *cookies])
    page = context.new_page()
    found = {}
    for path in paths:
        response = page.goto(base + path)
        assert response.status == 200, (path, response.status)
        assert page.locator("html").get_attribute("lang") == lang, (path, "page not in", lang)
        found[path] = page.evaluate(MEASURE)
    context.close()
    return found


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_main_pages_fit_320_px_without_scrolling_sideways(live_server, lang):
    world = a_registry()
    cookie = session_cookie(world["owner"], live_server.url)
    public = public_pages(world)
    portal = portal_pages(world)
    with playwright.sync_playwright() as p:
        browser = launch(p)
        try:
            found = measure(browser, live_server.url, lang, public)
            on_portal = measure(browser, live_server.url, lang, portal, [cookie])
            on_phone = measure(browser, live_server.url, lang, portal, [cookie], phone=True)
        finally:
            browser.close()
    found |= on_portal
    for path, m in found.items():
        print(
            f"{lang} {path}: {m['width']}px wide"
            + (f", content at {on_phone[path]['content']}px on a phone" if path in on_phone else "")
        )
    too_wide = {path: m for path, m in found.items() if m["width"] > WIDTH}
    assert not too_wide, f"wider than {WIDTH}px ({lang}): " + "; ".join(
        f"{path}: {m['width']}px, {m['over']}" for path, m in too_wide.items()
    )
    late = {path: m["content"] for path, m in on_phone.items() if m["content"] is None or m["content"] > FIRST_SCREEN}
    assert not late, f"on a phone, a portal page's content starts below the first {FIRST_SCREEN}px ({lang}): {late}"


def test_on_a_phone_the_folded_menus_open_from_their_button(live_server):
    world = a_registry()
    cookie = session_cookie(world["owner"], live_server.url)
    with playwright.sync_playwright() as p:
        browser = launch(p)
        try:
            context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
            context.set_default_timeout(TIMEOUT)
            context.add_cookies([cookie])
            page = context.new_page()
            page.goto(live_server.url + reverse("portal:dossier", args=[world["dossier"].reference]))
            steps = page.locator("#dossier-steps")
            organisation = page.locator("#organisation-sections")
            assert not steps.is_visible() and not organisation.is_visible()
            toggle = page.locator("[aria-controls=dossier-steps]")
            assert "Overview" in toggle.inner_text()  # says where one is
            toggle.click()
            page.wait_for_selector("#dossier-steps.show")
            assert toggle.get_attribute("aria-expanded") == "true"
            assert steps.get_by_role("link", name="5. Documents").is_visible()
            page.locator("[aria-controls=organisation-sections]").click()
            page.wait_for_selector("#organisation-sections.show")
            assert organisation.get_by_role("link", name="Ownership").is_visible()
            # On a wide screen both are always shown and the buttons are gone.
            page.set_viewport_size({"width": 1280, "height": 900})
            page.reload()
            assert steps.is_visible() and organisation.is_visible()
            assert not page.locator("[aria-controls=dossier-steps]").is_visible()
        finally:
            browser.close()


def test_a_laptop_window_shows_the_whole_menu_in_french_when_signed_in(live_server):
    """The longest menu (French, signed in: the portal and the account's menu) is shown whole in a 1280 px window,
    within its width, on one row (the language switch and the account's menu are in the agency's strip above)."""
    world = a_registry()
    cookie = session_cookie(world["owner"], live_server.url)
    paths = [reverse("registry:home"), reverse("portal:provider", args=[world["provider"].slug])]
    with playwright.sync_playwright() as p:
        browser = launch(p)
        try:
            found = measure(browser, live_server.url, "fr", paths, [cookie], width=1280)
        finally:
            browser.close()
    assert {path: m["width"] for path, m in found.items()} == dict.fromkeys(paths, 1280), found
    assert not any(m["menuFolded"] for m in found.values()), found
    assert all(m["barHeight"] < 72 for m in found.values()), found
