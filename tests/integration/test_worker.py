"""A real Celery worker process, the real Redis broker and a real SMTP server: what the service layer commits, the
worker does: an uploaded document is checked, a submission's e-mails are delivered and its event marked notified."""

from collections import Counter

from registry.qualification.models import Document, DossierEvent
from registry.qualification.services import dossiers as svc
from registry.qualification.services.documents import document_add
from tests import factories as f
from tests.integration.conftest import real_thing
from tests.integration.harness import wait_until

pytestmark = real_thing

# Bounds, not expectations: a worker answers in well under a second; a slow CI machine gets room.
TIMEOUT = 30


def test_a_worker_checks_an_upload_then_delivers_the_submission_emails_and_marks_the_event(
    start_worker, smtp, complete_draft, owner, editor, reviewer
):
    start_worker()

    document = document_add(
        dossier=complete_draft, kind="other", title="Board minutes", uploaded=f.pdf("minutes.pdf"), by=editor
    )  # commits: its check is queued
    wait_until(
        lambda: Document.objects.filter(pk=document.pk).exclude(scan_status=Document.ScanStatus.PENDING).exists(),
        timeout=TIMEOUT,
        message="document checked",
    )
    document.refresh_from_db()
    assert (document.scan_status, document.pages, document.checked_at is not None) == ("clean", 1, True)

    # A document added after signing asks for a new signature.
    svc.dossier_declare(
        dossier=complete_draft,
        by=editor,
        signatory_name="Claire Martin",
        signatory_capacity="Chief executive officer",
        listed_in_process_consent=False,
    )

    svc.dossier_submit(dossier=complete_draft, by=editor)  # commits: the notification is queued

    event = DossierEvent.objects.get(dossier=complete_draft, action="submit")
    wait_until(
        lambda: DossierEvent.objects.filter(pk=event.pk, notified_at__isnull=False).exists(),
        timeout=TIMEOUT,
        message="event notified",
    )
    expected = {owner.email, editor.email, reviewer.email}
    assert Counter(smtp.recipients()) == dict.fromkeys(expected, 1)  # sent before notified_at is committed
    assert all(len(message.to) == 1 for message in smtp.received)
    assert all(message.subject.startswith(f"[{complete_draft.reference}]") for message in smtp.received)
