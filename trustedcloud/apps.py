from django.apps import AppConfig


class TrustedCloudConfig(AppConfig):
    """The project's wiring as an application, so that its deployment checks are registered with the others."""

    name = "trustedcloud"
    verbose_name = "Trusted Cloud Registry"

    def ready(self):
        from trustedcloud import checks  # noqa: F401  (registers the deployment checks)
