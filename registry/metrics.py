"""/metrics for Prometheus: request latency by view, and the state of the background work read at scrape time.

Request latency is a histogram labelled by the resolved view's name (never the path, whose values are unbounded), kept
in the process by RequestLatencyMiddleware. Under gunicorn's several workers each process keeps its own: set
PROMETHEUS_MULTIPROC_DIR (an empty directory, the same for every worker, emptied at each start) and the answer sums them
(prometheus_client's multiprocess mode).

The other figures are read when Prometheus asks, so that they are true whichever process answers: the Celery queue's
length in Redis, the outbox's unsent e-mails and the age of the oldest, the failed deliveries nobody resolved yet, and the
last registry snapshot's sequence number. Three queries and one Redis round trip, whatever the data.

Closed to the public: METRICS_TOKEN unset answers 404 (no such page); otherwise the scraper sends it as a Bearer token,
compared in constant time, and anything else gets 401.
"""

import hmac
import logging
import os
import time

from django.conf import settings
from django.db.models import Count, Max, Min, Q
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import REGISTRY, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector

from registry.core.health import redis_client
from registry.notifications.models import DeliveryFailure, OutgoingEmail
from registry.public.models import RegistrySnapshot
from trustedcloud.celery import app as celery_app

logger = logging.getLogger(__name__)

REQUEST_LATENCY = Histogram(
    "trustedcloud_request_duration_seconds",
    "Time to answer a request, by the name of the view that answered it.",
    ["view"],
)
# A request no URL matched (a 404 before any view, a middleware's own answer) is counted under this name.
UNRESOLVED = "<unresolved>"


class RequestLatencyMiddleware:
    """Times every request from here down to the view and back, labelled by the view's URL name."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        # The URL's name, or the view's dotted path for an unnamed URL: a bounded set either way.
        view = match.view_name if match else UNRESOLVED
        REQUEST_LATENCY.labels(view=view).observe(time.perf_counter() - started)
        return response


class BackgroundWorkCollector:
    """The figures of the background work, read at each scrape (see the module's docstring)."""

    def collect(self):
        yield from self._queues()
        outbox = OutgoingEmail.objects.aggregate(
            unsent=Count("pk", filter=Q(sent_at__isnull=True)), oldest=Min("created_at", filter=Q(sent_at__isnull=True))
        )
        backlog = GaugeMetricFamily("trustedcloud_outbox_unsent", "E-mails written to the outbox and not sent yet.")
        backlog.add_metric([], outbox["unsent"])
        yield backlog
        age = GaugeMetricFamily(
            "trustedcloud_outbox_oldest_unsent_age_seconds",
            "Seconds since the oldest unsent e-mail was written; 0 when every e-mail is sent.",
        )
        age.add_metric([], (timezone.now() - outbox["oldest"]).total_seconds() if outbox["oldest"] else 0)
        yield age
        failures = GaugeMetricFamily(
            "trustedcloud_delivery_failures_unresolved",
            "Background tasks that failed for good and that nobody marked resolved in the admin.",
        )
        failures.add_metric([], DeliveryFailure.objects.filter(resolved_at__isnull=True).count())
        yield failures
        snapshot = GaugeMetricFamily(
            "trustedcloud_snapshot_last_sequence", "Sequence number of the last signed registry snapshot; 0 before any."
        )
        snapshot.add_metric([], RegistrySnapshot.objects.aggregate(last=Max("sequence"))["last"] or 0)
        yield snapshot

    def _queues(self):
        """Messages waiting in each Celery queue. Without Redis tasks run inline and there is no queue: no sample.
        With Redis down, no sample either (and /healthz fails): a scrape never fails for it."""
        family = GaugeMetricFamily("trustedcloud_queue_length", "Tasks waiting in the Celery queue.", labels=["queue"])
        if settings.REDIS_URL:
            names = [celery_app.conf.task_default_queue]
            prefix = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("global_keyprefix", "")
            try:
                pipeline = redis_client().pipeline(transaction=False)
                for name in names:
                    pipeline.llen(prefix + name)
                lengths = pipeline.execute()
            except Exception as exc:  # noqa: BLE001 — refused, timed out: the figure is unknown, the rest still holds
                logger.warning("Metrics: Redis does not answer (%s).", type(exc).__name__)
            else:
                for name, length in zip(names, lengths, strict=True):
                    family.add_metric([name], length)
        yield family


def _exposition() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    state = CollectorRegistry()
    state.register(BackgroundWorkCollector())
    return generate_latest(processes) + generate_latest(state)


@never_cache
@require_safe
def metrics(request):
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        response = HttpResponse("A valid bearer token is needed.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(_exposition(), content_type=CONTENT_TYPE_LATEST)
