"""The document check as a Celery task: queued once the upload is committed and not when it rolls back, a broker outage
left to the periodic check, an unreachable clamd retried with backoff then left pending, a time limit that fails the
check rather than running forever, and the periodic check scheduled."""

import logging

import pytest
from celery.exceptions import Retry, SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from registry.qualification import tasks as document_tasks
from registry.qualification.models import Document
from registry.qualification.services import document_checks as checks
from tests import factories as f
from tests.qualification.document_files import add, build_pdf, download, past_the_grace

pytestmark = pytest.mark.django_db

S = Document.ScanStatus


# The task, the queue and the periodic check.


def test_an_upload_through_the_portal_is_checked_once_committed(
    inline_tasks, client, draft, editor, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("portal:dossier-documents", args=[draft.reference]),
            {"kind": "evidence", "title": "Diagram", "file": f.pdf("diagram.pdf", build_pdf(pages=2))},
        )
    assert response.status_code == 302
    assert callbacks  # the check was queued on commit, not during the request's transaction
    document = Document.objects.get(dossier=draft)
    assert (document.scan_status, document.pages) == (S.CLEAN, 2)
    assert download(client, document).status_code == 200


def test_nothing_is_queued_when_the_upload_rolls_back(draft, editor, django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr(document_tasks.check_document, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        add(draft, editor)
        raise RuntimeError("the request failed after the upload")
    assert queued == []
    assert not Document.objects.exists()


def test_a_broker_outage_leaves_the_document_pending_for_the_periodic_check(
    inline_tasks, draft, editor, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as m:
        m.setattr(document_tasks.check_document, "delay", broker_down)
        with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
            document = add(draft, editor)  # the upload succeeds all the same
    assert "Could not queue registry.qualification.tasks.check_document" in caplog.text
    assert Document.objects.get(pk=document.pk).scan_status == S.PENDING
    assert document_tasks.check_pending_documents() == 0  # too recent: its check may still be on its way
    Document.objects.filter(pk=document.pk).update(uploaded_at=document.uploaded_at - past_the_grace())
    assert document_tasks.check_pending_documents() == 1
    assert Document.objects.get(pk=document.pk).scan_status == S.CLEAN


def test_an_unreachable_clamd_is_retried_with_exponential_backoff_and_jitter(settings, draft, editor, monkeypatch):
    settings.CLAMD_SOCKET = "/nonexistent/clamd.sock"
    document = add(draft, editor)
    countdowns = []

    def retry(exc=None, countdown=None, **kwargs):
        countdowns.append(countdown)
        return Retry(exc=exc, when=countdown)

    monkeypatch.setattr(document_tasks.check_document, "retry", retry)
    for attempt in range(document_tasks.CHECK_MAX_RETRIES):
        document_tasks.check_document.push_request(retries=attempt)
        try:
            with pytest.raises(Retry):
                document_tasks.check_document.run(document.pk)
        finally:
            document_tasks.check_document.pop_request()
    # Full jitter: anywhere from 0 to 15 s × 2^attempt, never beyond 10 minutes (under the broker's visibility timeout).
    assert all(0 <= c <= min(600, 15 * 2**i) for i, c in enumerate(countdowns)), countdowns
    document_tasks.check_document.push_request(retries=document_tasks.CHECK_MAX_RETRIES)
    try:
        assert document_tasks.check_document.run(document.pk) == "pending"  # given up: the periodic check takes over
    finally:
        document_tasks.check_document.pop_request()
    assert len(countdowns) == document_tasks.CHECK_MAX_RETRIES
    assert Document.objects.get(pk=document.pk).scan_status == S.PENDING


def test_inline_without_a_broker_an_unreachable_clamd_does_not_hold_the_request(inline_tasks, settings, draft, editor):
    settings.CLAMD_SOCKET = "/nonexistent/clamd.sock"
    document = add(draft, editor)
    assert document_tasks.check_document.delay(document.pk).get() == "pending"
    assert Document.objects.get(pk=document.pk).scan_status == S.PENDING


def test_a_check_over_its_time_limit_fails_rather_than_running_forever(client, draft, editor, monkeypatch):
    document = add(draft, editor)

    def too_slow(stream):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(checks, "inspect_pdf", too_slow)
    assert document_tasks.check_document.run(document.pk) == S.FAILED
    document.refresh_from_db()
    assert (document.scan_status, document.scan_detail, document.quarantined) == (S.FAILED, checks.TIMED_OUT, False)
    client.force_login(editor)
    response = download(client, document)
    assert response.status_code == 403
    assert "could not be checked" in response.text


def test_the_task_limits_its_time_and_acknowledges_late():
    task = document_tasks.check_document
    assert 0 < task.soft_time_limit < task.time_limit
    assert task.acks_late is True


def test_the_periodic_check_is_scheduled():
    entry = settings.CELERY_BEAT_SCHEDULE["check-pending-documents"]
    assert entry["task"] == "registry.qualification.tasks.check_pending_documents"
    assert entry["schedule"] <= settings.DOCUMENT_CHECK_GRACE
