from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Demo and benchmark data: installed only with DEBUG or DEVTOOLS=1, so production has no seeding command."""

    name = "registry.devtools"
    label = "devtools"
    verbose_name = "Development tools"
