"""The dossier pages of the provider portal (included by registry/portal/urls.py in the "portal" namespace).

They start with "dossiers/" and "documents/", before the provider pages whose slug comes first: a provider may therefore
not be called "dossiers" or "documents".
"""

from django.urls import path

from registry.portal.views import documents, dossiers

urlpatterns = [
    path("dossiers/new/<slug:service_slug>/", dossiers.dossier_new, name="dossier-new"),
    path("dossiers/<str:reference>/", dossiers.dossier_detail, name="dossier"),
    path("dossiers/<str:reference>/sections/<str:section>/", dossiers.dossier_section, name="dossier-section"),
    path("dossiers/<str:reference>/assessment/<str:chapter>/", dossiers.dossier_assessment, name="dossier-assessment"),
    path("dossiers/<str:reference>/documents/", documents.dossier_documents, name="dossier-documents"),
    path("dossiers/<str:reference>/declaration/", dossiers.dossier_declaration, name="dossier-declaration"),
    path("dossiers/<str:reference>/submit/", dossiers.dossier_submit, name="dossier-submit"),
    path("dossiers/<str:reference>/withdraw/", dossiers.dossier_withdraw, name="dossier-withdraw"),
    path("dossiers/<str:reference>/messages/", dossiers.dossier_messages, name="dossier-message"),
    path("documents/<int:pk>/", documents.document_download, name="document-download"),
]
