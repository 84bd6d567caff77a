"""The certificate PDF, publicly at /verify/<number>/certificate.pdf (registry/certificates/responses.py)."""

from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from registry.certificates.responses import certificate_pdf_response, certificates_with_holder


@require_safe
def public_pdf(request, number):
    certificate = certificates_with_holder().filter(number=number.strip().upper()).first()
    if certificate is None:
        raise Http404(_("No certificate has this number."))
    # no-cache: a copy kept by a browser or proxy must be checked again, as a status may change at any time.
    return certificate_pdf_response(certificate, as_attachment=False, cache_control="no-cache")
