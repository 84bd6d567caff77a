"""The whole journey in a real browser: a provider signs up and submits a dossier, the agency reviews and qualifies it.

A provider signs up, confirms the e-mail, registers the organisation, adds a service, starts a dossier, answers the
self-assessment, uploads the required documents through the documents page (upload.js: XMLHttpRequest and a progress
bar), signs the declaration and submits. A reviewer (password and authenticator code) takes it and asks for changes; the
provider answers with a message, signs again and resubmits; back with the same reviewer, it is admitted at an evaluation
centre, uploads the evaluation report and sends it to decision; a committee member (also with a second factor)
qualifies it. The service is then in the public registry, its certificate verifies, and the feed has the entry.

The journey runs twice: in English and in French, every browser asking for its language with Accept-Language from the
first page. Selectors that rest on visible words take them from the catalogue (the msgid, translated with the same
gettext the pages use), and each key page, the admin's included, is checked to be in the language asked for.

Debian's Chromium through Playwright's sync API against pytest-django's live server. The ORM is used before the
browser starts and, in between, only from a worker thread (Django refuses sync ORM calls where an event loop runs).
Each step saves a screenshot under E2E_SCREENSHOTS (or the test's tmp_path), in a folder per language
(`<folder>/fr/07-dossier.png`); each journey's duration is printed.
"""

import concurrent.futures
import os
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection
from django.utils import translation

from registry.qualification.workflow import COMMITTEE, MOVES, REVIEWERS
from tests import factories as f
from tests.e2e.browser import MARKS, TIMEOUT, launch

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = MARKS

PROVIDER_EMAIL = "founder@cloud-souverain.test"
PASSWORD = "a-long-journey-password-42"
SERVICE = "Souverain Compute"
# What the people of the journey type, in the language they work in (the site's words come from the catalogue).
TYPED = {
    "en": {
        "documents": (
            ("security_policy", "Security policy"),
            ("risk_analysis", "Risk analysis"),
            ("extra_eu_risks", "Extra-EU risks"),
        ),
        "request": "Please detail the backup site.",
        "answer": "The backup site is in Strasbourg, France.",
        "report": "Evaluation report",
        "scope": "Virtual machines hosted in France.",
    },
    "fr": {
        "documents": (
            ("security_policy", "Politique de sécurité"),
            ("risk_analysis", "Analyse de risques"),
            ("extra_eu_risks", "Risques extra-européens"),
        ),
        "request": "Merci de préciser le site de secours.",
        "answer": "Le site de secours est à Strasbourg, en France.",
        "report": "Rapport d’évaluation",
        "scope": "Machines virtuelles hébergées en France.",
    },
}
BROWSER_LOCALE = {"en": "en-GB", "fr": "fr-FR"}
VIEWPORT = {"width": 1280, "height": 800}


def tr(lang, msgid, **params):
    """The site's wording of `msgid` (a string or a lazy label) in `lang`, as its pages show it."""

    def say(code):
        with translation.override(code):
            return str(translation.gettext(msgid) if isinstance(msgid, str) else msgid)

    text = say(lang)
    if lang != "en":
        # An untranslated msgid would let an English page pass for a French one.
        assert text != say("en"), f"no {lang} translation for {say('en')!r}"
    return text % params if params else text


def words(text):
    """Whitespace as the browser lays it out: French uses no-break spaces before colons and inside quotes."""
    return " ".join(text.split())


def assert_language(page, lang, *msgids):
    """The page is in `lang`: its <html lang> says so and it shows these strings of the catalogue in that language."""
    assert page.locator("html").get_attribute("lang") == lang, page.url
    shown = words(page.locator("body").inner_text())
    missing = [tr(lang, m) for m in msgids if words(tr(lang, m)) not in shown]
    assert not missing, (page.url, missing)


def message_pattern(lang, msgid, name):
    """A regular expression for the translated message `msgid`, capturing its %(name)s placeholder."""
    before, after = tr(lang, msgid).split(f"%({name})s")
    # Spaces around the placeholder stay: words() would strip them.
    return re.escape(re.sub(r"\s+", " ", before)) + r"(\S+?)" + re.escape(re.sub(r"\s+", " ", after))


# Records, across the navigation that ends the upload, that upload.js showed its progress panel.
WATCH_PROGRESS = """
() => {
  const panel = document.querySelector("#upload-form [data-upload-progress]");
  new MutationObserver(() => {
    if (!panel.hidden) sessionStorage.setItem("progress-seen", "1");
  }).observe(panel, {attributes: true, attributeFilter: ["hidden"]});
}
"""


