"""Keeping each certificate's PDF in step with its status.

Every status change (issue, suspend, reinstate, withdraw, expire, supersede) queues `render_certificate_pdf` after
commit; a periodic task catches what the queue lost. The stored file's name says which status episode it shows
(`certificates/<number>/<status>-<time of the change>.pdf`), so a render is idempotent: a second run finds the name
current and writes nothing, and a worker killed half-way leaves a file that the next run overwrites under that very name.
"""

import datetime
import logging
import posixpath

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils.text import get_valid_filename

from registry.certificates import pdf_drawing as certificate_pdf
from registry.certificates.choices import CertificateStatus
from registry.certificates.models import Certificate, CertificateEvent
from registry.core import file_deletions
from registry.core.queue import queue_on_commit

logger = logging.getLogger(__name__)

FOLDER = "certificates"


def verify_url(number: str) -> str:
    return settings.SITE_URL + reverse("registry:verify-number", args=[number])


def pdf_name(certificate: Certificate) -> str:
    """The storage name of the PDF for the certificate's current status episode (stable until its next change)."""
    stamp = certificate.status_changed_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return posixpath.join(FOLDER, get_valid_filename(certificate.number), f"{certificate.status}-{stamp}.pdf")


def pdf_is_current(certificate: Certificate) -> bool:
    """Whether the stored PDF shows the certificate's status as it stands (without asking the storage)."""
    return certificate.pdf_status == certificate.status and certificate.pdf.name == pdf_name(certificate)


def certificate_pdf_bytes(certificate: Certificate) -> bytes:
    """Draw the PDF as the certificate stands, without storing it. The certificate comes with service__provider and
    scheme loaded; for one no longer active, a query reads the event that gave it its status (the banner's date and
    reason)."""
    event = None
    if certificate.status != CertificateStatus.ACTIVE:
        event = (
            CertificateEvent.objects.filter(certificate=certificate, status=certificate.status)
            .order_by("-created_at", "-pk")
            .first()
        )
    return certificate_pdf.render(certificate, event=event, verify_url=verify_url(certificate.number))


def certificate_pdf_render(*, certificate: Certificate) -> bool:
    """(Re)generate and store the PDF when it does not show the current status; True when it wrote one.

    Idempotent and safe to run concurrently: the row lock makes a second run wait, then find the PDF current."""
    with transaction.atomic():
        locked = (
            Certificate.objects.select_for_update(of=("self",))
            .select_related("service__provider", "scheme")
            .get(pk=certificate.pk)
        )
        storage = locked.pdf.storage
        wrote = False
        if not (pdf_is_current(locked) and storage.exists(locked.pdf.name)):
            name = pdf_name(locked)
            content = certificate_pdf_bytes(locked)
            if storage.exists(name):
                storage.delete(name)  # left by a run that died before its commit: same episode, draw it again
            previous = locked.pdf.name
            locked.pdf.name = storage.save(name, ContentFile(content))
            locked.pdf_status = locked.status
            locked.save(update_fields=["pdf", "pdf_status"])
            wrote = True
            # The PDF of the earlier status goes once the new name is committed (never before: a rollback would leave
            # the row pointing at a deleted file); a storage refusing leaves it to the sweep, the new PDF stands.
            if previous and previous != locked.pdf.name:
                file_deletions.delete_on_commit(previous)
        # Then whatever else is in the certificate's folder: files a render wrote before dying uncommitted.
        transaction.on_commit(lambda: _prune(locked.pk), robust=True)
    return wrote


def _prune(certificate_id: int) -> None:
    """Delete the certificate's stored PDFs other than the current one (leftovers of a crash, an earlier status whose
    deletion is not already pending)."""
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().filter(pk=certificate_id).only("number", "pdf").first()
        if certificate is None or not certificate.pdf:
            return
        storage = certificate.pdf.storage
        folder, current = posixpath.split(certificate.pdf.name)
        try:
            _dirs, files = storage.listdir(folder)
        except (NotImplementedError, FileNotFoundError):
            return
        except Exception:  # noqa: BLE001 — the storage's errors are many; the next render of this certificate prunes
            logger.warning(
                "Could not list the PDFs in %s; leftovers stay until its next render.", folder, exc_info=True
            )
            return
        leftovers = {posixpath.join(folder, file_name) for file_name in files if file_name != current}
        for name in sorted(leftovers - file_deletions.pending_among(leftovers)):
            file_deletions.delete_on_commit(name)


def certificates_with_stale_pdf() -> list[int]:
    """Ids of certificates whose stored PDF does not show their status, for the periodic safety net.

    Compared in Python rather than SQL: a certificate suspended, reinstated and suspended again shows the same status
    as its PDF, yet the PDF's name (from the time of the change) tells that it shows the earlier suspension."""
    fields = ("pk", "number", "status", "status_changed_at", "pdf", "pdf_status")
    return [c.pk for c in Certificate.objects.only(*fields).order_by("pk").iterator() if not pdf_is_current(c)]


def render_pdf_on_commit(certificate_id: int) -> None:
    """Queue the PDF's rendering once the change is committed; if the broker is unreachable the periodic
    render_stale_certificate_pdfs draws it later."""
    from registry.certificates import tasks  # the task calls this module: the arrow stays lazy

    queue_on_commit(tasks.render_certificate_pdf, certificate_id)
