"""Adding evidence documents: checked by content, fingerprinted, stored under a random name, versioned."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from registry.qualification.models import Answer, Document, Dossier
from registry.qualification.services.documents import document_add
from registry.qualification.services.dossiers import current_documents
from registry.qualification.workflow import Refused
from tests import factories as f

pytestmark = pytest.mark.django_db

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64

# Each starts like a PDF but cannot be read; the last two once made the PDF parser raise errors outside its own family.
# The upload keeps them (the request does not parse PDFs); their check refuses them and puts them in quarantine.
UNREADABLE_PDFS = {
    "garbage": b"%PDF-1.4 this is not really a PDF at all",
    "truncated": f.PDF_BYTES[:80],
    "broken_reference": f.PDF_BYTES.replace(b"/Kids[3 0 R]", b"/Kids[3 0 \xb8]")
    .replace(b"3 0 obj<</Type/Page/Parent", b"~ 0 obj<</Type/Page/Paren9")
    .replace(b"trailer<<", b"trailer0<"),
    "broken_xref": f.PDF_BYTES.replace(b"/MediaBox", b"/MediaB?x")
    .replace(b"0 4\n0000000000 65535 f", b"0 440000000000 6553] f")
    .replace(b"0000000101 00000 n", b"00 000R101 00000 n"),
}


def stored_files(root):
    return sorted(p for p in root.rglob("*") if p.is_file())


def add(dossier, by, *, kind="evidence", title="Network diagram", uploaded=None):
    return document_add(dossier=dossier, kind=kind, title=title, uploaded=uploaded or f.pdf(), by=by)


def test_it_stores_a_document_under_a_random_name_with_its_fingerprint(draft, editor, private_storage):
    doc = add(draft, editor, uploaded=f.pdf("Secret plan – Q3.pdf"))
    assert doc.original_name == "Secret plan – Q3.pdf"
    assert "Secret" not in doc.file.name
    assert doc.file.name.startswith("documents/")
    assert doc.file.name.endswith(".pdf")
    assert (doc.sha256, doc.size, doc.pages) == (hashlib.sha256(f.PDF_BYTES).hexdigest(), len(f.PDF_BYTES), None)
    assert (doc.content_type, doc.version, doc.previous, doc.uploaded_by) == ("application/pdf", 1, None, editor)
    assert doc.scan_status == Document.ScanStatus.PENDING  # the PDF is opened and its pages counted by the check
    assert (f.checked(doc).scan_status, f.checked(doc).pages) == (Document.ScanStatus.CLEAN, 1)
    [path] = stored_files(private_storage)
    assert path.read_bytes() == f.PDF_BYTES
    assert path.relative_to(private_storage).as_posix() == doc.file.name


def test_two_files_of_the_same_name_are_stored_apart(draft, editor, private_storage):
    first = add(draft, editor, title="Diagram A", uploaded=f.pdf("plan.pdf"))
    second = add(draft, editor, title="Diagram B", uploaded=f.pdf("plan.pdf"))
    assert first.file.name != second.file.name
    assert len(stored_files(private_storage)) == 2


def test_it_refuses_a_png_renamed_as_a_pdf(draft, editor, private_storage):
    fake = SimpleUploadedFile("report.pdf", PNG_BYTES, content_type="application/pdf")
    with pytest.raises(Refused, match=r"not accepted\. Accepted: PDF"):
        add(draft, editor, uploaded=fake)
    assert not Document.objects.exists()
    assert stored_files(private_storage) == []


def test_it_accepts_a_png_when_the_agency_accepts_images(settings, draft, editor):
    settings.DOCUMENT_ALLOWED_TYPES = ["application/pdf", "image/png"]
    doc = add(draft, editor, uploaded=SimpleUploadedFile("scan.pdf", PNG_BYTES, content_type="application/pdf"))
    assert (doc.content_type, doc.pages) == ("image/png", None)


def test_it_refuses_a_file_over_the_size_limit(settings, draft, editor, private_storage):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = len(f.PDF_BYTES) - 1
    with pytest.raises(Refused, match="the limit is"):
        add(draft, editor)
    assert not Document.objects.exists()
    assert stored_files(private_storage) == []


def test_a_file_exactly_at_the_size_limit_is_accepted(settings, draft, editor):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = len(f.PDF_BYTES)
    assert add(draft, editor).size == len(f.PDF_BYTES)


def test_it_refuses_an_empty_file(draft, editor):
    with pytest.raises(Refused, match="empty"):
        add(draft, editor, uploaded=SimpleUploadedFile("empty.pdf", b"", content_type="application/pdf"))
    assert not Document.objects.exists()


@pytest.mark.parametrize("content", UNREADABLE_PDFS.values(), ids=UNREADABLE_PDFS.keys())
def test_the_check_refuses_an_unreadable_pdf_and_quarantines_it(
    draft, editor, private_storage, content, django_capture_on_commit_callbacks
):
    doc = add(draft, editor, uploaded=f.pdf("broken.pdf", content))
    stored_as = doc.file.name
    with django_capture_on_commit_callbacks(execute=True):
        doc = f.checked(doc)
    assert (doc.scan_status, doc.quarantined) == (Document.ScanStatus.REFUSED, True)
    assert doc.scan_detail == "The PDF cannot be read; it may be damaged or not really a PDF."
    [path] = stored_files(private_storage)  # moved, not copied, and not deleted
    assert path.relative_to(private_storage).as_posix() == doc.file.name == f"quarantine/{stored_as}"
    assert path.read_bytes() == content


@pytest.mark.parametrize(
    ("kind", "title", "reason"), [("photo", "Diagram", "Unknown kind"), ("evidence", "  ", "title")]
)
def test_it_refuses_an_unknown_kind_or_a_blank_title(draft, editor, kind, title, reason):
    with pytest.raises(Refused, match=reason):
        add(draft, editor, kind=kind, title=title)
    assert not Document.objects.exists()


# Versions.


def test_the_same_kind_and_title_makes_a_new_version(draft, editor, owner, private_storage):
    v1 = add(draft, editor, title="Network diagram")
    v2 = add(draft, owner, title="  network DIAGRAM ", uploaded=f.pdf("diagram-v2.pdf", f.PDF_BYTES + b"\n% v2\n"))
    assert (v2.version, v2.previous, v2.title) == (2, v1, "Network diagram")
    assert v2.sha256 != v1.sha256
    v1.refresh_from_db()
    assert v1.next_version == v2
    assert Document.objects.filter(pk=v1.pk).exists()
    assert list(current_documents(draft)) == [v2]
    assert len(stored_files(private_storage)) == 2  # the first version's file is kept
    v3 = add(draft, editor, title="Network diagram")
    assert (v3.version, v3.previous) == (3, v2)
    assert list(current_documents(draft)) == [v3]


def test_another_title_or_kind_starts_its_own_chain(draft, editor):
    first = add(draft, editor, kind="evidence", title="Network diagram")
    other_title = add(draft, editor, kind="evidence", title="Rack diagram")
    other_kind = add(draft, editor, kind="other", title="Network diagram")
    assert [d.version for d in (first, other_title, other_kind)] == [1, 1, 1]
    assert {d.pk for d in current_documents(draft)} == {first.pk, other_title.pk, other_kind.pk}


# Who may add, and when.


@pytest.mark.parametrize("who", ["viewer", "other_owner", "reviewer", "administrator"])
def test_it_refuses_documents_from_viewers_other_providers_and_the_agency_on_a_draft(request, draft, who):
    with pytest.raises(Refused, match="cannot be added to this dossier now"):
        add(draft, request.getfixturevalue(who))
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    "status",
    [s for s in Dossier.Status.values if s not in (Dossier.Status.DRAFT, Dossier.Status.CHANGES_REQUESTED)],
)
def test_the_provider_adds_documents_only_while_it_can_edit_the_dossier(service, scheme, owner, status):
    d = f.dossier(service, scheme, status=status)
    with pytest.raises(Refused, match="cannot be added to this dossier now"):
        add(d, owner)
    assert not Document.objects.exists()


def test_the_provider_adds_documents_when_changes_are_requested(service, scheme, editor):
    d = f.dossier(service, scheme, status=Dossier.Status.CHANGES_REQUESTED)
    assert add(d, editor).dossier == d


def test_the_instructing_reviewer_adds_other_documents_even_once_the_dossier_is_sent_to_decision(
    service, scheme, reviewer
):
    d = f.dossier(service, scheme, status=Dossier.Status.DECISION, instructing_reviewer=reviewer)
    assert add(d, reviewer, kind="other", title="Minutes of the hearing").uploaded_by == reviewer


@pytest.mark.parametrize("status", [Dossier.Status.IN_REVIEW, Dossier.Status.EVALUATION, Dossier.Status.DECISION])
@pytest.mark.parametrize("who", ["reviewer", "second_reviewer", "decision_maker", "administrator", "editor"])
def test_nobody_uploads_the_evaluation_report_the_centre_submits_it(request, service, scheme, reviewer, who, status):
    # The centre submits it with its grid of verdicts (registry.evaluation.grid.report_submit, tests/evaluation).
    d = f.dossier(service, scheme, status=status, instructing_reviewer=reviewer)
    with pytest.raises(Refused, match="the centre submits it from its space"):
        add(d, request.getfixturevalue(who), kind="evaluation_report", title="Evaluation report")
    assert not d.documents.exists()


@pytest.mark.parametrize("who", ["decision_maker", "administrator"])
def test_other_agency_members_do_not_add_documents(request, service, scheme, reviewer, who):
    d = f.dossier(service, scheme, status=Dossier.Status.EVALUATION, instructing_reviewer=reviewer)
    with pytest.raises(Refused, match="cannot be added"):
        add(d, request.getfixturevalue(who), kind="other", title="Annex")


def test_a_failed_upload_leaves_the_dossier_as_it_was(complete_draft, editor, private_storage):
    answers_before = list(Answer.objects.filter(dossier=complete_draft).values_list("pk", "status", "justification"))
    documents_before = list(current_documents(complete_draft).values_list("pk", "version", "sha256"))
    files_before = stored_files(private_storage)
    policy = current_documents(complete_draft).get(kind="security_policy")
    with pytest.raises(Refused):
        # Would have become version 2 of the policy.
        add(complete_draft, editor, kind="security_policy", title=policy.title, uploaded=f.pdf("p.pdf", PNG_BYTES))
    assert list(current_documents(complete_draft).values_list("pk", "version", "sha256")) == documents_before
    assert Document.objects.filter(dossier=complete_draft).count() == len(documents_before)
    assert list(Answer.objects.filter(dossier=complete_draft).values_list("pk", "status", "justification")) == (
        answers_before
    )
    assert stored_files(private_storage) == files_before
