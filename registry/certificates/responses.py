"""The certificate PDF as an HTTP answer, for the public verification page and for the holder's members in the portal.

A stored PDF is served only when it shows the certificate's current status. When the worker has not drawn the new one
yet (it is behind, or Redis was down), the PDF is drawn in memory for this response: a few tens of milliseconds, no
write on a GET, and nobody is ever handed a PDF that still says "active" for a suspended certificate, nor told to come
back later. The worker (or the periodic task) stores it as usual.
"""

from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header

from registry.certificates.models import Certificate
from registry.certificates.pdf import certificate_pdf_bytes, pdf_is_current
from registry.core.storage import open_for_download


def certificates_with_holder():
    return Certificate.objects.select_related("service__provider", "scheme")


def certificate_pdf_response(certificate: Certificate, *, as_attachment: bool, cache_control: str) -> HttpResponse:
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
