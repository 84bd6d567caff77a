"""The evaluation centres' URLs, under /centre/ with the namespace "centre"."""

from django.urls import path

from registry.centre.views import contracts, grid, plans, space, surveillance

app_name = "centre"

urlpatterns = [
    path("", space.home, name="home"),
    path("invitations/<str:token>/", space.invitation_accept, name="invitation-accept"),
    path("dossiers/<str:reference>/", space.dossier_detail, name="dossier"),
    path("documents/<int:pk>/", space.document_download, name="document-download"),
    path("dossiers/<str:reference>/plan/", plans.plan_file, name="plan-file"),
    path("dossiers/<str:reference>/contract/confirm/", contracts.contract_confirm, name="contract-confirm"),
    path("dossiers/<str:reference>/contract/decline/", contracts.contract_decline, name="contract-decline"),
    path("dossiers/<str:reference>/grid/<int:requirement>/", grid.verdict, name="verdict"),
    path("dossiers/<str:reference>/report/", grid.report_submit, name="report-submit"),
    path("audits/<int:pk>/", surveillance.audit_detail, name="audit"),
    path("audits/<int:pk>/plan/", surveillance.audit_plan, name="audit-plan"),
    path("audits/<int:pk>/grid/<int:requirement>/", surveillance.audit_verdict, name="audit-verdict"),
    path("audits/<int:pk>/report/", surveillance.audit_report, name="audit-report"),
    path("audits/<int:pk>/report/<int:report>/", surveillance.audit_report_download, name="audit-report-download"),
]
