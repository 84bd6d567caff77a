from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Qualification registry")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from registry.accounts import auth  # noqa: F401  (connects the session and second-factor receivers)
        from registry.accounts.audit import connect_signals

        connect_signals()  # sign-ins, failures, password / e-mail / MFA changes to the audit log

        from registry.public import read_model

        read_model.connect()  # the public read model follows every save of what it shows
