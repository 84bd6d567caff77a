"""The public face, namespace "registry". Relying parties link to these URLs: keep them stable."""

from django.urls import include, path

from registry.public.views import badge, certificate_pdf, verify
from registry.public.views import pages as public

app_name = "registry"

urlpatterns = [
    path("", public.home, name="home"),
    path("registry/", public.registry, name="list"),
    path("registry/in-process/", public.in_process, name="in-process"),
    path("registry/archive/", public.archive, name="archive"),
    # Exports, feed, snapshots and key come before the service pages, whose slug would otherwise catch them.
    path("registry/", include("registry.public.urls_publication")),
    path("registry/<slug:slug>/", public.service, name="service"),
    path("providers/<slug:slug>/", public.provider, name="provider"),
    path("verify/", verify.verify_form, name="verify"),
    path("verify/<str:number>/", verify.verify, name="verify-number"),
    path("verify/<str:number>/certificate.pdf", certificate_pdf.public_pdf, name="certificate-pdf"),
    path("stats/", public.stats, name="stats"),
    path("badge/<str:number>.svg", badge.badge, name="badge"),
    path("", include("registry.public.urls_subscriptions")),
]
