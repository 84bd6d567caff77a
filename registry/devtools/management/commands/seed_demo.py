from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from registry.catalogue.services import load_summary
from registry.devtools.demo import seed_demo


class Command(BaseCommand):
    # Plain gettext, not lazy: argparse needs real strings, and commands are imported after Django is set up.
    help = _(
        "Fill a development database with demo providers, services, dossiers at every stage, certificates and "
        "accounts for each role. Safe to run again: what exists is left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--i-know-this-is-not-production",
            action="store_true",
            dest="not_production",
            help=_("Seed even with DEBUG off (a staging or benchmark machine that runs with DEVTOOLS=1)."),
        )

    def handle(self, *args, not_production, **options):
        # The demo creates a superuser and agency staff whose passwords and authenticator secret are published in the
        # source: on a machine with DEBUG off it could be production, so the command wants to be told it is not.
        if not settings.DEBUG and not not_production:
            raise CommandError(
                _(
                    "seed_demo creates accounts whose passwords are published: it runs only with DEBUG=1, or with "
                    "--i-know-this-is-not-production on a machine that is not production."
                )
            )
        summary = seed_demo()
        self.stdout.write(load_summary(summary.scheme, summary.scheme_stats))
        kinds = ("evaluation centres", "providers", "services", "users", "dossiers", "certificates")
        labels = {
            "evaluation centres": _("evaluation centres"),
            "providers": _("providers"),
            "services": _("services"),
            "users": _("users"),
            "dossiers": _("dossiers"),
            "certificates": _("certificates"),
        }
        self.stdout.write(
            _("Demo data: %(counts)s.")
            % {
                "counts": "; ".join(
                    _("%(label)s %(created)d created, %(existing)d already there")
                    % {"label": labels[kind], "created": summary.created[kind], "existing": summary.existing[kind]}
                    for kind in kinds
                )
            }
        )
        self.stdout.write("")
        self.stdout.write(_("Development accounts (never use these passwords outside a development machine):"))
        headers = (_("E-mail"), _("Password"), _("Role"))
        rows = [headers, *summary.accounts]
        widths = [max(len(str(row[i])) for row in rows) for i in range(3)]
        for index, row in enumerate(rows):
            self.stdout.write(
                "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            )
            if index == 0:
                self.stdout.write("  ".join("-" * width for width in widths))