def orm(fn, *args, **kwargs):
    """Run an ORM call in a worker thread: the browser's event loop makes this thread async-unsafe for Django."""

    def call():
        try:
            return fn(*args, **kwargs)
        finally:
            connection.close()

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def totp_code():
    """The authenticator's current code. allauth accepts only the current 30-second step (MFA_TOTP_TOLERANCE is 0):
    a code computed in the step's last two seconds could expire on its way, so that case waits for the next step."""
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    period = app_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < 2:
        time.sleep(left + 0.05)  # bounded wait on the clock, not on the page
    return format_hotp_value(hotp_value(f.TOTP_SECRET, int(time.time()) // period))


class Shots:
    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def __call__(self, page, name):
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"), full_page=True)


def sign_in_with_mfa(page, base, email, shot, name):
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", f.PASSWORD)
    page.locator('form[action="/accounts/login/"] button[type=submit]').click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    shot(page, f"{name}-totp")
    page.fill("input[name=code]", totp_code())
    page.locator("input[name=code]").press("Enter")
    page.wait_for_url(lambda url: "/accounts/" not in url)


def admin_move(page, lang, base, reference, action, shot, name, fill=None):
    """On the dossier's admin page, follow the move's link (named in `lang`), fill its form and confirm."""
    page.goto(base + "/admin/registry/dossier/?queue=waiting")
    page.get_by_role("link", name=reference, exact=True).first.click()
    page.wait_for_url(re.compile(r"/admin/registry/dossier/\d+/change/"))
    assert_language(page, lang, "Protection from extra-EU law", "Evaluation centre")
    page.get_by_role("link", name=tr(lang, MOVES[action].label), exact=True).first.click()
    page.wait_for_url(re.compile(rf"/move/{action}/$"))
    assert page.locator("html").get_attribute("lang") == lang
    if fill:
        fill(page)
    shot(page, f"{name}-form")
    page.locator("#content-main form.tcr-form input[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/registry/dossier/\d+/change/$"))
    assert_no_error(page)
    shot(page, name)


def assert_no_error(page):
    errors = page.locator(".messagelist .error, .alert-danger, .errornote")
    assert errors.count() == 0, errors.all_inner_texts()


def upload(page, base, reference, kind, title):
    page.goto(f"{base}/portal/dossiers/{reference}/documents/")
    page.evaluate("sessionStorage.removeItem('progress-seen')")
    page.evaluate(WATCH_PROGRESS)
    form = page.locator("#upload-form")
    form.locator("select[name=kind]").select_option(kind)
    form.locator("input[name=title]").fill(title)
    form.locator("input[type=file]").set_input_files(
        {"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": f.PDF_BYTES}
    )
    with page.expect_request(lambda r: r.method == "POST" and "/documents/" in r.url) as sent:
        form.locator("[data-upload-submit]").click()
    assert sent.value.resource_type in ("xhr", "fetch"), "upload.js did not send the form"
    page.wait_for_load_state("load")
    page.get_by_text(title, exact=True).first.wait_for()
    assert page.evaluate("sessionStorage.getItem('progress-seen')") == "1", "the progress bar never showed"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_provider_to_registry_journey(live_server, monkeypatch, tmp_path, lang):
    import trustedcloud.celery

    # Document checks run after commit through Celery: with REDIS_URL they would wait for a worker that is not there.
    monkeypatch.setitem(trustedcloud.celery.app.conf, "task_always_eager", True)
    folder = Path(os.environ["E2E_SCREENSHOTS"]) if os.environ.get("E2E_SCREENSHOTS") else tmp_path / "screenshots"
    shot = Shots(folder / lang)
    typed = TYPED[lang]

    f.scheme()
    reviewer = f.user(email="rita@agency.test", groups=[REVIEWERS])
    committee = f.user(email="claude@agency.test", groups=[COMMITTEE])
    for person in (reviewer, committee):
        # Verified addresses (sign-in demands one) and an authenticator app each, as allauth records them.
        EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)
        f.totp_authenticator(person)
    center = f.evaluation_center(name="CESTI Lyon")
    mail.outbox.clear()
    base = live_server.url
    started = time.monotonic()

    with playwright.sync_playwright() as p:
        browser = launch(p)

        def person():
            """A new browser of someone who reads `lang`: Accept-Language asks for it from the first request."""
            context = browser.new_context(locale=BROWSER_LOCALE[lang], viewport=VIEWPORT)
            context.set_default_timeout(TIMEOUT)
            return context.new_page()

        try:
            page = person()

            # 1. Sign up and confirm the e-mail address.
            page.goto(base + "/accounts/signup/")
            assert_language(page, lang, "Registry", "Sign in", "Create an account")
            page.fill("input[name=email]", PROVIDER_EMAIL)
            page.fill("input[name=password1]", PASSWORD)
            page.fill("input[name=password2]", PASSWORD)
            shot(page, "signup")
            page.locator("form button[type=submit]").last.click()
            page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))
            shot(page, "verification-sent")
            confirmation = [e for e in mail.outbox if PROVIDER_EMAIL in e.to]
            assert confirmation, "no confirmation e-mail"
            assert tr(lang, "Please Confirm Your Email Address") in confirmation[0].subject
            links = [m for e in confirmation for m in re.findall(r"https?://\S+", e.body)]
            link = next(u for u in links if "/confirm-email/" in u)
            page.goto(base + urlsplit(link).path)
            shot(page, "confirm-email")
            page.locator("form button[type=submit]").last.click()
            page.wait_for_url(lambda url: "/confirm-email/" not in url)

            # 2. Register the organisation and add a service.
            page.goto(base + "/portal/organisation/new/")
            page.fill("input[name=legal_name]", "Cloud Souverain SAS")
            page.fill("input[name=registration_id]", "RCS 900 000 001")
            for name in (
                "registered_office_country",
                "central_administration_country",
                "principal_establishment_country",
            ):
                page.locator(f"select[name={name}]").select_option("FR")
            shot(page, "organisation")
            page.locator("main form button[type=submit]").first.click()
            page.wait_for_url(re.compile(r"/portal/cloud-souverain-sas/$"))
            page.goto(base + "/portal/cloud-souverain-sas/services/new/")
            page.fill("input[name=name]", SERVICE)
            page.locator("select[name=service_model]").select_option("iaas")
            page.fill("textarea[name=description]", "Virtual machines hosted in France.")
            shot(page, "service")
            page.locator("main form button[type=submit]").first.click()
            page.wait_for_url(re.compile(r"/services/[^/]+/$"))
            service_slug = page.url.rstrip("/").rsplit("/", 1)[1]
            # Where the service runs: written with the factories (the UI's formsets would only add time).
            from registry.providers.models import Service

            orm(lambda: f.eu_sites(Service.objects.get(slug=service_slug)))

            # 3. Start the dossier.
            page.goto(f"{base}/portal/dossiers/new/{service_slug}/")
            shot(page, "dossier-new")
            page.get_by_role("button", name=tr(lang, "Start the dossier")).click()
            page.wait_for_url(re.compile(r"/portal/dossiers/[^/]+/$"))
            reference = page.url.rstrip("/").rsplit("/", 1)[1]
            assert_language(page, lang, "Overview", "Self-assessment", "Declaration", "Dialogue with the agency")
            shot(page, "dossier")

            # 4. Self-assessment: every applicable requirement met.
            page.goto(f"{base}/portal/dossiers/{reference}/assessment/19/")
            for radio in page.locator('input[type=radio][value="met"]').all():
                page.locator(f'label[for="{radio.get_attribute("id")}"]').click()
            shot(page, "assessment")
            page.get_by_role("button", name=tr(lang, "Save this chapter")).click()
            page.wait_for_load_state("load")
            page.get_by_text(tr(lang, "Chapter complete")).first.wait_for()

            # 5. Documents, sent by upload.js with its progress bar.
            for kind, title in typed["documents"]:
                upload(page, base, reference, kind, title)
            assert page.locator(".tcr-outcome-missing").count() == 0, "a required document is still missing"
            shot(page, "documents")

            # 6. Declaration and submission.
            submitted = tr(
                lang,
                "Dossier %(reference)s submitted. The agency's reviewers have been told; you will hear from them here.",
                reference=reference,
            )

            resubmitted = tr(
                lang,
                "Dossier %(reference)s resubmitted. It went straight back to the reviewer who requested the changes; "
                "you will hear from them here.",
                reference=reference,
            )

            def declare_and_submit(label, name, done=submitted):
                page.goto(f"{base}/portal/dossiers/{reference}/declaration/")
                page.check("input[name=declare]")
                shot(page, f"{name}-declaration")
                page.locator("main form button[type=submit]").first.click()
                page.wait_for_url(re.compile(rf"/portal/dossiers/{reference}/$"))
                page.get_by_role("button", name=tr(lang, label)).click()
                page.wait_for_url(re.compile(rf"/portal/dossiers/{reference}/$"))
                page.locator(".alert").filter(has_text=done).wait_for()
                shot(page, name)

            declare_and_submit("Submit the dossier", "submitted")

            # 7. The reviewer takes it and asks for changes.
            agency = person()
            sign_in_with_mfa(agency, base, reviewer.email, shot, "reviewer")
            admin_move(agency, lang, base, reference, "take", shot, "taken")
            admin_move(
                agency,
                lang,
                base,
                reference,
                "request_changes",
                shot,
                "changes-requested",
                fill=lambda pg: pg.fill("textarea[name=comment]", typed["request"]),
            )

            # 8. The provider answers and resubmits (the change request withdrew the signature).
            page.goto(f"{base}/portal/dossiers/{reference}/messages/")
            page.get_by_text(typed["request"]).first.wait_for()
            assert_language(page, lang, "The agency requested changes")
            page.fill("#message-form textarea[name=body]", typed["answer"])
            page.locator("#message-form [data-upload-submit]").click()
            page.get_by_text(typed["answer"]).first.wait_for()
            shot(page, "message")
            declare_and_submit("Resubmit the dossier", "resubmitted", done=resubmitted)

            # 9. Back with its reviewer (nobody takes it again): admitted, the evaluation report recorded, sent to decision.
            admin_move(
                agency,
                lang,
                base,
                reference,
                "admit",
                shot,
                "admitted",
                fill=lambda pg: pg.locator("select[name=evaluation_center]").select_option(str(center.pk)),
            )
            upload_form = agency.locator('form[action$="/upload/"]')
            upload_form.locator("select[name=kind]").select_option("evaluation_report")
            upload_form.locator("input[name=title]").fill(typed["report"])
            upload_form.locator("input[type=file]").set_input_files(
                {"name": "report.pdf", "mimeType": "application/pdf", "buffer": f.PDF_BYTES}
            )
            upload_form.locator("[type=submit]").click()
            agency.wait_for_load_state("load")
            added = tr(lang, "Document “%(title)s” added (version %(version)d).", title=typed["report"], version=1)
            agency.locator(".messagelist").get_by_text(added).wait_for()
            shot(agency, "report-uploaded")
            admin_move(
                agency,
                lang,
                base,
                reference,
                "report",
                shot,
                "to-decision",
                fill=lambda pg: pg.check("input[name=recommendation][value=qualify]"),
            )

            # 10. A committee member qualifies it.
            decider = person()
            sign_in_with_mfa(decider, base, committee.email, shot, "committee")
            admin_move(
                decider,
                lang,
                base,
                reference,
                "qualify",
                shot,
                "qualified",
                fill=lambda pg: pg.fill("textarea[name=scope]", typed["scope"]),
            )
            issued = message_pattern(lang, "Qualified. Certificate %(number)s issued.", "number")
            number = re.search(issued, words(decider.locator(".messagelist").inner_text())).group(1)

            # 11. The public registry, the verification page and the feed.
            public = person()
            public.goto(base + "/registry/")
            public.get_by_text(SERVICE).first.wait_for()
            assert_language(public, lang, "Certified services", "Statistics")
            shot(public, "registry")
            public.goto(f"{base}/verify/{number}/")
            public.locator('[data-verdict="valid"]').wait_for()
            assert_language(public, lang, "valid", "Holder", "Valid until", "Status history")
            shot(public, "verify")
            response = public.goto(base + "/registry/feed/")
            assert response.status == 200
            feed = response.text()
            assert SERVICE in feed or number in feed
        finally:
            browser.close()

    duration = time.monotonic() - started
    from registry.qualification.models import Dossier

    dossier = Dossier.objects.get(reference=reference)
    assert dossier.status == Dossier.Status.QUALIFIED
    assert {d.scan_status for d in dossier.documents.all()} == {"clean"}  # checked by the (eager) Celery task
    print(f"\njourney ({lang}): {duration:.1f} s, {shot.count} screenshots in {shot.folder}")
