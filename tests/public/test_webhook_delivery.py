"""Webhook deliveries: signed per Standard Webhooks and verified by a real receiver with the `standardwebhooks`
library, written with the public change, retried with backoff under the same webhook-id, delivered once, and the
endpoint disabled (its owner told once) when the schedule is exhausted."""

import datetime
import json

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from registry.certificates import changes
from registry.certificates.models import CertificateEvent
from registry.certificates.services import certificate_reinstate, certificate_suspend
from registry.public import tasks, webhook_delivery, webhooks
from registry.public.webhook_models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

Scope = WebhookEndpoint.Scope


@pytest.fixture
def certificate(service):
    return f.certificate(service)


@pytest.fixture
def other_certificate(other_provider):
    return f.certificate(f.service(other_provider, name="Autre Stockage", slug="autre-stockage"))


def endpoint(receiver, path="/hooks", scope=Scope.SERVICE, *, confirmed=True, **target):  # noqa: F811
    created = WebhookEndpoint.objects.create(
        email="dev@relying.example",
        url=receiver.url(path),
        scope=scope,
        confirmed_at=timezone.now() if confirmed else None,
        **target,
    )
    receiver.expect(created)
    return created


@pytest.fixture
def suspend(django_capture_on_commit_callbacks, decision_maker):
    def go(certificate, reason="Major incident under investigation."):
        with django_capture_on_commit_callbacks(execute=True):
            certificate_suspend(review_on=f.review_date(), certificate=certificate, by=decision_maker, reason=reason)

    return go


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """The periodic task, its e-mails (the outbox's, after the commit) sent."""

    def go():
        with django_capture_on_commit_callbacks(execute=True):
            return tasks.deliver_due_webhooks()

    return go


def test_a_suspension_of_a_followed_service_reaches_the_receiver_signed_and_verifiable(
    receiver, suspend, certificate, service, client
):  # fmt: skip
    followed = endpoint(receiver, service=service)
    suspend(certificate)

    [received] = receiver.received
    assert received.refusal == "" and received.status == 200
    assert received.headers["Content-Type"] == "application/json"
    assert received.headers["webhook-id"].startswith("msg_")
    payload = received.payload
    assert payload["type"] == "certificate.status_changed"
    assert datetime.datetime.fromisoformat(payload["timestamp"]).tzinfo is not None
    delivery = WebhookDelivery.objects.get()
    assert (delivery.endpoint, delivery.message_id, delivery.attempts) == (followed, received.headers["webhook-id"], 1)
    assert delivery.delivered_at is not None and delivery.last_status == 200

    # The data is the change's entry in /api/v1/changes/, field for field (listed there once 5 s old).
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=10)):
        [entry] = client.get(reverse("api:changes")).json()["results"][-1:]
    assert payload["data"] == entry
    assert payload["data"]["status"] == "suspended"
    assert payload["data"]["certificate_urn"] == f"urn:tcr:certificate:{certificate.number}"
    assert payload["data"]["reason"] == "Major incident under investigation."


def test_our_signature_is_the_one_the_standard_webhooks_library_computes():
    secret = WebhookEndpoint().secret
    assert secret.startswith("whsec_") and len(secret) > len("whsec_") + 32
    when = datetime.datetime(2026, 12, 4, 16, 0, tzinfo=datetime.UTC)
    body = '{"type":"x","data":{"é":1}}'.encode()
    ours = webhook_delivery.signature(secret, "msg_1", int(when.timestamp()), body)
    assert ours == Webhook(secret).sign("msg_1", when, body)


def test_the_receiver_refuses_a_tampered_body_or_signature_and_an_old_timestamp(
    receiver, suspend, certificate, service
):  # fmt: skip
    endpoint(receiver, service=service)
    suspend(certificate)
    [genuine] = receiver.received
    headers = {k: genuine.headers[k] for k in ("Content-Type", "webhook-id", "webhook-timestamp", "webhook-signature")}

    assert receiver.post("/hooks", genuine.body, headers) == 200  # a replay within 5 minutes still verifies
    assert receiver.post("/hooks", genuine.body.replace(b"suspended", b"active"), headers) == 401
    forged = headers | {"webhook-signature": "v1," + "A" * 44}
    assert receiver.post("/hooks", genuine.body, forged) == 401
    # Signed with the right secret, but ten minutes old: refused as a replay.
    old = int(genuine.headers["webhook-timestamp"]) - 600
    endpoint_secret = WebhookEndpoint.objects.get().secret
    stale = headers | {
        "webhook-timestamp": str(old),
        "webhook-signature": webhook_delivery.signature(endpoint_secret, headers["webhook-id"], old, genuine.body),
    }
    assert receiver.post("/hooks", genuine.body, stale) == 401
    assert [r.refusal for r in receiver.received[2:]] == [
        "No matching signature found",
        "No matching signature found",
        "Message timestamp too old",
    ]


