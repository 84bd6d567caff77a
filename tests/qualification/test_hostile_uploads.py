"""Hostile uploads, through the portal's upload form and the document check a worker runs after it (run inline here,
by the function the task calls): each file of tests/corpus/ is refused with a sentence the uploader can act on, or
stored and served so that it can do no harm. Then the limits: size enforced while the request streams in, the number
of files per request, names that are never paths, and the headers of every private download.

What the upload refuses at once (size, type by content) comes from registry/qualification/services/documents.py; what the check
refuses later (unreadable, JavaScript, launch actions...) from registry/qualification/services/document_checks.py. These tests go through
both as a provider does, and do not repeat the check's own unit tests.
"""

import io
import tempfile
import tracemalloc
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import StopUpload
from django.urls import reverse

from registry.core.uploads import CUT_OFF_MARGIN, OversizedUpload, SizeLimitUploadHandler
from registry.qualification.models import Document
from registry.qualification.services.documents import check_upload, document_add
from registry.qualification.workflow import Refused
from tests import factories as f

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
BOMB_INFLATED = 256 * 1024 * 1024  # what compression_bomb.pdf's content stream decodes to (make_corpus.py)


def hostile(name) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (CORPUS / name).read_bytes(), content_type="application/pdf")


def documents_url(dossier):
    return reverse("portal:dossier-documents", args=[dossier.reference])


def upload(client, dossier, file, title="Evidence"):
    return client.post(documents_url(dossier), {"kind": "evidence", "title": title, "file": file})


def only_document(dossier):
    [document] = Document.objects.filter(dossier=dossier)
    return document


def stored_files(root):
    return sorted(p for p in Path(root).rglob("*") if p.is_file())


@pytest.fixture
def editing(client, editor, draft):
    client.force_login(editor)
    return client, draft


# The corpus: refused at the upload


def test_a_zip_renamed_pdf_is_refused_at_the_upload_by_its_content(editing, private_storage):
    client, draft = editing
    response = upload(client, draft, hostile("zip_renamed.pdf"))
    assert response.status_code == 200
    assert "This type of file is not accepted. Accepted: PDF." in response.text
    assert not Document.objects.exists() and stored_files(private_storage) == []


# The corpus: refused by the check, never downloadable


@pytest.mark.parametrize(
    "name, reason",
    [
        ("html_with_pdf_header.pdf", "The PDF cannot be read; it may be damaged or not really a PDF."),
        ("pdf_with_openaction_javascript.pdf", "The PDF contains JavaScript, which is not accepted."),
    ],
)
def test_a_file_posing_as_a_pdf_is_refused_by_the_check_with_its_reason(editing, name, reason):
    client, draft = editing
    assert upload(client, draft, hostile(name)).status_code == 302
    document = f.checked(only_document(draft))
    assert document.scan_status == Document.ScanStatus.REFUSED
    page = client.get(documents_url(draft))
    assert reason in page.text
    download = client.get(reverse("portal:document-download", args=[document.pk]))
    assert download.status_code == 403
    assert reason in download.content.decode()
    assert b"<script" not in download.content


# The corpus: stored, and harmless when served


def assert_served_harmlessly(response, name):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"  # never sniffed as the HTML it also is
    assert response["Content-Disposition"].startswith("attachment;")  # never shown inline in our origin
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"  # and if it were, nothing runs
    cache = [part.strip() for part in response["Cache-Control"].split(",")]
    assert "private" in cache and "no-store" in cache


def test_a_pdf_with_a_script_after_its_end_is_served_only_as_an_attachment_that_runs_nothing(editing):
    client, draft = editing
    assert upload(client, draft, hostile("pdf_with_appended_script.pdf")).status_code == 302
    document = f.checked(only_document(draft))
    assert document.scan_status == Document.ScanStatus.CLEAN  # a valid PDF: readers ignore what follows %%EOF
    response = client.get(reverse("portal:document-download", args=[document.pk]))
    assert_served_harmlessly(response, "pdf_with_appended_script.pdf")


def test_a_compression_bomb_is_never_inflated(editing):
    # Its page decodes to 256 MiB; the upload, the check (type, PDF structure, active content, pages) and the download
    # must each stay far below that, which they can only do by never decoding the page's content.
    client, draft = editing
    tracemalloc.start()
    try:
        assert upload(client, draft, hostile("compression_bomb.pdf")).status_code == 302
        document = f.checked(only_document(draft))
        response = client.get(reverse("portal:document-download", args=[document.pk]))
        body = b"".join(response.streaming_content)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < BOMB_INFLATED / 16, f"{peak} bytes at the peak"
    assert document.scan_status == Document.ScanStatus.CLEAN and document.pages == 1
    assert body == (CORPUS / "compression_bomb.pdf").read_bytes()
    assert_served_harmlessly(response, "compression_bomb.pdf")


