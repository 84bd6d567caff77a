"""In a real browser: the language switch is a link that brings the visitor back to the same page in French, and the
"follow by e-mail" form of a public page posts, without a token, to a first step that shows the address typed and
writes nothing, whose button sends the link. Public pages carry no CSRF token (issue 17): nothing here needs one before
that step's page, and the address is in no URL the browser asks for."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

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
    asked = []  # (method, URL) of every request the page makes once the address is typed
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

            page.on("request", lambda request: asked.append((request.method, request.url)))
            page.locator("form.tcr-follow input[name=email]").fill("reader@example.org")
            with page.expect_navigation():
                page.locator("form.tcr-follow [type=submit]").click()
            assert page.url == live_server.url + reverse("registry:subscribe-start")
            assert page.locator("main input[name=email]").input_value() == "reader@example.org"
            assert page.locator("main input[name=csrfmiddlewaretoken]").count() == 1
            # Nothing written before the button (no ORM in here: the subscription's creation time says it after).
            sent_before_the_button, button_pressed_at = list(mail.outbox), timezone.now()
            with page.expect_navigation():
                page.locator("main form [type=submit]").first.click()
            assert page.url == live_server.url + reverse("registry:subscribe-sent")
        finally:
            browser.close()
    assert sent_before_the_button == []
    assert ("POST", live_server.url + reverse("registry:subscribe-start")) in asked
    assert not [url for _, url in asked if "reader" in url]
    subscription = Subscription.objects.get()
    assert subscription.email == "reader@example.org" and subscription.created_at >= button_pressed_at
    assert [m.to for m in mail.outbox] == [["reader@example.org"]]