def test_a_failure_is_retried_with_the_same_webhook_id_and_delivered_once(
    receiver, suspend, sweep, certificate, service
):
    endpoint(receiver, service=service)
    receiver.answers = [500]
    with time_machine.travel(timezone.now(), tick=True) as clock:
        suspend(certificate)
        delivery = WebhookDelivery.objects.get()
        assert (delivery.attempts, delivery.last_status, delivery.delivered_at) == (1, 500, None)
        assert delivery.last_error == "HTTP 500"
        assert delivery.next_attempt_at - delivery.created_at >= datetime.timedelta(seconds=5)
        assert sweep() == 0  # not due yet
        clock.shift(datetime.timedelta(seconds=6))
        assert sweep() == 1
        assert sweep() == 0
        assert tasks.deliver_webhooks([delivery.pk]) == 0  # the queued task, run again: nothing twice

    assert [r.status for r in receiver.received] == [500, 200]
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    assert all(r.refusal == "" for r in receiver.received)
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.delivered_at is not None
    assert list(WebhookAttempt.objects.order_by("attempted_at").values_list("status", flat=True)) == [500, 200]
    assert WebhookEndpoint.objects.get().consecutive_failures == 0


def test_running_the_delivery_task_twice_delivers_once(receiver, certificate, service, decision_maker, sweep):
    endpoint(receiver, service=service)
    certificate_suspend(review_on=f.review_date(), certificate=certificate, by=decision_maker, reason="Incident.")
    [delivery] = WebhookDelivery.objects.all()
    assert receiver.received == []  # written with the change, sent after its commit (none in this test)

    assert tasks.deliver_webhooks([delivery.pk]) == 1
    assert tasks.deliver_webhooks([delivery.pk]) == 0
    assert sweep() == 0
    assert len(receiver.received) == 1


def test_with_the_queue_lost_the_periodic_task_delivers(receiver, certificate, service, decision_maker, sweep):
    endpoint(receiver, service=service)
    certificate_suspend(review_on=f.review_date(), certificate=certificate, by=decision_maker, reason="Incident.")
    assert sweep() == 1
    assert len(receiver.verified) == 1


def test_exhausting_the_schedule_disables_the_endpoint_and_emails_its_owner_once(
    receiver, suspend, sweep, certificate, service, decision_maker, django_capture_on_commit_callbacks
):  # fmt: skip
    failing = endpoint(receiver, service=service)
    WebhookEndpoint.objects.filter(pk=failing.pk).update(language="fr")
    receiver.default = 503
    with time_machine.travel(timezone.now(), tick=True) as clock:
        suspend(certificate)
        for wait in webhook_delivery.RETRY_SCHEDULE:
            clock.shift(wait + datetime.timedelta(seconds=1))
            assert sweep() == 0
        clock.shift(datetime.timedelta(hours=11))
        assert sweep() == 0

        assert len(receiver.received) == 1 + len(webhook_delivery.RETRY_SCHEDULE) == 8
        failing.refresh_from_db()
        assert failing.disabled_at is not None and failing.disabled_reason == "failing"
        assert failing.consecutive_failures == 8
        delivery = WebhookDelivery.objects.get()
        assert delivery.abandoned_at is not None and delivery.delivered_at is None

        [message] = mail.outbox
        assert message.to == ["dev@relying.example"]
        assert message.message()["Content-Language"] == "fr"  # in the owner's language
        assert reverse("registry:webhook-manage", args=[failing.manage_token]) in message.body

        # Disabled: later changes are not sent, and no second e-mail.
        with django_capture_on_commit_callbacks(execute=True):
            certificate_reinstate(certificate=certificate, by=decision_maker, reason="Fixed.")
        clock.shift(datetime.timedelta(days=1))
        assert sweep() == 0
    assert len(receiver.received) == 8 and len(mail.outbox) == 1
    assert WebhookDelivery.objects.count() == 1


def test_a_redirect_is_a_failure_and_is_not_followed(receiver, suspend, certificate, service):
    endpoint(receiver, service=service)
    receiver.answers = [302]
    suspend(certificate)
    assert [r.path for r in receiver.received] == ["/hooks"]
    delivery = WebhookDelivery.objects.get()
    assert delivery.delivered_at is None and delivery.last_status == 302 and delivery.next_attempt_at is not None


def test_an_unreachable_endpoint_is_a_failure_with_its_error(receiver, suspend, certificate, service):
    closed = endpoint(receiver, service=service)
    WebhookEndpoint.objects.filter(pk=closed.pk).update(url="http://127.0.0.1:9/hooks")  # discard: nobody listens
    suspend(certificate)
    delivery = WebhookDelivery.objects.get()
    assert delivery.last_status is None and delivery.delivered_at is None
    assert "Connection" in delivery.last_error or "refused" in delivery.last_error
    assert WebhookAttempt.objects.get().error == delivery.last_error


