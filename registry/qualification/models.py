import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from registry.catalogue.models import EvaluationCenter, Requirement, Scheme
from registry.core.validators import validate_single_line
from registry.providers.models import Service
from registry.qualification.choices import (
    AFTER_QUALIFICATION_DOCUMENT_KINDS,
    CLOSED_DOSSIER_STATUSES,
    DocumentKind,
    DossierStatus,
)


class Dossier(models.Model):
    """One application for qualification of a service under a scheme. Its status moves only through registry.qualification.workflow."""

    class Kind(models.TextChoices):
        INITIAL = "initial", _("Initial qualification")
        RENEWAL = "renewal", _("Renewal")
        # A re-evaluation the agency asked for on a change notice (ChangeNotice.reevaluation); renews its certificate.
        CHANGE = "change", _("Change re-evaluation")

    Status = DossierStatus

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="dossiers", verbose_name=_("service"))
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="dossiers", verbose_name=_("scheme"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.INITIAL)
    renews = models.ForeignKey(
        "registry.Certificate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewal_dossiers",
        verbose_name=_("certificate renewed"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=DossierStatus.choices, default=DossierStatus.DRAFT, editable=False
    )
    status_changed_at = models.DateTimeField(_("in this status since"), default=timezone.now, editable=False)
    instructing_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="instructed_dossiers",
        verbose_name=_("instructing reviewer"),
        editable=False,
    )
    decision_maker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decided_dossiers",
        verbose_name=_("decision maker"),
        editable=False,
    )
    evaluation_center = models.ForeignKey(
        EvaluationCenter,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dossiers",
        verbose_name=_("evaluation centre"),
        editable=False,
    )
    listed_in_process_consent = models.BooleanField(_("may be listed publicly as in process"), default=False)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("declaration by"),
    )
    declared_at = models.DateTimeField(_("declaration signed"), null=True, blank=True)
    # Who signed for the provider, in their own words: a person who may commit the provider, and in what capacity.
    declared_by_name = models.CharField(_("signatory"), max_length=200, blank=True, validators=[validate_single_line])
    declared_by_capacity = models.CharField(
        _("signatory's capacity"), max_length=200, blank=True, validators=[validate_single_line]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "scheme"],
                condition=~Q(status__in=CLOSED_DOSSIER_STATUSES),
                name="dossier_one_open_per_service_and_scheme",
            ),
            models.CheckConstraint(
                condition=Q(kind="initial", renews__isnull=True)
                | Q(kind__in=["renewal", "change"], renews__isnull=False),
                name="dossier_renewal_names_its_certificate",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "status_changed_at"]),
            # The agency's list: oldest move first, ties by newest id (the admin adds -pk to make the order total).
            models.Index(fields=["status_changed_at", "-id"], name="dossier_list_order"),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_open(self):
        return self.status not in CLOSED_DOSSIER_STATUSES


