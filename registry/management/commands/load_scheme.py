from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from registry.catalogue.services import (
    DEFAULT_SCHEME_FILE,
    SchemeDataError,
    load_summary,
    read_scheme_file,
    scheme_load,
)


class Command(BaseCommand):
    # Plain gettext, not lazy: argparse needs real strings, and commands are imported after Django is set up.
    help = _(
        "Create or update a scheme and its requirement catalogue from a YAML or JSON file "
        "(by default the SecNumCloud 3.2 catalogue shipped in registry/catalogue/data)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            nargs="?",
            help=_("Catalogue file (.yaml, .yml or .json); without it, the shipped SecNumCloud 3.2 one."),
        )

    def handle(self, *args, file=None, **options):
        path = Path(file) if file else DEFAULT_SCHEME_FILE
        try:
            scheme, stats = scheme_load(data=read_scheme_file(path))
        except SchemeDataError as exc:
            raise CommandError(_("%(file)s: %(error)s") % {"file": path, "error": exc}) from exc
        self.stdout.write(load_summary(scheme, stats))
