from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from registry.agency import audit, catalogue, certificates, dossiers, operations  # noqa: F401  (registers the admin classes)

# Memberships pick users by autocomplete, which needs the user admin's search; Django's own UserAdmin provides it.
if not admin.site.is_registered(get_user_model()):
    admin.site.register(get_user_model(), UserAdmin)
