from pathlib import Path

from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _

from registry.core import backup
from registry.public.snapshot_chain import chain_head


class Command(BaseCommand):
    # Plain gettext, not lazy: argparse needs real strings, and commands are imported after Django is set up.
    help = _(
        "Back up the PostgreSQL database (pg_dump) and every private file, with a manifest of their SHA-256 sums "
        "written last, into a new folder named for the time inside DIR, or into DIR itself when it is an empty folder."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, metavar="DIR", help=_("Where to write the backup."))

    def handle(self, *args, output, **options):
        try:
            backup.require_postgresql()
            # Read before the dump starts, so the dump holds this snapshot (or a later one).
            head = chain_head()
            outcome = backup.backup(output=Path(output), storage=storages["default"], extra={"snapshots": head})
        except backup.BackupError as exc:
            raise CommandError(_("No backup was made: %(error)s") % {"error": exc}) from exc
        except DatabaseError as exc:
            raise CommandError(
                _("No backup was made: the database cannot be read: %(error)s") % {"error": exc}
            ) from exc
        manifest = outcome.manifest
        self.stdout.write(
            _(
                "Backup complete in %(folder)s: the database (%(size)s bytes), %(files)s private files, snapshot %(sequence)s."
            )
            % {
                "folder": outcome.folder,
                "size": manifest["database"]["size"],
                "files": len(manifest["files"]),
                "sequence": head["last_sequence"] if head["last_sequence"] is not None else "-",
            }
        )
