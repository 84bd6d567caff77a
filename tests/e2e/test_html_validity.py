"""Valid HTML: the W3C Nu Html Checker (vnu) finds no error on the pages the accessibility audits visit (the public
pages, the sign-in pages, the provider portal, and in the agency's workspace the dossier page and its moves, change
notices, incidents and suspension proposals, surveillance audits and conditions), in English and in French.

The pages are the audits' own: each audit test of tests/e2e/test_accessibility.py (and of the workspace's files named
in WORKSPACE_AUDITS) is run with its `Audit` and `run` swapped for ClientAudit and a collector below, so that a page
added to an audit is checked here too, without a list to keep in step. ClientAudit fetches each page with Django's test
client instead of the browser (the server's HTML as sent, faster than a browser) and sends forms as a browser would,
by their fields; the collected pages are written to a folder and checked by one run of vnu. An audit doing in the
browser what ClientAudit cannot (the workspace's certificates and home, which count elements or click disclosures) is
left out of WORKSPACE_AUDITS.

vnu comes from the npm registry (the `vnu-jar` package, pinned by package.json and package-lock.json: `make test`
runs `npm ci`) and runs on the machine's Java (CI installs both). It checks the HTML only, not the CSS.
"""

import contextlib
import importlib
import inspect
import json
import os
import re
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

VNU = Path(settings.BASE_DIR) / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
JAVA = shutil.which("java")
REPORT = Path(os.environ.get("A11Y_REPORT") or Path(settings.BASE_DIR) / "build" / "accessibility")

pytestmark = [
    pytest.mark.skipif(
        JAVA is None, reason="needs Java to run the W3C Nu Html Checker (apt install default-jre-headless)"
    ),
    pytest.mark.skipif(
        not VNU.exists(), reason=f"needs {VNU.relative_to(settings.BASE_DIR)}: install Node and npm, then npm ci"
    ),
    pytest.mark.django_db,
]

LANGS = ("en", "fr")
# The audits whose pages are checked: module, test function.
PORTAL_AUDITS = [
    ("tests.e2e.test_accessibility", "test_public_pages_have_no_serious_accessibility_violation"),
    ("tests.e2e.test_accessibility", "test_sign_in_pages_have_no_serious_accessibility_violation"),
    ("tests.e2e.test_accessibility", "test_portal_pages_have_no_serious_accessibility_violation"),
]
CENTRE_AUDITS = [("tests.e2e.test_accessibility", "test_centre_pages_have_no_serious_accessibility_violation")]
WORKSPACE_AUDITS = [
    ("tests.e2e.test_change_notice_accessibility", "test_change_notice_pages_have_no_serious_accessibility_violation"),
    (
        "tests.e2e.test_dossier_page_accessibility",
        "test_dossier_page_parts_and_move_pages_have_no_serious_accessibility_violation",
    ),
    ("tests.e2e.test_incidents_accessibility", "test_incidents_and_proposals_have_no_serious_accessibility_violation"),
    (
        "tests.e2e.test_surveillance_accessibility",
        "test_surveillance_and_condition_pages_have_no_serious_accessibility_violation",
    ),
]


class _Form:
    def __init__(self, attrs):
        self.action = attrs.get("action") or ""
        self.method = (attrs.get("method") or "get").lower()
        self.fields = []  # (name, value, id) in document order, as the browser would send them untouched
        self.ids = {}  # id -> name
        self.submits = []  # (name, value) of the submit buttons


