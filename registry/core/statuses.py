"""One look per status for dossiers and certificates, shared by the public pages, the portal and the agency's workspace.

A badge is always the status's own words (the model's choice label) on a tone: colour is never the only signal. Each
tone is a class defined twice with the same colours, in static/css/site.css and static/registry/admin.css (the admin does
not load Bootstrap); every pair of text and background colours has a contrast of at least 7:1.
"""

from django.utils.html import format_html

from registry.certificates.choices import CertificateStatus
from registry.qualification.choices import DossierStatus

D, C = DossierStatus, CertificateStatus
DOSSIER_TONES = {
    D.DRAFT: "neutral",
    D.SUBMITTED: "info",
    D.IN_REVIEW: "info",
    D.CHANGES_REQUESTED: "warning",
    D.EVALUATION: "progress",
    D.DECISION: "progress",
    D.QUALIFIED: "success",
    D.REJECTED: "danger",
    D.WITHDRAWN: "ended",
}
CERTIFICATE_TONES = {
    C.ACTIVE: "success",
    C.SUSPENDED: "warning",
    C.WITHDRAWN: "danger",
    C.EXPIRED: "ended",
    C.SUPERSEDED: "ended",
}


def _badge(status, choices, tones) -> str:
    try:
        known = choices(status)
    except ValueError:
        # A status the code no longer knows (an old row): show it as it is rather than break the page.
        return format_html('<span class="tcr-status tcr-status-neutral">{}</span>', status or "—")
    return format_html('<span class="tcr-status tcr-status-{}">{}</span>', tones[known], known.label)


def dossier_badge(status) -> str:
    return _badge(status, DossierStatus, DOSSIER_TONES)


def certificate_badge(status) -> str:
    return _badge(status, CertificateStatus, CERTIFICATE_TONES)
