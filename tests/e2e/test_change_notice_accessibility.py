"""Accessibility of the change notices in the agency's workspace: the list (and its late filter), a notice's page
before and after it is taken (the decision forms), and the home with its queue, checked by axe-core in Chromium, in
English and in French (helpers in tests/e2e/a11y_pages.py)."""

import datetime
import shutil

import pytest
from django.urls import reverse
from django.utils import timezone

from registry.certificates import changes
from registry.qualification.workflow import REVIEWERS
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
    import trustedcloud.celery

    monkeypatch.setitem(trustedcloud.celery.app.conf, "task_always_eager", True)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_change_notice_pages_have_no_serious_accessibility_violation(live_server, lang):
    assert AXE.exists(), f"{AXE} is missing: run `npm ci` (make test does)"
    world = a_registry()
    reviewer = f.user(email="rita2@agency.test", groups=[REVIEWERS], first_name="Rita", last_name="Reviewer")
    late = f.filed_notice(world["qualified"], world["owner"], kind="ownership",
                          effective_on=timezone.localdate() - datetime.timedelta(days=60))  # fmt: skip
    taken = f.filed_notice(world["qualified"], world["owner"])
    changes.notice_take(notice=taken, by=reviewer)
    cookie = session_cookie(reviewer, live_server.url, mfa=True)
    changelist = reverse("admin:registry_changenotice_changelist")

    def steps(browser):
        desk = Audit(browser, live_server.url, lang, [cookie])
        desk.visit("workspace home (change notices queue)", reverse("admin:index"))
        desk.visit("change notice list", changelist)
        desk.visit("change notice list: late", f"{changelist}?late__exact=1")
        desk.visit("change notice (to take)", reverse("admin:registry_changenotice_change", args=[late.pk]))
        desk.visit("change notice (taken: decide)", reverse("admin:registry_changenotice_change", args=[taken.pk]))
        return [desk]

    run(live_server, lang, "Change notices", "workspace-change-notices", steps)
