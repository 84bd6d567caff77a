"""/metrics, what Prometheus scrapes: closed without METRICS_TOKEN, refused with a wrong one, and figures that match the
data (the outbox, failed deliveries, the last snapshot, the Celery queue in Redis, request latency by view)."""

import uuid
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from registry.core import health
from registry.notifications.models import DeliveryFailure, OutgoingEmail
from registry.public.snapshots import snapshot_issue

pytestmark = pytest.mark.django_db

TOKEN = "s3cret-scraper-token"
METRICS = (
    "trustedcloud_request_duration_seconds",
    "trustedcloud_queue_length",
    "trustedcloud_outbox_unsent",
    "trustedcloud_outbox_oldest_unsent_age_seconds",
    "trustedcloud_delivery_failures_unresolved",
    "trustedcloud_snapshot_last_sequence",
)


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client, token=TOKEN):
    return client.get(reverse("metrics"), HTTP_AUTHORIZATION=f"Bearer {token}")


def samples(response) -> dict:
    """Every sample of the answer, by name and labels: {("name", (("label", "value"), ...)): value}."""
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            found[sample.name, tuple(sorted(sample.labels.items()))] = sample.value
    return found


def outgoing(n: int, *, sent=False, created_ago=timedelta(0)):
    for _ in range(n):
        email = OutgoingEmail.objects.create(
            key=f"test:{uuid.uuid4().hex}", recipient="someone@example.org", kind="test", subject="s", body="b"
        )
        OutgoingEmail.objects.filter(pk=email.pk).update(
            created_at=timezone.now() - created_ago, sent_at=timezone.now() if sent else None
        )


def test_without_the_token_setting_there_is_no_such_page(client, settings):
    settings.METRICS_TOKEN = ""
    assert scrape(client, "anything").status_code == 404
    assert client.get(reverse("metrics")).status_code == 404


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", f"Basic {TOKEN}", "Bearer", f"Bearer {TOKEN}x"])
def test_a_missing_or_wrong_token_is_refused(client, token, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = client.get(reverse("metrics"), **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"trustedcloud_" not in response.content


def test_the_right_token_gets_every_figure_in_prometheus_text_format(client, token):
    client.get(reverse("registry:home"))
    response = scrape(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    text = response.content.decode()
    for name in METRICS:
        assert f"# TYPE {name} " in text, name
    # Labelled by the view's URL name, never by the path.
    assert samples(response)["trustedcloud_request_duration_seconds_count", (("view", "registry:home"),)] >= 1


def test_the_figures_reflect_the_data(client, token):
    outgoing(2, created_ago=timedelta(hours=2))
    outgoing(3, sent=True, created_ago=timedelta(days=3))
    DeliveryFailure.objects.create(task="registry.notifications.tasks.x", error="down")
    DeliveryFailure.objects.create(task="registry.notifications.tasks.x", error="down", resolved_at=timezone.now())
    sequence = snapshot_issue(force=True).sequence

    found = samples(scrape(client))

    assert found["trustedcloud_outbox_unsent", ()] == 2
    assert 2 * 3600 <= found["trustedcloud_outbox_oldest_unsent_age_seconds", ()] < 2 * 3600 + 60
    assert found["trustedcloud_delivery_failures_unresolved", ()] == 1
    assert found["trustedcloud_snapshot_last_sequence", ()] == sequence


def test_nothing_waiting_reads_zero(client, token):
    outgoing(1, sent=True)
    found = samples(scrape(client))
    assert found["trustedcloud_outbox_unsent", ()] == 0
    assert found["trustedcloud_outbox_oldest_unsent_age_seconds", ()] == 0
    assert found["trustedcloud_delivery_failures_unresolved", ()] == 0


@pytest.mark.parametrize("rows", [3, 20])
def test_the_scrape_costs_the_same_queries_whatever_the_data(client, token, django_assert_num_queries, rows):
    outgoing(rows)
    for _ in range(rows):
        DeliveryFailure.objects.create(task="registry.notifications.tasks.x", error="down")
    snapshot_issue(force=True)
    with django_assert_num_queries(3):
        assert scrape(client).status_code == 200


@pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs Redis (REDIS_URL=redis://...)")
def test_the_queue_length_is_read_from_redis(client, token, settings):
    prefix = f"tests:metrics:{uuid.uuid4().hex}:"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, "global_keyprefix": prefix}
    redis = health.redis_client()
    redis.rpush(prefix + "celery", "one", "two")
    try:
        assert samples(scrape(client))["trustedcloud_queue_length", (("queue", "celery"),)] == 2
    finally:
        redis.delete(prefix + "celery")


@pytest.mark.skipif(bool(django_settings.REDIS_URL), reason="without Redis: tasks run inline")
def test_without_redis_there_is_no_queue_to_measure(client, token):
    response = scrape(client)
    assert "# TYPE trustedcloud_queue_length gauge" in response.content.decode()
    assert not [key for key in samples(response) if key[0] == "trustedcloud_queue_length"]
