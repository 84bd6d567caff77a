"""An approved evaluation centre's people: its evaluators and the invitations that make them.

The centre itself is the catalogue's EvaluationCenter (registry.catalogue.models): its approval (`active`) is the
agency's to grant and withdraw. The evaluation work of later slices (contract, plan, verdicts, report) hangs off the
dossier and the centre, never off an evaluator: what a centre files stays the centre's when people leave.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.catalogue.models import EvaluationCenter
from registry.core.models import EmailInvitation


class Evaluator(models.Model):
    """A person who evaluates for one approved centre. One centre per person: an evaluator speaks for their centre
    only, and the four-eyes rule judges by it. Never deleted (the audit log and the centre's work name them);
    `active` off ends their access to the centre's space."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evaluator", verbose_name=_("account")
    )
    centre = models.ForeignKey(
        EvaluationCenter, on_delete=models.PROTECT, related_name="evaluators", verbose_name=_("evaluation centre")
    )
    active = models.BooleanField(_("active"), default=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        ordering = ["centre", "user__email"]
        verbose_name = _("evaluator")
        verbose_name_plural = _("evaluators")

    def __str__(self):
        return f"{self.user.email} ({self.centre})"


class EvaluatorInvitation(EmailInvitation):
    """A registry administrator's invitation for an e-mail address to evaluate for a centre. Accepted once, by that
    address, before it expires (the provider invitations' validity)."""

    centre = models.ForeignKey(
        EvaluationCenter, on_delete=models.CASCADE, related_name="evaluator_invitations", verbose_name=_("centre")
    )

    class Meta(EmailInvitation.Meta):
        verbose_name = _("evaluator invitation")
        verbose_name_plural = _("evaluator invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "email"],
                condition=Q(accepted_at__isnull=True),
                name="evaluator_invitation_one_pending_per_address",
            )
        ]

    def __str__(self):
        return f"{self.email} → {self.centre}"


# --- The evaluation work a centre files on a dossier (or, after the decision, on a surveillance audit). ---
#
# Each row names the centre it belongs to, never only a person: what a centre filed stays the centre's. A plan, a verdict
# and a technical report concern either a dossier's evaluation or one surveillance audit of its certificate, never both.


def _one_subject(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(dossier__isnull=False, surveillance_audit__isnull=True)
        | Q(dossier__isnull=True, surveillance_audit__isnull=False),
        name=name,
    )


class EvaluationContract(models.Model):
    """The contract by which the provider engages an approved centre to evaluate a dossier's service (the provider
    chooses and pays the centre). Filed by the provider with the signed contract, confirmed by the centre, validated by
    the instructing reviewer: only a validated contract makes the dossier "in process"."""

    class State(models.TextChoices):
        FILED = "filed", _("Waiting for the centre's confirmation")
        CONFIRMED = "confirmed", _("Waiting for the agency's validation")
        VALIDATED = "validated", _("Validated")
        DECLINED = "declined", _("Declined by the centre")
        REFUSED = "refused", _("Refused by the agency")
        REPLACED = "replaced", _("Replaced by the provider")

    LIVE_STATES = (State.FILED, State.CONFIRMED, State.VALIDATED)

    dossier = models.ForeignKey(
        "registry.Dossier", on_delete=models.CASCADE, related_name="contracts", verbose_name=_("dossier")
    )
    centre = models.ForeignKey(
        EvaluationCenter, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("evaluation centre")
    )
    # The signed contract. Empty only on a contract carried over from before contracts were filed in the portal.
    document = models.ForeignKey(
        "registry.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed contract"),
    )
    carried_over = models.BooleanField(_("recorded before contracts were filed in the portal"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.FILED)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    filed_at = models.DateTimeField(_("filed"), auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed by the centre"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    # Why the centre declined or the agency refused it: the provider reads it.
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["dossier", "-filed_at", "-pk"]
        verbose_name = _("evaluation contract")
        verbose_name_plural = _("evaluation contracts")
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"],
                condition=Q(state__in=["filed", "confirmed", "validated"]),
                name="evaluation_contract_one_live_per_dossier",
            ),
            models.CheckConstraint(
                condition=Q(document__isnull=False) | Q(carried_over=True),
                name="evaluation_contract_has_its_document",
            ),
        ]

    def __str__(self):
        return f"{self.dossier} – {self.centre}"


