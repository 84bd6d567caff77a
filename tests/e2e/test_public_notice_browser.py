"""A suspended certificate's pages in a real browser, on a phone and a desktop, in English and French: the notice is
on the first screen, before the certificate's details, and named by its heading; a verification for a past day shows
today's status on the first screen too (issue 16, point 1)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from registry.certificates import services as svc
from registry.certificates.models import CertificateEvent
from tests import factories as f
from tests.e2e.browser import MARKS, TIMEOUT, launch

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = MARKS


@pytest.fixture
def suspended(administrator):
    service = f.service(f.provider(legal_name="Nuage SAS", slug="nuage-sas"), name="NuageFR", slug="nuagefr")
    issued_on = timezone.localdate() - datetime.timedelta(days=400)
    certificate = f.certificate(service, issued_on=issued_on)
    CertificateEvent.objects.create(
        certificate=certificate,
        status="active",
        reason="Qualification granted.",
        created_at=timezone.make_aware(datetime.datetime.combine(issued_on, datetime.time(10))),
    )
    svc.certificate_suspend(
        certificate=certificate,
        by=administrator,
        reason="Backups not audited since the move.",
        review_on=f.review_date(),
    )
    return certificate


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_suspension_notice_and_todays_status_are_on_the_first_screen(live_server, suspended, width, language):
    service_path = reverse("registry:service", args=[suspended.service.slug])
    past = (timezone.localdate() - datetime.timedelta(days=100)).isoformat()
    verify_path = reverse("registry:verify-number", args=[suspended.number]) + f"?on={past}"
    with playwright.sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context(
            viewport={"width": width, "height": 800}, extra_http_headers={"Accept-Language": language}
        )
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        try:
            page.goto(live_server.url + service_path)
            assert page.locator("html").get_attribute("lang") == language
            notice = page.get_by_role("status").filter(has=page.locator("#notice-title"))
            assert notice.count() == 1
            box = notice.bounding_box()
            assert box["y"] + 40 < 800, box  # its heading is seen without scrolling
            assert "Backups not audited since the move." in notice.inner_text()
            details = page.locator("#cert-title").bounding_box()
            assert box["y"] < details["y"]
            # No horizontal scrolling for it (WCAG 1.4.10).
            assert page.evaluate("document.documentElement.scrollWidth") <= width

            page.goto(live_server.url + verify_path)
            today = page.locator("[data-today-verdict]")
            assert today.is_visible()
            assert today.bounding_box()["y"] + 20 < 800
            assert page.locator("[data-verdict]").get_attribute("data-today") == "suspended"
        finally:
            browser.close()
