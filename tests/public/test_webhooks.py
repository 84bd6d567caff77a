"""Registering a signed webhook: double opt-in by e-mail, the secret shown once on confirmation and on the management
page, the management page's buttons, the URLs refused (SSRF), and the same answer whatever the address had done."""

import datetime
import re
import socket
from urllib.parse import urlsplit

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from registry.public import tasks, webhook_delivery
from registry.public.webhook_models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests import factories as f
from trustedcloud import checks

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

Scope = WebhookEndpoint.Scope
NEW = reverse("registry:webhook-new")
SENT = reverse("registry:webhook-sent")
PUBLIC_ADDRESS = "93.184.215.14"


@pytest.fixture
def certificate(service):
    return f.certificate(service)


@pytest.fixture
def register(client, django_capture_on_commit_callbacks, certificate):
    """register(url, email): the registration form posted by an anonymous visitor; its e-mail goes after commit."""

    def post(url, email="dev@relying.example", scope="service", target="nuage-compute"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(NEW, {"email": email, "url": url, "scope": scope, "target": target})

    return post


@pytest.fixture
def dns(monkeypatch):
    """Names resolve as this dict says (the tests reach no DNS server); loopback as usual."""
    names = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in names:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (names[host], port))]
        if host.endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(webhook_delivery.socket, "getaddrinfo", getaddrinfo)
    return names


def link(message, kind) -> str:
    [url] = re.findall(rf"https?://\S+/webhooks/{kind}/[\w-]+/", message.body)
    assert url.startswith(settings.SITE_URL)
    return urlsplit(url).path


def confirmed(receiver, **fields):  # noqa: F811
    values = {"email": "dev@relying.example", "url": receiver.url(), "scope": Scope.REGISTRY} | fields
    endpoint = WebhookEndpoint.objects.create(confirmed_at=timezone.now(), **values)
    receiver.expect(endpoint)
    return endpoint


# Registration and confirmation.


def test_registering_an_endpoint_emails_a_link_that_activates_it_only_when_the_button_is_pressed(
    receiver, register, client, django_capture_on_commit_callbacks, service
):  # fmt: skip
    page = client.get(NEW + "?scope=service&target=nuage-compute")
    assert page.status_code == 200 and "Nuage Compute (Nuage Souverain SAS)" in page.text

    response = register(receiver.url("/hooks"), email="Dev@Relying.EXAMPLE")
    assert response.status_code == 302 and response["Location"] == SENT
    assert "Check your inbox" in client.get(SENT).text
    pending = WebhookEndpoint.objects.get()
    assert (pending.email, pending.url, pending.scope, pending.service, pending.confirmed_at) == (
        "dev@relying.example",
        receiver.url("/hooks"),
        Scope.SERVICE,
        service,
        None,
    )
    [message] = mail.outbox
    assert message.to == ["dev@relying.example"]
    assert message.subject == "Confirm: a webhook for Nuage Compute (Nuage Souverain SAS) on the Trusted Cloud Registry"
    confirm = link(message, "confirm")

    # Opening the link (a mail scanner does) changes nothing and shows no secret.
    opened = client.get(confirm)
    assert opened.status_code == 200 and "Confirm your webhook" in opened.text
    assert pending.secret not in opened.text
    assert WebhookEndpoint.objects.get().confirmed_at is None

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(confirm)
    active = WebhookEndpoint.objects.get()
    assert answer.status_code == 200 and active.confirmed_at is not None
    assert answer.text.count(active.secret) == 1 and active.secret.startswith("whsec_")
    manage = reverse("registry:webhook-manage", args=[active.manage_token])
    assert manage in answer.text
    assert answer["Cache-Control"].startswith("max-age=0") or "no-store" in answer["Cache-Control"]

    # Once: the confirmation link shows the secret no more; the management link (e-mailed) does.
    again = client.get(confirm)
    assert active.secret not in again.text and "already confirmed" in again.text
    [_confirm, activated] = mail.outbox
    assert activated.subject == "Your webhook for Nuage Compute (Nuage Souverain SAS) is active"
    assert link(activated, "manage") == manage
    managed = client.get(manage)
    assert managed.status_code == 200 and active.secret in managed.text and "Active" in managed.text


def test_the_answer_is_the_same_whether_or_not_the_address_already_registered_the_url(
    receiver, register, client
):  # fmt: skip
    first = register(receiver.url())
    WebhookEndpoint.objects.update(confirmed_at=timezone.now())
    cache.clear()  # the rate limit's five minutes have passed
    second = register(receiver.url())
    assert (first.status_code, first["Location"]) == (second.status_code, second["Location"]) == (302, SENT)
    assert WebhookEndpoint.objects.count() == 1
    already = mail.outbox[-1]
    assert "It already does: nothing changes" in already.body
    assert link(already, "manage") == reverse(
        "registry:webhook-manage", args=[WebhookEndpoint.objects.get().manage_token]
    )


