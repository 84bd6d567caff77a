"""The whole journey in a real browser: a provider signs up and submits a dossier, the agency reviews and qualifies it.

A provider signs up, confirms the e-mail, registers the organisation, adds a service, starts a dossier, answers the
self-assessment, uploads the required documents through the documents page (upload.js: XMLHttpRequest and a progress
bar), signs the declaration and submits.

The agency works in its workspace. A reviewer signs in (password and authenticator code) and lands on the workspace's
home; the "to take" queue leads to the dossier, whose page opens on a summary holding the moves: "Take this dossier".
On the answers part, chapter by chapter, the reviewer records a minor finding with a note on one requirement and an
internal one on another, saves the chapter and is back on it; "Request changes" starts from the open findings the
provider may read, ticked. The provider reads the action item on the dossier and the finding on its requirement (never
the internal note), corrects a justification, answers with a message, signs again and resubmits. The dossier is back
with its reviewer without a second take: the home's "answered by the provider since my last action" queue leads to it,
its page shows what changed since the request; the reviewer admits it. The provider files its evaluation contract with
an approved centre on the dossier's "Evaluation" page; an evaluator of the centre signs in to the centre's space
(second factor) and confirms it; the reviewer, from the "contract or plan to validate" queue, validates it. The centre
files its evaluation plan, the reviewer validates it; the centre records a verdict per requirement and submits its
technical report; the reviewer, from "report received", sends the dossier to decision recommending a qualification
with conditions. A
committee member (also with a second factor) finds it in "awaiting my decision", decides from the brief (the
recommendation and its conditions, the open findings, the report) with the conditions prefilled, and qualifies it. The
service is then in the public registry, its certificate verifies, and the feed has the entry.

Every next move of the agency (take, request changes, admit, send to decision, qualify) is a button of the dossier's
summary inside the first 1280x800 viewport, reached without scrolling (next_action()). Each page of the workspace the
journey visits has its height printed ("height fr dossier-page: 1234"), the figure the issue's note compares.

The journey runs twice: in English and in French, every browser asking for its language with Accept-Language from the
first page. Selectors that rest on visible words take them from the catalogue (the msgid, translated with the same
gettext the pages use), and each key page, the workspace's included, is checked to be in the language asked for.

Debian's Chromium through Playwright's sync API against pytest-django's live server. The ORM is used before the
browser starts and, in between, only from a worker thread (Django refuses sync ORM calls where an event loop runs).
Each step saves a screenshot under E2E_SCREENSHOTS (or the test's tmp_path), in a folder per language
(`<folder>/fr/07-dossier.png`; the workspace's home and dossier page are the `workspace-home` and `dossier-page`
shots); each journey's duration is printed.
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

from registry.qualification.choices import Recommendation
from registry.qualification.models import Answer
from registry.qualification.selectors import QUEUES
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
        "justification": "Data is stored in Roubaix, France.",
        "corrected": "Data is stored in Roubaix, France; the backup site is in Strasbourg.",
        "finding": "Name the city of the backup site.",
        "internal": "Check the parent company's shareholders in the trade register.",
        "request": "Please detail the backup site.",
        "answer": "The backup site is in Strasbourg, France.",
        "report": "Evaluation report",
        "plan_scope": "The platform, its operations and chapter 19, on the Roubaix site.",
        "team": "Eve Martin, lead evaluator\nPaul Durand, technical evaluator",
        "evidence": "Security policy, interviews with the operations team.",
        "conclusion": "The service meets the scheme's requirements.",
        "conditions": "Move the backup site's keys to an HSM operated in the EU within six months.",
        "rationale": "Sound answers; the one minor finding was corrected.",
        "scope": "Virtual machines hosted in France.",
        "change": "The storage site moves to Frankfurt, Germany.",
        "summary": "Storage moved to Germany (EU).",
        "capacity": "Chief executive officer",
    },
    "fr": {
        "documents": (
            ("security_policy", "Politique de sécurité"),
            ("risk_analysis", "Analyse de risques"),
            ("extra_eu_risks", "Risques extra-européens"),
        ),
        "justification": "Les données sont stockées à Roubaix, en France.",
        "corrected": "Les données sont stockées à Roubaix, en France ; le site de secours est à Strasbourg.",
        "finding": "Indiquer la ville du site de secours.",
        "internal": "Vérifier l’actionnariat de la maison mère au registre du commerce.",
        "request": "Merci de préciser le site de secours.",
        "answer": "Le site de secours est à Strasbourg, en France.",
        "report": "Rapport d’évaluation",
        "plan_scope": "La plateforme, son exploitation et le chapitre 19, sur le site de Roubaix.",
        "team": "Ève Martin, évaluatrice principale\nPaul Durand, évaluateur technique",
        "evidence": "Politique de sécurité, entretiens avec l’équipe d’exploitation.",
        "conclusion": "Le service satisfait aux exigences du référentiel.",
        "conditions": "Confier les clés du site de secours à un HSM exploité dans l’UE sous six mois.",
        "rationale": "Réponses solides ; le seul écart mineur a été corrigé.",
        "scope": "Machines virtuelles hébergées en France.",
        "change": "Le site de stockage déménage à Francfort, en Allemagne.",
        "summary": "Stockage déplacé en Allemagne (UE).",
        "capacity": "Présidente",
    },
}
BROWSER_LOCALE = {"en": "en-GB", "fr": "fr-FR"}
VIEWPORT = {"width": 1280, "height": 800}


def tr(lang, msgid, plural=None, count=None, **params):
    """The site's wording of `msgid` (a string or a lazy label) in `lang`, as its pages show it; with `plural`, the
    form the catalogue gives for `count`."""

    def say(code):
        with translation.override(code):
            if plural is not None:
                return translation.ngettext(msgid, plural, count)
            return str(translation.gettext(msgid) if isinstance(msgid, str) else msgid)

    text = say(lang)
    if lang != "en":
        # An untranslated msgid would let an English page pass for a French one.
        assert text != say("en"), f"no {lang} translation for {say('en')!r}"
    if plural is not None:
        params = {"count": count, **params}
    return text % params if params else text


def country_name(lang, code):
    """A country's name as the pages write it in `lang` (django-countries' translation)."""
    from django_countries import countries

    with translation.override(lang):
        return str(countries.name(code))


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


def sign_in_with_mfa(page, base, email, shot, name, space="/admin/"):
    """Someone of the agency opens the workspace (an evaluator, the centre's space): its sign-in (password, then the
    authenticator's code) brings them back to its home."""
    page.goto(base + space)
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", f.PASSWORD)
    page.locator('form[action^="/accounts/login/"] button[type=submit]').click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    shot(page, f"{name}-totp")
    page.fill("input[name=code]", totp_code())
    page.locator("input[name=code]").press("Enter")
    page.wait_for_url(base + space)


def workspace_page(page, lang, shot, name):
    """A page of the workspace the journey reached: its height at 1280x800 printed for the issue's note, its shot."""
    assert page.locator("html").get_attribute("lang") == lang, page.url
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"\nheight {lang} {name}: {height}")
    # Shot from the top, where the sticky summary belongs (a form filled further down scrolled the page), then back.
    scrolled = page.evaluate("window.scrollY")
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, name)
    page.evaluate(f"window.scrollTo(0, {scrolled})")


