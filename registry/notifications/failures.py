"""Deliveries that failed for good: recorded for the agency to see, and marked resolved by a registry administrator.

The give-up rule, shared by the tasks and the sweep (registry.notifications.tasks):
- an e-mail task retries on SMTP and network errors with exponential backoff and jitter (registry.notifications.retries); when its
  last retry fails, or it fails on anything else, one DeliveryFailure row records the task, its arguments and the
  error (one row per task and arguments while unresolved: a second failure updates its error);
- the outbox sweep (every five minutes, events and other messages older than two minutes) skips every event, and every
  outbox key, that has an unresolved DeliveryFailure: a permanently failing message is not retried forever;
- the sweep sends inline, without retries of its own: when it fails on an event younger than
  settings.NOTIFICATION_GIVE_UP_HOURS (a day by default) it tries again at its next run (a passing outage needs no
  one); on an older event it records the DeliveryFailure itself, and stops;
- an event whose composition fails on anything but the network (a bug) is recorded at once; the others still go;
- marking a failure resolved in the admin (once the cause is fixed) hands its event back to the sweep, which sends it
  at its next run, under the rule above.
A reminder whose task failed for good keeps its key (its e-mails are in the outbox): the sweep sends what is left of
it once the mail server answers; its DeliveryFailure is there for people to see.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.accounts.permissions import actor_for
from registry.notifications.models import DeliveryFailure
from registry.qualification.workflow import ADMINISTRATORS, Refused


def _describe(error) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def delivery_failure_record(*, task: str, arguments, error) -> DeliveryFailure:
    """Record that `task(*arguments)` failed for good. Idempotent: while a failure of the same task and arguments is
    unresolved, it is updated with the latest error rather than repeated."""
    arguments = list(arguments or [])
    with transaction.atomic():
        existing = (
            DeliveryFailure.objects.select_for_update()
            .filter(task=task, arguments=arguments, resolved_at__isnull=True)
            .order_by("pk")
            .first()
        )
        if existing is not None:
            existing.error = _describe(error)
            existing.save(update_fields=["error"])
            return existing
        return DeliveryFailure.objects.create(task=task, arguments=arguments, error=_describe(error))


def unresolved_failure_ids(task: str) -> set[int]:
    """The first arguments (event ids, for the outbox tasks) of the unresolved failures of a task."""
    rows = DeliveryFailure.objects.filter(task=task, resolved_at__isnull=True).values_list("arguments", flat=True)
    return {arguments[0] for arguments in rows if isinstance(arguments, list) and arguments}


def may_manage_deliveries(user) -> bool:
    return bool(user.is_active and (user.is_superuser or actor_for(user).in_group(ADMINISTRATORS)))


def delivery_failures_resolve(*, failures, by) -> int:
    """Mark failures resolved (their events go back to the sweep). Returns how many were still unresolved."""
    if not may_manage_deliveries(by):
        raise Refused(_("Only a registry administrator can mark a failed delivery resolved."))
    with transaction.atomic():
        return DeliveryFailure.objects.filter(
            pk__in=[failure.pk for failure in failures], resolved_at__isnull=True
        ).update(resolved_at=timezone.now())