def test_registration_emails_are_rate_limited_per_address(receiver, register):
    for _ in range(3):
        assert register(receiver.url()).status_code == 302
    assert len(mail.outbox) == 1
    for i in range(12):
        register(receiver.url(f"/h{i}"))
    assert len(mail.outbox) == 10  # MAX_MAILS_PER_ADDRESS_PER_HOUR, whatever the URLs


def test_an_expired_confirmation_link_activates_nothing(receiver, register, client):
    register(receiver.url())
    confirm = link(mail.outbox[0], "confirm")
    with time_machine.travel(timezone.now() + datetime.timedelta(days=8)):
        assert client.post(confirm).status_code == 410
        assert tasks.purge_unconfirmed_webhooks() == 1
    assert WebhookEndpoint.objects.count() == 0


def test_only_what_the_public_registry_shows_can_be_followed(client, receiver, register, other_provider):
    assert client.get(NEW + "?scope=service&target=no-such-service").status_code == 404
    response = register(receiver.url(), scope="provider", target=other_provider.slug)  # nothing certified
    assert response.status_code == 200 and "nothing to follow here" in response.text
    assert WebhookEndpoint.objects.count() == 0 and mail.outbox == []


# The URLs refused.


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://hooks.relying.example/registry", "Enter an https:// URL: deliveries are sent over HTTPS only."),
        ("https://10.1.2.3/hook", "The host 10.1.2.3 has a private or local address"),
        ("https://127.0.0.1:8443/hook", "The host 127.0.0.1 has a private or local address"),
        ("https://[::1]/hook", "The host ::1 has a private or local address"),
        ("https://169.254.169.254/latest/meta-data/", "The host 169.254.169.254 has a private or local address"),
        ("https://intranet.relying.example/hook", "The host intranet.relying.example has a private or local address"),
        ("https://no-such-host.invalid/hook", "The host no-such-host.invalid could not be found."),
        ("https://me:secret@hooks.relying.example/", "The URL may not contain a user name or password."),
        ("ftp://hooks.relying.example/", "Enter an https:// URL."),
    ],
)
def test_a_url_production_would_not_call_gets_a_clear_form_error(register, dns, settings, url, error):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    dns.update({"hooks.relying.example": PUBLIC_ADDRESS, "intranet.relying.example": "192.168.1.5"})
    response = register(url)
    assert response.status_code == 200
    assert error in response.context["form"].errors["url"][0]
    assert WebhookEndpoint.objects.count() == 0 and mail.outbox == []


def test_a_public_https_url_is_accepted_and_plain_http_only_on_loopback_where_the_setting_allows(
    register, dns, settings, receiver
):  # fmt: skip
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    dns["hooks.relying.example"] = PUBLIC_ADDRESS
    assert register("https://hooks.relying.example/registry").status_code == 302
    assert register(receiver.url()).status_code == 200  # the development receiver: refused in production

    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    assert register(receiver.url()).status_code == 302
    refused = register("http://10.0.0.5/hook")
    assert "deliveries are sent over HTTPS only" in refused.context["form"].errors["url"][0]
    assert WebhookEndpoint.objects.count() == 2


def test_the_deploy_check_warns_when_private_targets_are_allowed_in_production(settings):
    settings.DEBUG, settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False, True
    assert [w.id for w in checks.webhooks_to_public_addresses_only()] == ["trustedcloud.W002"]
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    assert checks.webhooks_to_public_addresses_only() == []
    settings.DEBUG, settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True, True
    assert checks.webhooks_to_public_addresses_only() == []


# The management page.


def manage(endpoint, action=None):
    if action is None:
        return reverse("registry:webhook-manage", args=[endpoint.manage_token])
    return reverse(f"registry:webhook-{action}", args=[endpoint.manage_token])


def test_a_test_event_reaches_the_receiver_signed_and_is_listed(
    receiver, client, django_capture_on_commit_callbacks, certificate
):  # fmt: skip
    endpoint = confirmed(receiver)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(manage(endpoint, "test"))
    assert response.status_code == 302 and response["Location"] == manage(endpoint)
    [payload] = receiver.verified
    assert payload["type"] == "webhook.test" and payload["data"]["endpoint"] == endpoint.url
    page = client.get(manage(endpoint))
    assert "A test event was sent" in page.text
    assert "webhook.test" in page.text and "Delivered" in page.text and "HTTP 200" in page.text


def test_a_failed_test_event_is_not_retried_and_does_not_count(
    receiver, client, django_capture_on_commit_callbacks, certificate
):  # fmt: skip
    endpoint = confirmed(receiver)
    receiver.default = 500
    with django_capture_on_commit_callbacks(execute=True):
        client.post(manage(endpoint, "test"))
    delivery = WebhookDelivery.objects.get()
    assert delivery.abandoned_at is not None and delivery.last_status == 500
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0 and endpoint.disabled_at is None
    assert "Given up" in client.get(manage(endpoint)).text


