from pathlib import Path

from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _

from registry.core import backup, restore


class Command(BaseCommand):
    # Plain gettext, not lazy: argparse needs real strings, and commands are imported after Django is set up.
    help = _(
        "Restore a backup made by backup_registry into the empty database (DATABASE_URL) and the empty private "
        "storage this installation is configured with, checking every file against the manifest's SHA-256."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--input",
            dest="source",
            required=True,
            metavar="DIR",
            help=_("The backup's folder (the one holding manifest.json)."),
        )

    def handle(self, *args, source, **options):
        try:
            outcome = restore.restore(source=Path(source), storage=storages["default"])
        except backup.BackupError as exc:
            raise CommandError(_("Nothing was restored: %(error)s") % {"error": exc}) from exc
        except DatabaseError as exc:
            raise CommandError(
                _("Nothing was restored: the database cannot be read: %(error)s") % {"error": exc}
            ) from exc
        manifest = outcome.manifest
        self.stdout.write(
            _(
                "Restored the database and %(files)s private files of the backup started at %(time)s. If this "
                "release is newer than the backup's, run manage.py migrate; then manage.py verify_registry."
            )
            % {"files": len(manifest["files"]), "time": manifest["started_at"]}
        )
