"""Checking an uploaded document before anyone may download it: its type read from its bytes, the PDF opened and
searched for active content, its pages counted, and a scan by ClamAV when clamd is configured.

The upload itself (registry/qualification/services/documents.py) only stores the file, pending; `check_on_commit` queues
registry.qualification.tasks.check_document once the upload is committed, and the periodic check_pending_documents picks up what
the queue lost or what waited for clamd. Outcomes:

- clean: downloadable;
- refused (not an accepted type, encrypted, unreadable, active content) or infected: moved to the quarantine folder
  of private storage (never deleted), with the reason in words for the uploader;
- failed: the check could not finish (the file is missing, clamd answered with an error, the time limit was hit);
  not downloadable, the file stays where it is for the agency to look at;
- clamd unreachable: the document stays pending ("being checked") and is checked again later.

Without CLAMD_SOCKET or CLAMD_HOST in the settings there is no antivirus scan: a document passing the other checks is
clean. scan_detail keeps the reason as its English source sentence, so that each reader sees it in their own language
(the `check_reason` template filter); any line after the first is technical detail shown as it is.
"""

import logging
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from registry.core.clamd import Clamd, ScannerError
from registry.core.queue import queue_on_commit
from registry.qualification.models import Document
from registry.qualification.services import documents as document_services

logger = logging.getLogger(__name__)

Status = Document.ScanStatus
# Neither downloadable nor counted as present for a submission: the provider has to upload the document again.
UNUSABLE = (Status.REFUSED, Status.INFECTED, Status.FAILED)
QUARANTINE_DIR = "quarantine"

NOT_ACCEPTED = gettext_noop("The content of this file is not of an accepted type, whatever its name says.")
ENCRYPTED = gettext_noop("The PDF is encrypted or protected by a password. Please upload it without protection.")
MALFORMED = gettext_noop("The PDF cannot be read; it may be damaged or not really a PDF.")
JAVASCRIPT = gettext_noop("The PDF contains JavaScript, which is not accepted. Please upload a version without it.")
LAUNCH = gettext_noop("The PDF contains an action that launches a program, which is not accepted.")
EMBEDDED = gettext_noop(
    "The PDF carries attached files, which are not accepted. Please upload each attached file as a document of its own."
)
XFA = gettext_noop("The PDF contains an XFA form, which can run scripts and is not accepted. Please print it to PDF.")
INFECTED = gettext_noop("The antivirus found malware in this file.")
SCAN_ERROR = gettext_noop(
    "The antivirus could not scan this file. Please upload it again; if this happens again, write to the agency."
)
MISSING = gettext_noop("The file is missing from storage. Please upload it again.")
TIMED_OUT = gettext_noop("The check did not finish in time. Please upload the document again, or a lighter version.")


class UnacceptablePdf(Exception):
    """The PDF cannot be accepted, for `reason` (one of the sentences above). It never leaves the check: it becomes a
    refused Verdict on the document, where workflow.Refused answers a person's request."""

    @property
    def reason(self) -> str:
        return self.args[0]


@dataclass(frozen=True)
class Verdict:
    status: str
    detail: str = ""
    pages: int | None = None
    content_type: str | None = None


def check_reason(document) -> str:
    """Why a document was refused or could not be checked, in the reader's language: scan_detail's first line is the
    English source sentence, translated here; a further line is technical detail (the antivirus's signature name)."""
    reason, _newline, detail = (document.scan_detail or "").partition("\n")
    reason = gettext(reason) if reason else ""
    return f"{reason} ({detail.strip()})" if detail.strip() else reason


def scanner() -> Clamd | None:
    """The configured clamd, or None when there is no antivirus to ask."""
    if settings.CLAMD_SOCKET:
        return Clamd(socket_path=settings.CLAMD_SOCKET, timeout=settings.CLAMD_TIMEOUT)
    if settings.CLAMD_HOST:
        return Clamd(host=settings.CLAMD_HOST, port=settings.CLAMD_PORT, timeout=settings.CLAMD_TIMEOUT)
    return None


def _active_content(reader: PdfReader) -> str | None:
    """Walk every object reachable from the trailer (catalogue, pages, annotations, outlines, forms, names trees) and
    return the reason to refuse the first active content found: JavaScript anywhere (document, page, field or
    annotation actions, the /Names /JavaScript tree), launch actions, attached files, XFA forms. Stream data is not
    decoded: active content lives in dictionaries; what streams hold is the antivirus's business."""
    seen: set[tuple[int, int]] = set()
    stack = [reader.trailer]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):  # stream objects too: their dictionary
            keys = set(obj.keys())
            if keys & {"/JS", "/JavaScript"}:
                return JAVASCRIPT
            if keys & {"/EmbeddedFiles", "/EF"} or obj.get("/Type") == "/EmbeddedFile":
                return EMBEDDED
            if "/XFA" in keys:
                return XFA
            action = obj.get("/S")
            if isinstance(action, IndirectObject):
                action = action.get_object()
            if action == "/JavaScript":
                return JAVASCRIPT
            if action == "/Launch":
                return LAUNCH
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return None


