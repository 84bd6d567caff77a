from django.contrib import admin
from django.urls import include, path

from registry import metrics
from registry.accounts.views import language

# admin.site is the agency's workspace (registry/agency/site.py: its titles, its home, its one door to sign in).

# /healthz is answered by registry.core.health.HealthCheckMiddleware, ahead of every URL below.
urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("portal/", include("registry.portal.urls")),
    path("centre/", include("registry.centre.urls")),
    # Django's view, wrapped to remember a signed-in user's choice (their e-mails follow it); same URL, same name.
    path("i18n/setlang/", language.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Prometheus's scrape, behind METRICS_TOKEN (registry/metrics.py).
    path("metrics", metrics.metrics, name="metrics"),
    path("api/", include("registry.public.api.urls")),
    path("", include("registry.public.urls")),
]

# Refusals are written to the audit log; error pages show no detail (registry/accounts/views/errors.py). 400 and 500 use
# templates/400.html and templates/500.html, rendered without a request.
handler403 = "registry.accounts.views.errors.permission_denied"
handler404 = "registry.accounts.views.errors.page_not_found"
