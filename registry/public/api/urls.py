"""The read-only REST API under /api/ (namespace "api"). Relying parties link to these URLs: keep them stable."""

from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from registry.public.api import views

app_name = "api"

router = DefaultRouter()
router.register("services", views.ServiceViewSet, basename="service")
router.register("providers", views.ProviderViewSet, basename="provider")
router.register("certificates", views.CertificateViewSet, basename="certificate")
router.register("in-process", views.InProcessViewSet, basename="in-process")

urlpatterns = [
    path("v1/changes/", views.ChangesView.as_view(), name="changes"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script from a URL of its own, not inline: a strict CSP can allow it. Swagger UI
    # writes inline styles, which this page alone may use (scripts stay 'self' only).
    path(
        "docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
    # Last: an unknown address ending in a slash answers a JSON 404; one without gets APPEND_SLASH's redirect to it.
    re_path(r"^.*/$", views.NotFoundView.as_view(), name="not-found"),
]
