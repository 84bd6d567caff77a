"""What a provider pastes into its own site to show its certificate: the live status badge (/badge/<number>.svg),
linked to the certificate's verification page, with a text alternative that says what the image is and where it
leads. Absolute URLs from SITE_URL, as in the e-mails and the feed: the request's host is never trusted for them."""

from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _


def badge_snippet(certificate) -> str:
    """The HTML to embed, in the reader's language: an <a> to the verification wrapping the badge's <img>."""
    alt = _("%(scheme)s certificate %(number)s: check its status in the Trusted Cloud Registry") % {
        "scheme": certificate.scheme,
        "number": certificate.number,
    }
    return format_html(
        '<a href="{}"><img src="{}" alt="{}" height="20"></a>',
        settings.SITE_URL + reverse("registry:verify-number", args=[certificate.number]),
        settings.SITE_URL + reverse("registry:badge", args=[certificate.number]),
        alt,
    )
