"""An embeddable SVG badge with a certificate's live status (/badge/<number>.svg).

Other sites embed it with <img>: it is served with a short cache, to anyone (CORS), and carries no script; every text
in it goes through the template's escaping.
"""

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_safe

from registry.certificates import rules
from registry.certificates.choices import CertificateStatus
from registry.certificates.models import Certificate

MAX_AGE = 300

# (label, background): white text on each background passes WCAG AA contrast (4.5:1).
LOOKS = {
    CertificateStatus.ACTIVE: (pgettext_lazy("badge", "qualified"), "#2e7d32"),
    CertificateStatus.SUSPENDED: (pgettext_lazy("badge", "suspended"), "#b45309"),
    CertificateStatus.WITHDRAWN: (pgettext_lazy("badge", "withdrawn"), "#b91c1c"),
    CertificateStatus.EXPIRED: (pgettext_lazy("badge", "expired"), "#4b5563"),
    CertificateStatus.SUPERSEDED: (pgettext_lazy("badge", "superseded"), "#4b5563"),
    "unknown": (pgettext_lazy("badge", "unknown"), "#6b7280"),
}
LEFT_COLOUR = "#374151"

# Verdana at 11 px averages about 7 px a character; textLength then fits the text exactly into its box.
CHAR_WIDTH = 7
PADDING = 10


def live_status(certificate: Certificate | None) -> str:
    """The status now (a certificate past its expiry date is expired even before the nightly task records it)."""
    if certificate is None:
        return "unknown"
    return rules.live_status(certificate, timezone.localdate())


def certificate_by_number(number: str) -> Certificate | None:
    return Certificate.objects.select_related("scheme").filter(number=number).first()


def _box(text: str) -> dict:
    width = len(text) * CHAR_WIDTH + 2 * PADDING
    return {"text": text, "width": width, "text_length": width - 2 * PADDING}


@require_safe
def badge(request, number: str):
    number = number[:40]
    certificate = certificate_by_number(number)
    status = live_status(certificate)
    status_label, colour = LOOKS[status]
    left = _box(certificate.scheme.name if certificate else _("certificate"))
    right = _box(str(status_label))
    context = {
        "left": left,
        "right": right,
        "right_x": left["width"],
        "width": left["width"] + right["width"],
        "left_colour": LEFT_COLOUR,
        "colour": colour,
        "title": _("Certificate %(number)s: %(status)s") % {"number": number, "status": status_label},
    }
    response = HttpResponse(
        render_to_string("registry/publication/badge.svg", context),
        content_type="image/svg+xml; charset=utf-8",
        # An unknown number answers 404, with a badge that says so for the pages that embed it.
        status=200 if certificate is not None else 404,
    )
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response["Access-Control-Allow-Origin"] = "*"
    # Opened directly rather than through <img>, the SVG still may not run anything nor load anything.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response["X-Content-Type-Options"] = "nosniff"
    return response
