from django.contrib import admin
from django.urls import path

admin.site.site_header = "Trusted Cloud Registry – agency workspace"
admin.site.site_title = "Trusted Cloud Registry"
admin.site.index_title = "Qualification of trusted cloud services"

urlpatterns = [
    path("admin/", admin.site.urls),
]
