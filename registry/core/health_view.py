"""The URL named "healthz": the answer HealthCheckMiddleware gives ahead of the other middleware (registry/core/health.py),
for a deployment that leaves the middleware out and for reverse("healthz")."""

from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from registry.core.health import healthz_response


@never_cache
@require_safe
def healthz(request):
    return healthz_response(request)
