"""Accessibility of the rest of the agency's workspace: the certificates (list, "needs action" queue, page, and the
suspend, reinstate and withdraw pages, the suspension's date fields and its errors included), the security audit log
(list and one event) and the failed deliveries, checked by axe-core in Chromium, in English and in French, as
tests/e2e/test_workspace_browser.py checks the home and the dossier list (helpers in tests/e2e/a11y_pages.py)."""

import datetime
import shutil

import pytest
from django.urls import reverse
from django.utils import timezone

from registry.accounts.audit import record
from registry.accounts.models import AuditEvent
from registry.certificates.models import Certificate
from registry.notifications.models import DeliveryFailure
from registry.qualification.workflow import ADMINISTRATORS, COMMITTEE
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


@pytest.fixture(autouse=True)
def _tasks_inline(monkeypatch):
    # The registry built here queues notifications and checks after commit; run them in place, without a broker.
    import trustedcloud.celery

    monkeypatch.setitem(trustedcloud.celery.app.conf, "task_always_eager", True)


def certificates_needing_action(world):
    """a_registry()'s suspended certificate with its review due yesterday, and an active one expiring next month: each
    queue of the certificate list's "needs action" filter holds one."""
    today = timezone.localdate()
    Certificate.objects.filter(pk=world["suspended"].pk).update(review_due_on=today - datetime.timedelta(days=1))
    expiring = f.certificate(
        f.service(world["provider"], name="Nuage Réseau"),
        world["qualified"].scheme,
        issued_on=today - datetime.timedelta(days=3 * 365 - 30),
        expires_on=today + datetime.timedelta(days=30),
    )
    return f.public_history(expiring)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_certificates_audit_log_and_failed_deliveries_have_no_serious_accessibility_violation(live_server, lang):
    assert AXE.exists(), f"{AXE} is missing: run `npm ci` (make test does)"
    world = a_registry()
    certificates_needing_action(world)
    qualified, suspended = world["qualified"], world["suspended"]
    committee = f.user(email="committee@agency.test", groups=[COMMITTEE], first_name="Claude", last_name="Committee")
    administrator = f.user(email="admin@agency.test", groups=[ADMINISTRATORS], first_name="Ada", last_name="Admin")
    record("certificate.suspend", actor=committee, obj=suspended, reason="Incident.")
    record("login.failed", actor_label="someone@example.test")
    event = AuditEvent.objects.filter(action="certificate.suspend").get()
    DeliveryFailure.objects.create(
        task="registry.notifications.tasks.send_email", arguments=[42], error="SMTP refused: 550 mailbox unavailable"
    )

    committee_cookie = session_cookie(committee, live_server.url, mfa=True)
    administrator_cookie = session_cookie(administrator, live_server.url, mfa=True)
    changelist = reverse("admin:registry_certificate_changelist")

    def steps(browser):
        def move(certificate, action):
            return reverse("admin:registry_certificate_move", args=[certificate.pk, action])

        desk = Audit(browser, live_server.url, lang, [committee_cookie])
        desk.visit("certificate list", changelist)
        desk.visit("certificate list: needs action, review due", f"{changelist}?action=review")
        desk.visit("certificate list: needs action, expiring", f"{changelist}?action=expiring")
        desk.visit("certificate page (active)", reverse("admin:registry_certificate_change", args=[qualified.pk]))
        desk.visit("certificate page (suspended)", reverse("admin:registry_certificate_change", args=[suspended.pk]))
        desk.visit("move: suspend (its dates)", move(qualified, "suspend"))
        # The suspension refused twice: without a reason (the field's error), then with a review planned in the past
        # (the registry's refusal above the form). The browser's own checks are set aside so that the server's messages
        # come back, as they would from a browser without them.
        desk.page.evaluate("document.querySelector('main form').noValidate = true")
        desk.submit("move: suspend, refused (no reason)", to=move(qualified, "suspend"))
        assert desk.page.locator("main .form-row.errors #id_reason").count() == 1, "the reason's error is by the reason"
        desk.page.fill("#id_reason", "Incident under investigation.")
        desk.page.fill("#id_review_on", (timezone.localdate() - datetime.timedelta(days=30)).isoformat())
        desk.page.evaluate("document.querySelector('main form').noValidate = true")
        desk.submit("move: suspend, refused (review date past)", to=move(qualified, "suspend"))
        assert desk.page.locator("main .errornote").count() == 1, "the refusal is said above the form"
        desk.visit("move: reinstate", move(suspended, "reinstate"))
        desk.visit("move: withdraw", move(qualified, "withdraw"))
        desk.visit("audit log (as the committee)", reverse("admin:registry_auditevent_changelist"))

        admin_desk = Audit(browser, live_server.url, lang, [administrator_cookie])
        admin_desk.visit("audit log", reverse("admin:registry_auditevent_changelist"))
        admin_desk.visit(
            "audit log: one action", reverse("admin:registry_auditevent_changelist") + "?action=login.failed"
        )
        admin_desk.visit("audit event", reverse("admin:registry_auditevent_change", args=[event.pk]))
        admin_desk.visit("failed deliveries", reverse("admin:registry_deliveryfailure_changelist"))
        return [desk, admin_desk]

    run(live_server, lang, "Certificates, audit log and failed deliveries", "workspace-records", steps)
