import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

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
            models.CheckConstraint(
                condition=(
                    Q(scope="registry", provider__isnull=True, service__isnull=True)
                    | Q(scope="provider", provider__isnull=False, service__isnull=True)
                    | Q(scope="service", provider__isnull=True, service__isnull=False)
                ),
                name="subscription_target_matches_scope",
            ),
            models.UniqueConstraint(
                fields=["email", "scope", "provider", "service"],
                name="subscription_unique_per_target",
                nulls_distinct=False,
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.get_scope_display()}"
