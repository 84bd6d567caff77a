"""Serving evidence documents: one response for the portal and the admin, after they have checked who asks."""

from pathlib import PurePosixPath
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from registry.accounts import audit
from registry.core.storage import open_for_download
from registry.qualification.models import Document
from registry.qualification.services.document_checks import check_reason


def document_unavailable_response(document: Document) -> HttpResponse:
    """Why a document that is not clean cannot be downloaded. 409 Conflict while it is being checked: the request is
    right but the document is not ready, and the same request will succeed later. 403 Forbidden once it is refused,
    infected or could not be checked: that is final, and the file is never served."""
    if document.scan_status == Document.ScanStatus.PENDING:
        status, title = 409, _("This document is being checked")
        message = _(
            "Every document is checked (its type, the safety of the PDF and an antivirus scan) before anyone can "
            "download it. Please try again in a few minutes."
        )
    elif document.scan_status == Document.ScanStatus.FAILED:
        status, title, message = 403, _("This document could not be checked"), check_reason(document)
    else:
        status, title = 403, _("This document was refused")
        message = _("%(reason)s The file is kept in quarantine and cannot be downloaded.") % {
            "reason": check_reason(document)
        }
    body = render_to_string("registry/document_unavailable.html", {"title": title, "message": message})
    response = HttpResponse(body, status=status)
    response["Cache-Control"] = "private, no-store"
    if status == 409:
        response["Retry-After"] = "60"
    return response


def accel_location(prefix: str, storage_name: str) -> str:
    """The internal URL nginx serves a stored file from. Storage names are random (document_upload_to); one that could
    climb out of the location is refused all the same."""
    path = PurePosixPath(storage_name)
    if path.is_absolute() or ".." in path.parts or "\\" in storage_name:
        raise Http404("No such file.")
    return prefix.rstrip("/") + "/" + quote(storage_name)


def document_response(document: Document) -> FileResponse | HttpResponse:
    """The file as an attachment under its original name; never inline, never cached, never before it is clean."""
    if document.scan_status != Document.ScanStatus.CLEAN:
        return document_unavailable_response(document)
    if settings.DOCUMENT_X_ACCEL_REDIRECT_PREFIX:
        # nginx sends the file from its internal location; Django only decided who may have it.
        response = HttpResponse()
        response["X-Accel-Redirect"] = accel_location(settings.DOCUMENT_X_ACCEL_REDIRECT_PREFIX, document.file.name)
        response["Content-Disposition"] = content_disposition_header(True, document.original_name)
    else:
        try:
            # Streamed from whichever storage holds it, local disk or object store (registry/core/storage.py).
            handle, size = open_for_download(document.file.storage, document.file.name)
        except FileNotFoundError as exc:
            raise Http404("The file is missing from storage.") from exc
        # Any name is safe here: Django writes a non-ASCII or control character as RFC 6266's filename*=utf-8''…
        response = FileResponse(handle, as_attachment=True, filename=document.original_name)
        if size is not None:
            response["Content-Length"] = str(size)
    response["Content-Type"] = document.content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # Whatever the file hides (a script after a PDF, HTML behind a PDF header), opened in a browser it runs nothing and
    # loads nothing in this origin.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def audited_document_response(request, document: Document) -> FileResponse | HttpResponse:
    """document_response(), with the reading written to the audit log: someone other than the provider's members (the
    agency, an evaluation centre) read the provider's evidence."""
    response = document_response(document)
    audit.record(
        "document.download",
        request=request,
        obj=document,
        dossier=document.dossier.reference,
        status=response.status_code,
    )
    return response
