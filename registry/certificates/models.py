from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.catalogue.models import Scheme
from registry.certificates import reasons
from registry.certificates.choices import LIVE_CERTIFICATE_STATUSES, CertificateStatus
from registry.providers.models import Service
from registry.qualification.models import Dossier


class Certificate(models.Model):
    """The qualification granted to a service. Its status history is public (CertificateEvent).

    No field history (simple-history) here, unlike the provider's records: a certificate's fields are set at issue and
    never edited; its status moves are in CertificateEvent (who, when, why) and the audit log; and its PDF is redrawn
    from the row, the earlier files pruned."""

    Status = CertificateStatus

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    dossier = models.OneToOneField(Dossier, on_delete=models.PROTECT, related_name="certificate", editable=False)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="certificates", editable=False)
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="certificates", editable=False)
    scope = models.TextField(_("scope"))
    conditions = models.TextField(_("conditions and reserves"), blank=True)
    issued_on = models.DateField(_("issued"))
    expires_on = models.DateField(_("expires"))
    status = models.CharField(
        _("status"), max_length=12, choices=CertificateStatus.choices, default=CertificateStatus.ACTIVE, editable=False
    )
    status_changed_at = models.DateTimeField(_("in this status since"), default=timezone.now, editable=False)
    pdf = models.FileField(_("PDF"), upload_to="certificates/", blank=True, editable=False)
    # The status the current PDF shows: when it differs from `status`, the PDF is due for regeneration.
    pdf_status = models.CharField(_("PDF shows"), max_length=12, blank=True, editable=False)
    # While suspended: when the agency plans to look at it again (reinstate, withdraw); the agency's, never public.
    review_due_on = models.DateField(_("review planned on"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-issued_on", "-number"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "scheme"],
                condition=Q(status__in=LIVE_CERTIFICATE_STATUSES),
                name="certificate_one_live_per_service_and_scheme",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("issued_on")), name="certificate_expires_after_issue"
            ),
        ]

    def __str__(self):
        return self.number


class CertificateEvent(models.Model):
    """The public status history of a certificate, as in the EU trusted lists' service history."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("status"), max_length=12, choices=CertificateStatus.choices)
    reason = models.TextField(_("reason"), blank=True)
    # The day the change took effect, when the agency records it apart from the day it was entered (a suspension
    # effective since the day an incident came to light); public, like the reason.
    effective_on = models.DateField(_("effective from"), null=True, blank=True)
    # The agency's own note on the change: never published, never e-mailed to the public.
    internal_note = models.TextField(_("internal note"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    notified_at = models.DateTimeField(_("notified"), null=True, blank=True)

    class Meta:
        ordering = ["certificate", "created_at", "pk"]
        verbose_name = _("certificate event")
        verbose_name_plural = _("certificate events")

    def __str__(self):
        return f"{self.certificate} {self.status}"

    def save(self, *args, **kwargs):
        if self.pk is not None and set(kwargs.get("update_fields") or ()) != {"notified_at"}:
            raise ValueError("CertificateEvent is append-only; only notified_at may be updated.")
        super().save(*args, **kwargs)

    @property
    def reason_display(self) -> str:
        """The reason for people: the registry's own reasons in the reader's language (stored in English)."""
        return reasons.display(self.reason)
