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

What a PDF may not carry, and why (the rule `_active_content` applies):

- anything that runs code: JavaScript (an action, the document's /Names tree, a /JS entry anywhere), launch actions,
  XFA forms;
- anything that opens or reads another file, or sends data out, whether run by itself or clicked: GoToR (another PDF,
  which may be a UNC path such as \\\\host\\share: opening it hands the reviewer's Windows credentials to that host),
  GoToE (a file embedded here or in another PDF), ImportData, SubmitForm; and attached files;
- any URI action that runs by itself: the document's /OpenAction, or an additional action (/AA: when the document or a
  page opens or closes, when a field or an annotation is entered, left, pressed, focused, seen...), and every action
  chained to these by /Next. Opening the document must never reach a host;
- a URI action the reader clicks (a link annotation, a button, a bookmark) is accepted when it goes to a web page or an
  e-mail address (http, https, mailto): reviewers follow such links in certification evidence as in any report, and
  the browser opening them applies its own protections. Any other link (file:, smb:, javascript:, a bare UNC path, a
  relative address the viewer would resolve against the local disk) is refused like GoToR.

Names are compared once decoded (pypdf decodes the escapes, so /J#61vaScript is /JavaScript), and every object the
cross-reference lists is examined, the ones inside compressed object streams and the ones no page refers to included
(a viewer repairing a damaged file may reach them). A file pypdf cannot parse is refused; its raw bytes are searched
for these names only to say which construct it carries rather than merely that it is damaged.
"""

import logging
import re
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from pypdf import PdfReader
from pypdf.generic import ArrayObject, ByteStringObject, DictionaryObject, IndirectObject, NameObject

from registry.core import file_deletions
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
OPENS_FILE = gettext_noop(
    "The PDF contains a link or action that opens another file, possibly on the network, which is not accepted. "
    "Please remove it and upload that file as a document of its own."
)
IMPORTS_DATA = gettext_noop(
    "The PDF contains an action that imports data from another file, which is not accepted. Please print it to PDF."
)
SENDS_DATA = gettext_noop(
    "The PDF contains a form that sends what is typed into it to an address, which is not accepted. "
    "Please print it to PDF."
)
OPENS_ADDRESS = gettext_noop(
    "The PDF opens an internet or network address by itself when it is opened or read, which is not accepted. "
    "Links that the reader chooses to follow are accepted."
)
LINK_NOT_WEB = gettext_noop(
    "The PDF contains a link to something other than a web page or an e-mail address (a file, a network share, a "
    "script), which is not accepted. Please remove the link or make it a web address (https://…)."
)
INFECTED = gettext_noop("The antivirus found malware in this file.")
SCAN_ERROR = gettext_noop(
    "The antivirus could not scan this file. Please upload it again; if this happens again, write to the agency."
)
MISSING = gettext_noop("The file is missing from storage. Please upload it again.")
TIMED_OUT = gettext_noop("The check did not finish in time. Please upload the document again, or a lighter version.")


class UnacceptablePdf(Exception):
    """The PDF cannot be accepted, for `reason` (one of the sentences above, maybe followed by a line saying where in
    the file). It never leaves the check: it becomes a refused Verdict on the document, where workflow.Refused
    answers a person's request."""

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


# Action types refused wherever they are, whether they run by themselves or are clicked.
REFUSED_ACTIONS = {
    "/JavaScript": JAVASCRIPT,
    "/Launch": LAUNCH,
    "/GoToR": OPENS_FILE,
    "/GoToE": OPENS_FILE,
    "/ImportData": IMPORTS_DATA,
    "/SubmitForm": SENDS_DATA,
}
# Keys whose mere presence refuses the dictionary that holds them.
REFUSED_KEYS = {"/JS": JAVASCRIPT, "/JavaScript": JAVASCRIPT, "/EmbeddedFiles": EMBEDDED, "/EF": EMBEDDED, "/XFA": XFA}
# What a link the reader clicks may open.
LINK_SCHEMES = {"http", "https", "mailto"}
URI_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


@dataclass(frozen=True)
class Found:
    """Active content found in a PDF: the sentence for the uploader, and where it was, in PDF's own words (the
    technical line under the sentence: the same in every language, and what the agency looks for in the file)."""

    reason: str
    where: str


class _Walk:
    """Where an object was reached from. PLAIN: anywhere. RUNS: an action that runs by itself (the value of
    /OpenAction, of an /AA entry, or chained to one of these by /Next). TRIGGERS: an /AA dictionary, whose values run
    by themselves."""

    PLAIN, RUNS, TRIGGERS = "plain", "runs", "triggers"


def _uri_of(action: DictionaryObject) -> str:
    uri = action.get("/URI")
    if isinstance(uri, IndirectObject):
        uri = uri.get_object()
    if isinstance(uri, ByteStringObject):
        uri = bytes(uri).decode("latin-1")
    # Viewers and browsers drop surrounding blanks and control characters, so does the comparison.
    return "".join(ch for ch in str(uri or "") if ch.isprintable()).strip()


def _refused_action(action: DictionaryObject, *, runs: bool, where: str) -> Found | None:
    kind = action.get("/S")
    if isinstance(kind, IndirectObject):
        kind = kind.get_object()
    if not isinstance(kind, NameObject):
        return None
    if kind in REFUSED_ACTIONS:
        return Found(REFUSED_ACTIONS[kind], _at(where, f"/S {kind}"))
    if kind == "/URI":
        if runs:
            return Found(OPENS_ADDRESS, _at(where, "/S /URI"))
        scheme = URI_SCHEME.match(_uri_of(action))
        if scheme is None or scheme.group(1).lower() not in LINK_SCHEMES:
            return Found(LINK_NOT_WEB, _at(where, f"/S /URI {scheme.group(0) if scheme else '(no scheme)'}"))
    return None


def _at(where: str, what: str) -> str:
    return f"{where}: {what}" if where else what


def _every_object(reader: PdfReader) -> list[IndirectObject]:
    """Every object the cross-reference lists, those inside compressed object streams included, whether or not the
    document refers to it."""
    listed = [(idnum, generation) for generation, objects in reader.xref.items() for idnum in objects]
    listed += [(idnum, 0) for idnum in reader.xref_objStm]
    return [IndirectObject(idnum, generation, reader) for idnum, generation in sorted(set(listed))]


def _active_content(reader: PdfReader) -> Found | None:
    """Walk every object reachable from the trailer (catalogue, pages, annotations, outlines, forms, names trees),
    then every other object the file lists, and return the first active content found (the module's docstring says
    what is refused). Whether an action runs by itself depends on where it was reached from, so an object is walked
    once for each way it is reached. Stream data is not decoded: active content lives in dictionaries; what streams
    hold is the antivirus's business."""
    seen: set[tuple[int, int, str]] = set()
    stack: list[tuple[object, str, str]] = [(obj, _Walk.PLAIN, "") for obj in reversed(_every_object(reader))]
    stack.append((reader.trailer, _Walk.PLAIN, ""))
    while stack:
        obj, context, where = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation, context)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):  # stream objects too: their dictionary
            for name, reason in REFUSED_KEYS.items():
                if name in obj:
                    return Found(reason, _at(where, name))
            if obj.get("/Type") == "/EmbeddedFile":
                return Found(EMBEDDED, "/Type /EmbeddedFile")
            found = _refused_action(obj, runs=context == _Walk.RUNS, where=where)
            if found:
                return found
            is_action = "/S" in obj
            for name, value in obj.items():
                if context == _Walk.TRIGGERS:
                    stack.append((value, _Walk.RUNS, f"{where} {name}"))
                elif name == "/OpenAction":
                    stack.append((value, _Walk.RUNS, "/OpenAction"))
                elif name == "/AA":
                    stack.append((value, _Walk.TRIGGERS, "/AA"))
                elif name == "/Next" and is_action and context == _Walk.RUNS:
                    stack.append((value, _Walk.RUNS, f"{where} /Next"))
                else:
                    stack.append((value, _Walk.PLAIN, name))
        elif isinstance(obj, ArrayObject):
            inherited = context if context == _Walk.RUNS else _Walk.PLAIN  # a /Next array of actions
            stack.extend((item, inherited, where) for item in obj)
    return None


