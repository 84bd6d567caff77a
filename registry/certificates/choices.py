"""The states of a certificate."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CertificateStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")
    SUPERSEDED = "superseded", _("Superseded")


# A certificate in one of these states is in force or may return to it: at most one per service and scheme.
LIVE_CERTIFICATE_STATUSES = (CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED)
# No longer in force: the public archive.
ARCHIVED_CERTIFICATE_STATUSES = (CertificateStatus.WITHDRAWN, CertificateStatus.EXPIRED, CertificateStatus.SUPERSEDED)


# --- After qualification: the certificate's three years. ---


class ChangeKind(models.TextChoices):
    """What a change notice touches. Ownership or control is rule 19.6.f's: to be notified within one month."""

    OWNERSHIP = "ownership", _("Ownership or control (19.6.f)")
    LOCATION = "location", _("Location of data or operations")
    THIRD_PARTY = "third_party", _("Third party")
    SCOPE = "scope", _("Scope of the service")
    OTHER = "other", _("Other")


class ChangeType(models.TextChoices):
    """FedRAMP's words for a significant change: adaptive changes keep the service's nature, transformative ones alter
    it (and need a second person at the agency to accept them)."""

    ADAPTIVE = "adaptive", _("Adaptive")
    TRANSFORMATIVE = "transformative", _("Transformative")


class ChangeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FILED = "filed", _("Filed, awaiting the agency")
    ACCEPTANCE_PROPOSED = "acceptance_proposed", _("Acceptance proposed, awaiting a second person")
    ACCEPTED = "accepted", _("Accepted")
    REEVALUATION = "reevaluation", _("Re-evaluation requested")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# A change notice in one of these states waits on the agency (or on a re-evaluation): at most one per certificate
# scope at a time is not enforced, several may wait, each judged on its own proposed record.
OPEN_CHANGE_STATUSES = (ChangeStatus.FILED, ChangeStatus.ACCEPTANCE_PROPOSED, ChangeStatus.REEVALUATION)


class SurveillanceOutcome(models.TextChoices):
    MAINTAINED = "maintained", _("Qualification maintained")
    MAINTAINED_WITH_CONDITIONS = "maintained_with_conditions", _("Maintained with conditions")
    SUSPENSION_PROPOSED = "suspension_proposed", _("Suspension proposed")


class ConditionState(models.TextChoices):
    """Stored states; "overdue" is not stored: an open condition past its due date (certificates.rules)."""

    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered, awaiting the agency")
    MET = "met", _("Met")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class IncidentStage(models.TextChoices):
    """The report types of an incident, as FedRAMP names them: one initial report, updates, one final report."""

    INITIAL = "initial", _("Initial report")
    ONGOING = "ongoing", _("Update")
    FINAL = "final", _("Final report")
