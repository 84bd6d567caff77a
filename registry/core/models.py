import datetime
import secrets

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# How long an invitation by e-mail (to a provider, to an evaluation centre) may be accepted.
INVITATION_VALIDITY = datetime.timedelta(days=14)


def invitation_token():
    return secrets.token_urlsafe(32)


class EmailInvitation(models.Model):
    """An invitation for an e-mail address, accepted once, by that address, within INVITATION_VALIDITY: what a
    provider's invitation to join it and a registry administrator's invitation to evaluate for a centre share."""

    email = models.EmailField(_("e-mail"))
    token = models.CharField(max_length=64, unique=True, default=invitation_token, editable=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def expires_at(self):
        return self.created_at + INVITATION_VALIDITY

    @property
    def is_expired(self):
        return timezone.now() > self.expires_at


class Counter(models.Model):
    """Gap-free counters for references and certificate numbers (one row per key, e.g. "DOS-2026")."""

    key = models.CharField(max_length=40, unique=True)
    value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")

    def __str__(self):
        return f"{self.key}: {self.value}"

    @classmethod
    def next(cls, key: str) -> int:
        """The next number for key; concurrent callers wait on the row lock, so no number is handed out twice."""
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("Counter.next must run inside a transaction.")
        try:
            with transaction.atomic():
                cls.objects.create(key=key, value=0)
        except IntegrityError:
            pass
        counter = cls.objects.select_for_update().get(key=key)
        counter.value += 1
        counter.save(update_fields=["value"])
        return counter.value


class PendingFileDeletion(models.Model):
    """A stored file that no row names any more and that is still to be deleted (registry/core/file_deletions.py).

    Written in the transaction that stops naming the file, removed once the storage has deleted it: a row left here
    is a deletion that failed (the object store or the disk refused) and that the periodic sweep tries again."""

    name = models.CharField(_("file"), max_length=255)
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["requested_at", "pk"]
        verbose_name = _("file pending deletion")
        verbose_name_plural = _("files pending deletion")

    def __str__(self):
        return self.name
