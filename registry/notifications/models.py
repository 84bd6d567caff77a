"""Bookkeeping of the background jobs: reminders sent once, deliveries that finally failed."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Reminder(models.Model):
    """A reminder that was sent, keyed so that it is never sent twice (e.g. "expiry:SNC-2026-0007:30")."""

    key = models.CharField(_("key"), max_length=120, unique=True)
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")

    def __str__(self):
        return self.key


class DeliveryFailure(models.Model):
    """A background task that failed for good after its retries: kept visible for the agency instead of vanishing."""

    task = models.CharField(_("task"), max_length=200)
    arguments = models.JSONField(_("arguments"), default=list, blank=True)
    error = models.TextField(_("error"))
    failed_at = models.DateTimeField(_("failed"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        ordering = ["-failed_at"]
        verbose_name = _("failed delivery")
        verbose_name_plural = _("failed deliveries")

    def __str__(self):
        return f"{self.task} {self.arguments}"


class OutgoingEmail(models.Model):
    """One message to one recipient, written before it is sent: the outbox of every e-mail the registry sends.

    A row is unique per (key, recipient, kind): the key names what the message is about (a dossier or certificate
    event, a reminder, an invitation, one request of a visitor or of allauth), so writing the same message twice
    writes one row. registry.notifications.outbox claims rows in a short transaction, sends them outside any
    transaction or lock, and marks each sent as soon as the mail server accepted it: a rerun sends only what is unsent.
    """

    key = models.CharField(_("about"), max_length=200)
    recipient = models.CharField(_("recipient"), max_length=254)
    kind = models.CharField(_("kind"), max_length=80)
    language = models.CharField(_("language"), max_length=10, blank=True)
    subject = models.TextField(_("subject"))
    body = models.TextField(_("plain text"))
    html = models.TextField(_("HTML"), blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    # Who is sending it, and until when that claim holds: another sender leaves it alone meanwhile; the same task
    # (a retry, or its message redelivered after the worker died) takes it back at once.
    claimed_by = models.CharField(_("claimed by"), max_length=100, blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        constraints = [
            models.UniqueConstraint(fields=["key", "recipient", "kind"], name="outgoingemail_once_per_recipient"),
        ]
        indexes = [
            models.Index(fields=["created_at"], condition=models.Q(sent_at__isnull=True), name="outgoingemail_unsent"),
        ]

    def __str__(self):
        return f"{self.key} → {self.recipient}"
