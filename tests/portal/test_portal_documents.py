"""A dossier's documents in the portal: upload (with and without the progress script), versions, and the download
that only the provider's members and the agency get."""

import hashlib
import json

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from registry.catalogue.models import Requirement
from registry.qualification.models import Answer, Document, Dossier
from registry.qualification.services.documents import document_add
from tests import factories as f

pytestmark = pytest.mark.django_db

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


def url(name, *args):
    return reverse(f"portal:{name}", args=args)


def stored_files(root):
    return sorted(p for p in root.rglob("*") if p.is_file())


def upload(client, dossier, *, kind="evidence", title="Network diagram", file=None, **extra):
    return client.post(
        url("dossier-documents", dossier.reference), {"kind": kind, "title": title, "file": file or f.pdf()}, **extra
    )


@pytest.fixture
def answered(draft, editor):
    """The draft with one answer and one document, to show a failed upload leaves them as they were."""
    document = document_add(dossier=draft, kind="security_policy", title="Policy", uploaded=f.pdf(), by=editor)
    requirement = Requirement.objects.get(scheme=draft.scheme, ref="19.2")
    answer = Answer.objects.create(dossier=draft, requirement=requirement, status="met", justification="In France.")
    answer.evidence.set([document])
    return draft


def snapshot(dossier):
    dossier.refresh_from_db()
    answers = [
        (a.requirement_id, a.status, a.justification, sorted(a.evidence.values_list("pk", flat=True)))
        for a in dossier.answers.all()
    ]
    documents = list(dossier.documents.values_list("pk", "sha256", "version"))
    return dossier.status, answers, documents


def test_an_upload_is_stored_under_a_random_name_and_its_facts_are_shown(client, editor, draft, private_storage):
    client.force_login(editor)
    response = upload(client, draft, title="Network diagram", file=f.pdf("Réseau – confidentiel.pdf"))
    assert response.status_code == 302
    assert response["Location"] == url("dossier-documents", draft.reference)
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["“Network diagram” uploaded (version 1)."]
    document = Document.objects.get(dossier=draft)
    assert document.original_name == "Réseau – confidentiel.pdf"
    assert "confidentiel" not in document.file.name
    [path] = stored_files(private_storage)
    assert path.read_bytes() == f.PDF_BYTES
    page = client.get(url("dossier-documents", draft.reference))
    assert "Being checked" in page.text
    assert url("document-download", document.pk) not in page.text  # not before the check says it is clean
    f.checked(document)
    page = client.get(url("dossier-documents", draft.reference))
    assert "Réseau – confidentiel.pdf" in page.text
    assert hashlib.sha256(f.PDF_BYTES).hexdigest() in page.text
    assert f"{len(f.PDF_BYTES)}\xa0bytes" in page.text
    assert "1 page" in page.text
    assert "Being checked" not in page.text
    assert url("document-download", document.pk) in page.text


def test_the_same_kind_and_title_make_a_new_version_and_old_versions_stay_downloadable(client, editor, draft):
    client.force_login(editor)
    upload(client, draft, title="Network diagram", file=f.pdf("v1.pdf"))
    second_content = f.PDF_BYTES.replace(b"612 792", b"595 842")
    upload(client, draft, title="network DIAGRAM", file=f.pdf("v2.pdf", second_content))
    upload(client, draft, kind="risk_analysis", title="Network diagram", file=f.pdf("other-kind.pdf"))
    for document in Document.objects.all():
        f.checked(document)
    first, second = Document.objects.filter(dossier=draft, kind="evidence").order_by("version")
    assert (first.version, second.version, second.previous) == (1, 2, first)
    assert second.title == "Network diagram"
    assert Document.objects.get(kind="risk_analysis").version == 1
    page = client.get(url("dossier-documents", draft.reference))
    assert "1 older version" in page.text
    assert url("document-download", first.pk) in page.text
    old = client.get(url("document-download", first.pk))
    assert old.status_code == 200
    assert b"".join(old.streaming_content) == f.PDF_BYTES
    assert 'filename="v1.pdf"' in old["Content-Disposition"]


def test_a_new_version_link_prefills_kind_and_title(client, editor, draft):
    document_add(dossier=draft, kind="risk_analysis", title="Risk analysis 2026", uploaded=f.pdf(), by=editor)
    client.force_login(editor)
    page = client.get(url("dossier-documents", draft.reference))
    assert "?kind=risk_analysis&amp;title=Risk%20analysis%202026#upload" in page.text
    form = client.get(
        url("dossier-documents", draft.reference), {"kind": "risk_analysis", "title": "Risk analysis 2026"}
    ).context["form"]
    assert (form["kind"].value(), form["title"].value()) == ("risk_analysis", "Risk analysis 2026")