class Answer(models.Model):
    """The provider's self-assessment against one requirement, and the reviewer's finding on it."""

    class Status(models.TextChoices):
        MET = "met", _("Met")
        PARTIALLY_MET = "partially_met", _("Partially met")
        NOT_MET = "not_met", _("Not met")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")

    class Finding(models.TextChoices):
        CONFORM = "conform", _("Conform")
        MINOR = "minor", _("Minor non-conformity")
        MAJOR = "major", _("Major non-conformity")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="answers")
    requirement = models.ForeignKey(Requirement, on_delete=models.PROTECT, related_name="answers")
    status = models.CharField(_("self-assessment"), max_length=20, choices=Status.choices, blank=True)
    justification = models.TextField(_("justification"), blank=True)
    evidence = models.ManyToManyField("Document", blank=True, related_name="answers", verbose_name=_("evidence"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    finding = models.CharField(_("finding"), max_length=10, choices=Finding.choices, blank=True)
    finding_note = models.TextField(_("reviewer's note"), blank=True)
    finding_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    finding_at = models.DateTimeField(null=True, blank=True)
    # An internal finding stays with the agency; the others reach the provider on the requirement and as action items.
    finding_internal = models.BooleanField(_("internal finding (agency only)"), default=False)

    class Meta:
        ordering = ["dossier", "requirement__position"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["dossier", "requirement"], name="answer_unique_per_requirement"),
        ]

    def __str__(self):
        return f"{self.dossier} {self.requirement.ref}"

    @property
    def is_answered(self):
        # A justification is required for anything but "met" (checked by the form and by submission).
        return bool(self.status) and (self.status == self.Status.MET or bool(self.justification.strip()))


def document_upload_to(instance, filename):
    # A random name: the original file name is kept for display only and never reaches the file system.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"documents/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class DocumentQuerySet(models.QuerySet):
    def of_instruction(self):
        """The dossier's own documents, those its instruction reads: not the ones filed on the certificate's dossier after
        the decision (a change notice's, a surveillance report, a condition's evidence, an incident report)."""
        return self.exclude(kind__in=AFTER_QUALIFICATION_DOCUMENT_KINDS)


class Document(models.Model):
    """An evidence document in private storage, served only through views that check who asks."""

    class ScanStatus(models.TextChoices):
        PENDING = "pending", _("Waiting for the scan")
        CLEAN = "clean", _("Clean")
        INFECTED = "infected", _("Infected")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Scan failed")

    Kind = DocumentKind

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=30, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=200, validators=[validate_single_line])
    file = models.FileField(_("file"), upload_to=document_upload_to, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("type"), max_length=100)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    scan_status = models.CharField(_("scan"), max_length=10, choices=ScanStatus.choices, default=ScanStatus.PENDING)
    scan_detail = models.TextField(_("check result"), blank=True, help_text=_("Why a document was refused or failed."))
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    quarantined = models.BooleanField(_("quarantined"), default=False)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_version"
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    # After qualification a document supports one of these (its dossier is the certificate's): AFTER_QUALIFICATION_
    # DOCUMENT_KINDS. The dossier's own evidence has none of them.
    change_notice = models.ForeignKey(
        "registry.ChangeNotice", on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    surveillance_audit = models.ForeignKey(
        "registry.SurveillanceAudit", on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    condition = models.ForeignKey(
        "registry.Condition", on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    incident = models.ForeignKey(
        "registry.Incident", on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["dossier", "kind", "title", "-version"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self):
        return f"{self.title} (v{self.version})"


class Message(models.Model):
    """The dialogue on a dossier. Internal notes stay inside the agency and never reach the provider."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("message"))
    internal = models.BooleanField(_("internal note (agency only)"), default=False)
    attachments = models.ManyToManyField(Document, blank=True, related_name="messages")
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        ordering = ["dossier", "created_at"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self):
        return f"{self.dossier} – {self.author}"


class DossierEvent(models.Model):
    """Append-only audit trail of a dossier, and the notification outbox (notified_at empty = not sent yet)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(
        pgettext_lazy("status", "from"), max_length=20, choices=DossierStatus.choices, blank=True
    )
    to_status = models.CharField(
        pgettext_lazy("status", "to"), max_length=20, choices=DossierStatus.choices, blank=True
    )
    comment = models.TextField(_("comment"), blank=True)
    # What the move was decided on, kept with it: e.g. the open major non-conformities a qualification was confirmed over.
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    internal = models.BooleanField(_("agency only"), default=False)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    notified_at = models.DateTimeField(_("notified"), null=True, blank=True)

    class Meta:
        ordering = ["dossier", "created_at", "pk"]
        verbose_name = _("dossier event")
        verbose_name_plural = _("dossier events")
        indexes = [
            models.Index(fields=["created_at"], condition=Q(notified_at__isnull=True), name="dossierevent_outbox"),
        ]

    def __str__(self):
        return f"{self.dossier} {self.action}"

    def save(self, *args, **kwargs):
        # The log is append-only: an existing event may only be marked as notified.
        if self.pk is not None and set(kwargs.get("update_fields") or ()) != {"notified_at"}:
            raise ValueError("DossierEvent is append-only; only notified_at may be updated.")
        super().save(*args, **kwargs)


class DossierVisit(models.Model):
    """When an agency member last opened a dossier's page: what their queues count as unread since."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="visits")
    seen_at = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        verbose_name = _("dossier visit")
        verbose_name_plural = _("dossier visits")
        constraints = [models.UniqueConstraint(fields=["user", "dossier"], name="dossiervisit_one_per_user")]

    def __str__(self):
        return f"{self.dossier} – {self.user}"