# The same names in a file pypdf cannot parse, found in its raw bytes with their escapes decoded (/J#61vaScript):
# only to name what it carries. /JS counts only before a string, /EF not at all: short names turn up in binary data.
RAW_NAME = re.compile(rb"/((?:[^\x00\t\n\x0c\r ()<>\[\]{}/%#]|#[0-9A-Fa-f]{2})+)(\s*[(<]?)")
RAW_NAMES = {
    "JavaScript": JAVASCRIPT,
    "Launch": LAUNCH,
    "GoToR": OPENS_FILE,
    "GoToE": OPENS_FILE,
    "ImportData": IMPORTS_DATA,
    "SubmitForm": SENDS_DATA,
    "EmbeddedFile": EMBEDDED,
    "EmbeddedFiles": EMBEDDED,
    "XFA": XFA,
}


def _raw_active_content(data: bytes) -> Found | None:
    for match in RAW_NAME.finditer(data):
        name = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        name = name.decode("latin-1")
        if name in RAW_NAMES:
            return Found(RAW_NAMES[name], "/" + match.group(1).decode("latin-1"))
        if name == "JS" and match.group(2).strip():
            return Found(JAVASCRIPT, "/" + match.group(1).decode("latin-1"))
    return None


def inspect_pdf(stream) -> int:
    """The number of pages of a PDF that may be opened safely; raise UnacceptablePdf otherwise."""
    try:
        reader = PdfReader(stream)
        if reader.is_encrypted:
            raise UnacceptablePdf(ENCRYPTED)
        pages = len(reader.pages)
        found = _active_content(reader)
    except (UnacceptablePdf, SoftTimeLimitExceeded):
        raise
    except Exception as exc:
        # The file comes from outside: a malformed one makes pypdf raise far more than PdfReadError (AttributeError,
        # RecursionError, LimitReachedError, ...). Whatever it raises, the PDF cannot be read: refused, saying what
        # it carries when its bytes show it.
        logger.info("Unreadable PDF: %r", exc)
        stream.seek(0)
        found = _raw_active_content(stream.read())
        raise UnacceptablePdf(f"{found.reason}\n{found.where}" if found else MALFORMED) from exc
    if found:
        raise UnacceptablePdf(f"{found.reason}\n{found.where}")
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
    copy is. A crash in between leaves two copies, never none; a storage refusing the deletion leaves it to the sweep
    (registry/core/file_deletions.py), and the verdict stands."""
    storage = document.file.storage
    original = document.file.name
    with storage.open(original, "rb") as source:
        document.file.name = storage.save(f"{QUARANTINE_DIR}/{original}", source)
    document.quarantined = True
    file_deletions.delete_on_commit(original)


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
