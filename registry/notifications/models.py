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
