"""The check of each uploaded document: type by content, the PDF opened and searched for active content, pages counted,
ClamAV when configured; refused and infected files quarantined; nothing downloadable before it is clean."""

import datetime
import io
import logging
import os
import socket
import struct
import tempfile
import threading
import time

import pytest
from celery.exceptions import Retry, SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfWriter
from pypdf.actions import JavaScript, PageTrigger
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from registry.core.clamd import ScannerUnavailable
from registry.qualification import tasks as document_tasks
from registry.qualification.models import Document, Dossier
from registry.qualification.services import document_checks as checks
from registry.qualification.services.documents import document_add
from registry.qualification.services.dossiers import dossier_submit
from registry.qualification.workflow import Refused
from tests import factories as f
from trustedcloud.celery import app as celery_app

pytestmark = pytest.mark.django_db

S = Document.ScanStatus
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
LIVE_CLAMD = os.environ.get("CLAMD_SOCKET", "")
needs_clamd = pytest.mark.skipif(
    not LIVE_CLAMD,
    reason="CLAMD_SOCKET is not set: run clamd with the EICAR test signature, as .ci/run does, to scan for real",
)


# PDFs made for each case with pypdf's writer.


def build_pdf(pages=1, configure=None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if configure is not None:
        configure(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _name(value):
    return NameObject(value)


def open_action_javascript(writer):
    action = DictionaryObject({_name("/S"): _name("/JavaScript"), _name("/JS"): TextStringObject("app.alert(1)")})
    writer._root_object[_name("/OpenAction")] = writer._add_object(action)


def launch_on_a_link(writer):
    # Deep in the page tree rather than at the top: a link annotation whose action starts a program.
    action = DictionaryObject({_name("/S"): _name("/Launch"), _name("/F"): TextStringObject("calc.exe")})
    link = DictionaryObject(
        {
            _name("/Type"): _name("/Annot"),
            _name("/Subtype"): _name("/Link"),
            _name("/Rect"): ArrayObject([NumberObject(0)] * 4),
            _name("/A"): action,
        }
    )
    writer.pages[0][_name("/Annots")] = ArrayObject([writer._add_object(link)])


def eicar_inside(writer):
    stream = DecodedStreamObject()
    stream.set_data(EICAR)
    writer.pages[0][_name("/Contents")] = writer._add_object(stream)


def xfa_form(writer):
    template = DecodedStreamObject()
    template.set_data(b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><script>app.alert(1)</script></xdp:xdp>')
    form = DictionaryObject({_name("/Fields"): ArrayObject(), _name("/XFA"): writer._add_object(template)})
    writer._root_object[_name("/AcroForm")] = writer._add_object(form)


def big_stream():
    stream = DecodedStreamObject()
    stream.set_data(b"0 0 m 10 10 l S\n" * 16_000)
    return stream


OPEN_ACTION_JS = build_pdf(configure=open_action_javascript)
REFUSALS = {
    "encrypted": (build_pdf(configure=lambda w: w.encrypt("secret", algorithm="AES-256")), checks.ENCRYPTED),
    # Only an owner password (no password to open): still encrypted, and its objects could not be inspected.
    "owner_password_only": (
        build_pdf(configure=lambda w: w.encrypt("", "owner", algorithm="RC4-128")),
        checks.ENCRYPTED,
    ),
    "open_action_javascript": (OPEN_ACTION_JS, checks.JAVASCRIPT),
    # The same with its names written in hexadecimal escapes (/J#53 is /JS), as malicious files do to dodge filters.
    "escaped_names": (
        OPEN_ACTION_JS.replace(b"/JS ", b"/J#53 ").replace(b"/JavaScript", b"/J#61vaScript"),
        checks.JAVASCRIPT,
    ),
    "javascript_names_tree": (
        build_pdf(configure=lambda w: w.add_open_action(JavaScript("app.alert(1)"))),
        checks.JAVASCRIPT,
    ),
    "page_open_javascript": (
        build_pdf(configure=lambda w: w.pages[0].add_action(PageTrigger.OPEN, JavaScript("app.alert(1)"))),
        checks.JAVASCRIPT,
    ),
    "launch": (build_pdf(configure=launch_on_a_link), checks.LAUNCH),
    "attached_file": (build_pdf(configure=lambda w: w.add_attachment("run.exe", b"MZ\x90\x00")), checks.EMBEDDED),
    "xfa_form": (build_pdf(configure=xfa_form), checks.XFA),
    "malformed": (f.PDF_BYTES[:80], checks.MALFORMED),
}


def stored_files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def add(dossier, by, content=None, *, kind="evidence", title="Network diagram", name="evidence.pdf"):
    return document_add(dossier=dossier, kind=kind, title=title, uploaded=f.pdf(name, content or build_pdf()), by=by)


def download(client, document, *, admin=False):
    name = "admin:registry_document_download" if admin else "portal:document-download"
    return client.get(reverse(name, args=[document.pk]))


def past_the_grace():
    """How far to push an upload into the past for the periodic check to take it."""
    return datetime.timedelta(seconds=settings.DOCUMENT_CHECK_GRACE + 1)


def agency_login(client, user):
    # The admin asks agency staff for a second factor where factories provide the signed-in session that has one.
    login = getattr(f, "login_with_mfa", None)
    if login is None:
        client.force_login(user)
    else:
        login(client, user)


@pytest.fixture
def no_clamd(settings):
    settings.CLAMD_SOCKET = ""
    settings.CLAMD_HOST = ""


@pytest.fixture
def inline_tasks(monkeypatch):
    # With REDIS_URL set (CI), .delay() would queue for a worker that is not there: these tests run tasks inline.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


# What the check finds.


def test_a_clean_pdf_gets_its_pages_counted_and_becomes_downloadable(client, draft, editor):
    document = add(draft, editor, build_pdf(pages=3))
    assert (document.scan_status, document.pages, document.checked_at) == (S.PENDING, None, None)
    document = f.checked(document)
    assert (document.scan_status, document.pages, document.scan_detail, document.quarantined) == (S.CLEAN, 3, "", False)
    assert document.checked_at is not None
    client.force_login(editor)
    response = download(client, document)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == build_pdf(pages=3)


@pytest.mark.parametrize(("content", "reason"), REFUSALS.values(), ids=REFUSALS.keys())
def test_the_check_refuses_and_quarantines_a_pdf(
    draft, editor, private_storage, content, reason, django_capture_on_commit_callbacks
):
    document = add(draft, editor, content)
    stored_as = document.file.name
    with django_capture_on_commit_callbacks(execute=True):
        document = f.checked(document)
    assert (document.scan_status, document.scan_detail, document.quarantined) == (S.REFUSED, reason, True)
    assert document.pages is None
    # Moved into the quarantine folder, whole; nothing left where it was, nothing deleted.
    assert stored_files(private_storage) == [f"quarantine/{stored_as}"] == [document.file.name]
    assert (private_storage / document.file.name).read_bytes() == content


def test_the_type_is_read_from_the_content_not_the_name_or_the_browser(settings, client, draft, editor):
    settings.DOCUMENT_ALLOWED_TYPES = ["application/pdf", "image/png"]
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    document = document_add(
        dossier=draft,
        kind="evidence",
        title="Scan",
        uploaded=SimpleUploadedFile("scan.pdf", png, "application/pdf"),
        by=editor,
    )
    document = f.checked(document)
    assert (document.scan_status, document.content_type, document.pages) == (S.CLEAN, "image/png", None)
    client.force_login(editor)
    assert download(client, document)["Content-Type"] == "image/png"


def test_a_stored_file_that_is_no_longer_of_an_accepted_type_is_refused(draft, editor, private_storage):
    document = add(draft, editor)
    (private_storage / document.file.name).write_bytes(b"MZ\x90\x00\x03" + b"\x00" * 60)  # a Windows program
    document = f.checked(document)
    assert (document.scan_status, document.scan_detail) == (S.REFUSED, checks.NOT_ACCEPTED)
    assert document.quarantined


def test_a_document_missing_from_storage_fails_its_check_without_quarantine(draft, editor):
    document = add(draft, editor)
    document.file.delete(save=False)
    document = f.checked(document)
    assert (document.scan_status, document.scan_detail, document.quarantined) == (S.FAILED, checks.MISSING, False)


def test_checking_twice_changes_nothing_the_second_time(draft, editor):
    first = f.checked(add(draft, editor))
    second = f.checked(first)
    assert (second.scan_status, second.checked_at, second.file.name) == (S.CLEAN, first.checked_at, first.file.name)


def test_without_clamd_configured_there_is_no_antivirus_scan(no_clamd, draft, editor):
    # Documented behaviour: the PDF checks alone. With clamd this file is infected (test_eicar_… below).
    document = f.checked(add(draft, editor, build_pdf(configure=eicar_inside)))
    assert document.scan_status == S.CLEAN


def test_the_quarantine_keeps_the_original_until_the_verdict_is_committed(draft, editor, private_storage):
    # No commit here (the test's transaction never commits): the copy exists, and so does the original.
    document = f.checked(add(draft, editor, REFUSALS["launch"][0]))
    assert document.quarantined
    assert len(stored_files(private_storage)) == 2
    assert (private_storage / document.file.name).read_bytes() == REFUSALS["launch"][0]


# Nothing is downloadable before it is clean, and the pages say why.


def test_the_download_waits_for_the_check(client, draft, editor, reviewer):
    document = add(draft, editor)
    client.force_login(editor)
    response = download(client, document)
    assert response.status_code == 409
    assert "This document is being checked" in response.text
    assert response["Retry-After"] == "60"
    assert "no-store" in response["Cache-Control"]
    page = client.get(reverse("portal:dossier-documents", args=[draft.reference]))
    assert "Being checked" in page.text
    assert reverse("portal:document-download", args=[document.pk]) not in page.text
    agency_login(client, reviewer)
    assert download(client, document).status_code == 409


def test_a_refused_document_says_why_and_is_never_served(client, draft, editor, private_storage):
    document = f.checked(add(draft, editor, REFUSALS["open_action_javascript"][0], title="Policy"))
    client.force_login(editor)
    response = download(client, document)
    assert response.status_code == 403
    assert "This document was refused" in response.text
    assert "The PDF contains JavaScript, which is not accepted." in response.text
    assert b"%PDF" not in response.content
    page = client.get(reverse("portal:dossier-documents", args=[draft.reference]))
    assert "Refused" in page.text
    assert "The PDF contains JavaScript, which is not accepted. Please upload a version without it." in page.text
    assert "The file is kept in quarantine." in page.text
    assert reverse("portal:document-download", args=[document.pk]) not in page.text


def test_the_reason_is_stored_in_the_source_language_and_translated_for_each_reader(
    stand_in, draft, editor, monkeypatch
):
    stand_in(b"stream: Win.Test.Fake FOUND\0")
    document = f.checked(add(draft, editor))
    assert document.scan_detail == "The antivirus found malware in this file.\nWin.Test.Fake"
    catalogue = {checks.INFECTED: "L'antivirus a trouvé un logiciel malveillant dans ce fichier."}
    monkeypatch.setattr(checks, "gettext", lambda text: catalogue.get(text, text))
    # The sentence through the reader's catalogue; the signature's name, a technical detail, as it is.
    assert checks.check_reason(document) == (
        "L'antivirus a trouvé un logiciel malveillant dans ce fichier. (Win.Test.Fake)"
    )


def test_the_agency_sees_each_documents_check_in_the_admin(client, complete_draft, editor, reviewer, walk):
    pending = add(complete_draft, editor, title="Annex")
    refused = f.checked(add(complete_draft, editor, REFUSALS["launch"][0], title="Launcher"))
    Dossier.objects.filter(pk=complete_draft.pk).update(declared_at=timezone.now(), declared_by=editor)  # signed again
    submitted = walk(Dossier.objects.get(pk=complete_draft.pk), Dossier.Status.SUBMITTED)
    agency_login(client, reviewer)
    page = client.get(reverse("admin:registry_dossier_change", args=[submitted.pk]))
    assert page.status_code == 200
    assert "Being checked" in page.text
    assert "Refused:" in page.text and "The PDF contains an action that launches a program" in page.text
    assert reverse("admin:registry_document_download", args=[pending.pk]) not in page.text
    assert reverse("admin:registry_document_download", args=[refused.pk]) not in page.text
    assert download(client, refused, admin=True).status_code == 403
    assert download(client, pending, admin=True).status_code == 409


# Submission counts what can be read.


def test_a_submission_does_not_count_a_refused_document(complete_draft, editor):
    policy = complete_draft.documents.get(kind="security_policy")
    f.checked(add(complete_draft, editor, REFUSALS["encrypted"][0], kind="security_policy", title=policy.title))
    Dossier.objects.filter(pk=complete_draft.pk).update(declared_at=timezone.now(), declared_by=editor)
    with pytest.raises(Refused, match="Missing documents: Information security policy"):
        dossier_submit(dossier=Dossier.objects.get(pk=complete_draft.pk), by=editor)


def test_a_submission_counts_a_document_still_being_checked(complete_draft, editor):
    policy = complete_draft.documents.get(kind="security_policy")
    add(complete_draft, editor, kind="security_policy", title=policy.title)  # pending: the provider need not wait
    Dossier.objects.filter(pk=complete_draft.pk).update(declared_at=timezone.now(), declared_by=editor)
    assert (
        dossier_submit(dossier=Dossier.objects.get(pk=complete_draft.pk), by=editor).status == Dossier.Status.SUBMITTED
    )


# The task, the queue and the periodic check.


def test_an_upload_through_the_portal_is_checked_once_committed(
    inline_tasks, client, draft, editor, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("portal:dossier-documents", args=[draft.reference]),
            {"kind": "evidence", "title": "Diagram", "file": f.pdf("diagram.pdf", build_pdf(pages=2))},
        )
    assert response.status_code == 302
    assert callbacks  # the check was queued on commit, not during the request's transaction
    document = Document.objects.get(dossier=draft)
    assert (document.scan_status, document.pages) == (S.CLEAN, 2)
    assert download(client, document).status_code == 200


def test_nothing_is_queued_when_the_upload_rolls_back(draft, editor, django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr(document_tasks.check_document, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        add(draft, editor)
        raise RuntimeError("the request failed after the upload")
    assert queued == []
    assert not Document.objects.exists()


def test_a_broker_outage_leaves_the_document_pending_for_the_periodic_check(
    inline_tasks, draft, editor, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as m:
        m.setattr(document_tasks.check_document, "delay", broker_down)
        with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
            document = add(draft, editor)  # the upload succeeds all the same
    assert "Could not queue registry.qualification.tasks.check_document" in caplog.text
    assert Document.objects.get(pk=document.pk).scan_status == S.PENDING
    assert document_tasks.check_pending_documents() == 0  # too recent: its check may still be on its way
    Document.objects.filter(pk=document.pk).update(uploaded_at=document.uploaded_at - past_the_grace())
    assert document_tasks.check_pending_documents() == 1
    assert Document.objects.get(pk=document.pk).scan_status == S.CLEAN


def test_an_unreachable_clamd_is_retried_with_exponential_backoff_and_jitter(settings, draft, editor, monkeypatch):
    settings.CLAMD_SOCKET = "/nonexistent/clamd.sock"
    document = add(draft, editor)
    countdowns = []

    def retry(exc=None, countdown=None, **kwargs):
        countdowns.append(countdown)
        return Retry(exc=exc, when=countdown)

    monkeypatch.setattr(document_tasks.check_document, "retry", retry)
    for attempt in range(document_tasks.CHECK_MAX_RETRIES):
        document_tasks.check_document.push_request(retries=attempt)
        try:
            with pytest.raises(Retry):
                document_tasks.check_document.run(document.pk)
        finally:
            document_tasks.check_document.pop_request()
    # Full jitter: anywhere from 0 to 15 s × 2^attempt, never beyond 10 minutes (under the broker's visibility timeout).
    assert all(0 <= c <= min(600, 15 * 2**i) for i, c in enumerate(countdowns)), countdowns
    document_tasks.check_document.push_request(retries=document_tasks.CHECK_MAX_RETRIES)
    try:
        assert document_tasks.check_document.run(document.pk) == "pending"  # given up: the periodic check takes over
    finally:
        document_tasks.check_document.pop_request()
    assert len(countdowns) == document_tasks.CHECK_MAX_RETRIES
    assert Document.objects.get(pk=document.pk).scan_status == S.PENDING


def test_inline_without_a_broker_an_unreachable_clamd_does_not_hold_the_request(inline_tasks, settings, draft, editor):
    settings.CLAMD_SOCKET = "/nonexistent/clamd.sock"
    document = add(draft, editor)
    assert document_tasks.check_document.delay(document.pk).get() == "pending"
    assert Document.objects.get(pk=document.pk).scan_status == S.PENDING


def test_a_check_over_its_time_limit_fails_rather_than_running_forever(client, draft, editor, monkeypatch):
    document = add(draft, editor)

    def too_slow(stream):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(checks, "inspect_pdf", too_slow)
    assert document_tasks.check_document.run(document.pk) == S.FAILED
    document.refresh_from_db()
    assert (document.scan_status, document.scan_detail, document.quarantined) == (S.FAILED, checks.TIMED_OUT, False)
    client.force_login(editor)
    response = download(client, document)
    assert response.status_code == 403
    assert "could not be checked" in response.text


def test_the_task_limits_its_time_and_acknowledges_late():
    task = document_tasks.check_document
    assert 0 < task.soft_time_limit < task.time_limit
    assert task.acks_late is True


def test_the_periodic_check_is_scheduled():
    entry = settings.CELERY_BEAT_SCHEDULE["check-pending-documents"]
    assert entry["task"] == "registry.qualification.tasks.check_pending_documents"
    assert entry["schedule"] <= settings.DOCUMENT_CHECK_GRACE


# The clamd client against a stand-in clamd: the protocol, its error answers and a daemon that never answers.


class StandInClamd:
    """A unix socket speaking INSTREAM: it reads the chunks, then answers `reply` (None: never answers)."""

    def __init__(self, reply):
        self.dir = tempfile.TemporaryDirectory(prefix="clamd-")  # a short path: unix socket paths are limited
        self.path = os.path.join(self.dir.name, "clamd.sock")
        self.reply = reply
        self.received = bytearray()
        self.release = threading.Event()
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(1)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def _exact(self, conn, n):
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def serve(self):
        conn, _address = self.server.accept()
        with conn:
            assert self._exact(conn, 10) == b"zINSTREAM\0"
            while length := struct.unpack("!L", self._exact(conn, 4))[0]:
                self.received += self._exact(conn, length)
            if self.reply is None:
                self.release.wait(10)
            else:
                conn.sendall(self.reply)

    def close(self):
        self.release.set()
        self.thread.join(timeout=5)
        self.server.close()
        self.dir.cleanup()


@pytest.fixture
def stand_in(settings):
    servers = []

    def start(reply):
        server = StandInClamd(reply)
        servers.append(server)
        settings.CLAMD_SOCKET = server.path
        settings.CLAMD_TIMEOUT = 1
        return server

    yield start
    for server in servers:
        server.close()


def test_the_client_streams_the_whole_file_in_chunks(stand_in, draft, editor):
    server = stand_in(b"stream: OK\0")
    content = build_pdf(configure=lambda w: w.pages[0].__setitem__(_name("/Contents"), w._add_object(big_stream())))
    assert len(content) > 3 * 64 * 1024
    document = f.checked(add(draft, editor, content))
    assert document.scan_status == S.CLEAN
    assert bytes(server.received) == content


def test_a_clamd_error_answer_fails_the_check_instead_of_retrying_forever(stand_in, draft, editor):
    stand_in(b"INSTREAM size limit exceeded. ERROR\0")
    document = f.checked(add(draft, editor))
    assert document.scan_status == S.FAILED
    assert document.scan_detail == f"{checks.SCAN_ERROR}\nINSTREAM size limit exceeded. ERROR"
    assert not document.quarantined


def test_a_hung_clamd_leaves_the_document_pending_within_the_timeout(stand_in, draft, editor):
    stand_in(None)
    document = add(draft, editor)
    started = time.monotonic()
    with pytest.raises(ScannerUnavailable):
        checks.document_check(document_id=document.pk)
    assert time.monotonic() - started < 5
    assert Document.objects.get(pk=document.pk).scan_status == S.PENDING


# With the real clamd (.ci/run starts one whose only signature is the EICAR test string).


@needs_clamd
def test_eicar_inside_a_pdf_is_quarantined_as_infected(
    settings, client, draft, editor, private_storage, django_capture_on_commit_callbacks
):
    settings.CLAMD_SOCKET = LIVE_CLAMD
    content = build_pdf(configure=eicar_inside)
    document = add(draft, editor, content)
    with django_capture_on_commit_callbacks(execute=True):
        document = f.checked(document)
    assert (document.scan_status, document.quarantined) == (S.INFECTED, True)
    assert document.scan_detail.startswith(checks.INFECTED + "\nEicar")
    assert stored_files(private_storage) == [document.file.name]
    assert document.file.name.startswith("quarantine/")
    assert (private_storage / document.file.name).read_bytes() == content
    client.force_login(editor)
    assert download(client, document).status_code == 403
    page = client.get(reverse("portal:dossier-documents", args=[draft.reference]))
    assert "The antivirus found malware in this file. (Eicar" in page.text


@needs_clamd
def test_with_clamd_stopped_the_document_waits_then_the_periodic_check_scans_it(inline_tasks, settings, draft, editor):
    settings.CLAMD_SOCKET = os.path.join(tempfile.gettempdir(), "no-clamd-listens-here.sock")
    document = add(draft, editor)
    assert document_tasks.check_document.delay(document.pk).get() == "pending"
    Document.objects.filter(pk=document.pk).update(uploaded_at=document.uploaded_at - past_the_grace())
    assert document_tasks.check_pending_documents() == 0  # clamd still down: nothing queued that would only wait
    assert Document.objects.get(pk=document.pk).scan_status == S.PENDING
    settings.CLAMD_SOCKET = LIVE_CLAMD  # clamd is back
    assert document_tasks.check_pending_documents() == 1
    document.refresh_from_db()
    assert (document.scan_status, document.pages) == (S.CLEAN, 1)
