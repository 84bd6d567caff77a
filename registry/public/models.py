import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.providers.choices import ServiceModel
from registry.providers.models import Provider, Service


class RegistrySnapshot(models.Model):
    """A numbered, signed JSON document of the whole public registry, issued after every public change."""

    sequence = models.PositiveIntegerField(_("sequence number"), unique=True)
    issued_at = models.DateTimeField(_("issued"))
    next_issue_at = models.DateTimeField(_("next scheduled issue"))
    body = models.TextField(_("document"), help_text=_("The exact bytes (UTF-8) that were signed."))
    signature = models.TextField(_("signature"), help_text=_("Ed25519 signature of the body, base64."))
    key_id = models.CharField(_("key fingerprint"), max_length=64)

    class Meta:
        ordering = ["-sequence"]
        verbose_name = _("registry snapshot")
        verbose_name_plural = _("registry snapshots")

    def __str__(self):
        return f"#{self.sequence}"


class PublishedKey(models.Model):
    """A public key that signed at least one snapshot, kept for good at /registry/keys/<fingerprint>.pem: after a
    rotation, every earlier snapshot can still be verified with the key its document names."""

    fingerprint = models.CharField(_("fingerprint (SHA-256)"), max_length=64, unique=True)
    algorithm = models.CharField(_("algorithm"), max_length=20)
    public_pem = models.TextField(_("public key (PEM)"))
    first_used_at = models.DateTimeField(_("first used"))

    class Meta:
        ordering = ["first_used_at"]
        verbose_name = _("published signing key")
        verbose_name_plural = _("published signing keys")

    def __str__(self):
        return self.fingerprint


def target_matches_scope(name: str) -> models.CheckConstraint:
    """What follows the registry (a subscription, a webhook) names no target for the whole registry, else the provider
    or the service its scope says, never both."""
    return models.CheckConstraint(
        condition=(
            Q(scope="registry", provider__isnull=True, service__isnull=True)
            | Q(scope="provider", provider__isnull=False, service__isnull=True)
            | Q(scope="service", provider__isnull=True, service__isnull=False)
        ),
        name=name,
    )


def _subscription_token():
    return secrets.token_urlsafe(32)


class Subscription(models.Model):
    """An e-mail address following a service, a provider or the whole registry; confirmed by double opt-in."""

    class Scope(models.TextChoices):
        REGISTRY = "registry", _("the whole registry")
        PROVIDER = "provider", _("a provider")
        SERVICE = "service", _("a service")

    email = models.EmailField(_("e-mail"))
    scope = models.CharField(_("follows"), max_length=10, choices=Scope.choices)
    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, null=True, blank=True, related_name="subscriptions"
    )
    service = models.ForeignKey(Service, on_delete=models.CASCADE, null=True, blank=True, related_name="subscriptions")
    token = models.CharField(max_length=64, unique=True, default=_subscription_token, editable=False)
    language = models.CharField(_("language"), max_length=10, default="en")
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            target_matches_scope("subscription_target_matches_scope"),
            models.UniqueConstraint(
                fields=["email", "scope", "provider", "service"],
                name="subscription_unique_per_target",
                nulls_distinct=False,
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.get_scope_display()}"


# --- The public read model: what the public lists filter, sort, search and count, one row per published certificate,
# written in the transaction of each public change (registry.public.read_model). ---


