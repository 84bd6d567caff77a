from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
