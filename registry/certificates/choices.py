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
