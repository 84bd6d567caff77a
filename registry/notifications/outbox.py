"""The outbox of the workflow's e-mails: each DossierEvent and CertificateEvent is a row whose notified_at says whether
its e-mails went out. After the event's commit its sending is queued; when the broker is down, the sweep
(notifications.tasks.sweep_unnotified_events) sends it later."""

from registry.core.queue import queue_on_commit


def notify_dossier_event_on_commit(event_id: int) -> None:
    from registry.notifications import tasks  # tasks call the services that call this: the arrow stays lazy

    queue_on_commit(tasks.send_dossier_event_notification, event_id)


def notify_certificate_event_on_commit(event_id: int) -> None:
    from registry.notifications import tasks

    queue_on_commit(tasks.send_certificate_event_notification, event_id)
