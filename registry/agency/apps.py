"""Django's admin, installed with the agency's own site (registry/agency/site.py) as `admin.site`."""

from django.contrib.admin.apps import AdminConfig


class AgencyAdminConfig(AdminConfig):
    """Replaces "django.contrib.admin" in INSTALLED_APPS: the same app (label "admin", autodiscovery, every
    @admin.register and admin.site.urls unchanged), with AgencySite for its default site."""

    default_site = "registry.agency.site.AgencySite"
