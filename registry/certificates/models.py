from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.catalogue.models import EvaluationCenter, Scheme
from registry.certificates import reasons
from registry.certificates.choices import (
    LIVE_CERTIFICATE_STATUSES,
    CertificateStatus,
    ChangeKind,
    ChangeStatus,
    ChangeType,
    ConditionState,
    IncidentStage,
    SurveillanceOutcome,
)
from registry.core import bilingual
from registry.core.validators import validate_single_line
from registry.providers.models import Provider, Service
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
    # Public texts people write come in both languages: the plain field holds the English text, `<field>_fr` the
    # French one. Where one is missing a page shows the other, marked with its `lang` (core.bilingual).
    scope_fr = models.TextField(_("scope (French)"), blank=True)
    conditions = models.TextField(_("conditions and reserves"), blank=True)
    conditions_fr = models.TextField(_("conditions and reserves (French)"), blank=True)
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
    # A suspension someone at the agency proposed (from a surveillance audit, a refused change, an incident) and nobody
    # has acted on yet: the certificate waits in the workspace until it is suspended or the proposal dismissed.
    suspension_proposed_at = models.DateTimeField(_("suspension proposed"), null=True, blank=True, editable=False)
    suspension_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    suspension_proposal = models.TextField(_("why a suspension is proposed"), blank=True, editable=False)

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
        # The public archive (withdrawn, expired, superseded), newest change first: its pages read ids in this order.
        indexes = [
            models.Index(
                fields=["-status_changed_at", "-id"],
                name="certificate_archive",
                condition=Q(status__in=("withdrawn", "expired", "superseded")),
            )
        ]

    def __str__(self):
        return self.number


class CertificateEvent(models.Model):
    """The public status history of a certificate, as in the EU trusted lists' service history."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("status"), max_length=12, choices=CertificateStatus.choices)
    reason = models.TextField(_("reason"), blank=True)
    reason_fr = models.TextField(_("reason (French)"), blank=True)
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
        # The registry's latest events (the home, the feed) read the newest few: an index scan, not a sort of them all.
        indexes = [models.Index(fields=["-created_at", "-id"], name="certificateevent_latest")]

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

    @property
    def reason_text(self) -> bilingual.Text:
        """The public reason in the reader's language (core.bilingual): the agency's French or English text, the other
        language's standing in where one is blank (marked with its `lang` by {% bilingual %}); the registry's own
        reasons translated, never a stand-in."""
        text = bilingual.text_in(self, "reason")
        if text and not self.reason_fr:
            shown = reasons.display(self.reason)
            if shown != self.reason:
                return bilingual.Text(shown, bilingual.page_language(), False)
        return text


# --- After qualification: what was certified, and the three years that follow. ---


class CertifiedRecord(models.Model):
    """What a certificate covers, as certified: one immutable version at issue and one per accepted change.

    `content` is certificates.records.capture()'s dict (service name, model, description; scope; the provider's legal
    name, 19.6.a countries and shareholders; sites by role and country; third parties). While a certificate is live, the
    provider's rows it covers change only by an accepted change notice, which writes the next version here: the public
    registry therefore always shows the latest version, and this table keeps every earlier one."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="records")
    version = models.PositiveIntegerField(_("version"))
    content = models.JSONField(_("certified record"))
    adopted_at = models.DateTimeField(_("adopted"), default=timezone.now)
    change_notice = models.ForeignKey(
        "ChangeNotice", on_delete=models.PROTECT, null=True, blank=True, related_name="records"
    )

    class Meta:
        ordering = ["certificate", "version"]
        verbose_name = _("certified record")
        verbose_name_plural = _("certified records")
        # The registry's latest accepted changes (the home, the feed) read the newest few.
        indexes = [models.Index(fields=["-adopted_at", "-id"], name="certifiedrecord_latest")]
        constraints = [
            models.UniqueConstraint(fields=["certificate", "version"], name="certified_record_unique_version")
        ]

    def __str__(self):
        return f"{self.certificate} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("A certified record is never rewritten: an accepted change adds a version.")
        super().save(*args, **kwargs)


