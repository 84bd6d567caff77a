"""Sending webhook deliveries: the outbox discipline of registry.notifications.outbox, for HTTP.

Rows are claimed in a short transaction (SELECT … FOR UPDATE SKIP LOCKED: two senders never take the same row), each
POST is made outside any transaction or lock, with a timeout, and its outcome recorded at once (one WebhookAttempt per
POST). A delivered row is never claimed again, so a rerun (a task redelivered, the periodic sweep) sends only what is
not delivered; the one message a sender could lose track of (killed between the receiver's 2xx and the mark) goes again
under the same webhook-id, which the receiver can drop.

Signing, per the Standard Webhooks specification (https://www.standardwebhooks.com): webhook-id (the delivery's own id,
the same on every attempt), webhook-timestamp (this attempt's Unix time) and webhook-signature,
`v1,<base64 of HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>` with the bytes of the secret after `whsec_`.

A 2xx answer is a success; any other answer, a redirect included (never followed), a timeout or a connection error is
a failure, tried again after RETRY_SCHEDULE's next wait. Once the schedule is exhausted the endpoint is disabled, its
other pending deliveries given up, and its owner told by one e-mail.

The target is checked again at each attempt (a name that resolved to a public address at registration may resolve to
a private one since): the connection goes to an address checked here, not to a second resolution of the name.
"""

import base64
import datetime
import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
import time
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from registry.accounts.preferences import supported_language
from registry.notifications import outbox
from registry.notifications.outbox import Email
from registry.public.webhook_models import SECRET_PREFIX, WebhookAttempt, WebhookDelivery, WebhookEndpoint

# The waits after each failed attempt (the Standard Webhooks recommendation): eight attempts over some 28 hours.
RETRY_SCHEDULE = tuple(
    datetime.timedelta(seconds=s) for s in (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
)
CLAIM_BATCH = 20
USER_AGENT = "TrustedCloudRegistry-Webhooks/1"
ERROR_LENGTH = 300


class TargetRefused(Exception):
    """The URL may not be called: its message says why, for the person who typed it."""


# --- Signing. ---


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    mac = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def signed_headers(endpoint, delivery, timestamp: int, body: bytes, now=None) -> dict[str, str]:
    secrets = [endpoint.secret]
    if (
        endpoint.previous_secret
        and endpoint.previous_secret_until
        and endpoint.previous_secret_until > (now or timezone.now())
    ):
        secrets.append(endpoint.previous_secret)
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, delivery.message_id, timestamp, body) for s in secrets),
    }


# --- Where a delivery may go. ---


def _allowed_address(address: str) -> bool:
    return ipaddress.ip_address(address.split("%", 1)[0]).is_global or settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS


def checked_target(url: str) -> tuple[str, str, int, list[str]]:
    """(scheme, host, port, addresses to connect to) of a URL a delivery may go to; TargetRefused says why not.

    HTTPS only; plain http only to a loopback address and only where WEBHOOKS_ALLOW_PRIVATE_TARGETS allows it (the
    development receiver). Every address the host resolves to must be public (not loopback, private, link-local,
    reserved…), unless that setting is on."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise TargetRefused(_("Enter a valid URL.")) from None
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise TargetRefused(_("Enter an https:// URL."))
    if parts.username or parts.password:
        raise TargetRefused(_("The URL may not contain a user name or password."))
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise TargetRefused(_("The host %(host)s could not be found.") % {"host": host}) from None
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not all(_allowed_address(address) for address in addresses):
        raise TargetRefused(
            _("The host %(host)s has a private or local address: webhooks go to public addresses only.")
            % {"host": host}
        )
    if parts.scheme == "http":
        loopback = all(ipaddress.ip_address(a.split("%", 1)[0]).is_loopback for a in addresses)
        if not (settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS and loopback):
            raise TargetRefused(_("Enter an https:// URL: deliveries are sent over HTTPS only."))
    return parts.scheme, host, port, addresses


# --- One POST. ---


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the address checked above, whatever the name resolves to now; Host names the host."""

    def __init__(self, host, port, *, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host, port, *, address, **kwargs):
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # the certificate names the host


def _describe(error) -> str:
    text = str(error).strip()
    return (f"{type(error).__name__}: {text}" if text else type(error).__name__)[:ERROR_LENGTH]


def post(url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    """POST body to url: (status, "") when it answered, (None, error) when it could not be reached or was refused."""
    try:
        scheme, host, port, addresses = checked_target(url)
    except TargetRefused as refused:
        return None, str(refused)[:ERROR_LENGTH]
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection_class = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    connection = connection_class(host, port, address=addresses[0], timeout=settings.WEBHOOKS_TIMEOUT)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)  # what the receiver says is not kept; reading lets it finish cleanly
        return response.status, ""
    except (OSError, http.client.HTTPException) as error:  # timeouts, refusals, TLS errors, broken answers
        return None, _describe(error)
    finally:
        connection.close()


# --- The outbox. ---