def test_the_download_is_an_attachment_with_the_original_name_and_nosniff(client, viewer, draft, editor):
    document = document_add(
        dossier=draft, kind="evidence", title="Plan", uploaded=f.pdf("plan de reprise.pdf"), by=editor
    )
    f.checked(document)
    client.force_login(viewer)
    response = client.get(url("document-download", document.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "plan de reprise.pdf" in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == f.PDF_BYTES


def test_nobody_else_downloads_a_document(client, draft, editor, other_owner):
    document = document_add(dossier=draft, kind="evidence", title="Plan", uploaded=f.pdf(), by=editor)
    download = url("document-download", document.pk)
    anonymous = client.get(download)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("account_login"))
    for person in (other_owner, f.user(), f.user(staff=True)):  # another provider, a stranger, staff without a group
        f.login_with_mfa(client, person)
        assert client.get(download).status_code == 404
    assert client.get(url("document-download", document.pk + 1000)).status_code == 404


def test_the_agency_downloads_any_document(client, draft, editor, reviewer, decision_maker):
    document = f.checked(document_add(dossier=draft, kind="evidence", title="Plan", uploaded=f.pdf(), by=editor))
    for person in (reviewer, decision_maker):
        f.login_with_mfa(client, person)
        assert client.get(url("document-download", document.pk)).status_code == 200


def test_a_document_lost_from_storage_is_404_not_500(client, draft, editor):
    document = f.checked(document_add(dossier=draft, kind="evidence", title="Plan", uploaded=f.pdf(), by=editor))
    document.file.delete(save=False)
    client.force_login(editor)
    assert client.get(url("document-download", document.pk)).status_code == 404


# Bad input: each refusal next to its field, nothing saved, nothing lost


def test_a_file_of_the_wrong_type_is_refused_next_to_the_file_field(client, editor, answered, private_storage):
    before, files = snapshot(answered), stored_files(private_storage)
    client.force_login(editor)
    response = upload(
        client, answered, title="Diagram", file=SimpleUploadedFile("diagram.pdf", PNG_BYTES, "application/pdf")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["This type of file is not accepted. Accepted: PDF."]
    assert "This type of file is not accepted. Accepted: PDF." in response.text
    assert 'value="Diagram"' in response.text  # the title typed stays
    assert snapshot(answered) == before
    assert stored_files(private_storage) == files


def test_a_file_over_the_limit_is_refused_with_the_limit(client, editor, answered, private_storage, settings):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 100
    before, files = snapshot(answered), stored_files(private_storage)
    client.force_login(editor)
    response = upload(client, answered)
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        f"The file is {len(f.PDF_BYTES)}\xa0bytes; the limit is 100\xa0bytes."
    ]
    assert "up to 100\xa0bytes" in response.text  # the help says the limit before the upload
    assert 'data-max-bytes="100"' in response.text  # and the script refuses before sending
    assert snapshot(answered) == before
    assert stored_files(private_storage) == files


def test_an_unreadable_pdf_is_refused_by_its_check_with_the_reason_next_to_it(client, editor, answered):
    # The request does not parse PDFs (a worker does, under a time limit): the upload is kept, then refused.
    client.force_login(editor)
    response = upload(client, answered, kind="risk_analysis", file=f.pdf("broken.pdf", b"%PDF-1.4 nothing else"))
    assert response.status_code == 302
    document = f.checked(Document.objects.get(original_name="broken.pdf"))
    assert document.scan_status == Document.ScanStatus.REFUSED
    page = client.get(url("dossier-documents", answered.reference))
    assert "The PDF cannot be read; it may be damaged or not really a PDF." in page.text
    assert url("document-download", document.pk) not in page.text
    assert "✗ Risk analysis – missing" in page.text  # a refused document does not count for the submission
    assert client.get(url("document-download", document.pk)).status_code == 403


def test_a_missing_title_or_file_is_refused_next_to_the_field(client, editor, answered):
    before = snapshot(answered)
    client.force_login(editor)
    response = client.post(url("dossier-documents", answered.reference), {"kind": "evidence", "title": " "})
    errors = response.context["form"].errors
    assert set(errors) == {"title", "file"}
    assert snapshot(answered) == before


def test_an_empty_file_is_refused(client, editor, answered):
    client.force_login(editor)
    response = upload(client, answered, file=SimpleUploadedFile("empty.pdf", b"", "application/pdf"))
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not Document.objects.filter(title="Network diagram").exists()


def test_the_accepted_types_are_a_setting(client, editor, draft, settings):
    settings.DOCUMENT_ALLOWED_TYPES = ["application/pdf", "image/png"]
    client.force_login(editor)
    page = client.get(url("dossier-documents", draft.reference))
    assert "PDF, PNG, up to" in page.text
    assert 'accept="application/pdf,image/png"' in page.text
    response = upload(client, draft, file=SimpleUploadedFile("scan.png", PNG_BYTES, "image/png"))
    assert response.status_code == 302
    document = Document.objects.get(dossier=draft)
    assert (document.content_type, document.pages) == ("image/png", None)


def test_the_agencys_kind_is_not_offered_to_providers(client, editor, draft):
    client.force_login(editor)
    response = upload(client, draft, kind="evaluation_report", title="Our own report")
    assert response.status_code == 200
    assert "kind" in response.context["form"].errors
    assert not Document.objects.exists()


# The progress script


def test_the_upload_form_works_with_the_progress_script_and_without_inline_script(client, editor, draft):
    client.force_login(editor)
    page = client.get(url("dossier-documents", draft.reference))
    assert 'src="/static/js/upload.js"' in page.text
    assert "data-upload " in page.text and "data-upload-progress" in page.text
    assert "<script>" not in page.text  # every script comes from a static file (a CSP is coming)
    response = upload(client, draft, **XHR)
    assert response.status_code == 200
    assert json.loads(response.content) == {"redirect": url("dossier-documents", draft.reference)}
    assert Document.objects.filter(dossier=draft).count() == 1
    # The message waits for the page the script goes to.
    assert "uploaded (version 1)" in client.get(url("dossier-documents", draft.reference)).text


def test_a_refused_upload_by_the_script_gets_the_form_with_its_errors(client, editor, draft):
    client.force_login(editor)
    response = upload(client, draft, file=SimpleUploadedFile("x.pdf", PNG_BYTES, "application/pdf"), **XHR)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert 'id="upload-form"' in response.text
    assert "This type of file is not accepted." in response.text


def test_the_script_is_served(client):
    from django.contrib.staticfiles import finders

    path = finders.find("js/upload.js")
    assert path is not None
    with open(path, encoding="utf-8") as script:
        text = script.read()
    assert 'xhr.upload.addEventListener("progress"' in text
    assert "X-Requested-With" in text


# Who may upload


def test_a_viewer_cannot_upload(client, viewer, draft):
    client.force_login(viewer)
    page = client.get(url("dossier-documents", draft.reference))
    assert page.status_code == 200
    assert 'id="upload-form"' not in page.text
    assert upload(client, draft).status_code == 403
    assert not Document.objects.exists()


def test_another_provider_cannot_see_or_upload(client, other_owner, draft):
    client.force_login(other_owner)
    assert client.get(url("dossier-documents", draft.reference)).status_code == 404
    assert upload(client, draft).status_code == 404
    assert not Document.objects.exists()


def test_a_new_document_is_uploaded_with_a_reply_to_a_change_request(client, editor, reviewer, complete_draft):
    from registry.qualification.services import dossiers as svc

    d = svc.dossier_submit(dossier=complete_draft, by=editor)
    svc.dossier_take(dossier=d, by=reviewer)
    svc.dossier_request_changes(dossier=d, by=reviewer, comment="Add the support contract.")
    client.force_login(editor)
    page = client.get(url("dossier-message", d.reference))
    assert "Add a new document (optional)" in page.text
    response = client.post(
        url("dossier-message", d.reference),
        {
            "body": "Contract attached.",
            "kind": "service_agreement",
            "title": "Support contract",
            "file": f.pdf("contract.pdf"),
        },
        **XHR,
    )
    assert json.loads(response.content) == {"redirect": url("dossier-message", d.reference)}
    document = Document.objects.get(title="Support contract")
    assert list(document.messages.values_list("body", flat=True)) == ["Contract attached."]
    d.refresh_from_db()
    assert d.status == Dossier.Status.CHANGES_REQUESTED


def test_the_documents_page_runs_a_bounded_number_of_queries(client, editor, draft, django_assert_max_num_queries):
    for i in range(20):
        document_add(dossier=draft, kind="evidence", title=f"Doc {i % 12}", uploaded=f.pdf(), by=editor)
    assert Document.objects.filter(next_version__isnull=False).count() == 8
    client.force_login(editor)
    # session, user, dossier, memberships, requirements, answers, document kinds, every version with its uploader
    with django_assert_max_num_queries(8):
        page = client.get(url("dossier-documents", draft.reference))
    assert page.text.count("older version") == 8
