"""The provider portal's URLs, under /portal/ with the namespace "portal".

The dossier and document pages start with "dossiers/" and "documents/" and come before the provider pages, whose slug
comes first: a provider may therefore not be called "dossiers" or "documents" (registry.providers.rules reserves them).
"""

from django.urls import path

from registry.portal.views import (
    assessment,
    certificate_page,
    certificates,
    changes,
    documents,
    dossiers,
    evaluation,
    incidents,
    oscal,
)
from registry.portal.views import organisation as portal

app_name = "portal"

urlpatterns = [
    path("", portal.home, name="home"),
    path("organisation/new/", portal.provider_new, name="provider-new"),
    path("invitations/<str:token>/", portal.invitation_accept, name="invitation-accept"),
    path("dossiers/new/<slug:service_slug>/", dossiers.dossier_new, name="dossier-new"),
    path("dossiers/<str:reference>/", dossiers.dossier_detail, name="dossier"),
    path("dossiers/<str:reference>/sections/<str:section>/", dossiers.dossier_section, name="dossier-section"),
    path(
        "dossiers/<str:reference>/assessment/<str:chapter>/", assessment.dossier_assessment, name="dossier-assessment"
    ),
    path("dossiers/<str:reference>/answers/<int:requirement>/", assessment.dossier_answer, name="dossier-answer"),
    path("dossiers/<str:reference>/documents/", documents.dossier_documents, name="dossier-documents"),
    path("dossiers/<str:reference>/evaluation/", evaluation.dossier_evaluation, name="dossier-evaluation"),
    path(
        "dossiers/<str:reference>/oscal/component-definition.json",
        oscal.dossier_oscal_export,
        name="dossier-oscal-export",
    ),
    path("dossiers/<str:reference>/oscal/import/", oscal.dossier_oscal_import, name="dossier-oscal-import"),
    path(
        "dossiers/<str:reference>/oscal/import/confirm/",
        oscal.dossier_oscal_import_confirm,
        name="dossier-oscal-import-confirm",
    ),
    path(
        "dossiers/<str:reference>/oscal/import/<int:event>/",
        oscal.dossier_oscal_import_report,
        name="dossier-oscal-import-report",
    ),
    path("dossiers/<str:reference>/declaration/", dossiers.dossier_declaration, name="dossier-declaration"),
    path("dossiers/<str:reference>/submit/", dossiers.dossier_submit, name="dossier-submit"),
    path("dossiers/<str:reference>/withdraw/", dossiers.dossier_withdraw, name="dossier-withdraw"),
    path("dossiers/<str:reference>/messages/", dossiers.dossier_messages, name="dossier-message"),
    path("documents/<int:pk>/", documents.document_download, name="document-download"),
    path("<slug:slug>/", portal.provider_detail, name="provider"),
    path("<slug:slug>/profile/", portal.provider_edit, name="provider-edit"),
    path("<slug:slug>/ownership/", portal.ownership, name="ownership"),
    path("<slug:slug>/history/", portal.history, name="history"),
    path("<slug:slug>/members/", portal.members, name="members"),
    path("<slug:slug>/members/<int:pk>/role/", portal.member_role, name="member-role"),
    path("<slug:slug>/members/<int:pk>/remove/", portal.member_remove, name="member-remove"),
    path("<slug:slug>/invitations/<int:pk>/revoke/", portal.invitation_revoke, name="invitation-revoke"),
    path("<slug:slug>/security/", portal.require_mfa, name="require-mfa"),
    path("<slug:slug>/services/new/", portal.service_new, name="service-new"),
    path("<slug:slug>/services/<slug:service_slug>/", portal.service_edit, name="service"),
    path("<slug:slug>/certificates/<str:number>.pdf", certificates.certificate_pdf, name="certificate-pdf"),
    path("<slug:slug>/changes/", changes.change_list, name="changes"),
    path("<slug:slug>/changes/new/", changes.change_new, name="change-new"),
    path("<slug:slug>/changes/<str:reference>/", changes.change_detail, name="change-notice"),
    path("<slug:slug>/changes/<str:reference>/file/", changes.change_file, name="change-file"),
    path("<slug:slug>/changes/<str:reference>/withdraw/", changes.change_withdraw, name="change-withdraw"),
    path("<slug:slug>/changes/<str:reference>/documents/", changes.change_document, name="change-document"),
    path("<slug:slug>/certificates/<str:number>/", certificate_page.certificate_detail, name="certificate"),
    path(
        "<slug:slug>/certificates/<str:number>/conditions/<int:pk>/answer/",
        certificate_page.condition_answer_view,
        name="condition-answer",
    ),
    path("<slug:slug>/incidents/", incidents.incident_list, name="incidents"),
    path("<slug:slug>/incidents/new/", incidents.incident_new, name="incident-new"),
    path("<slug:slug>/incidents/<str:reference>/", incidents.incident_detail, name="incident"),
]