def _due(now):
    return WebhookDelivery.objects.filter(
        delivered_at__isnull=True,
        abandoned_at__isnull=True,
        next_attempt_at__lte=now,
        endpoint__confirmed_at__isnull=False,
        endpoint__disabled_at__isnull=True,
    )


def _claim(claimer: str, ids, done: set) -> list[WebhookDelivery]:
    now = timezone.now()
    with transaction.atomic():
        free = _due(now).filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now) | Q(claimed_by=claimer))
        if ids is not None:
            free = free.filter(pk__in=ids)
        free = free.exclude(pk__in=done)  # tried once in this run: its next attempt is for a later one
        picked = list(
            free.select_for_update(skip_locked=True, of=("self",))
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:CLAIM_BATCH]
        )
        # Long enough for every POST of the batch to time out (connecting and reading).
        until = now + datetime.timedelta(seconds=(2 * settings.WEBHOOKS_TIMEOUT + 1) * CLAIM_BATCH)
        WebhookDelivery.objects.filter(pk__in=picked).update(
            claimed_by=claimer, claimed_until=until, attempts=F("attempts") + 1
        )
    return list(WebhookDelivery.objects.filter(pk__in=picked).select_related("endpoint").order_by("pk"))


def _send(delivery, claimer: str) -> bool:
    endpoint = delivery.endpoint
    body = delivery.body.encode()
    started = timezone.now()
    headers = signed_headers(endpoint, delivery, int(started.timestamp()), body, started)
    clock = time.monotonic()
    status, error = post(endpoint.url, body, headers)
    duration_ms = int((time.monotonic() - clock) * 1000)
    succeeded = status is not None and 200 <= status < 300
    if status is not None and not succeeded:
        error = f"HTTP {status}"
    _record(delivery, claimer, started, status, error, duration_ms, succeeded)
    return succeeded


def _record(delivery, claimer, at, status, error, duration_ms, succeeded) -> None:
    now = timezone.now()
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery_id=delivery.pk, attempted_at=at, status=status, error=error, duration_ms=duration_ms
        )
        mine = WebhookDelivery.objects.filter(pk=delivery.pk, claimed_by=claimer, delivered_at__isnull=True)
        is_test = delivery.event_type == "webhook.test"
        if succeeded:
            mine.update(delivered_at=now, next_attempt_at=None, last_status=status, last_error="", claimed_until=None)
            WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(consecutive_failures=0, last_success_at=now)
            return
        exhausted = delivery.attempts > len(RETRY_SCHEDULE)
        if is_test or exhausted:
            mine.update(
                abandoned_at=now, next_attempt_at=None, last_status=status, last_error=error, claimed_until=None
            )
        else:
            mine.update(
                next_attempt_at=now + RETRY_SCHEDULE[delivery.attempts - 1],
                last_status=status,
                last_error=error,
                claimed_until=None,
            )
        if is_test:
            return  # a test answers its owner on the page; it neither counts nor disables
        WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(
            consecutive_failures=F("consecutive_failures") + 1
        )
        if exhausted:
            _disable(delivery.endpoint_id, now)


def _disable(endpoint_id: int, now) -> None:
    """Disable the endpoint (once: under its lock), give up its other pending deliveries, e-mail its owner."""
    endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id, disabled_at__isnull=True).first()
    if endpoint is None:
        return
    endpoint.disabled_at, endpoint.disabled_reason = now, WebhookEndpoint.DisabledReason.FAILING
    endpoint.save(update_fields=["disabled_at", "disabled_reason"])
    WebhookDelivery.objects.filter(endpoint=endpoint, delivered_at__isnull=True, abandoned_at__isnull=True).update(
        abandoned_at=now, next_attempt_at=None
    )
    from registry.public.webhooks import endpoint_target_label, manage_url

    language = supported_language(endpoint.language)
    with translation.override(language):
        context = {"endpoint": endpoint, "target": endpoint_target_label(endpoint), "manage_url": manage_url(endpoint)}
        email = Email(
            to=[endpoint.email],
            subject=render_to_string("emails/webhook_disabled_subject.txt", context).strip(),
            body=render_to_string("emails/webhook_disabled.txt", context),
            headers={"Auto-Submitted": "auto-generated"},
            language=language,
            kind="webhook_disabled",
        )
    outbox.send_on_commit(f"webhook_disabled:{endpoint.pk}:{int(now.timestamp())}", [email])


def deliver(ids=None, claimer: str | None = None) -> tuple[int, datetime.datetime | None]:
    """Send the due deliveries (of `ids`, or all) that no other sender holds. Call it outside any transaction.

    Returns how many were delivered, and when the earliest retry this run scheduled falls due (None without one)."""
    claimer = claimer or f"call:{uuid.uuid4().hex}"
    delivered = 0
    done: set[int] = set()
    while rows := _claim(claimer, ids, done):
        for row in rows:
            done.add(row.pk)
            delivered += _send(row, claimer)
    retry = (
        WebhookDelivery.objects.filter(pk__in=done, delivered_at__isnull=True, abandoned_at__isnull=True)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    return delivered, retry