class EvaluationPlan(models.Model):
    """The centre's plan of an evaluation (or of a surveillance audit): its scope, the sites it visits, its dates and
    its team. Filed by the centre, validated by the instructing reviewer or sent back with the changes to make; each
    filing is a new version, the earlier ones kept."""

    class State(models.TextChoices):
        FILED = "filed", _("Waiting for the agency's validation")
        VALIDATED = "validated", _("Validated")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")

    dossier = models.ForeignKey(
        "registry.Dossier", on_delete=models.CASCADE, null=True, blank=True, related_name="evaluation_plans"
    )
    surveillance_audit = models.ForeignKey(
        "registry.SurveillanceAudit", on_delete=models.CASCADE, null=True, blank=True, related_name="plans"
    )
    centre = models.ForeignKey(EvaluationCenter, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    scope = models.TextField(_("scope of the evaluation"))
    sites = models.ManyToManyField("registry.Site", blank=True, related_name="+", verbose_name=_("sites visited"))
    other_locations = models.TextField(_("other places visited"), blank=True)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    team = models.TextField(_("team"), help_text=_("One person a line: name, role (the lead evaluator first)."))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.FILED)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("filed"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_comment = models.TextField(_("the agency's comment"), blank=True)

    class Meta:
        ordering = ["-version", "-pk"]
        verbose_name = _("evaluation plan")
        verbose_name_plural = _("evaluation plans")
        constraints = [
            _one_subject("evaluation_plan_one_subject"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="evaluation_plan_dates"),
            models.UniqueConstraint(
                fields=["dossier", "version"],
                condition=Q(dossier__isnull=False),
                name="evaluation_plan_dossier_version",
            ),
            models.UniqueConstraint(
                fields=["surveillance_audit", "version"],
                condition=Q(surveillance_audit__isnull=False),
                name="evaluation_plan_audit_version",
            ),
        ]

    def __str__(self):
        return f"{self.dossier or self.surveillance_audit} – plan v{self.version}"


class Verdict(models.Model):
    """The centre's verdict on one requirement, in its evaluation grid: conform, a minor or major non-conformity, or an
    observation, with the evidence it reviewed. The reviewer's finding (Answer.finding) starts from it."""

    class Value(models.TextChoices):
        CONFORM = "conform", _("Conform")
        MINOR = "minor", _("Minor non-conformity")
        MAJOR = "major", _("Major non-conformity")
        OBSERVATION = "observation", _("Observation")

    dossier = models.ForeignKey(
        "registry.Dossier", on_delete=models.CASCADE, null=True, blank=True, related_name="verdicts"
    )
    surveillance_audit = models.ForeignKey(
        "registry.SurveillanceAudit", on_delete=models.CASCADE, null=True, blank=True, related_name="verdicts"
    )
    requirement = models.ForeignKey("registry.Requirement", on_delete=models.PROTECT, related_name="+")
    centre = models.ForeignKey(EvaluationCenter, on_delete=models.PROTECT, related_name="+")
    value = models.CharField(_("verdict"), max_length=12, choices=Value.choices)
    note = models.TextField(_("the centre's note"), blank=True)
    evidence_reviewed = models.TextField(_("evidence reviewed"))
    documents = models.ManyToManyField("registry.Document", blank=True, related_name="+", verbose_name=_("documents"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), auto_now=True)

    class Meta:
        ordering = ["requirement__position"]
        verbose_name = _("verdict")
        verbose_name_plural = _("verdicts")
        constraints = [
            _one_subject("verdict_one_subject"),
            models.UniqueConstraint(
                fields=["dossier", "requirement"], condition=Q(dossier__isnull=False), name="verdict_one_per_dossier"
            ),
            models.UniqueConstraint(
                fields=["surveillance_audit", "requirement"],
                condition=Q(surveillance_audit__isnull=False),
                name="verdict_one_per_audit",
            ),
        ]

    def __str__(self):
        return f"{self.dossier or self.surveillance_audit} {self.requirement_id}: {self.value}"


class TechnicalReport(models.Model):
    """The centre's technical report, submitted once its grid is complete: the document and its conclusion. Each
    submission is a new version (after the committee sends a dossier back, the centre submits again)."""

    dossier = models.ForeignKey(
        "registry.Dossier", on_delete=models.CASCADE, null=True, blank=True, related_name="technical_reports"
    )
    surveillance_audit = models.ForeignKey(
        "registry.SurveillanceAudit", on_delete=models.CASCADE, null=True, blank=True, related_name="technical_reports"
    )
    centre = models.ForeignKey(EvaluationCenter, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    document = models.ForeignKey(
        "registry.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("report")
    )
    carried_over = models.BooleanField(_("uploaded by the agency before centres filed their reports"), default=False)
    conclusion = models.TextField(_("conclusion"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)

    class Meta:
        ordering = ["-version", "-pk"]
        verbose_name = _("technical report")
        verbose_name_plural = _("technical reports")
        constraints = [
            _one_subject("technical_report_one_subject"),
            models.UniqueConstraint(
                fields=["dossier", "version"],
                condition=Q(dossier__isnull=False),
                name="technical_report_dossier_version",
            ),
            models.UniqueConstraint(
                fields=["surveillance_audit", "version"],
                condition=Q(surveillance_audit__isnull=False),
                name="technical_report_audit_version",
            ),
        ]

    def __str__(self):
        return f"{self.dossier or self.surveillance_audit} – report v{self.version}"
