"""The evaluation centres' URLs, under /centre/ with the namespace "centre"."""

from django.urls import path

from registry.centre import views

app_name = "centre"

urlpatterns = [
    path("", views.home, name="home"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("dossiers/<str:reference>/", views.dossier_detail, name="dossier"),
    path("documents/<int:pk>/", views.document_download, name="document-download"),
]