def open_from_queue(page, lang, reference, queue, shot):
    """From the workspace's home, where the dossier waits in `queue` (alone): the queue's link, then the dossier's
    reference in the list, to the dossier's page."""
    assert urlsplit(page.url).path == "/admin/", page.url
    assert_language(page, lang, "My work", "Dossiers waiting", QUEUES[queue].label)
    row = page.locator(f"tr.tcr-queue-{queue}")
    assert row.locator("td.tcr-number").inner_text().strip() == "1", row.inner_text()
    workspace_page(page, lang, shot, f"workspace-home-{queue}")
    row.get_by_role("link", name=tr(lang, QUEUES[queue].label), exact=True).click()
    page.wait_for_url(re.compile(rf"/admin/registry/dossier/\?queue={queue}$"))
    workspace_page(page, lang, shot, f"queue-{queue}")
    page.locator("#result_list").get_by_role("link", name=reference, exact=True).click()
    # The list's link keeps its queue for the way back (Django's _changelist_filters).
    page.wait_for_url(re.compile(r"/admin/registry/dossier/\d+/change/\?_changelist_filters=queue%3D"))
    assert_language(page, lang, "Instructing reviewer", "In this status for", "Protection from extra-EU law")
    workspace_page(page, lang, shot, f"dossier-page-{queue}")


