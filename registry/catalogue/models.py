from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from registry.core.validators import validate_single_line


class Scheme(models.Model):
    """A qualification scheme and its version, e.g. SecNumCloud 3.2. Loaded from a data file by `load_scheme`."""

    code = models.CharField(
        _("code"),
        max_length=50,
        unique=True,
        validators=[RegexValidator(r"^[a-z0-9][a-z0-9.-]*$", _("Lower-case letters, digits, dots and hyphens only."))],
        help_text=_("For example secnumcloud-3.2."),
    )
    name = models.CharField(_("name"), max_length=100, validators=[validate_single_line])
    version = models.CharField(_("version"), max_length=20, validators=[validate_single_line])
    certificate_prefix = models.CharField(
        _("certificate prefix"), max_length=10, help_text=_("Certificate numbers read PREFIX-YEAR-NNNN.")
    )
    validity_months = models.PositiveSmallIntegerField(_("validity (months)"), default=36)
    surveillance_interval_months = models.PositiveSmallIntegerField(
        _("surveillance interval (months)"),
        default=12,
        help_text=_("A surveillance audit falls due this many months after issue, then after each previous one."),
    )
    surveillance_grace_days = models.PositiveSmallIntegerField(
        _("surveillance grace (days)"),
        default=30,
        help_text=_("An audit still without its outcome this many days after its due date is one the agency acts on."),
    )
    individual_cap_percent = models.DecimalField(
        _("cap per non-EU entity (%)"),
        max_digits=5,
        decimal_places=2,
        default=24,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    collective_cap_percent = models.DecimalField(
        _("collective cap for non-EU entities (%)"),
        max_digits=5,
        decimal_places=2,
        default=39,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    declaration_threshold_percent = models.DecimalField(
        _("shareholders to declare: above (%)"),
        max_digits=5,
        decimal_places=2,
        default=5,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("A provider declares every holder above this share of the capital or the voting rights."),
    )
    required_document_kinds = models.JSONField(_("document kinds required at submission"), default=list, blank=True)
    active = models.BooleanField(_("open to applications"), default=True)

    class Meta:
        ordering = ["name", "version"]
        verbose_name = _("scheme")
        verbose_name_plural = _("schemes")
        constraints = [
            models.CheckConstraint(
                condition=Q(individual_cap_percent__gte=0, individual_cap_percent__lte=100),
                name="scheme_individual_cap_range",
            ),
            models.CheckConstraint(
                condition=Q(collective_cap_percent__gte=0, collective_cap_percent__lte=100),
                name="scheme_collective_cap_range",
            ),
            models.CheckConstraint(
                condition=Q(declaration_threshold_percent__gte=0, declaration_threshold_percent__lte=100),
                name="scheme_declaration_threshold_range",
            ),
        ]

    def __str__(self):
        return f"{self.name} {self.version}"


class Requirement(models.Model):
    """One entry of a scheme's catalogue. Chapters have no parent; the sections under them are what providers answer."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="requirements")
    ref = models.CharField(_("reference"), max_length=20)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children", verbose_name=_("chapter")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    title_en = models.CharField(_("title (English)"), max_length=200, validators=[validate_single_line])
    title_fr = models.CharField(_("title (French)"), max_length=200, validators=[validate_single_line])
    description_en = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    service_models = models.JSONField(
        _("service models"), default=list, blank=True, help_text=_("Empty: applies to every service model.")
    )
    # Dropped from the catalogue file but kept because dossiers answered it: no longer asked of new answers.
    retired = models.BooleanField(_("retired"), default=False)

    class Meta:
        ordering = ["scheme", "position"]
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        constraints = [models.UniqueConstraint(fields=["scheme", "ref"], name="requirement_unique_ref_per_scheme")]

    def __str__(self):
        return f"{self.ref} {self.title}"

    @property
    def title(self):
        return self.title_fr if (get_language() or "en").startswith("fr") else self.title_en

    @property
    def description(self):
        return self.description_fr if (get_language() or "en").startswith("fr") else self.description_en

    @property
    def is_chapter(self):
        return self.parent_id is None

    def applies_to(self, service_model: str) -> bool:
        """Whether a service of this model must answer the requirement (chapters are never answered)."""
        return (
            not self.is_chapter
            and not self.retired
            and (not self.service_models or service_model in self.service_models)
        )


class EvaluationCenter(models.Model):
    """An approved evaluation centre (audit body) that evaluates a dossier."""

    name = models.CharField(_("name"), max_length=200, validators=[validate_single_line])
    country = CountryField(_("country"))
    approval_reference = models.CharField(
        _("approval reference"), max_length=64, unique=True, validators=[validate_single_line]
    )
    active = models.BooleanField(_("approval in force"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("evaluation centre")
        verbose_name_plural = _("evaluation centres")

    def __str__(self):
        return self.name