class _Forms(HTMLParser):
    """The forms inside <main>, with the fields a browser would send and their submit buttons."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self.form, self.in_main = [], None, 0
        self.textarea = self.select = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "main":
            self.in_main += 1
        if not self.in_main:
            return
        if tag == "form":
            self.form = _Form(a)
            self.forms.append(self.form)
        form = self.form
        if form is None:
            return
        name, kind = a.get("name"), a.get("type", "text" if tag == "input" else "submit").lower()
        if name and a.get("id"):
            form.ids[a["id"]] = name
        if tag in ("input", "button") and kind in ("submit", "image"):
            form.submits.append((name, a.get("value", "")))
        elif tag == "input" and name and "disabled" not in a:
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.fields.append([name, a.get("value", "on")])
            elif kind not in ("button", "reset", "file"):
                form.fields.append([name, a.get("value", "")])
        elif tag == "textarea" and name and "disabled" not in a:
            self.textarea = [name, ""]
            form.fields.append(self.textarea)
        elif tag == "select" and name and "disabled" not in a:
            self.select = {"name": name, "first": None, "chosen": None}
        elif tag == "option" and self.select is not None:
            value = a.get("value", "")
            if self.select["first"] is None:
                self.select["first"] = value
            if "selected" in a:
                self.select["chosen"] = value

    def handle_endtag(self, tag):
        if tag == "main":
            self.in_main -= 1
        elif tag == "form":
            self.form = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select" and self.select is not None:
            s, self.select = self.select, None
            value = s["chosen"] if s["chosen"] is not None else s["first"]
            if self.form is not None and value is not None:
                self.form.fields.append([s["name"], value])

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data


class ClientPage:
    """The few things the audits do to a page, done with the test client: fill a field, tick a box, send a form."""

    def __init__(self, audit):
        self.audit = audit
        self.filled = {}  # a field's selector -> its value

    def fill(self, selector, value):
        self.filled[selector] = value

    def check(self, selector):
        self.filled[selector] = True

    def set_input_files(self, selector, files):
        """Playwright's payloads ({name, mimeType, buffer}) as the test client uploads them."""
        self.filled[selector] = [SimpleUploadedFile(p["name"], p["buffer"], content_type=p["mimeType"]) for p in files]

    def evaluate(self, script, *args):
        # The audits switch the browser's own form checks off to see the server's errors: the client has none.
        if "noValidate" in script:
            return None
        raise NotImplementedError(f"ClientPage cannot run {script!r}: teach tests/e2e/test_html_validity.py to")

    @contextlib.contextmanager
    def expect_navigation(self):
        yield  # the client's requests return the next page

    def locator(self, selector):
        """Only a form's submit button, by the end of the form's action: "form[action$='/outcome/'] [type=submit]"."""
        found = re.fullmatch(r"form\[action\$=['\"]([^'\"]+)['\"]\] \[type=submit\]", selector)
        if not found:
            raise NotImplementedError(f"ClientPage cannot find {selector!r}: teach tests/e2e/test_html_validity.py to")
        audit, ending = self.audit, found.group(1)
        return type("Button", (), {"click": lambda _self: audit.send(lambda form: form.action.endswith(ending))})()


def _field_name(selector, form):
    """`input[name=login]`, `[name=x]`, `#id_login` -> the field's name in `form`."""
    if selector.startswith("#"):
        return form.ids[selector[1:]]
    if "[name=" in selector:
        return selector.split("[name=", 1)[1].split("]", 1)[0].strip("'\"")
    raise NotImplementedError(f"ClientPage cannot find a field by {selector!r}")


class ClientAudit:
    """Audit's interface (tests/e2e/a11y_pages.py) with Django's test client: keeps each page's HTML as the server sent it."""

    def __init__(self, browser, base, lang, cookies=(), phone=False):
        self.lang = lang
        self.client = Client()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
        for cookie in cookies:
            self.client.cookies[cookie["name"]] = cookie["value"]
        self.page = ClientPage(self)
        self.results = {}
        self.html, self.path = "", "/"

    def _keep(self, response):
        self.html = response.content.decode()
        self.path = response.request["PATH_INFO"]
        if response.request.get("QUERY_STRING"):
            self.path += "?" + response.request["QUERY_STRING"]
        self.page.filled = {}

    def visit(self, name, path, status=200):
        response = self.client.get(path, follow=True)
        assert response.status_code == status, (path, response.status_code)
        self._keep(response)
        self.check(name)

    def submit(self, name, to=None):
        """Send the first form of <main> with a submit button, as the browser would send it with that button."""
        self.send()
        if to is not None:
            assert urlsplit(self.path).path == to, (name, self.path)
        self.check(name)

    def send(self, which=lambda form: True):
        """Send the first form of <main> with a submit button that `which` accepts; keep the page that comes back."""
        parser = _Forms()
        parser.feed(self.html)
        form = next(f for f in parser.forms if f.submits and which(f))
        data = {}
        for field, value in form.fields:
            data.setdefault(field, []).append(value)
        for selector, value in self.page.filled.items():
            field = _field_name(selector, form)
            data[field] = ["on"] if value is True else value if isinstance(value, list) else [value]
        button, value = form.submits[0]
        if button:
            data[button] = [value]
        action = form.action or self.path
        if not action.startswith("/"):
            action = urlsplit(self.path).path.rsplit("/", 1)[0] + "/" + action
        send = self.client.post if form.method == "post" else self.client.get
        self._keep(send(action, data, follow=True))

    def check(self, name):
        assert f'<html lang="{self.lang}"' in self.html, (name, "page not in", self.lang)
        self.results[name] = self.html