def next_action(page, lang, action):
    """The move's button in the dossier's summary, reached without scrolling: inside the first 1280x800 viewport of the
    page as it loaded, at its top (or, sent to a #line of the page, still in view: the summary stays at the top)."""
    if not urlsplit(page.url).fragment:
        assert page.evaluate("window.scrollY") == 0, page.url
    button = page.locator(".tcr-summary .tcr-moves").get_by_role("link", name=tr(lang, MOVES[action].label), exact=True)
    assert button.count() == 1, (action, page.url)
    box = button.bounding_box()
    assert box is not None, (action, page.url)
    assert box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORT["width"], (action, box)
    assert box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"], (action, box)
    return button


def summary_move(page, lang, action, shot, name, fill=None):
    """Follow the move's button in the dossier's summary (next_action), fill its page's form and confirm: back on the
    dossier's page, which says it was done."""
    next_action(page, lang, action).click()
    page.wait_for_url(re.compile(rf"/move/{action}/$"))
    if fill:
        fill(page)
    workspace_page(page, lang, shot, f"{name}-form")
    page.locator("#content-main form.tcr-form input[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/registry/dossier/\d+/change/$"))
    assert_no_error(page)
    if action != "qualify":
        done = tr(lang, "Done: %(move)s.", move=tr(lang, MOVES[action].label))
        page.locator(".messagelist").get_by_text(done).wait_for()
    workspace_page(page, lang, shot, name)


def assert_no_error(page):
    errors = page.locator(".messagelist .error, .alert-danger, .errornote")
    assert errors.count() == 0, errors.all_inner_texts()


