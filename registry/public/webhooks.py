"""Signed webhooks: registration by a confirmed e-mail address (double opt-in, as subscriptions), the owner's management
(test event, secret rotation, re-enabling, deletion) and who hears of which public change.

An endpoint follows what a Subscription follows (a service, a provider, the whole registry) and hears of the same
changes: a certificate's change of status and a change the agency accepted, each written as one WebhookDelivery per
endpoint in the transaction of the change, whose body is the change's entry in /api/v1/changes/ (one shape for
relying parties' programs). registry.public.webhook_delivery sends them.

As for subscriptions, the answer to a registration never says whether the address already registered that URL, and
the e-mails it triggers are rate-limited per address.
"""

import datetime
import hashlib
import json
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from registry.accounts.preferences import current_language, supported_language
from registry.core.queue import queue_on_commit
from registry.notifications import outbox
from registry.notifications.outbox import Email
from registry.providers.models import Service
from registry.public import subscriptions
from registry.public.webhook_models import WebhookDelivery, WebhookEndpoint, new_secret

Scope = WebhookEndpoint.Scope

STATUS_CHANGED = "certificate.status_changed"
CHANGE_ACCEPTED = "certificate.change_accepted"
TEST = "webhook.test"

CONFIRMATION_VALIDITY = subscriptions.CONFIRMATION_VALIDITY
# After a rotation, deliveries carry a signature with the previous secret too for this long (Standard Webhooks allows
# several signatures in one header), so that a receiver can switch secrets without rejecting a delivery.
PREVIOUS_SECRET_VALIDITY = datetime.timedelta(hours=24)
# How long a delivery that is done with stays listed on its endpoint's page (then purged daily, with its attempts).
DELIVERIES_KEPT = datetime.timedelta(days=90)


class WebhookExpired(Exception):
    """The confirmation link is older than CONFIRMATION_VALIDITY."""


# --- Links. ---


def confirm_url(endpoint) -> str:
    return subscriptions.absolute(reverse("registry:webhook-confirm", args=[endpoint.confirm_token]))


def manage_url(endpoint) -> str:
    return subscriptions.absolute(reverse("registry:webhook-manage", args=[endpoint.manage_token]))


def endpoint_target_label(endpoint) -> str:
    return subscriptions.target_label(endpoint.scope, endpoint.provider, endpoint.service)


def is_expired(endpoint, now=None) -> bool:
    if endpoint.confirmed_at is not None:
        return False
    return endpoint.created_at < (now or timezone.now()) - CONFIRMATION_VALIDITY


# --- Registration. ---


def _may_mail(email: str, url: str) -> bool:
    """At most one e-mail per address and URL per RESEND_INTERVAL, and MAX_MAILS_PER_ADDRESS_PER_HOUR per address."""

    def key(*parts) -> str:  # addresses never appear in cache keys
        return "webhook-mail:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()

    if not cache.add(key("target", email, url), 1, subscriptions.RESEND_INTERVAL):
        return False
    address = key("address", email)
    cache.add(address, 0, 3600)
    try:
        count = cache.incr(address)
    except ValueError:  # the counter expired between add and incr
        count = 1
    return count <= subscriptions.MAX_MAILS_PER_ADDRESS_PER_HOUR


def _find(email, url, scope, provider, service):
    return (
        WebhookEndpoint.objects.select_for_update()
        .filter(email=email, url=url, scope=scope, provider=provider, service=service)
        .order_by("pk")
        .first()
    )


def webhook_request(*, email: str, url: str, scope: str, provider=None, service=None) -> None:
    """Someone registers `url` for a target. Returns nothing on purpose: the caller answers the same in every case.

    A new or pending registration gets a confirmation link; one already confirmed gets its management link. One
    e-mail at most, none when the address was mailed about this URL a moment ago."""
    email = email.strip().lower()
    with transaction.atomic():
        endpoint = _find(email, url, scope, provider, service)
        if endpoint is None:
            try:
                with transaction.atomic():
                    endpoint = WebhookEndpoint.objects.create(
                        email=email,
                        url=url,
                        scope=scope,
                        provider=provider,
                        service=service,
                        language=current_language(),
                    )
            except IntegrityError:  # the same request, a moment earlier, from another process
                endpoint = _find(email, url, scope, provider, service)
        if not _may_mail(email, url):
            return
        if endpoint.confirmed_at is None:
            endpoint.created_at = timezone.now()  # the link's validity runs from the latest one sent
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(created_at=endpoint.created_at)
        _mail(endpoint, "confirm" if endpoint.confirmed_at is None else "already")


def _mail(endpoint, kind: str) -> None:
    """An e-mail to the owner, in the language of the registration, through the outbox (sent after the commit)."""
    language = supported_language(endpoint.language)
    with translation.override(language):
        context = {
            "endpoint": endpoint,
            "target": endpoint_target_label(endpoint),
            "confirm_url": confirm_url(endpoint),
            "manage_url": manage_url(endpoint),
            "expires_at": endpoint.created_at + CONFIRMATION_VALIDITY,
            "site_url": settings.SITE_URL,
        }
        email = Email(
            to=[endpoint.email],
            subject=render_to_string(f"emails/webhook_{kind}_subject.txt", context).strip(),
            body=render_to_string(f"emails/webhook_{kind}.txt", context),
            headers={"Auto-Submitted": "auto-generated"},
            language=language,
            kind=f"webhook_{kind}",
        )
    outbox.send_on_commit(outbox.new_key(f"webhook:{endpoint.pk}"), [email])


