from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from registry.public import read_model
from registry.public.publication import publish_on_commit


class Command(BaseCommand):
    # Plain gettext, not lazy: argparse needs real strings, and commands are imported after Django is set up.
    help = _(
        "Write the public read model (the rows the public lists, their filters and their search read) anew from the "
        "certificates, after a change made around the application (a data fix in SQL). With --check, only list the "
        "certificates whose row differs, and exit non-zero if any."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help=_("Compare only; change nothing."))

    def handle(self, *args, check=False, **options):
        if check:
            differs = read_model.drift()
            for number in differs:
                self.stdout.write(number)
            self.stdout.write(_("%(count)s certificate(s) differ.") % {"count": len(differs)})
            if differs:
                raise SystemExit(1)
            return
        from django.db import transaction

        with transaction.atomic():
            written = read_model.rebuild()
            publish_on_commit()
        self.stdout.write(_("%(count)s public entries written.") % {"count": written})