def requirement(page, selector, ref):
    """The block of requirement `ref` (its heading starts with the reference) among the page's `selector` blocks."""
    return page.locator(selector).filter(has=page.get_by_role("heading", name=re.compile(rf"^{re.escape(ref)} ")))


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
    evaluator = f.evaluator(center, email="eve@cesti-lyon.test").user
    EmailAddress.objects.create(user=evaluator, email=evaluator.email, verified=True, primary=True)
    f.totp_authenticator(evaluator)
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
            # The registry's own e-mail, in the reader's language, naming the registry (no "[host]" prefix).
            assert tr(lang, "Trusted Cloud Registry") in confirmation[0].subject
            assert "[" not in confirmation[0].subject
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
            requirement(page, "section.card", "19.2").locator("textarea[name$=justification]").fill(
                typed["justification"]
            )
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
                # The signatory: a person who may commit the provider, named with their capacity.
                page.fill("input[name=signatory_name]", "Claire Martin")
                page.fill("input[name=signatory_capacity]", typed["capacity"])
                page.check("input[name=declare]")
                shot(page, f"{name}-declaration")
                page.locator("main form button[type=submit]").first.click()
                page.wait_for_url(re.compile(rf"/portal/dossiers/{reference}/(#submission)?$"))
                page.get_by_role("button", name=tr(lang, label)).click()
                page.wait_for_url(re.compile(rf"/portal/dossiers/{reference}/$"))
                page.locator(".alert").filter(has_text=done).wait_for()
                shot(page, name)

            declare_and_submit("Submit the dossier", "submitted")

            # 7. The reviewer signs in on the workspace's home; the "to take" queue leads to the dossier, taken from
            # the summary of its page.
            agency = person()
            sign_in_with_mfa(agency, base, reviewer.email, shot, "reviewer")
            open_from_queue(agency, lang, reference, "to_take", shot)
            summary_move(agency, lang, "take", shot, "taken")

            # 8. Findings on the answers part, one chapter at a time: a minor one with a note for the provider, an
            # internal one; saving comes back to the same chapter.
            agency.locator(".tcr-summary .tcr-parts").get_by_role("link", name=tr(lang, "Answers"), exact=True).click()
            agency.wait_for_url(re.compile(r"part=answers"))
            agency.locator(".tcr-chapters").get_by_role("link", name=re.compile(r"^19 ")).click()
            agency.wait_for_url(re.compile(r"part=answers&chapter=19"))
            minor = Answer.Finding.MINOR.value
            located = requirement(agency, "article.tcr-answer", "19.2")
            located.locator("select[name^=finding-]").select_option(minor)
            located.locator("textarea[name^=note-]").fill(typed["finding"])
            internal = requirement(agency, "article.tcr-answer", "19.6")
            internal.locator("select[name^=finding-]").select_option(minor)
            internal.locator("textarea[name^=note-]").fill(typed["internal"])
            internal.locator("input[name^=internal-]").check()
            workspace_page(agency, lang, shot, "answers-chapter-19")
            agency.get_by_role("button", name=tr(lang, "Save the findings of chapter %(ref)s", ref="19")).click()
            agency.wait_for_url(re.compile(r"part=answers&chapter=19&filter=#answer-\d+$"))
            saved = tr(lang, "%(count)d finding saved.", "%(count)d findings saved.", 2)
            agency.locator(".messagelist .success").get_by_text(saved).wait_for()
            assert agency.locator(".tcr-chapters [aria-current=page]").inner_text().startswith("19 ")
            assert agency.locator("#tcr-chapter-title").inner_text().startswith("19 ")
            workspace_page(agency, lang, shot, "findings-saved")

            # 9. Changes requested from the summary, still in view on the chapter: the finding the provider may read
            # is the request's ticked action item; the internal one is not offered.
            def request(pg):
                items = pg.locator("input[name=action_items]")
                assert items.count() == 1 and items.first.is_checked()
                label = pg.locator(f'label[for="{items.first.get_attribute("id")}"]').inner_text()
                assert "19.2" in label and typed["finding"] in label, label
                assert typed["internal"] not in pg.locator("#content-main form.tcr-form").inner_text()
                comment = pg.locator("textarea[name=comment]")
                assert "19.2" in comment.input_value()  # the request starts from its findings
                comment.fill(f"{comment.input_value()}\n{typed['request']}")

            summary_move(agency, lang, "request_changes", shot, "changes-requested", fill=request)

            # 10. The provider reads the action item and the finding (never the internal note), corrects the
            # justification, answers with a message, signs again and resubmits.
            page.goto(f"{base}/portal/dossiers/{reference}/")
            assert_language(page, lang, "The agency requested changes", "What to change")
            item = page.locator(".tcr-action-items li")
            assert item.count() == 1, item.all_inner_texts()
            assert "19.2" in item.inner_text() and typed["finding"] in item.inner_text(), item.inner_text()
            assert typed["request"] in page.locator(".tcr-request").inner_text()
            assert typed["internal"] not in page.locator("body").inner_text()
            shot(page, "action-items")
            item.get_by_role("link").click()
            page.wait_for_url(re.compile(rf"/portal/dossiers/{reference}/assessment/19/"))
            finding = tr(lang, "Reviewer's finding: %(finding)s", finding=tr(lang, Answer.Finding.MINOR.label))
            card = requirement(page, "section.card", "19.2")
            assert words(f"{finding} – {typed['finding']}") in words(card.locator(".tcr-finding").inner_text())
            assert requirement(page, "section.card", "19.6").locator(".tcr-finding").count() == 0
            assert typed["internal"] not in page.locator("body").inner_text()
            card.locator("textarea[name$=justification]").fill(typed["corrected"])
            shot(page, "assessment-corrected")
            page.get_by_role("button", name=tr(lang, "Save this chapter")).click()
            page.locator(".alert").filter(has_text=tr(lang, "Chapter %(ref)s saved.", ref="19")).wait_for()
            page.goto(f"{base}/portal/dossiers/{reference}/messages/")
            page.fill("#message-form textarea[name=body]", typed["answer"])
            page.locator("#message-form [data-upload-submit]").click()
            page.get_by_text(typed["answer"]).first.wait_for()
            shot(page, "message")
            declare_and_submit("Resubmit the dossier", "resubmitted", done=resubmitted)

            # 11. Back with its reviewer, no second take: in the home's "answered" queue, the page says what changed
            # since the request; the reviewer admits it.
            agency.goto(base + "/admin/")
            open_from_queue(agency, lang, reference, "answered", shot)
            changes = agency.locator(".tcr-changes")
            assert_language(agency, lang, "Changed since your request")
            assert "19.2" in changes.inner_text(), changes.inner_text()
            assert "Strasbourg" in " ".join(changes.locator("ins").all_inner_texts()), changes.inner_text()
            assert agency.locator(".tcr-summary").get_by_role("link", name=tr(lang, MOVES["take"].label)).count() == 0
            summary_move(agency, lang, "admit", shot, "admitted")

            # 12. The provider files its evaluation contract with the centre it chose, on the dossier's "Evaluation"
            # page; the centre's evaluator confirms it in the centre's space; the reviewer validates it.
            page.goto(f"{base}/portal/dossiers/{reference}/")
            page.locator("#dossier-steps").get_by_role("link", name=tr(lang, "Evaluation"), exact=True).click()
            page.wait_for_url(re.compile(rf"/portal/dossiers/{reference}/evaluation/$"))
            assert_language(page, lang, "Evaluation contract", "File the evaluation contract")
            page.locator("select[name=centre]").select_option(str(center.pk))
            page.locator("input[name=file]").set_input_files(
                {"name": "contract.pdf", "mimeType": "application/pdf", "buffer": f.PDF_BYTES}
            )
            shot(page, "contract-form")
            page.get_by_role("button", name=tr(lang, "File the contract")).click()
            page.wait_for_url(re.compile(rf"/portal/dossiers/{reference}/evaluation/(#contract)?$"))
            page.get_by_text(tr(lang, "Waiting for the centre's confirmation")).first.wait_for()
            shot(page, "contract-filed")

            centre = person()
            sign_in_with_mfa(centre, base, evaluator.email, shot, "evaluator", space="/centre/")
            assert_language(centre, lang, "Dossiers assigned to your centre")
            shot(centre, "centre-home")
            centre.get_by_role("link", name=reference, exact=True).click()
            centre.wait_for_url(re.compile(rf"/centre/dossiers/{reference}/$"))
            assert_language(centre, lang, "Evaluation contract", "Evaluation plan", "Evaluation grid")
            centre.get_by_role("button", name=tr(lang, "Confirm the contract")).click()
            centre.wait_for_url(re.compile(rf"/centre/dossiers/{reference}/(#contract)?$"))
            shot(centre, "contract-confirmed")

            agency.goto(base + "/admin/")
            open_from_queue(agency, lang, reference, "to_validate", shot)
            parts = agency.locator(".tcr-summary .tcr-parts")
            parts.get_by_role("link", name=tr(lang, "Evaluation"), exact=True).click()
            agency.wait_for_url(re.compile(r"part=evaluation"))
            agency.get_by_role("button", name=tr(lang, "Validate the contract")).click()
            agency.wait_for_url(re.compile(r"part=evaluation"))
            assert_no_error(agency)
            workspace_page(agency, lang, shot, "contract-validated")

            # 13. The centre files its plan (the service's first site, six weeks); the reviewer validates it.
            centre.goto(f"{base}/centre/dossiers/{reference}/")
            centre.get_by_role("link", name=tr(lang, "File the evaluation plan")).click()
            centre.wait_for_url(re.compile(rf"/centre/dossiers/{reference}/plan/$"))
            centre.fill("textarea[name=scope]", typed["plan_scope"])
            centre.locator("input[name=sites]").first.check()
            centre.fill("input[name=starts_on]", "2027-01-11")
            centre.fill("input[name=ends_on]", "2027-02-19")
            centre.fill("textarea[name=team]", typed["team"])
            shot(centre, "plan-form")
            centre.locator("main form button[type=submit]").first.click()
            centre.wait_for_url(re.compile(rf"/centre/dossiers/{reference}/(#plan-title)?$"))
            assert_no_error(centre)
            shot(centre, "plan-filed")

            agency.goto(base + "/admin/")
            open_from_queue(agency, lang, reference, "to_validate", shot)
            agency.goto(agency.url.split("?")[0] + "?part=evaluation")
            agency.get_by_role("button", name=tr(lang, "Validate the plan")).click()
            agency.wait_for_url(re.compile(r"part=evaluation"))
            assert_no_error(agency)
            workspace_page(agency, lang, shot, "plan-validated")

            # 14. The centre grades each requirement (conform, the evidence it reviewed), then submits its technical
            # report with the file and its conclusion.
            centre.goto(f"{base}/centre/dossiers/{reference}/")
            grid_rows = centre.locator("#grid tbody tr")
            for _row in range(grid_rows.count()):
                centre.goto(f"{base}/centre/dossiers/{reference}/")
                centre.locator("#grid tbody tr a").filter(has_text=tr(lang, "Record")).first.click()
                centre.wait_for_url(re.compile(rf"/centre/dossiers/{reference}/grid/\d+/$"))
                centre.locator("input[name=value][value=conform]").check()
                centre.fill("textarea[name=evidence_reviewed]", typed["evidence"])
                centre.get_by_role("button", name=tr(lang, "Save the verdict")).click()
                centre.wait_for_load_state("load")
                assert_no_error(centre)
            centre.goto(f"{base}/centre/dossiers/{reference}/")
            shot(centre, "grid-complete")
            centre.get_by_role("link", name=tr(lang, "Submit the technical report")).click()
            centre.wait_for_url(re.compile(rf"/centre/dossiers/{reference}/report/$"))
            centre.fill("input[name=title]", typed["report"])
            centre.locator("input[name=file]").set_input_files(
                {"name": "report.pdf", "mimeType": "application/pdf", "buffer": f.PDF_BYTES}
            )
            centre.fill("textarea[name=conclusion]", typed["conclusion"])
            shot(centre, "report-form")
            centre.get_by_role("button", name=tr(lang, "Submit the report")).click()
            centre.wait_for_url(re.compile(rf"/centre/dossiers/{reference}/(#grid)?$"))
            assert_no_error(centre)
            shot(centre, "report-submitted")

            # 15. The reviewer, from "report received", sends the dossier to decision with a recommendation.
            agency.goto(base + "/admin/")
            open_from_queue(agency, lang, reference, "reported", shot)

            def recommend(pg):
                pg.check(f"input[name=recommendation][value={Recommendation.CONDITIONS.value}]")
                pg.fill("textarea[name=proposed_conditions]", typed["conditions"])
                pg.fill("textarea[name=comment]", typed["rationale"])

            summary_move(agency, lang, "report", shot, "to-decision", fill=recommend)

            # 16. A committee member finds it awaiting their decision and qualifies it from the brief, the proposed
            # conditions prefilled.
            decider = person()
            sign_in_with_mfa(decider, base, committee.email, shot, "committee")
            open_from_queue(decider, lang, reference, "decision", shot)

            def qualify(pg):
                brief = pg.locator(".tcr-brief")
                shown = words(brief.inner_text())
                assert words(tr(lang, Recommendation.CONDITIONS.label)) in shown, shown
                for text in (typed["conditions"], typed["rationale"], typed["finding"]):
                    assert words(text) in shown, (text, shown)
                assert brief.get_by_role("link", name=typed["report"], exact=True).count() == 1
                assert pg.locator("textarea[name=conditions]").input_value() == typed["conditions"]
                pg.fill("textarea[name=scope]", typed["scope"])

            summary_move(decider, lang, "qualify", shot, "qualified", fill=qualify)
            issued = message_pattern(lang, "Qualified. Certificate %(number)s issued.", "number")
            number = re.search(issued, words(decider.locator(".messagelist").inner_text())).group(1)

            # 17. The public registry, the verification page and the feed.
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

            # 18. After qualification: the provider's edit of the certified service is a change notice. The service
            # page leads to it; the storage site moves to Germany in the proposed record, the notice is filed; the
            # public page still shows France until a reviewer takes and accepts it with a public summary, then shows
            # Germany and the summary in the certificate's history. (Selectors by form address and field name: the
            # change notices' words are not in the catalogue until the lead merges their French.)
            germany = country_name(lang, "DE")
            service_url = f"{base}/registry/{service_slug}/"
            page.goto(f"{base}/portal/cloud-souverain-sas/services/{service_slug}/")
            assert page.locator("select[name$='-country']").count() == 0  # no direct edit any more
            page.locator("form[action$='/changes/new/'] button[type=submit]").click()
            page.wait_for_url(re.compile(r"/changes/CHG-\d{4}-\d{5}/$"))
            change = page.url.rstrip("/").rsplit("/", 1)[1]
            roles = page.locator("select[name^='sites-'][name$='-role']")
            storage = next(r for r in roles.all() if r.input_value() == "storage").get_attribute("name")
            page.locator(f"select[name='{storage.replace('-role', '-country')}']").select_option("DE")
            page.locator("section[aria-labelledby=propose-title] button[type=submit]").click()
            page.wait_for_load_state("load")
            assert germany in page.locator("ins").first.inner_text()  # the difference from the certified record
            filing = page.locator("form[action$='/file/']")
            filing.locator("select[name=kind]").select_option("location")
            filing.locator("select[name=change_type]").select_option("adaptive")
            filing.locator("input[name=effective_on]").fill(time.strftime("%Y-%m-%d"))
            filing.locator("textarea[name=description]").fill(typed["change"])
            shot(page, "change-notice")
            filing.locator("button[type=submit]").click()
            page.wait_for_url(re.compile(rf"/changes/{change}/$"))
            assert page.locator("form[action$='/file/']").count() == 0  # filed: the proposed record is kept
            public.goto(service_url)
            assert germany not in public.locator("main").inner_text()

            from registry.certificates.models import ChangeNotice

            notice_pk = orm(lambda: ChangeNotice.objects.get(reference=change).pk)
            agency.goto(f"{base}/admin/registry/changenotice/{notice_pk}/change/")
            agency.locator("form[action$='/move/take/'] button[type=submit]").click()
            agency.wait_for_url(re.compile(rf"/admin/registry/changenotice/{notice_pk}/change/$"))
            accept = agency.locator("form[action$='/move/accept/']")
            accept.locator("textarea[name=public_summary]").fill(typed["summary"])
            shot(agency, "change-notice-agency")
            accept.locator("button[type=submit]").click()
            agency.wait_for_url(re.compile(rf"/admin/registry/changenotice/{notice_pk}/change/$"))
            assert agency.locator("form[action$='/move/accept/']").count() == 0

            public.goto(service_url)
            shown = words(public.locator("main").inner_text())
            assert germany in shown, shown
            assert words(typed["summary"]) in shown, shown
            shot(public, "service-after-change")
        finally:
            browser.close()

    duration = time.monotonic() - started
    from registry.qualification.models import Dossier

    dossier = Dossier.objects.get(reference=reference)
    assert dossier.status == Dossier.Status.QUALIFIED
    assert {d.scan_status for d in dossier.documents.all()} == {"clean"}  # checked by the (eager) Celery task
    print(f"\njourney ({lang}): {duration:.1f} s, {shot.count} screenshots in {shot.folder}")