def webhook_confirm(*, endpoint) -> WebhookEndpoint:
    """Activate a pending endpoint (idempotent); its owner is e-mailed the management link. Raises WebhookExpired."""
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if locked.confirmed_at is not None:
            return locked
        if is_expired(locked):
            raise WebhookExpired
        locked.confirmed_at = timezone.now()
        locked.save(update_fields=["confirmed_at"])
        _mail(locked, "active")
        return locked


def webhooks_purge_unconfirmed(now=None) -> int:
    cutoff = (now or timezone.now()) - CONFIRMATION_VALIDITY
    removed, _by_model = WebhookEndpoint.objects.filter(confirmed_at__isnull=True, created_at__lt=cutoff).delete()
    return removed


def webhook_deliveries_purge(now=None) -> int:
    """Deliveries done with (delivered or given up) longer ago than DELIVERIES_KEPT, with their attempts: the changes
    themselves stay in /api/v1/changes/ for good. Returns how many deliveries went."""
    cutoff = (now or timezone.now()) - DELIVERIES_KEPT
    done = Q(delivered_at__lt=cutoff) | Q(abandoned_at__lt=cutoff)
    removed, _by_model = WebhookDelivery.objects.filter(done).delete()
    return _by_model.get(WebhookDelivery._meta.label, 0)


# --- The owner's management page. ---


def _locked(endpoint) -> WebhookEndpoint:
    return WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)


def webhook_rotate_secret(*, endpoint) -> WebhookEndpoint:
    """A new secret signs from now on; the previous one signs too for PREVIOUS_SECRET_VALIDITY."""
    with transaction.atomic():
        locked = _locked(endpoint)
        locked.previous_secret, locked.secret = locked.secret, new_secret()
        locked.previous_secret_until = timezone.now() + PREVIOUS_SECRET_VALIDITY
        locked.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
        return locked


def webhook_enable(*, endpoint) -> WebhookEndpoint:
    """A disabled endpoint hears of changes again (those made while it was disabled stay in /api/v1/changes/)."""
    with transaction.atomic():
        locked = _locked(endpoint)
        if locked.disabled_at is not None:
            locked.disabled_at, locked.disabled_reason, locked.consecutive_failures = None, "", 0
            locked.save(update_fields=["disabled_at", "disabled_reason", "consecutive_failures"])
        return locked


def webhook_delete(*, endpoint) -> None:
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()


def webhook_send_test(*, endpoint) -> WebhookDelivery | None:
    """One test event to an active endpoint, sent at once, never retried. None when the endpoint is not active."""
    with transaction.atomic():
        locked = _locked(endpoint)
        if not locked.is_active:
            return None
        data = {"endpoint": locked.url, "follows": locked.scope, "message": "A test event from the registry."}
        [delivery] = _write([locked], TEST, data)
        return delivery


# --- Who hears of which change. ---

_BREADTH = {Scope.REGISTRY: 0, Scope.PROVIDER: 1, Scope.SERVICE: 2}


def endpoints_of(service_id: int) -> list[WebhookEndpoint]:
    """The active endpoints told of a change on this service's certificates, as subscriptions.subscribers_of(): one
    per owner and URL (an owner who registered a URL for the service and its provider gets each change once), the
    broadest registration chosen. One query (the service's provider in a subquery)."""
    provider_id = Subquery(Service.objects.filter(pk=service_id).values("provider_id"))
    covering = WebhookEndpoint.objects.filter(confirmed_at__isnull=False, disabled_at__isnull=True).filter(
        Q(scope=Scope.REGISTRY)
        | Q(scope=Scope.PROVIDER, provider_id=provider_id)
        | Q(scope=Scope.SERVICE, service_id=service_id)
    )
    chosen = {}
    for endpoint in sorted(covering, key=lambda e: (_BREADTH[e.scope], e.pk)):
        chosen.setdefault((endpoint.email.lower(), endpoint.url), endpoint)
    return list(chosen.values())


def _body(event_type: str, data: dict) -> str:
    return json.dumps(
        {"type": event_type, "timestamp": timezone.now().astimezone(datetime.UTC).isoformat(), "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _write(endpoints, event_type: str, data: dict) -> list[WebhookDelivery]:
    """One delivery per endpoint, in one INSERT, due now; sent once the transaction commits."""
    from registry.public import tasks  # the task calls the sending module: the arrow stays lazy

    if not endpoints:
        return []
    body = _body(event_type, data)
    now = timezone.now()
    rows = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=endpoint,
            message_id=f"msg_{uuid.uuid4().hex}",
            event_type=event_type,
            body=body,
            next_attempt_at=now,
        )
        for endpoint in endpoints
    )
    queue_on_commit(tasks.deliver_webhooks, [row.pk for row in rows])
    return rows


def _entry(entry: dict) -> dict:
    # The API's own serializer: a delivery's data is, field for field, the change's entry in /api/v1/changes/.
    from registry.public.api.serializers import ChangeEntrySerializer

    return ChangeEntrySerializer().to_representation(entry)


def webhooks_on_status_change(event) -> None:
    """A certificate's change of status (a CertificateEvent just written): a delivery to each endpoint following its
    service, in the caller's transaction. One query without endpoints; with some, a few more, however many they are."""
    from registry.public.change_log import status_entry

    endpoints = endpoints_of(event.certificate.service_id)
    if endpoints:
        _write(endpoints, STATUS_CHANGED, _entry(status_entry(event)))


def webhooks_on_change_accepted(record) -> None:
    """A change the agency accepted (a CertifiedRecord written for an accepted notice), as webhooks_on_status_change."""
    from registry.public.change_log import change_entry

    endpoints = endpoints_of(record.certificate.service_id)
    if endpoints:
        _write(endpoints, CHANGE_ACCEPTED, _entry(change_entry(record)))
