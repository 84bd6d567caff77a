"""The provider portal's URLs, under /portal/ with the namespace "portal"."""

from django.urls import include, path

from registry.portal.views import organisation as portal
from registry.public.views import certificate_pdf

app_name = "portal"

urlpatterns = [
    path("", portal.home, name="home"),
    path("organisation/new/", portal.provider_new, name="provider-new"),
    path("invitations/<str:token>/", portal.invitation_accept, name="invitation-accept"),
    # Dossiers and documents (registry/portal/urls_dossiers.py) come before the provider pages, whose slug would shadow them.
    path("", include("registry.portal.urls_dossiers")),
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
    path("<slug:slug>/certificates/<str:number>.pdf", certificate_pdf.portal_pdf, name="certificate-pdf"),
]