def inspect_pdf(stream) -> int:
    """The number of pages of a PDF that may be opened safely; raise UnacceptablePdf otherwise."""
    try:
        reader = PdfReader(stream)
        if reader.is_encrypted:
            raise UnacceptablePdf(ENCRYPTED)
        pages = len(reader.pages)
        reason = _active_content(reader)
    except (UnacceptablePdf, SoftTimeLimitExceeded):
        raise
    except Exception as exc:
        # The file comes from outside: a malformed one makes pypdf raise far more than PdfReadError (AttributeError,
        # RecursionError, LimitReachedError, ...). Whatever it raises, the PDF cannot be read.
        logger.info("Unreadable PDF: %r", exc)
        raise UnacceptablePdf(MALFORMED) from exc
    if reason:
        raise UnacceptablePdf(reason)
    return pages


def check_content(stream) -> Verdict:
    """The verdict on a file's bytes. Raises ScannerUnavailable when clamd is configured but cannot be reached."""
    content_type = document_services.sniff_type(stream.read(16))
    stream.seek(0)
    if content_type not in settings.DOCUMENT_ALLOWED_TYPES:
        return Verdict(Status.REFUSED, NOT_ACCEPTED, content_type=content_type)
    pages = None
    if content_type == "application/pdf":
        try:
            pages = inspect_pdf(stream)
        except UnacceptablePdf as exc:
            return Verdict(Status.REFUSED, exc.reason, content_type=content_type)
        stream.seek(0)
    clamd = scanner()
    if clamd is not None:
        try:
            result = clamd.scan(stream)
        except ScannerError as exc:
            logger.error("clamd at %s answered: %s", clamd, exc)
            return Verdict(Status.FAILED, f"{SCAN_ERROR}\n{exc}", pages=pages, content_type=content_type)
        if result.infected:
            return Verdict(Status.INFECTED, f"{INFECTED}\n{result.signature}", pages=pages, content_type=content_type)
    return Verdict(Status.CLEAN, pages=pages, content_type=content_type)


def document_check(*, document_id: int) -> Document | None:
    """Check a pending document and record the verdict; a document already checked (or gone) is left as it is, so
    that running twice, or concurrently, does no harm. Raises ScannerUnavailable: the document stays pending."""
    document = Document.objects.filter(pk=document_id).first()
    if document is None or document.scan_status != Status.PENDING:
        return document
    try:
        with document.file.open("rb") as stream:
            verdict = check_content(stream)
    except FileNotFoundError:
        verdict = Verdict(Status.FAILED, MISSING)
    return _record(document_id, verdict)


def document_check_timed_out(*, document_id: int) -> Document | None:
    """The task's soft time limit struck: a file this slow to check is not accepted, rather than tried forever."""
    return _record(document_id, Verdict(Status.FAILED, TIMED_OUT))


def _record(document_id: int, verdict: Verdict) -> Document | None:
    with transaction.atomic():
        # Locked, and only while still pending: of two concurrent checks, the second finds the verdict and stops.
        document = Document.objects.select_for_update().filter(pk=document_id, scan_status=Status.PENDING).first()
        if document is None:
            return Document.objects.filter(pk=document_id).first()
        document.scan_status = verdict.status
        document.scan_detail = verdict.detail
        document.checked_at = timezone.now()
        document.pages = verdict.pages
        document.content_type = verdict.content_type or document.content_type
        fields = ["scan_status", "scan_detail", "checked_at", "pages", "content_type"]
        if verdict.status in (Status.REFUSED, Status.INFECTED):
            _quarantine(document)
            fields += ["file", "quarantined"]
        document.save(update_fields=fields)
    if verdict.status == Status.CLEAN:
        logger.info("Document %s is clean.", document_id)
    else:
        logger.warning("Document %s is %s: %s", document_id, verdict.status, verdict.detail.replace("\n", " – "))
    return document


def _quarantine(document: Document) -> None:
    """Move the file into the quarantine folder: copied first, the original deleted only once the row says where the
    copy is. A crash in between leaves two copies, never none."""
    storage = document.file.storage
    original = document.file.name
    with storage.open(original, "rb") as source:
        document.file.name = storage.save(f"{QUARANTINE_DIR}/{original}", source)
    document.quarantined = True
    transaction.on_commit(lambda: storage.delete(original))


def documents_to_recheck(*, older_than) -> list[int]:
    """Pending documents uploaded before `older_than` (their check was lost with the queue, or waits for clamd).
    None while the configured clamd is still unreachable: queueing checks that would only wait serves nothing."""
    pending = list(
        Document.objects.filter(scan_status=Status.PENDING, uploaded_at__lt=older_than)
        .order_by("uploaded_at")
        .values_list("pk", flat=True)[:500]
    )
    clamd = scanner()
    if pending and clamd is not None and not clamd.ping():
        logger.warning("clamd at %s is unreachable: %d documents wait for their check.", clamd, len(pending))
        return []
    return pending


def check_on_commit(document_id: int) -> None:
    """Queue the check once the upload is committed; if the broker is unreachable, check_pending_documents will."""
    from registry.qualification import tasks  # the task calls this module: the arrow stays lazy

    queue_on_commit(tasks.check_document, document_id)
