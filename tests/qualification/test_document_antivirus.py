"""The antivirus scan of each document by ClamAV: the clamd client against a stand-in (the whole file streamed in
chunks, an error answer, a daemon that never answers), and against the real clamd when CLAMD_SOCKET names one (EICAR
quarantined as infected; clamd stopped, then back)."""

import os
import tempfile
import time

import pytest
from django.urls import reverse
from pypdf.generic import DecodedStreamObject

from registry.core.clamd import ScannerUnavailable
from registry.qualification import tasks as document_tasks
from registry.qualification.models import Document
from registry.qualification.services import document_checks as checks
from tests import factories as f
from tests.qualification.document_files import (
    _name,
    add,
    build_pdf,
    download,
    eicar_inside,
    past_the_grace,
    stored_files,
)

pytestmark = pytest.mark.django_db

S = Document.ScanStatus


LIVE_CLAMD = os.environ.get("CLAMD_SOCKET", "")
needs_clamd = pytest.mark.skipif(
    not LIVE_CLAMD,
    reason="CLAMD_SOCKET is not set: run clamd with the EICAR test signature, as .ci/run does, to scan for real",
)


def big_stream():
    stream = DecodedStreamObject()
    stream.set_data(b"0 0 m 10 10 l S\n" * 16_000)
    return stream


# The clamd client against a stand-in clamd: the protocol, its error answers and a daemon that never answers.


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
