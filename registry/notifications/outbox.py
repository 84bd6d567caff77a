"""The outbox: every e-mail the registry sends is first a row of OutgoingEmail, one per message and recipient.

Writing: `write` (or `send_on_commit`, which also queues the sending) puts the messages in the caller's transaction,
so they exist exactly when what they tell of exists. A row is unique per (key, recipient, kind); writing it again
changes nothing. Workflow events (DossierEvent, CertificateEvent) are written by their task, which marks the event
notified once all its rows are sent (registry.notifications.tasks); reminders, invitations, subscription answers and
allauth's account e-mails are written by the request or task that decides to send them.

Sending (`deliver`): rows are claimed in a short transaction (SELECT … FOR UPDATE SKIP LOCKED: two senders never
take the same row), then sent outside any transaction or lock, one message per recipient, and each is marked sent as
soon as the mail server accepted it. A claim holds CLAIM_SECONDS for others; the same task (a retry, or its message
redelivered after the worker died) takes its rows back at once. So a rerun after a worker death or a refusal part-way
sends only what is unsent. Nothing depends on the cache. Each row's Message-ID is fixed, so the one message a sender
could lose track of (killed between the server's acceptance and the mark) reaches the mailbox with the same
Message-ID, which mail programs show once.

A refusal of one recipient (a 4xx or 5xx answer to that message) leaves that row unsent with its error and the others
go on; a lost connection stops the batch. Either way the error is raised at the end for the task to retry
(registry.notifications.retries) and, in the end, to record (registry.notifications.failures).
"""

import datetime
import re
import smtplib
import unicodedata
import uuid
from dataclasses import dataclass, field
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from registry.core.queue import queue_on_commit
from registry.notifications.models import OutgoingEmail

# How long a sender's claim keeps other senders off its rows: well above the time to send one batch (CLAIM_BATCH
# messages, EMAIL_TIMEOUT per SMTP command), so a live sender is never overtaken.
CLAIM_SECONDS = 600
CLAIM_BATCH = 50

# Keys of the workflow's events; their rows are written by registry.notifications.tasks.
DOSSIER_EVENT = "dossier_event"
CERTIFICATE_EVENT = "certificate_event"
EVENT_PREFIXES = (f"{DOSSIER_EVENT}:", f"{CERTIFICATE_EVENT}:")


@dataclass
class Email:
    """A message to write: one per language, with its recipients (each gets a message of their own)."""

    to: list[str]
    subject: str
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    html: str = ""
    language: str = ""
    # What the message is (its template): with the outbox key and the recipient, what makes it one.
    kind: str = ""


def header_safe(text) -> str:
    """Text fit for a mail header whatever it holds: control characters (CR, LF, NUL, tab…) and line or paragraph
    separators become spaces, and runs of spaces one (no-break spaces stay). A name with a line break can then neither inject a header
    nor make Django refuse the message (BadHeaderError), which would silence every e-mail about it."""
    spaced = "".join(" " if unicodedata.category(c) in {"Cc", "Zl", "Zp"} else c for c in str(text))
    return re.sub(" {2,}", " ", spaced).strip(" ")


def new_key(about: str) -> str:
    """A key for a message sent once per request (an invitation, a subscription answer, an account e-mail)."""
    return f"{about}:{uuid.uuid4().hex}"


def write(key: str, emails) -> int:
    """Write these messages (registry.notifications.emails.Email: one per language, with its recipients) to the
    outbox, in the caller's transaction, one row per recipient. Rows already there stay as they are."""
    rows = [
        OutgoingEmail(
            key=key,
            recipient=address.strip(),
            kind=email.kind,
            language=email.language,
            subject=header_safe(email.subject),
            body=email.body,
            html=email.html,
            headers={header_safe(name): header_safe(value) for name, value in email.headers.items()},
        )
        for email in emails
        for address in email.to
    ]
    OutgoingEmail.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def send_on_commit(key: str, emails) -> None:
    """Write the messages now and send them once the transaction commits (a worker's task; inline without Redis).
    The request never waits for the mail server, nor fails because of it: the sweep sends what the queue lost."""
    from registry.notifications import tasks  # the tasks call this module: the arrow stays lazy

    if write(key, emails):
        queue_on_commit(tasks.send_outgoing_emails, key)


