"""Adding evidence documents: checked, fingerprinted and stored under a random name in private storage."""

import hashlib
import io

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from pypdf import PdfReader

from registry import workflow
from registry.models import Document, Dossier
from registry.permissions import actor_for
from registry.workflow import Refused

# Magic numbers of the types an agency may accept; the browser's declared type is never trusted.
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "application/zip": (b"PK\x03\x04",),
}
# Providers add documents while they can edit the dossier; the agency adds its own (evaluation report) while instructing.
PROVIDER_EDITABLE = (Dossier.Status.DRAFT, Dossier.Status.CHANGES_REQUESTED)
AGENCY_EDITABLE = (Dossier.Status.IN_REVIEW, Dossier.Status.EVALUATION, Dossier.Status.DECISION)


def sniff_type(head: bytes) -> str | None:
    for content_type, signatures in SIGNATURES.items():
        if any(head.startswith(sig) for sig in signatures):
            return content_type
    return None


def count_pdf_pages(data: bytes) -> int | None:
    # The file comes from outside: a malformed one makes pypdf raise far more than PdfReadError (AttributeError,
    # LimitReachedError, ...). Whatever it raises, the PDF cannot be read, and the upload must be refused, not crash.
    try:
        return len(PdfReader(io.BytesIO(data)).pages)
    except Exception:
        return None


def check_upload(uploaded) -> tuple[str, bytes]:
    """Refuse a file over the size limit or of a type not accepted; return its real type and content."""
    limit = settings.DOCUMENT_MAX_UPLOAD_BYTES
    if uploaded.size > limit:
        raise Refused(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(uploaded.size), "limit": filesizeformat(limit)}
        )
    if uploaded.size == 0:
        raise Refused(_("The file is empty."))
    uploaded.seek(0)
    data = uploaded.read()
    content_type = sniff_type(data[:16])
    if content_type not in settings.DOCUMENT_ALLOWED_TYPES:
        accepted = ", ".join(t.split("/")[-1].upper() for t in settings.DOCUMENT_ALLOWED_TYPES)
        raise Refused(_("This type of file is not accepted. Accepted: %(types)s.") % {"types": accepted})
    if content_type == "application/pdf" and count_pdf_pages(data) is None:
        raise Refused(_("This PDF cannot be read; it may be damaged or encrypted."))
    return content_type, data


def _may_add(actor, dossier) -> bool:
    if actor.groups:
        return dossier.status in AGENCY_EDITABLE and actor.in_group(workflow.REVIEWERS)
    return dossier.status in PROVIDER_EDITABLE and actor.provider_role(dossier.service.provider_id) in (
        workflow.OWNER,
        workflow.EDITOR,
    )


def document_add(*, dossier, kind: str, title: str, uploaded, by) -> Document:
    """Store a document. The same kind and title as a current document makes it that document's next version."""
    if kind not in Document.Kind.values:
        raise Refused(_("Unknown kind of document."))
    if not title.strip():
        raise Refused(_("Please give the document a title."))
    actor = actor_for(by)
    with transaction.atomic():
        # Checked on a fresh, locked copy: the caller's object may be stale, and the status must not move meanwhile.
        locked = Dossier.objects.select_for_update(of=("self",)).select_related("service").get(pk=dossier.pk)
        if not _may_add(actor, locked):
            raise Refused(_("Documents cannot be added to this dossier now."))
        content_type, data = check_upload(uploaded)
        # of=self: the next_version filter is a nullable outer join, which PostgreSQL refuses to lock.
        previous = (
            Document.objects.select_for_update(of=("self",))
            .filter(dossier=locked, kind=kind, title__iexact=title.strip(), next_version__isnull=True)
            .first()
        )
        document = Document(
            dossier=locked,
            kind=kind,
            title=previous.title if previous else title.strip(),
            original_name=(uploaded.name or "document")[-255:],
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            content_type=content_type,
            pages=count_pdf_pages(data) if content_type == "application/pdf" else None,
            version=previous.version + 1 if previous else 1,
            previous=previous,
            uploaded_by=by,
        )
        uploaded.seek(0)
        document.file.save(uploaded.name or "document", uploaded, save=False)
        # If the row cannot be written, the stored file must not stay behind as an orphan.
        try:
            document.save()
        except Exception:
            document.file.delete(save=False)
            raise
        if not actor.groups and locked.declared_at is not None:
            # A provider's new evidence changes what the declaration vouched for: it must be signed again.
            locked.declared_at = None
            locked.declared_by = None
            locked.save(update_fields=["declared_at", "declared_by"])
    return document
