"""Certificate tasks: expiry at the end of the validity, and the PDF redrawn when the status changes."""

import logging

from celery import shared_task
from django.db import DatabaseError

from registry.certificates.selectors import certificates_due_to_expire
from registry.certificates.services import certificate_expire

logger = logging.getLogger(__name__)


@shared_task
def expire_certificates() -> int:
    """Nightly: certificates past their expiry date become expired, each with its public history entry."""
    expired = 0
    for certificate in certificates_due_to_expire().only("pk"):
        if certificate_expire(certificate=certificate) is not None:
            expired += 1
    return expired


@shared_task(
    autoretry_for=(OSError, DatabaseError),
    retry_backoff=10,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
    acks_late=True,
    # Rendering is idempotent: a job whose worker died goes back to the queue rather than being dropped.
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
)
def render_certificate_pdf(certificate_id: int) -> bool:
    """Draw a certificate's PDF when its status changed since the stored one. Returns whether it wrote a file."""
    from registry.certificates.models import Certificate
    from registry.certificates.pdf import certificate_pdf_render

    certificate = Certificate.objects.filter(pk=certificate_id).only("pk").first()
    return certificate is not None and certificate_pdf_render(certificate=certificate)


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def render_stale_certificate_pdfs() -> int:
    """Periodic safety net: draw every PDF that does not show its certificate's status (the queue lost the job, or a
    worker was down). Returns how many it drew."""
    from registry.certificates.models import Certificate
    from registry.certificates.pdf import certificate_pdf_render, certificates_with_stale_pdf

    drawn = 0
    for certificate_id in certificates_with_stale_pdf():
        try:
            drawn += certificate_pdf_render(certificate=Certificate(pk=certificate_id))
        except (OSError, DatabaseError):
            logger.warning("Could not draw the PDF of certificate %s; the next run will retry.", certificate_id)
    return drawn
