"""A certificate's PDF for the holder's members (registry/certificates/responses.py)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from registry.accounts.permissions import provider_for
from registry.certificates.responses import certificate_pdf_response, certificates_with_holder


@login_required
@require_safe
def certificate_pdf(request, slug, number):
    provider = provider_for(request.user, slug)  # 404 to anyone who is not a member
    certificate = certificates_with_holder().filter(number=number, service__provider=provider).first()
    if certificate is None:
        raise Http404(_("No certificate has this number."))
    return certificate_pdf_response(certificate, as_attachment=True, cache_control="private, no-store")
