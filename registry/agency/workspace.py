"""The workspace's model pages, registered on admin.site (the agency's site, registry/agency/site.py) when Django's
admin autodiscovers registry/admin.py."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from registry.agency import (  # noqa: F401  (registers)
    audit,
    catalogue,
    certificates,
    change_notices,
    dossiers,
    incidents,
    operations,
    providers,
    second_factors,
)

# Accounts are kept by superusers in Django's own UserAdmin; the agency's groups hold no permission on them.
if not admin.site.is_registered(get_user_model()):
    admin.site.register(get_user_model(), UserAdmin)
