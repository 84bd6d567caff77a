"""Document checks: type from the content, the PDF's safety, the antivirus; and the periodic rescan of pending ones."""

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

# Document checks: retried while clamd cannot be reached, 15 s, 30 s, 60 s ... up to 10 min apart with full jitter
# (under the broker's visibility timeout), then left to check_pending_documents.
CHECK_MAX_RETRIES = 8


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,  # the check is idempotent: a check whose worker died goes back to the queue
    soft_time_limit=settings.DOCUMENT_CHECK_SOFT_TIME_LIMIT,
    time_limit=settings.DOCUMENT_CHECK_TIME_LIMIT,
)
def check_document(self, document_id: int) -> str | None:
    """After an upload: check the document (type, PDF, antivirus) and record the verdict. Returns its scan status."""
    from celery.exceptions import SoftTimeLimitExceeded
    from celery.utils.time import get_exponential_backoff_interval

    from registry.core.clamd import ScannerUnavailable
    from registry.qualification.services.document_checks import document_check, document_check_timed_out

    try:
        document = document_check(document_id=document_id)
    except ScannerUnavailable as exc:
        # Inline (no broker), a retry would run at once and hold the request: the periodic check will do it.
        if self.request.is_eager or self.request.retries >= CHECK_MAX_RETRIES:
            logger.warning("Document %s waits for clamd: %s", document_id, exc)
            return "pending"
        countdown = get_exponential_backoff_interval(15, self.request.retries, 600, full_jitter=True)
        raise self.retry(exc=exc, countdown=countdown) from exc
    except SoftTimeLimitExceeded:
        document = document_check_timed_out(document_id=document_id)
    return document.scan_status if document is not None else None


@shared_task
def check_pending_documents() -> int:
    """Periodic: queue the check of documents still pending after a few minutes, once clamd answers. Returns how many."""
    from registry.qualification.services.document_checks import documents_to_recheck

    older_than = timezone.now() - datetime.timedelta(seconds=settings.DOCUMENT_CHECK_GRACE)
    document_ids = documents_to_recheck(older_than=older_than)
    for document_id in document_ids:
        check_document.delay(document_id)
    return len(document_ids)