# Names


@pytest.mark.parametrize(
    "name, shown",
    [
        ("../../../etc/cron.d/evil.pdf", "evil.pdf"),
        ("..\\..\\Windows\\System32\\evil.pdf", "evil.pdf"),
        ("/etc/passwd.pdf", "passwd.pdf"),
        ("report\r\nContent-Type: text/html\r\n\r\n<script>.pdf", "html<script>.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # the right-to-left override that reads "invoiceexe.pdf"
        ("nul\x00byte\x1b[2J.pdf", "nulbyte[2J.pdf"),
    ],
)
def test_a_name_is_never_a_path_nor_a_header(editor, draft, private_storage, name, shown):
    document = document_add(dossier=draft, kind="evidence", title="Named", uploaded=f.pdf(name), by=editor)
    assert document.original_name == shown
    # Stored under a random name in the documents folder, whatever the name said.
    assert document.file.name.startswith("documents/") and ".." not in document.file.name
    [path] = stored_files(private_storage)
    assert path.resolve().is_relative_to(Path(private_storage).resolve() / "documents")
    assert shown.split(".")[0] not in path.name
    assert path.stat().st_mode & 0o777 == 0o640  # readable by the application's user (and group) only


def test_the_portal_upload_drops_a_path_from_the_name_too(editing, private_storage):
    client, draft = editing
    target = Path(tempfile.gettempdir()) / "owned.pdf"
    assert upload(client, draft, f.pdf("../../../.." + str(target))).status_code == 302
    document = only_document(draft)
    assert document.original_name == "owned.pdf"
    assert not target.exists()
    [path] = stored_files(private_storage)
    assert path.resolve().is_relative_to(Path(private_storage).resolve())


@pytest.mark.parametrize(
    "name",
    ['Rapport "final".pdf', "Sécurité – été 2026.pdf", 'Quote" and semicolon; filename=evil.exe.pdf', "日本語.pdf"],
)
def test_content_disposition_carries_any_name_intact_on_one_line(client, editor, draft, name):
    document = f.checked(document_add(dossier=draft, kind="evidence", title="N", uploaded=f.pdf(name), by=editor))
    client.force_login(editor)
    response = client.get(reverse("portal:document-download", args=[document.pk]))
    header = response["Content-Disposition"]
    assert "\r" not in header and "\n" not in header
    parsed = EmailMessage()
    parsed["Content-Disposition"] = header
    assert parsed.get_content_disposition() == "attachment"
    assert parsed.get_filename() == name  # RFC 6266: quoted, or filename*=utf-8''… for the rest


# Private downloads


def test_every_private_download_is_never_cached_nor_sniffed(client, editor, reviewer, complete_draft):
    document = complete_draft.documents.first()
    client.force_login(editor)
    assert_served_harmlessly(client.get(reverse("portal:document-download", args=[document.pk])), "")
    f.login_with_mfa(client, reviewer)
    assert_served_harmlessly(client.get(reverse("admin:registry_document_download", args=[document.pk])), "")


def test_a_certificate_pdf_in_the_portal_is_private_and_not_sniffed(client, owner, service):
    certificate = f.certificate(service)
    client.force_login(owner)
    response = client.get(reverse("portal:certificate-pdf", args=[service.provider.slug, certificate.number]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_behind_nginx_the_file_is_sent_by_x_accel_redirect(client, editor, complete_draft, settings):
    settings.DOCUMENT_X_ACCEL_REDIRECT_PREFIX = "/_private/"
    document = complete_draft.documents.first()
    client.force_login(editor)
    response = client.get(reverse("portal:document-download", args=[document.pk]))
    assert response.status_code == 200
    assert response.content == b""
    assert response["X-Accel-Redirect"] == "/_private/" + document.file.name
    assert response["Content-Disposition"] == 'attachment; filename="Security policy.pdf"'.replace(
        "Security policy.pdf", document.original_name
    )
    assert_served_harmlessly(response, "")


def test_x_accel_redirect_refuses_a_storage_name_that_climbs_out():
    from django.http import Http404

    from registry.qualification.files import accel_location

    assert accel_location("/_private", "documents/2026/11/ab cd.pdf") == "/_private/documents/2026/11/ab%20cd.pdf"
    for name in ("../secret.pdf", "/etc/passwd", "documents/../../x", "documents\\..\\x"):
        with pytest.raises(Http404):
            accel_location("/_private/", name)


# Size and count limits


def test_a_file_over_the_limit_is_refused_next_to_the_field_and_nothing_is_kept(editing, settings, private_storage):
    client, draft = editing
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 64 * 1024
    too_big = f.pdf("big.pdf", f.PDF_BYTES + b"%" * (100 * 1024))
    response = upload(client, draft, too_big)
    assert response.status_code == 200
    assert "The file is 100.3\xa0KB; the limit is 64.0\xa0KB." in response.text
    assert not Document.objects.exists() and stored_files(private_storage) == []


def test_a_client_still_sending_far_past_the_limit_is_cut_off(editing, settings, private_storage):
    client, draft = editing
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 16 * 1024
    beyond = 2 * 16 * 1024 + CUT_OFF_MARGIN + 64 * 1024
    response = upload(client, draft, f.pdf("huge.pdf", f.PDF_BYTES + b"%" * beyond))
    assert response.status_code == 200  # the form again: the file never arrived
    assert "This field is required." in response.text
    assert not Document.objects.exists() and stored_files(private_storage) == []


def test_the_agencys_upload_has_the_same_limit(client, reviewer, complete_draft, editor, settings):
    from registry.qualification.services import dossiers as svc

    dossier = svc.dossier_take(dossier=svc.dossier_submit(dossier=complete_draft, by=editor), by=reviewer)
    before = Document.objects.count()
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 8 * 1024
    f.login_with_mfa(client, reviewer)
    response = client.post(
        reverse("admin:registry_dossier_upload", args=[dossier.pk]),
        {"kind": "other", "title": "Notes", "file": f.pdf("notes.pdf", f.PDF_BYTES + b"%" * 12000)},
        follow=True,
    )
    assert "the limit is 8.0\xa0KB" in response.text
    assert Document.objects.count() == before


def test_more_files_than_allowed_in_one_request_is_a_bad_request(editing, settings):
    client, draft = editing
    files = [f.pdf(f"f{i}.pdf") for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]
    response = client.post(documents_url(draft), {"kind": "evidence", "title": "Many", "file": files})
    assert response.status_code == 400
    assert not Document.objects.exists()


class Downstream:
    """Stands for Django's memory or temporary-file handler: records what reaches it."""

    def __init__(self):
        self.file = io.BytesIO()
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        return raw_data


def stream_through(limit, total, settings, chunk=1024):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = limit
    handler = SizeLimitUploadHandler()
    downstream = Downstream()
    handler.request = type("Request", (), {"upload_handlers": [handler, downstream]})()
    handler.new_file("file", "x.pdf", "application/pdf", total)
    sent = 0
    while sent < total:
        data = handler.receive_data_chunk(b"%" * chunk, sent)
        if data is not None:
            downstream.receive_data_chunk(data, sent)
        sent += chunk
    return handler, downstream


def test_past_the_limit_not_one_more_byte_reaches_the_handlers_that_keep_files(settings):
    handler, downstream = stream_through(10 * 1024, 15 * 1024, settings)
    assert downstream.received == 10 * 1024
    assert downstream.file.closed  # what it had kept is dropped at once
    oversized = handler.file_complete(15 * 1024)
    assert isinstance(oversized, OversizedUpload) and oversized.size == 15 * 1024
    assert oversized.read() == b""
    with pytest.raises(Refused, match="the limit is 10.0"):
        check_upload(oversized)


def test_within_the_limit_the_handler_passes_everything_on(settings):
    handler, downstream = stream_through(10 * 1024, 10 * 1024, settings)
    assert downstream.received == 10 * 1024 and handler.file_complete(10 * 1024) is None


def test_at_twice_the_limit_and_a_margin_the_upload_is_stopped(settings):
    stream_through(10 * 1024, 2 * 10 * 1024 + CUT_OFF_MARGIN, settings)  # still counted, for the clear message
    with pytest.raises(StopUpload) as stopped:
        stream_through(10 * 1024, 2 * 10 * 1024 + CUT_OFF_MARGIN + 1024, settings)
    assert stopped.value.connection_reset


def test_a_large_upload_is_fingerprinted_and_stored_without_being_read_whole_into_memory(editor, draft):
    # As Django's handler leaves a large upload: in a temporary file on disk.
    from django.core.files.uploadedfile import TemporaryUploadedFile

    size = 20 * 1024 * 1024
    uploaded = TemporaryUploadedFile("large.pdf", "application/pdf", size, None)
    uploaded.write(f.PDF_BYTES + b"%" * (size - len(f.PDF_BYTES)))
    uploaded.seek(0)
    tracemalloc.start()
    try:
        document = document_add(dossier=draft, kind="evidence", title="Large", uploaded=uploaded, by=editor)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    uploaded.close()  # the storage moved the temporary file into place
    assert document.size == size and len(document.sha256) == 64
    assert peak < size / 8, f"{peak} bytes at the peak for a {size}-byte file"