def test_a_new_secret_signs_beside_the_previous_one_for_a_day(
    receiver, client, django_capture_on_commit_callbacks, certificate
):  # fmt: skip
    endpoint = confirmed(receiver)
    old = endpoint.secret
    assert client.post(manage(endpoint, "rotate")).status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret.startswith("whsec_")
    assert endpoint.secret in client.get(manage(endpoint)).text

    receiver.secrets["/hooks"] = old  # a receiver not switched yet
    with django_capture_on_commit_callbacks(execute=True):
        client.post(manage(endpoint, "test"))
    assert len(receiver.verified) == 1
    assert len(receiver.received[0].headers["webhook-signature"].split(" ")) == 2
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=25)):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(manage(endpoint, "test"))
        assert receiver.received[-1].refusal == "No matching signature found"
        receiver.secrets["/hooks"] = endpoint.secret
        with django_capture_on_commit_callbacks(execute=True):
            client.post(manage(endpoint, "test"))
        assert receiver.received[-1].refusal == ""


def test_a_disabled_endpoint_can_be_enabled_again(receiver, client, certificate):
    endpoint = confirmed(receiver)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        disabled_at=timezone.now(), disabled_reason="failing", consecutive_failures=8
    )
    page = client.get(manage(endpoint))
    assert "Disabled" in page.text and "Enable the endpoint again" in page.text
    assert client.post(manage(endpoint, "test")).status_code == 302
    assert WebhookDelivery.objects.count() == 0  # no test to a disabled endpoint
    assert client.post(manage(endpoint, "enable")).status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.disabled_at, endpoint.disabled_reason, endpoint.consecutive_failures) == (None, "", 0)


def test_deleting_an_endpoint_removes_it_and_its_deliveries(receiver, client, certificate):
    endpoint = confirmed(receiver)
    other = confirmed(receiver, url=receiver.url("/other"))
    WebhookDelivery.objects.create(endpoint=endpoint, message_id="msg_1", event_type="webhook.test", body="{}")
    response = client.post(manage(endpoint, "delete"))
    assert response.status_code == 302 and response["Location"] == reverse("registry:webhook-deleted")
    assert list(WebhookEndpoint.objects.all()) == [other] and WebhookDelivery.objects.count() == 0
    assert client.get(manage(endpoint)).status_code == 404


def test_a_token_manages_its_own_endpoint_only(receiver, client, certificate):
    mine = confirmed(receiver)
    theirs = confirmed(receiver, url=receiver.url("/theirs"), email="other@relying.example")
    pending = WebhookEndpoint.objects.create(email="p@relying.example", url=receiver.url("/p"), scope=Scope.REGISTRY)
    secret = theirs.secret
    client.post(manage(mine, "rotate"))
    theirs.refresh_from_db()
    assert theirs.secret == secret
    for token in ("no-such-token", mine.confirm_token, pending.manage_token):
        assert client.get(reverse("registry:webhook-manage", args=[token])).status_code == 404
        for action in ("test", "rotate", "enable", "delete"):
            assert client.post(reverse(f"registry:webhook-{action}", args=[token])).status_code == 404
    assert WebhookEndpoint.objects.count() == 3


def test_the_management_actions_answer_only_a_post(receiver, client, certificate):
    endpoint = confirmed(receiver)
    for action in ("test", "rotate", "enable", "delete"):
        assert client.get(manage(endpoint, action)).status_code == 405
    assert WebhookEndpoint.objects.get().secret == endpoint.secret


def test_the_management_page_takes_the_same_queries_for_one_delivery_or_many(
    receiver, client, django_assert_max_num_queries, certificate
):  # fmt: skip
    endpoint = confirmed(receiver)

    def delivery(i):
        row = WebhookDelivery.objects.create(
            endpoint=endpoint, message_id=f"msg_{i}", event_type="webhook.test", body="{}", attempts=2
        )
        for status in (500, 200):
            WebhookAttempt.objects.create(delivery=row, attempted_at=timezone.now(), status=status, duration_ms=12)

    delivery(0)
    # The endpoint with its target (1), its last deliveries (1) and their attempts (1).
    with django_assert_max_num_queries(3):
        assert client.get(manage(endpoint)).status_code == 200
    for i in range(1, 15):
        delivery(i)
    with django_assert_max_num_queries(3):
        page = client.get(manage(endpoint))
    assert page.text.count("<tr>") == 1 + 10  # the header and the 10 latest


def test_the_registration_page_takes_few_queries(client, django_assert_max_num_queries, certificate):
    # The service looked up, with its provider, to name it.
    with django_assert_max_num_queries(1):
        assert client.get(NEW + "?scope=service&target=nuage-compute").status_code == 200
