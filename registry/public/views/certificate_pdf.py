"""The certificate PDF, publicly at /verify/<number>/certificate.pdf and to the holder's members in the portal.

A stored PDF is served only when it shows the certificate's current status. When the worker has not drawn the new one
yet (it is behind, or Redis was down), the view draws it in memory for this response: a few tens of milliseconds,
no write on a GET, and nobody is ever handed a PDF that still says "active" for a suspended certificate, nor told to
come back later. The worker (or the periodic task) stores it as usual.
"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from registry.accounts.permissions import provider_for
from registry.certificates.models import Certificate
from registry.certificates.pdf import certificate_pdf_bytes, pdf_is_current
from registry.core.storage import open_for_download


def _certificates():
    return Certificate.objects.select_related("service__provider", "scheme")


def _pdf_response(certificate: Certificate, *, as_attachment: bool, cache_control: str):
    filename = f"{certificate.number}.pdf"
    response = None
    if pdf_is_current(certificate):
        try:
            handle, size = open_for_download(certificate.pdf.storage, certificate.pdf.name)
        except FileNotFoundError:
            response = None  # the row names a file the storage lost: draw it
        else:
            response = FileResponse(handle, as_attachment=as_attachment, filename=filename)
            if size is not None:
                response["Content-Length"] = str(size)
    if response is None:
        response = HttpResponse(certificate_pdf_bytes(certificate))
        response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    response["Content-Type"] = "application/pdf"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = cache_control
    return response


@require_safe
def public_pdf(request, number):
    certificate = _certificates().filter(number=number.strip().upper()).first()
    if certificate is None:
        raise Http404(_("No certificate has this number."))
    # no-cache: a copy kept by a browser or proxy must be checked again, as a status may change at any time.
    return _pdf_response(certificate, as_attachment=False, cache_control="no-cache")


@login_required
@require_safe
def portal_pdf(request, slug, number):
    provider = provider_for(request.user, slug)  # 404 to anyone who is not a member
    certificate = _certificates().filter(number=number, service__provider=provider).first()
    if certificate is None:
        raise Http404(_("No certificate has this number."))
    return _pdf_response(certificate, as_attachment=True, cache_control="private, no-store")
