"""Signed webhooks for relying parties' programs: an HTTPS endpoint that a confirmed e-mail address registered for a
service, a provider or the whole registry (as a Subscription), and its outbox of deliveries, one row per endpoint and
public change (registry.public.webhooks writes them, registry.public.webhook_delivery sends them)."""

import base64
import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.providers.models import Provider, Service
from registry.public.models import Subscription, target_matches_scope

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A Standard Webhooks signing secret: whsec_ and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _token():
    return secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """An HTTPS URL told of every public change of what it follows, each delivery signed with its secret.

    Active once the owner's address confirmed it (double opt-in, as a Subscription) and until it is deleted or disabled
    (its deliveries failed for good: registry.public.webhook_delivery)."""

    Scope = Subscription.Scope

    class DisabledReason(models.TextChoices):
        FAILING = "failing", _("deliveries kept failing")

    email = models.EmailField(_("owner's e-mail"))
    url = models.URLField(_("URL"), max_length=500)
    scope = models.CharField(_("follows"), max_length=10, choices=Scope.choices)
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # Kept readable: every delivery is signed with it (HMAC needs the secret itself, not a hash of it).
    secret = models.CharField(_("signing secret"), max_length=100, default=new_secret, editable=False)
    # After a rotation the previous secret signs too, for a while, so that the receiver can switch without a gap.
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    # The link of the confirmation e-mail; the link of the management page, sent once the endpoint is confirmed.
    confirm_token = models.CharField(max_length=64, unique=True, default=_token, editable=False)
    manage_token = models.CharField(max_length=64, unique=True, default=_token, editable=False)
    language = models.CharField(_("language"), max_length=10, default="en")
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=20, choices=DisabledReason.choices, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("failed deliveries in a row"), default=0)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        constraints = [
            target_matches_scope("webhookendpoint_target_matches_scope"),
            models.UniqueConstraint(
                fields=["email", "url", "scope", "provider", "service"],
                name="webhookendpoint_unique_per_target",
                nulls_distinct=False,
            ),
        ]

    def __str__(self):
        return f"{self.url} ({self.get_scope_display()})"

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.disabled_at is None


class WebhookDelivery(models.Model):
    """One public change to tell one endpoint: the body is written once, with the change, and sent as it is on every
    attempt under the same message id (webhook-id), so that a receiver can drop a message it already handled."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField(_("message id"), max_length=64, unique=True)
    event_type = models.CharField(_("type"), max_length=60)
    body = models.TextField(_("body"), help_text=_("The exact JSON sent and signed."))
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    # Set when no attempt is left (the schedule is exhausted, or the endpoint was disabled or deleted meanwhile).
    abandoned_at = models.DateTimeField(_("given up"), null=True, blank=True)
    last_status = models.PositiveIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    # Who is sending it and until when: as the e-mail outbox's claims (registry.notifications.outbox).
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(delivered_at__isnull=True, abandoned_at__isnull=True),
                name="webhookdelivery_due",
            ),
        ]

    def __str__(self):
        return self.message_id


class WebhookAttempt(models.Model):
    """One POST of a delivery, as the management page lists them: when, the answer's status or the error, how long."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField(_("time"))
    status = models.PositiveIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))

    class Meta:
        ordering = ["-attempted_at", "-pk"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self):
        return f"{self.delivery_id} {self.status or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300
