"""Machine-readable publication under /registry/: exports, feed, snapshot, signing key (namespace "registry").

Relying parties link to these: keep them stable. The badge (registry.public.views.badge) lives outside /registry/, at
/badge/<number>.svg, so registry/public/urls.py routes it itself.
"""

from django.urls import path

from registry.public.views import exports, feed, snapshot

urlpatterns = [
    path("export.csv", exports.export_csv, name="export-csv"),
    path("export.json", exports.export_json, name="export-json"),
    path("feed/", feed.status_feed, name="feed"),
    path("snapshot.json", snapshot.latest, name="snapshot"),
    path("snapshot.json.sig", snapshot.latest_signature, name="snapshot-signature"),
    path("snapshots/<int:sequence>.json", snapshot.numbered, name="snapshot-numbered"),
    path("snapshots/<int:sequence>.json.sig", snapshot.numbered_signature, name="snapshot-numbered-signature"),
    path("signing-key.pem", snapshot.signing_key, name="signing-key"),
]
