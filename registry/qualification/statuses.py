"""The tone of each dossier status (registry/core/statuses.py)."""

from registry.core.statuses import status_badge
from registry.qualification.choices import DossierStatus

D = DossierStatus
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


def dossier_badge(status) -> str:
    return status_badge(status, DossierStatus, DOSSIER_TONES)