class PublicEntry(models.Model):
    """A published certificate (in force, suspended or archived) as the public lists read it: its service, provider and
    scheme (by id: a scheme's code and label are read from its own small table, so that editing them rewrites nothing
    here), its status and dates, the countries where it stores data and the folded text a search matches, in one
    row, so that a list page, its facets and its search are one indexed query on one table.

    Never written but by registry.public.read_model: refresh() in the transaction of every save of a certificate, a
    service, a provider or a data site (its receivers), rebuild() for all of them (`manage.py rebuild_public_entries`,
    and nightly, which repairs and reports any drift)."""

    certificate = models.OneToOneField(
        "registry.Certificate", primary_key=True, on_delete=models.CASCADE, related_name="public_entry"
    )
    number = models.CharField(max_length=30, unique=True)
    status = models.CharField(max_length=12)
    status_changed_at = models.DateTimeField()
    issued_on = models.DateField()
    expires_on = models.DateField()
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    service_name = models.CharField(max_length=200)
    service_slug = models.SlugField(max_length=120)
    service_model = models.CharField(max_length=10, choices=ServiceModel.choices)
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    provider_name = models.CharField(max_length=200)
    provider_slug = models.SlugField(max_length=80)
    scheme = models.ForeignKey("registry.Scheme", on_delete=models.CASCADE, related_name="+")
    # ISO codes of the countries where the service stores or processes data, sorted, space-separated: "DE FR".
    data_countries = models.CharField(max_length=400, blank=True)
    # Names, number, descriptions: lower case, accents and punctuation folded (registry.public.read_model.fold), for the
    # simple search (SQLite) and the trigram search (PostgreSQL).
    search_text = models.TextField(blank=True)

    class Meta:
        verbose_name = _("public registry entry")
        verbose_name_plural = _("public registry entries")
        # The registry lists the live statuses in one of four orders: one partial index per order, so that a page is
        # read in index order and stops at its 25th row (a status in the filter keeps the order, rows are skipped).
        indexes = [
            models.Index(fields=fields, name=name, condition=Q(status__in=("active", "suspended")))
            for name, fields in (
                ("publicentry_live_by_name", ["service_name", "number"]),
                ("publicentry_live_by_provider", ["provider_name", "service_name", "number"]),
                ("publicentry_live_by_issue", ["-issued_on", "number"]),
                ("publicentry_live_by_expiry", ["expires_on", "number"]),
            )
        ] + [models.Index(fields=["status"], name="publicentry_by_status")]

    def __str__(self):
        return self.number

    @property
    def countries(self) -> list[str]:
        return self.data_countries.split()


class PublicEntryCountry(models.Model):
    """A country where an entry's service stores data (a site of role storage): the registry's country filter and its
    counts, one indexed join."""

    entry = models.ForeignKey(PublicEntry, on_delete=models.CASCADE, related_name="storage_countries")
    country = models.CharField(max_length=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "country"], name="publicentrycountry_unique")]
        indexes = [models.Index(fields=["country", "entry"], name="publicentrycountry_by_country")]

    def __str__(self):
        return f"{self.entry_id} {self.country}"


class PublicFigures(models.Model):
    """Figures of the public registry computed when something public changes rather than per request (the statistics
    page, the registry's unfiltered counts), each under its name, with the registry generation they were computed at
    (registry.public.cache): a reader seeing an older generation computes them anew."""

    name = models.CharField(max_length=40, primary_key=True)
    generation = models.BigIntegerField(default=0)
    computed_at = models.DateTimeField()
    data = models.JSONField()

    class Meta:
        verbose_name = _("public figures")
        verbose_name_plural = _("public figures")

    def __str__(self):
        return self.name


class TrustedListIssue(models.Model):
    """A numbered issue of the signed trusted list (ETSI TS 119 612's shape), issued when the public registry changed,
    the signing certificate changed, or the latest is due for its next update."""

    sequence = models.PositiveIntegerField(_("sequence number"), unique=True)
    issued_at = models.DateTimeField(_("issued"))
    next_update = models.DateTimeField(_("next update"))
    content_sha256 = models.CharField(
        _("content digest"), max_length=64, help_text=_("SHA-256 of what the list says, its dates and number aside.")
    )
    certificate_sha256 = models.CharField(_("signing certificate fingerprint"), max_length=64)
    document = models.TextField(_("document"), help_text=_("The signed XML, as served."))

    class Meta:
        ordering = ["-sequence"]
        verbose_name = _("trusted list issue")
        verbose_name_plural = _("trusted list issues")

    def __str__(self):
        return f"#{self.sequence}"
