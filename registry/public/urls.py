"""The public face, namespace "registry". Relying parties link to these URLs: keep them stable."""

from django.urls import path, re_path

from registry.public.views import (
    badge,
    certificate_pdf,
    exports,
    feed,
    oscal,
    snapshot,
    start,
    subscriptions,
    trusted_list,
    verify,
    webhooks,
)
from registry.public.views import pages as public

app_name = "registry"

urlpatterns = [
    path("", public.home, name="home"),
    path("registry/", public.registry, name="list"),
    path("registry/in-process/", public.in_process, name="in-process"),
    path("registry/archive/", public.archive, name="archive"),
    # Exports, feed, snapshots and key come before the service pages, whose slug would otherwise catch them.
    path("registry/export.csv", exports.export_csv, name="export-csv"),
    path("registry/export.json", exports.export_json, name="export-json"),
    path("registry/schemes/<str:code>/oscal-catalog.json", oscal.oscal_catalog, name="scheme-oscal-catalog"),
    path("registry/feed/", feed.status_feed, name="feed"),
    path("registry/snapshot.json", snapshot.latest, name="snapshot"),
    path("registry/snapshot.json.sig", snapshot.latest_signature, name="snapshot-signature"),
    path("registry/snapshots/<int:sequence>.json", snapshot.numbered, name="snapshot-numbered"),
    path("registry/snapshots/<int:sequence>.json.sig", snapshot.numbered_signature, name="snapshot-numbered-signature"),
    path("registry/signing-key.pem", snapshot.signing_key, name="signing-key"),
    path("registry/trusted-list.xml", trusted_list.latest, name="trusted-list"),
    path("registry/trusted-lists/<int:sequence>.xml", trusted_list.numbered, name="trusted-list-numbered"),
    path("registry/trusted-list-signing.pem", trusted_list.signing_certificate, name="trusted-list-signing"),
    re_path(r"^registry/keys/(?P<fingerprint>[0-9a-f]{64})\.pem$", snapshot.published_key, name="published-key"),
    path("registry/<slug:slug>/", public.service, name="service"),
    path("providers/", public.providers, name="providers"),
    path("providers/<slug:slug>/", public.provider, name="provider"),
    path("verify/", verify.verify_form, name="verify"),
    path("verify/<str:number>/", verify.verify, name="verify-number"),
    path("verify/<str:number>/certificate.pdf", certificate_pdf.public_pdf, name="certificate-pdf"),
    path("stats/", public.stats, name="stats"),
    # Before an account: what applying takes (linked from the home and the sign-up page).
    path("apply/", start.start, name="apply"),
    path("badge/<str:number>.svg", badge.badge, name="badge"),
    # Following the registry by e-mail: these links go out in e-mails.
    path("subscribe/", subscriptions.subscribe, name="subscribe"),
    path("subscribe/start/", subscriptions.subscribe_start, name="subscribe-start"),
    path("subscribe/sent/", subscriptions.subscribe_sent, name="subscribe-sent"),
    path("subscriptions/confirm/<str:token>/", subscriptions.confirm, name="subscription-confirm"),
    path("subscriptions/unsubscribe/<str:token>/", subscriptions.unsubscribe, name="subscription-unsubscribe"),
    path("subscriptions/unsubscribed/", subscriptions.unsubscribed, name="subscription-unsubscribed"),
    # Signed webhooks for relying parties' programs: registered and managed by e-mailed links.
    path("webhooks/new/", webhooks.webhook_new, name="webhook-new"),
    path("webhooks/sent/", webhooks.webhook_sent, name="webhook-sent"),
    path("webhooks/confirm/<str:token>/", webhooks.webhook_confirm, name="webhook-confirm"),
    path("webhooks/manage/<str:token>/", webhooks.webhook_manage, name="webhook-manage"),
    path("webhooks/manage/<str:token>/test/", webhooks.webhook_test, name="webhook-test"),
    path("webhooks/manage/<str:token>/rotate/", webhooks.webhook_rotate, name="webhook-rotate"),
    path("webhooks/manage/<str:token>/enable/", webhooks.webhook_enable, name="webhook-enable"),
    path("webhooks/manage/<str:token>/delete/", webhooks.webhook_delete, name="webhook-delete"),
    path("webhooks/deleted/", webhooks.webhook_deleted, name="webhook-deleted"),
]
