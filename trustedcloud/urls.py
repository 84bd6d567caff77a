from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Trusted Cloud Registry – agency workspace"
admin.site.site_title = "Trusted Cloud Registry"
admin.site.index_title = "Qualification of trusted cloud services"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("portal/", include("registry.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("registry.api.urls")),
    path("", include("registry.urls_public")),
]
