"""Adding evidence documents: fingerprinted and stored under a random name in private storage, pending their check.

The request checks only what is cheap and certain (size, type by magic bytes) to refuse obvious mistakes next to the
form field. Opening the PDF, counting its pages and the antivirus scan run in a worker after the commit
(registry/qualification/services/document_checks.py): untrusted files are never parsed by the web process, which has no time limit."""

import hashlib

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from registry.accounts.permissions import actor_for
from registry.core import file_deletions
from registry.core.uploads import display_name
from registry.qualification import rules
from registry.qualification.models import Document, Dossier
from registry.qualification.services import document_checks as checks
from registry.qualification.services.declaration import void_declaration
from registry.qualification.workflow import Refused

# Magic numbers of the types an agency may accept; the browser's declared type is never trusted.
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "application/zip": (b"PK\x03\x04",),
}


def sniff_type(head: bytes) -> str | None:
    for content_type, signatures in SIGNATURES.items():
        if any(head.startswith(sig) for sig in signatures):
            return content_type
    return None


def check_upload(uploaded) -> tuple[str, str]:
    """Refuse a file over the size limit or of a type not accepted; return its real type and its SHA-256. The file is
    read in chunks, never whole into memory (registry.core.uploads already stopped keeping it past the limit)."""
    limit = settings.DOCUMENT_MAX_UPLOAD_BYTES
    if uploaded.size > limit:
        raise Refused(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(uploaded.size), "limit": filesizeformat(limit)}
        )
    if uploaded.size == 0:
        raise Refused(_("The file is empty."))
    uploaded.seek(0)
    content_type = sniff_type(uploaded.read(16))
    if content_type not in settings.DOCUMENT_ALLOWED_TYPES:
        accepted = ", ".join(t.split("/")[-1].upper() for t in settings.DOCUMENT_ALLOWED_TYPES)
        raise Refused(_("This type of file is not accepted. Accepted: %(types)s.") % {"types": accepted})
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return content_type, digest.hexdigest()


def store_document(*, dossier_id: int, kind: str, title: str, uploaded, by, versions=None, **supports) -> Document:
    """Store one upload as a Document of the dossier, inside the caller's transaction: its type and size checked, its
    SHA-256 taken, saved under a random name, its check queued after the commit. `versions`: the documents among which
    a current one with the same title makes this its next version (None: never a version of another). `supports`:
    what a document filed after the decision supports (change_notice=, surveillance_audit=, condition=, incident=).
    A file whose row could not be written is discarded, never left an orphan."""
    if not title.strip():
        raise Refused(_("Please give the document a title."))
    content_type, sha256 = check_upload(uploaded)
    previous = None
    if versions is not None:
        # of=self: the next_version filter is a nullable outer join, which PostgreSQL refuses to lock.
        previous = (
            versions.select_for_update(of=("self",))
            .filter(title__iexact=title.strip(), next_version__isnull=True)
            .first()
        )
    document = Document(
        dossier_id=dossier_id,
        kind=kind,
        title=previous.title if previous else title.strip()[:200],
        original_name=display_name(uploaded.name),
        sha256=sha256,
        size=uploaded.size,
        content_type=content_type,
        version=previous.version + 1 if previous else 1,
        previous=previous,
        uploaded_by=by,
        **supports,
    )
    uploaded.seek(0)
    document.file.save(uploaded.name or "document", uploaded, save=False)
    try:
        document.save()
    except Exception:
        file_deletions.discard(document.file.name)
        raise
    checks.check_on_commit(document.pk)
    return document


def document_add(*, dossier, kind: str, title: str, uploaded, by) -> Document:
    """Store a document. The same kind and title as a current document makes it that document's next version."""
    if kind not in Document.Kind.values:
        raise Refused(_("Unknown kind of document."))
    if not title.strip():
        raise Refused(_("Please give the document a title."))
    actor = actor_for(by)
    document = None
    try:
        with transaction.atomic():
            # Checked on a fresh, locked copy: the caller's object may be stale, and the status must not move meanwhile.
            locked = Dossier.objects.select_for_update(of=("self",)).select_related("service").get(pk=dossier.pk)
            refusal = rules.document_refusal(actor, locked, kind)
            if refusal:
                raise Refused(refusal)
            document = store_document(
                dossier_id=locked.pk,
                kind=kind,
                title=title,
                uploaded=uploaded,
                by=by,
                versions=Document.objects.filter(dossier=locked, kind=kind),
            )
            if rules.change_voids_declaration(actor, locked):
                void_declaration(locked)
    except Exception:
        # The row was not committed (the database failed after it was written): its file must not stay an orphan.
        if document is not None:
            file_deletions.discard(document.file.name)
        raise
    return document