def notify_dossier_event_on_commit(event_id: int) -> None:
    from registry.notifications import tasks

    queue_on_commit(tasks.send_dossier_event_notification, event_id)


def notify_certificate_event_on_commit(event_id: int) -> None:
    from registry.notifications import tasks

    queue_on_commit(tasks.send_certificate_event_notification, event_id)


def unsent(key: str):
    return OutgoingEmail.objects.filter(key=key, sent_at__isnull=True)


def _claim(key: str, claimer: str) -> list[OutgoingEmail]:
    now = timezone.now()
    with transaction.atomic():
        free = unsent(key).filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now) | Q(claimed_by=claimer))
        ids = list(free.select_for_update(skip_locked=True).order_by("pk").values_list("pk", flat=True)[:CLAIM_BATCH])
        OutgoingEmail.objects.filter(pk__in=ids).update(
            claimed_by=claimer,
            claimed_until=now + datetime.timedelta(seconds=CLAIM_SECONDS),
            attempts=F("attempts") + 1,
        )
    return list(OutgoingEmail.objects.filter(pk__in=ids).order_by("pk"))


def _message_id_domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "localhost"


def _message(row: OutgoingEmail) -> EmailMultiAlternatives:
    headers = {
        **row.headers,
        "Message-ID": f"<outbox.{row.pk}.{int(row.created_at.timestamp())}@{_message_id_domain()}>",
        **({"Content-Language": row.language} if row.language else {}),
    }
    message = EmailMultiAlternatives(
        header_safe(row.subject), row.body, settings.DEFAULT_FROM_EMAIL, [row.recipient], headers=headers
    )
    if row.html:
        message.attach_alternative(row.html, "text/html")
    return message


def _describe(error) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _release(rows, claimer: str, error=None) -> None:
    """Give rows back unsent (the next try takes them), with the error of the one it concerns."""
    mine = OutgoingEmail.objects.filter(pk__in=[row.pk for row in rows], claimed_by=claimer, sent_at__isnull=True)
    mine.update(claimed_by="", claimed_until=None, **({"last_error": _describe(error)} if error else {}))


def _send_batch(rows, claimer: str) -> tuple[int, Exception | None]:
    sent = 0
    refused = None
    connection = get_connection()
    try:
        connection.open()
        for row in rows:
            try:
                connection.send_messages([_message(row)])
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as error:
                # The server said no to this message: the others may still go.
                _release([row], claimer, error)
                refused = refused or error
                continue
            except Exception as error:
                _release([row], claimer, error)
                raise
            OutgoingEmail.objects.filter(pk=row.pk, claimed_by=claimer).update(
                sent_at=timezone.now(), claimed_until=None, last_error=""
            )
            sent += 1
    except Exception as error:
        _release(rows, claimer, error)  # the rest of the batch, stopped by this error
        raise
    finally:
        connection.close()
    return sent, refused


def deliver(key: str, claimer: str | None = None) -> int:
    """Send the unsent messages about `key` that no other sender holds; returns how many the server accepted.

    Call it outside any transaction (a task, after the commit): each mark must commit at once. `claimer` names the
    sender (the task's id, so that its retry or redelivery takes its own rows back); any refusal or connection error
    is raised once the rest of the batch is done."""
    claimer = claimer or f"call:{uuid.uuid4().hex}"
    sent = 0
    while rows := _claim(key, claimer):
        accepted, refused = _send_batch(rows, claimer)
        sent += accepted
        if refused is not None:
            raise refused
    return sent


__all__ = [
    "CERTIFICATE_EVENT",
    "Email",
    "DOSSIER_EVENT",
    "deliver",
    "header_safe",
    "new_key",
    "notify_certificate_event_on_commit",
    "notify_dossier_event_on_commit",
    "send_on_commit",
    "unsent",
    "write",
]
