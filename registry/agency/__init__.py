"""The agency's workspace in Django's admin (no models): its site and home (site.py, home.py), its model pages
(registered by workspace.py) and the AdminConfig that installs the site (apps.py, imported by the settings, which is
why this package imports nothing itself)."""
