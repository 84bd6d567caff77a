"""The check of each uploaded document: type by content, the PDF opened and searched for active content, pages counted;
refused files quarantined; nothing downloadable before it is clean, and the portal's and the admin's pages say why; a
submission counts what can be read.

The task (queue, retries, time limits, the periodic check) and the antivirus (ClamAV, stand-in and real) are in
test_document_check_task and test_document_antivirus."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf.actions import JavaScript, PageTrigger
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NumberObject, TextStringObject

from registry.qualification.models import Document, Dossier
from registry.qualification.services import document_checks as checks
from registry.qualification.services.documents import document_add
from registry.qualification.services.dossiers import dossier_submit
from registry.qualification.workflow import Refused
from tests import factories as f
from tests.qualification.document_files import _name, add, build_pdf, download, eicar_inside, stored_files

pytestmark = pytest.mark.django_db

S = Document.ScanStatus


# PDFs made for each case with pypdf's writer.


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


def xfa_form(writer):
    template = DecodedStreamObject()
    template.set_data(b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><script>app.alert(1)</script></xdp:xdp>')
    form = DictionaryObject({_name("/Fields"): ArrayObject(), _name("/XFA"): writer._add_object(template)})
    writer._root_object[_name("/AcroForm")] = writer._add_object(form)


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
    # The sentence first; a line saying where in the file may follow (test_pdf_actions).
    sentence = document.scan_detail.partition("\n")[0]
    assert (document.scan_status, sentence, document.quarantined) == (S.REFUSED, reason, True)
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
    # Documented behaviour: the PDF checks alone. With clamd this file is infected (test_document_antivirus).
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
    page = client.get(reverse("admin:registry_dossier_change", args=[submitted.pk]) + "?part=documents")
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
