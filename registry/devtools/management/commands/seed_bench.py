from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from registry.devtools.bench import AlreadySeeded, seed_bench


class Command(BaseCommand):
    # Plain gettext, not lazy: argparse needs real strings, and commands are imported after Django is set up.
    help = _(
        "Fill a database with a large invented registry for benchmarks: N services over N/10 providers with their "
        "sites, third parties, certificates and their history, and dossiers with their events. Bulk inserts; "
        "refuses a database seeded before unless --append."
    )

    def add_arguments(self, parser):
        parser.add_argument("--services", type=int, default=1000, help=_("How many services (default 1000)."))
        parser.add_argument("--dossiers-per-service", type=int, default=5, help=_("Dossiers per service (default 5)."))
        parser.add_argument(
            "--seed",
            type=int,
            default=1,
            help=_("Seed of the pseudo-random choices: the same seed gives the same data."),
        )
        parser.add_argument(
            "--append", action="store_true", help=_("Add to a database that was seeded before instead of refusing.")
        )

    def handle(self, *args, services, dossiers_per_service, seed, append, **options):
        if services < 1 or dossiers_per_service < 1:
            raise CommandError(_("--services and --dossiers-per-service must be at least 1."))
        verbose = options["verbosity"] > 1

        def progress(done, total):
            if verbose:
                self.stdout.write(_("%(done)d of %(total)d services written.") % {"done": done, "total": total})

        try:
            summary = seed_bench(
                services=services, dossiers_per_service=dossiers_per_service, seed=seed, append=append,
                progress=progress,
            )  # fmt: skip
        except AlreadySeeded as exc:
            raise CommandError(
                _("This database already holds %(count)s bench services; add --append to add more.")
                % {"count": exc.args[0]}
            ) from exc
        labels = {
            "users": _("users"),
            "evaluation centres": _("evaluation centres"),
            "providers": _("providers"),
            "memberships": _("memberships"),
            "shareholders": _("shareholders"),
            "history records": _("history records"),
            "services": _("services"),
            "sites": _("sites"),
            "third parties": _("third parties"),
            "dossiers": _("dossiers"),
            "certificates": _("certificates"),
            "dossier events": _("dossier events"),
            "certificate events": _("certificate events"),
            "answers": _("answers"),
        }
        counts = "; ".join(f"{labels.get(key, key)} {count}" for key, count in summary.created.items())
        self.stdout.write(_("Scheme: %(scheme)s.") % {"scheme": summary.scheme})
        self.stdout.write(_("Created: %(counts)s.") % {"counts": counts})
        self.stdout.write(
            _("Done in %(seconds).1f s, then %(snapshot).1f s for the registry snapshot.")
            % {"seconds": summary.seconds, "snapshot": summary.snapshot_seconds}
        )