def collect(request, monkeypatch, audits, lang):
    """Each audit test of `audits` run with ClientAudit: {page name: its HTML}."""
    pages = {}

    def keep(live_server, lang, title, filename, steps):
        for audit in steps(None):
            pages.update({f"{title} ({lang}): {name}": html for name, html in audit.results.items()})

    server = type("Server", (), {"url": "http://testserver"})()
    for module_name, test_name in audits:
        module = importlib.import_module(module_name)
        monkeypatch.setattr(module, "Audit", ClientAudit)
        monkeypatch.setattr(module, "run", keep)
        test = getattr(module, test_name)
        given = {"live_server": server, "lang": lang, "axe_installed": None}
        kwargs = {p: given[p] if p in given else request.getfixturevalue(p) for p in inspect.signature(test).parameters}
        with transaction.atomic():  # each audit builds its own registry: undone before the next one
            test(**kwargs)
            transaction.set_rollback(True)
    return pages


def vnu_errors(pages, folder):
    """One run of vnu over every page, written to `folder` (kept for a person to open): ["page (file): line N:
    message", ...], in the pages' order."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    names = {}
    for number, (name, html) in enumerate(pages.items()):
        path = folder / f"page-{number:03}.html"
        path.write_text(html, encoding="utf-8")
        names[path.name] = name
    done = subprocess.run(
        [JAVA, "-jar", str(VNU), "--format", "json", "--stdout", "--exit-zero-always", str(folder)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    errors = []
    for m in json.loads(done.stdout)["messages"]:
        if m["type"] in ("error", "non-document-error"):
            file = m.get("url", "?").rsplit("/", 1)[-1]
            errors.append(f"{names.get(file, '?')} ({file}): line {m.get('lastLine', '?')}: {m['message']}")
    return errors


@pytest.fixture(autouse=True)
def _tasks_inline(monkeypatch):
    # As in the audits: what the registry queues runs in place, never waits in a broker for a later test's worker.
    import trustedcloud.celery

    monkeypatch.setitem(trustedcloud.celery.app.conf, "task_always_eager", True)


def _assert_valid(pages, filename):
    """No error. The pages checked and the errors found, one a line, are written to the report folder (beside axe's
    reports): build/accessibility/<filename>/ and <filename>.txt."""
    assert pages, "no page collected"
    errors = vnu_errors(pages, REPORT / filename)
    (REPORT / f"{filename}.txt").write_text("".join(e + "\n" for e in errors), encoding="utf-8")
    # The same message on many lines of a page (a repeated widget) is said once, with how many times.
    said = Counter(re.sub(r": line \d+: ", ": ", e, count=1) for e in errors)
    lines = [f"{e} (×{n})" if n > 1 else e for e, n in said.items()]
    assert not errors, f"{len(errors)} HTML errors (W3C Nu Html Checker) on {len(pages)} pages:\n" + "\n".join(lines)


@pytest.mark.parametrize("lang", LANGS)
def test_public_sign_in_and_portal_pages_are_valid_html(request, monkeypatch, lang):
    _assert_valid(collect(request, monkeypatch, PORTAL_AUDITS, lang), f"html-validity-{lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_centre_pages_are_valid_html(request, monkeypatch, lang):
    _assert_valid(collect(request, monkeypatch, CENTRE_AUDITS, lang), f"html-validity-centre-{lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_workspace_pages_are_valid_html(request, monkeypatch, lang):
    _assert_valid(collect(request, monkeypatch, WORKSPACE_AUDITS, lang), f"html-validity-workspace-{lang}")
