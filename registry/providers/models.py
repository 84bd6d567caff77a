from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from registry.core.models import EmailInvitation, invitation_token
from registry.core.validators import validate_single_line
from registry.providers.choices import ServiceModel

PERCENT_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]


class Provider(models.Model):
    """A cloud provider: the organisation that applies for qualification."""

    legal_name = models.CharField(_("legal name"), max_length=200, unique=True, validators=[validate_single_line])
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    registration_id = models.CharField(
        _("registration number"),
        max_length=64,
        blank=True,
        help_text=_("For example a SIREN or a VAT number."),
        validators=[validate_single_line],
    )
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    # Rule 19.6.a: the three places that must all be in an EU member state.
    registered_office_country = CountryField(_("registered office"), blank=True)
    central_administration_country = CountryField(_("central administration"), blank=True)
    principal_establishment_country = CountryField(_("principal establishment"), blank=True)
    require_mfa = models.BooleanField(
        _("require two-factor authentication of every member"),
        default=False,
        help_text=_("Members without a second factor are asked to set one up before they reach the portal."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["legal_name"]
        verbose_name = _("provider")
        verbose_name_plural = _("providers")

    def __str__(self):
        return self.legal_name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        EDITOR = "editor", _("Editor")
        VIEWER = "viewer", _("Viewer")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        ordering = ["provider", "user"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "provider"], name="membership_unique_user_provider")]

    def __str__(self):
        return f"{self.user} – {self.provider} ({self.get_role_display()})"


class Shareholder(models.Model):
    """A holder of the provider's capital or voting rights (rule 19.6.b). History is kept for 19.6.f."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="shareholders")
    name = models.CharField(_("name"), max_length=200, validators=[validate_single_line])
    country = CountryField(_("country"), help_text=_("Where the entity is based."))
    capital_percent = models.DecimalField(
        _("share capital (%)"), max_digits=5, decimal_places=2, validators=PERCENT_VALIDATORS
    )
    voting_percent = models.DecimalField(
        _("voting rights (%)"), max_digits=5, decimal_places=2, validators=PERCENT_VALIDATORS
    )
    veto_right = models.BooleanField(_("holds a veto right"), default=False)
    appoints_board_majority = models.BooleanField(_("appoints a majority of the board"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-capital_percent", "name"]
        verbose_name = _("shareholder")
        verbose_name_plural = _("shareholders")
        constraints = [
            models.CheckConstraint(
                condition=Q(capital_percent__gte=0, capital_percent__lte=100), name="shareholder_capital_percent_range"
            ),
            models.CheckConstraint(
                condition=Q(voting_percent__gte=0, voting_percent__lte=100), name="shareholder_voting_percent_range"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.capital_percent} %)"


# Named by migration 0003: the tokens are made by registry.core.models.invitation_token now.
_invitation_token = invitation_token


class Invitation(EmailInvitation):
    """An owner's invitation for an e-mail address to join the provider with a role. Accepted once, by that address."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(_("role"), max_length=10, choices=Membership.Role.choices, default=Membership.Role.EDITOR)

    class Meta(EmailInvitation.Meta):
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "email"],
                condition=Q(accepted_at__isnull=True),
                name="invitation_one_pending_per_address",
            )
        ]

    def __str__(self):
        return f"{self.email} → {self.provider}"


class Service(models.Model):
    """A provider's cloud offering: what gets qualified."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(_("name"), max_length=200, validators=[validate_single_line])
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    service_model = models.CharField(_("service model"), max_length=10, choices=ServiceModel.choices)
    description = models.TextField(_("description"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
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
    city = models.CharField(_("city"), max_length=100, blank=True, validators=[validate_single_line])
    operations = models.TextField(
        _("operations carried out from here"),
        blank=True,
        help_text=_("Required for support outside the EU: the operations allowed from there (19.2.e)."),
    )

    history = HistoricalRecords()

    class Meta:
        # By the service's id, not "service" (its own ordering, the provider's name then its name, would join both
        # tables into every read of sites, a prefetch of a page's 50 services included).
        ordering = ["service_id", "role", "country", "city"]
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
    name = models.CharField(_("name"), max_length=200, validators=[validate_single_line])
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
        ordering = ["service_id", "name"]  # the service's id: see Site
        verbose_name = _("third party")
        verbose_name_plural = _("third parties")

    def __str__(self):
        return self.name
