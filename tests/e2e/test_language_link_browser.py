"""In a real browser: the language switch is a link that brings the visitor back to the same page in French, and the
"follow by e-mail" form of a public page leads to the subscribe page with the address typed, whose button sends the
link. Public pages carry no CSRF token (issue 17): nothing here needs one before the subscribe page."""

import pytest
from django.core import mail
from django.urls import reverse

from registry.public.models import Subscription
from tests import factories as f
from tests.e2e.browser import MARKS, TIMEOUT, launch
from trustedcloud.celery import app as celery_app

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = MARKS


def test_the_language_link_and_the_follow_form_work_without_a_token_on_the_page(live_server, monkeypatch):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)  # the confirmation e-mail is sent inline
    service = f.service(
        f.provider(legal_name="Nuage SAS", slug="nuage-sas"), name="Nuage Compute", slug="nuage-compute"
    )
    f.certificate(service)
    service_path = reverse("registry:service", args=[service.slug])
    with playwright.sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context(extra_http_headers={"Accept-Language": "en"})
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        try:
            page.goto(live_server.url + service_path)
            assert page.locator("html").get_attribute("lang") == "en"
            assert page.locator("input[name=csrfmiddlewaretoken]").count() == 0
            with page.expect_navigation():
                page.locator(".tcr-agency a[hreflang=fr]").click()
            assert page.locator("html").get_attribute("lang") == "fr"
            assert page.url == live_server.url + service_path
            assert page.locator(".tcr-agency a[hreflang=fr]").get_attribute("aria-current") == "true"

            page.locator("form.tcr-follow input[name=email]").fill("reader@example.org")
            with page.expect_navigation():
                page.locator("form.tcr-follow [type=submit]").click()
            assert page.url.startswith(live_server.url + reverse("registry:subscribe") + "?")
            assert page.locator("main input[name=email]").input_value() == "reader@example.org"
            with page.expect_navigation():
                page.locator("main form [type=submit]").first.click()
            assert page.url == live_server.url + reverse("registry:subscribe-sent")
        finally:
            browser.close()
    assert Subscription.objects.get().email == "reader@example.org"
    assert [m.to for m in mail.outbox] == [["reader@example.org"]]
