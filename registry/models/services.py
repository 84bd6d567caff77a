from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from .choices import ServiceModel
from .providers import Provider


class Service(models.Model):
    """A provider's cloud offering: what gets qualified."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    service_model = models.CharField(_("service model"), max_length=10, choices=ServiceModel.choices)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["provider__legal_name", "name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [models.UniqueConstraint(fields=["provider", "name"], name="service_unique_name_per_provider")]

    def __str__(self):
        return self.name


class Site(models.Model):
    """Where part of a service runs (rule 19.2): storage, processing, administration, support or technical data."""

    class Role(models.TextChoices):
        STORAGE = "storage", _("Data storage")
        PROCESSING = "processing", _("Data processing")
        ADMINISTRATION = "administration", _("Administration and supervision")
        SUPPORT = "support", _("Support")
        TECHNICAL_DATA = "technical_data", _("Technical data")

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="sites")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    country = CountryField(_("country"))
    city = models.CharField(_("city"), max_length=100, blank=True)
    operations = models.TextField(
        _("operations carried out from here"),
        blank=True,
        help_text=_("Required for support outside the EU: the operations allowed from there (19.2.e)."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["service", "role", "country", "city"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self):
        place = f"{self.city}, {self.country.name}" if self.city else self.country.name
        return _("%(role)s: %(place)s") % {"role": self.get_role_display(), "place": place}


class ThirdParty(models.Model):
    """A third party the service depends on (rules 19.6.c and 19.6.d)."""

    class Kind(models.TextChoices):
        TECHNOLOGY_LICENSOR = "technology_licensor", _("Technology licensor")
        SUBCONTRACTOR = "subcontractor", _("Subcontractor")
        HOSTING = "hosting", _("Hosting")

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="third_parties")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    country_of_control = CountryField(_("country of control"))
    technical_access_to_data = models.BooleanField(_("can technically access the data"), default=False)
    relies_on_service = models.ForeignKey(
        Service,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dependants",
        verbose_name=_("qualified service it provides"),
    )
    autonomy_evidence = models.TextField(
        _("operational autonomy"),
        blank=True,
        help_text=_(
            "How the provider stays autonomous: its own skills, or at least two alternative suppliers (19.6.d)."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["service", "name"]
        verbose_name = _("third party")
        verbose_name_plural = _("third parties")

    def __str__(self):
        return self.name
