from django.db import IntegrityError, models, transaction
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