class ChangeNotice(models.Model):
    """A provider's notice of a change to what its certificates cover, instead of an edit (DESIGN: after qualification).

    `provider` always; `service` when the change is the service's (sites, third parties, scope, its description), null
    when it is the organisation's (ownership, legal name, 19.6.a countries): then it concerns every live certificate of
    the provider. `proposed` is the record as it would be (records.capture()'s shape, the parts the notice changes),
    `current` the certified record when it was filed, so both sides read the difference as it was asked."""

    Kind = ChangeKind
    Type = ChangeType
    Status = ChangeStatus

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="change_notices")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, null=True, blank=True, related_name="change_notices")
    kind = models.CharField(_("kind"), max_length=20, choices=ChangeKind.choices)
    change_type = models.CharField(_("type"), max_length=20, choices=ChangeType.choices)
    effective_on = models.DateField(_("effective from"))
    description = models.TextField(_("description"))
    proposed = models.JSONField(_("proposed record"), default=dict)
    current = models.JSONField(_("record when filed"), default=dict)
    status = models.CharField(
        _("status"), max_length=20, choices=ChangeStatus.choices, default=ChangeStatus.DRAFT, editable=False
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    filed_at = models.DateTimeField(_("filed"), null=True, blank=True, editable=False)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    # Set once, at filing: a 19.6.f notice filed more than a month after its effective date (certificates.rules).
    late = models.BooleanField(_("filed late"), default=False, editable=False)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    # Four eyes on a transformative change: who proposed the acceptance never confirms it.
    acceptance_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True, editable=False)
    # Written by the agency at acceptance: the line the public history shows (no confidential detail).
    public_summary = models.TextField(_("public summary"), blank=True)
    public_summary_fr = models.TextField(_("public summary (French)"), blank=True)
    # The agency's answer to the provider: why refused, and what follows (e.g. a suspension proposed).
    outcome_note = models.TextField(_("decision and its consequence"), blank=True)
    reevaluation = models.OneToOneField(
        Dossier, on_delete=models.PROTECT, null=True, blank=True, related_name="change_notice", editable=False
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("change notice")
        verbose_name_plural = _("change notices")
        indexes = [models.Index(fields=["status", "filed_at"], name="change_notice_status_filed")]

    def __str__(self):
        return self.reference


class SurveillanceAudit(models.Model):
    """One audit of a certificate's surveillance plan: due on a date (the scheme's interval after issue), performed by
    the approved evaluation centre, its report filed and its outcome recorded by the instructing reviewer."""

    Outcome = SurveillanceOutcome

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="surveillance_audits")
    sequence = models.PositiveSmallIntegerField(_("audit no."))
    due_on = models.DateField(_("due"))
    evaluation_center = models.ForeignKey(
        EvaluationCenter, on_delete=models.PROTECT, null=True, blank=True, related_name="surveillance_audits"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    performed_on = models.DateField(_("performed on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=30, choices=SurveillanceOutcome.choices, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    recorded_at = models.DateTimeField(_("outcome recorded"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["certificate", "sequence"]
        verbose_name = _("surveillance audit")
        verbose_name_plural = _("surveillance audits")
        constraints = [
            models.UniqueConstraint(fields=["certificate", "sequence"], name="surveillance_audit_unique_sequence")
        ]
        indexes = [models.Index(fields=["due_on"], name="surveillance_audit_due")]

    def __str__(self):
        return f"{self.certificate} – {self.sequence}"


class Condition(models.Model):
    """A condition or reservation of a qualification (or of a surveillance outcome): to be met by a date. The provider
    answers with evidence; a reviewer closes it. Overdue is derived: open or answered past its due date."""

    State = ConditionState

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="condition_items")
    surveillance_audit = models.ForeignKey(
        SurveillanceAudit, on_delete=models.PROTECT, null=True, blank=True, related_name="conditions"
    )
    text = models.TextField(_("condition"))
    due_on = models.DateField(_("due"))
    state = models.CharField(
        _("state"), max_length=12, choices=ConditionState.choices, default=ConditionState.OPEN, editable=False
    )
    response = models.TextField(_("provider's answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True, editable=False)
    closing_note = models.TextField(_("agency's note"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["certificate", "due_on", "pk"]
        verbose_name = _("condition")
        verbose_name_plural = _("conditions")
        indexes = [models.Index(fields=["state", "due_on"], name="condition_state_due")]

    def __str__(self):
        return f"{self.certificate}: {self.text[:60]}"


class Incident(models.Model):
    """A security incident a provider declares on a certified service. Confidential: the provider's members and the
    agency only, never a public page, the API, an export, the feed nor the snapshot."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="incidents")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="incidents")
    certificate = models.ForeignKey(
        Certificate, on_delete=models.PROTECT, null=True, blank=True, related_name="incidents"
    )
    title = models.CharField(_("title"), max_length=200, validators=[validate_single_line])
    detected_at = models.DateTimeField(_("detected"))
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    impact = models.TextField(_("impact"))
    customer_data_affected = models.BooleanField(_("customer data affected"), default=False)
    sovereignty_affected = models.BooleanField(
        _("sovereignty affected"),
        default=False,
        help_text=_("Data or operations reached from outside the EU, or an extra-EU authority involved."),
    )
    # The stage of the latest report: a final report closes the incident.
    stage = models.CharField(_("stage"), max_length=10, choices=IncidentStage.choices, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("declared"), default=timezone.now)
    updated_at = models.DateTimeField(_("last report"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self):
        return self.reference


class IncidentUpdate(models.Model):
    """One report of an incident's timeline: initial, then updates, then final. Append-only."""

    Stage = IncidentStage

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    stage = models.CharField(_("stage"), max_length=10, choices=IncidentStage.choices)
    body = models.TextField(_("report"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["incident", "created_at", "pk"]
        verbose_name = _("incident report")
        verbose_name_plural = _("incident reports")

    def __str__(self):
        return f"{self.incident} {self.stage}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("An incident report is never rewritten: a later report adds to the timeline.")
        super().save(*args, **kwargs)
