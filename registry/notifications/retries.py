"""How the e-mail tasks retry, and what remains when they finally fail.

Retries: on SMTP and network errors (smtplib's errors are OSErrors; a soft time limit counts too), exponential backoff
from RETRY_BACKOFF seconds, capped at RETRY_BACKOFF_MAX, with full jitter (each wait drawn at random up to its cap, so
that a mail server coming back is not hit by every worker at once), at most MAX_RETRIES times: 1, 2, 4, 8, 16 then 30
minutes at most, an hour in all at worst, half that on average. The cap stays under the broker's visibility timeout
(Redis holds a task waiting for its countdown unacknowledged; a longer wait would have it handed out twice).
Messages are acknowledged late (after the task), so a worker that dies mid-task leaves its message to another one.

A final failure (the last retry, or any other exception, or the hard time limit) records a DeliveryFailure through
RecordedFailureTask.on_failure. A worker lost mid-task records nothing: the message is redelivered or the outbox
sweep sends the event. registry.notifications.failures states the sweep's give-up rule.
"""

import logging
from smtplib import SMTPException

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded

from registry.notifications.failures import delivery_failure_record

logger = logging.getLogger(__name__)

RETRY_BACKOFF = 60
RETRY_BACKOFF_MAX = 30 * 60
MAX_RETRIES = 6


class RecordedFailureTask(Task):
    """A task whose final failure leaves a DeliveryFailure row (admin: Failed deliveries) instead of a log line."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        try:
            delivery_failure_record(task=self.name, arguments=list(args or ()), error=exc)
        except Exception:  # noqa: BLE001 — the database may be what failed; the log still has it
            logger.exception("Could not record the failure of %s%r.", self.name, tuple(args or ()))
        super().on_failure(exc, task_id, args, kwargs, einfo)


# For @shared_task(**EMAIL_TASK): every task that sends e-mail.
EMAIL_TASK = {
    "base": RecordedFailureTask,
    "autoretry_for": (SMTPException, OSError, SoftTimeLimitExceeded),
    "retry_backoff": RETRY_BACKOFF,
    "retry_backoff_max": RETRY_BACKOFF_MAX,
    "retry_jitter": True,
    "max_retries": MAX_RETRIES,
    "acks_late": True,
    # One event's e-mails go over one SMTP connection (EMAIL_TIMEOUT per command); a registry-wide change reaches
    # every subscriber, hence minutes rather than seconds.
    "soft_time_limit": 300,
    "time_limit": 330,
}
