"""Stored files deleted once a change commits: a storage that refuses (the object store unreachable, a disk error)
never turns what committed into an error, a warning names the file, and the periodic sweep deletes it later. Nothing
is deleted when the change rolls back, nor while a row names the file."""

import datetime
import logging

import pytest
import time_machine
from botocore.exceptions import EndpointConnectionError
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import transaction
from django.utils import timezone
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from registry.certificates import services as certificate_services
from registry.certificates.models import Certificate
from registry.certificates.pdf import certificate_pdf_render
from registry.core import file_deletions
from registry.core import tasks as core_tasks
from registry.core.models import PendingFileDeletion
from registry.qualification.models import Document
from registry.qualification.services import document_checks as checks
from registry.qualification.services.answers import reply_post
from registry.qualification.workflow import Refused
from tests import factories as f
from tests.qualification.document_files import add, build_pdf, stored_files

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

S = Document.ScanStatus
A_WINDOWS_PROGRAM = b"MZ\x90\x00\x03" + b"\x00" * 60


class Outage:
    """The private storage refuses every deletion, as an unreachable object store does, until `end()`."""

    def __init__(self, monkeypatch):
        self.down = True
        self.refused = []
        delete = FileSystemStorage.delete

        def refusing_delete(storage, name):
            if self.down:
                self.refused.append(name)
                raise EndpointConnectionError(endpoint_url="https://objects.invalid")
            return delete(storage, name)

        monkeypatch.setattr(FileSystemStorage, "delete", refusing_delete)

    def end(self):
        self.down = False


@pytest.fixture
def outage(monkeypatch):
    return Outage(monkeypatch)


def pending():
    return list(PendingFileDeletion.objects.values_list("name", flat=True))


def next_sweep():
    """The periodic task, run once the sweep's grace has passed."""
    with time_machine.travel(timezone.now() + file_deletions.SWEEP_AFTER + datetime.timedelta(seconds=1)):
        return core_tasks.delete_pending_files()


def javascript_on_open(writer):
    action = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("1")})
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)


def refused_upload(draft, editor, private_storage):
    document = add(draft, editor)
    (private_storage / document.file.name).write_bytes(A_WINDOWS_PROGRAM)  # refused, hence quarantined
    return document


def test_the_sweep_is_scheduled():
    entry = settings.CELERY_BEAT_SCHEDULE["delete-pending-files"]
    assert entry["task"] == "registry.core.tasks.delete_pending_files"
    assert entry["schedule"] <= 3600


def test_a_quarantine_whose_deletion_fails_keeps_its_verdict_and_the_sweep_deletes_the_original(
    draft, editor, private_storage, outage, caplog, django_capture_on_commit_callbacks
):
    document = refused_upload(draft, editor, private_storage)
    original = document.file.name
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        document = f.checked(document)
    # The verdict is committed and the copy is where the row says; the original is still there, and remembered.
    document = Document.objects.get(pk=document.pk)
    assert (document.scan_status, document.scan_detail, document.quarantined) == (S.REFUSED, checks.NOT_ACCEPTED, True)
    assert outage.refused == [original]
    assert stored_files(private_storage) == sorted([original, document.file.name])
    assert f"Could not delete the stored file {original}" in caplog.text
    assert pending() == [original]

    # Still down at the sweep: tried again, kept for the next one.
    assert next_sweep() == 0
    assert PendingFileDeletion.objects.get().attempts == 2
    assert "EndpointConnectionError" in PendingFileDeletion.objects.get().last_error

    outage.end()
    assert next_sweep() == 1
    assert stored_files(private_storage) == [document.file.name]
    assert pending() == []


def test_a_deletion_that_succeeds_leaves_nothing_pending(
    draft, editor, private_storage, django_capture_on_commit_callbacks
):
    document = refused_upload(draft, editor, private_storage)
    with django_capture_on_commit_callbacks(execute=True):
        document = f.checked(document)
    assert stored_files(private_storage) == [document.file.name]
    assert pending() == []


def test_the_sweep_waits_for_the_deletion_after_the_commit(draft, editor, private_storage, outage):
    document = refused_upload(draft, editor, private_storage)
    f.checked(document)  # no commit in this test's transaction: the deletion is pending, not yet tried
    outage.end()
    # A sweep running right after a commit leaves the deletion to that commit's own attempt.
    assert core_tasks.delete_pending_files() == 0
    assert len(stored_files(private_storage)) == 2


def test_nothing_is_deleted_when_the_change_rolls_back(
    draft, editor, private_storage, django_capture_on_commit_callbacks
):
    name = add(draft, editor).file.name
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        file_deletions.delete_on_commit(name)
        raise RuntimeError("the change fails")
    assert stored_files(private_storage) == [name]
    assert pending() == []
    assert next_sweep() == 0


def test_the_sweep_never_deletes_a_file_a_row_names(service, scheme, private_storage):
    certificate = f.certificate(service, scheme)
    certificate_pdf_render(certificate=certificate)
    name = Certificate.objects.get(pk=certificate.pk).pdf.name
    PendingFileDeletion.objects.create(name=name)  # e.g. a rerun stored the same episode again under that name
    assert next_sweep() == 0
    assert default_storage.exists(name)
    assert pending() == []


def test_a_suspension_whose_old_pdf_cannot_be_deleted_succeeds_and_the_sweep_deletes_that_pdf(
    service, scheme, administrator, outage, caplog, django_capture_on_commit_callbacks
):
    certificate = f.certificate(service, scheme)
    certificate_pdf_render(certificate=certificate)
    active_pdf = Certificate.objects.get(pk=certificate.pk).pdf.name
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        certificate_services.certificate_suspend(
            review_on=f.review_date(), certificate=certificate, by=administrator, reason="Administration abroad."
        )
    certificate = Certificate.objects.get(pk=certificate.pk)
    assert (certificate.status, certificate.pdf_status) == ("suspended", "suspended")
    assert default_storage.exists(certificate.pdf.name) and default_storage.exists(active_pdf)
    assert pending() == [active_pdf]  # asked once, though the folder's prune saw it too
    assert f"Could not delete the stored file {active_pdf}" in caplog.text

    outage.end()
    assert next_sweep() == 1
    assert not default_storage.exists(active_pdf)
    assert default_storage.exists(certificate.pdf.name)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_real_commits_a_refused_deletion_fails_neither_the_check_nor_a_refused_reply(
    draft, editor, private_storage, outage
):
    # Committed for real (PostgreSQL in CI): the upload's commit runs its check, whose commit runs the deletion.
    document = add(draft, editor, build_pdf(configure=javascript_on_open))
    original = outage.refused[0]
    assert original == document.file.name
    assert Document.objects.get(pk=document.pk).quarantined
    # A reply refused after its new document was stored: the provider gets the refusal, not the storage's error, and
    # the stored file of the document that was never saved is remembered for the sweep.
    with pytest.raises(Refused, match="The message is empty"):
        reply_post(
            dossier=draft,
            by=editor,
            body=" ",
            kind="evidence",
            title="Annex",
            uploaded=f.pdf("annex.pdf", build_pdf()),
        )
    orphan = outage.refused[1]
    assert sorted(pending()) == sorted([original, orphan])
    assert Document.objects.count() == 1

    outage.end()
    assert next_sweep() == 2
    assert stored_files(private_storage) == [Document.objects.get().file.name]
