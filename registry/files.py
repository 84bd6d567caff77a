"""Serving evidence documents: one response for the portal and the admin, after they have checked who asks."""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from registry.models import Document


def document_response(document: Document) -> FileResponse:
    """The file as an attachment under its original name; never inline, never cached, never an infected file."""
    if document.scan_status == Document.ScanStatus.INFECTED:
        raise PermissionDenied(_("This file failed the antivirus scan and cannot be downloaded."))
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The file is missing from storage.") from exc
    response = FileResponse(handle, as_attachment=True, filename=document.original_name)
    response["Content-Type"] = document.content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