def test_a_private_address_is_refused_at_delivery_when_the_setting_is_off(
    receiver, suspend, certificate, service, settings
):  # fmt: skip
    endpoint(receiver, service=service)
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    suspend(certificate)
    assert receiver.received == []
    assert "private or local address" in WebhookDelivery.objects.get().last_error


def test_an_unconfirmed_endpoint_gets_nothing(receiver, suspend, certificate, service):
    endpoint(receiver, service=service, confirmed=False)
    suspend(certificate)
    assert receiver.received == [] and WebhookDelivery.objects.count() == 0


def test_a_provider_endpoint_hears_of_its_services_only_and_a_registry_endpoint_of_all(
    receiver, suspend, certificate, other_certificate, provider, other_provider, service
):  # fmt: skip
    endpoint(receiver, "/provider", Scope.PROVIDER, provider=provider)
    endpoint(receiver, "/other", Scope.PROVIDER, provider=other_provider)
    # The same owner and URL for the service and the whole registry: each change once, from the broader (whose secret
    # the receiver checks: registered last).
    endpoint(receiver, "/registry", Scope.SERVICE, service=service)
    endpoint(receiver, "/registry", Scope.REGISTRY)

    suspend(certificate)
    suspend(other_certificate)

    heard = sorted((r.path, r.payload["data"]["certificate"]) for r in receiver.received)
    assert heard == sorted(
        [
            ("/provider", certificate.number),
            ("/registry", certificate.number),
            ("/other", other_certificate.number),
            ("/registry", other_certificate.number),
        ]
    )
    assert all(r.refusal == "" for r in receiver.received)


def test_an_accepted_change_reaches_the_endpoint(
    receiver, certificate, service, owner, reviewer, django_capture_on_commit_callbacks
):  # fmt: skip
    endpoint(receiver, service=service)
    notice = f.filed_notice(certificate, owner)
    changes.notice_take(notice=notice, by=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        changes.notice_accept(notice=notice, by=reviewer, public_summary="Storage moved to a new site.")

    [payload] = receiver.verified
    assert payload["type"] == "certificate.change_accepted"
    assert payload["data"]["change"] == {
        "kind": "location",
        "summary": "Storage moved to a new site.",
        "summary_fr": "",
    }
    assert payload["data"]["service_urn"] == "urn:tcr:service:nuage-compute"


def test_enqueuing_one_change_takes_as_many_queries_for_one_endpoint_as_for_many(receiver, certificate, service):
    def queries_to_enqueue() -> int:
        event = CertificateEvent.objects.create(certificate=certificate, status="suspended", reason="Incident.")
        event = CertificateEvent.objects.get(pk=event.pk)
        with CaptureQueriesContext(connection) as captured:
            webhooks.webhooks_on_status_change(event)
        return len(captured)

    endpoint(receiver, "/0", service=service)
    one = queries_to_enqueue()
    for i in range(1, 12):
        endpoint(receiver, f"/{i}", Scope.REGISTRY)
    assert queries_to_enqueue() == one
    # The event's certificate (read afresh here; the services hold it already), the endpoints, the certificate's
    # service and provider for the entry, one INSERT.
    assert one == 5
    assert WebhookDelivery.objects.count() == 1 + 12


def test_the_body_is_sent_as_written_on_every_attempt(receiver, suspend, sweep, certificate, service):
    endpoint(receiver, service=service)
    receiver.answers = [500]
    with time_machine.travel(timezone.now(), tick=True) as clock:
        suspend(certificate)
        clock.shift(datetime.timedelta(seconds=6))
        sweep()
    first, second = receiver.received
    assert first.body == second.body == WebhookDelivery.objects.get().body.encode()
    assert json.loads(first.body)["data"]["certificate"] == certificate.number
    assert first.headers["webhook-timestamp"] != second.headers["webhook-timestamp"]


def test_deliveries_done_with_are_purged_after_90_days_and_pending_ones_never(
    receiver, suspend, certificate, service, other_certificate
):  # fmt: skip
    endpoint(receiver, service=service)
    suspend(certificate)
    [delivered] = WebhookDelivery.objects.all()
    assert delivered.delivered_at is not None and delivered.attempt_log.count() == 1
    pending = WebhookDelivery.objects.create(
        endpoint=delivered.endpoint, message_id="msg_pending", event_type="certificate.status_changed", body="{}"
    )

    with time_machine.travel(delivered.delivered_at + datetime.timedelta(days=89)):
        assert tasks.purge_unconfirmed_webhooks() == 0
    with time_machine.travel(delivered.delivered_at + datetime.timedelta(days=91)):
        assert tasks.purge_unconfirmed_webhooks() == 1

    assert list(WebhookDelivery.objects.all()) == [pending]
    assert not WebhookAttempt.objects.exists()
