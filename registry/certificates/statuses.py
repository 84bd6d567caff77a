"""The tone of each certificate status (registry/core/statuses.py)."""

from registry.certificates.choices import CertificateStatus
from registry.core.statuses import status_badge

C = CertificateStatus
CERTIFICATE_TONES = {
    C.ACTIVE: "success",
    C.SUSPENDED: "warning",
    C.WITHDRAWN: "danger",
    C.EXPIRED: "ended",
    C.SUPERSEDED: "ended",
}


def certificate_badge(status) -> str:
    return status_badge(status, CertificateStatus, CERTIFICATE_TONES)
