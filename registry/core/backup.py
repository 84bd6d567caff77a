"""A backup of the installation, and its restore: the PostgreSQL database (pg_dump's custom format) and every file of
the private storage, read and written through Django's storage API (local disk or object store alike), described by a
manifest of sizes and SHA-256 sums.

The manifest is written last, under its final name only once complete: a folder without one is an unfinished backup,
which restore (registry/core/restore.py) refuses.

No domain here: the caller adds what the domain knows to the manifest (the last snapshot), and checks the restored
data against the database afterwards (manage.py verify_registry).
"""

import datetime
import hashlib
import json
import os
import posixpath
import shutil
from dataclasses import dataclass
from pathlib import Path

from django.core.files.storage import Storage
from django.db import connection as default_connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.core import postgres
from registry.core.storage import CHUNK, open_for_download

FORMAT = "trusted-cloud-registry-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
FILES = "files"


class BackupError(Exception):
    """A backup or restore refused or failed; the message says why and what to do."""


@dataclass
class Outcome:
    folder: Path
    manifest: dict


def require_postgresql(connection=default_connection) -> None:
    if connection.vendor != "postgresql":
        raise BackupError(
            _(
                "Backup and restore work on PostgreSQL; this installation's database is %(vendor)s. With SQLite, stop "
                "the web and worker processes, then copy the database file (%(name)s) and the private files folder "
                "(PRIVATE_MEDIA_ROOT) together."
            )
            % {"vendor": connection.vendor, "name": connection.settings_dict["NAME"]}
        )


# Reading the storage.


def stored_names(storage: Storage, folder: str = ""):
    """Every file's name in the storage, folder by folder, in a stable order."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # a local storage whose folder was never created holds nothing
        return
    for name in sorted(files):
        yield posixpath.join(folder, name)
    for sub in sorted(folders):
        yield from stored_names(storage, posixpath.join(folder, sub))


def checked_name(name) -> str:
    """A storage name as the manifest must hold it: relative, with no empty, "." or ".." part. A manifest is read from
    a folder someone could have edited; a name like ../../etc/x must not write outside the storage."""
    parts = name.split("/") if isinstance(name, str) else []
    if not parts or "\\" in name or any(part in ("", ".", "..") for part in parts):
        raise BackupError(_("The manifest names a file “%(name)s” that is not a plain relative path.") % {"name": name})
    return name


class Hashing:
    """A file read once, front to back, its size and SHA-256 counted on the way (so a copy is checked in one pass)."""

    def __init__(self, raw):
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size=-1):
        data = self.raw.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data

    def readable(self):
        return True

    def seekable(self):
        # Not rewindable: a storage that rewinds before writing (S3's) would otherwise count the bytes twice.
        return False

    @property
    def closed(self):
        return self.raw.closed

    def close(self):
        self.raw.close()


def _copy_out(storage: Storage, name: str, target: Path) -> dict:
    """Copy one stored file into the backup; its manifest entry."""
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, _size = open_for_download(storage, name)
    with handle:
        source = Hashing(handle)
        with _private_file(target) as out:
            while block := source.read(CHUNK):
                out.write(block)
    return {"name": name, "size": source.size, "sha256": source.digest.hexdigest()}


def _private_file(path: Path):
    """A new file readable by its owner only: the backup holds the confidential evidence documents."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def file_digest(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


# Backup.


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _backup_folder(output: Path, started: datetime.datetime) -> tuple[Path, bool]:
    """Where this backup goes, and whether we created it: `output` itself when it is an empty folder (the operator
    made it for this backup), otherwise a new folder inside it named for the time."""
    if output.exists() and not output.is_dir():
        raise BackupError(_("%(output)s is not a folder.") % {"output": output})
    if output.is_dir() and not any(output.iterdir()):
        return output, False
    folder = output / f"registry-{started.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}"
    try:
        output.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.mkdir(mode=0o700)
    except FileExistsError as exc:
        raise BackupError(_("%(folder)s exists already: wait a second and start again.") % {"folder": folder}) from exc
    except OSError as exc:
        raise BackupError(_("Cannot create %(folder)s: %(error)s") % {"folder": folder, "error": exc}) from exc
    return folder, True


def applied_migrations(connection=default_connection) -> dict[str, list[str]]:
    """{app label: [migration names applied, in order]}: which release's schema the dump holds."""
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def backup(*, output: Path, storage: Storage, extra: dict | None = None, connection=default_connection) -> Outcome:
    """Dump the database, copy every private file, then write the manifest. On failure, what was written goes.

    The database first, the files after: a file is stored before the row naming it commits, so every file the dump
    names is already there when the files are read (a file uploaded meanwhile is copied without its row, which is
    harmless). The other order would miss the files of rows committed between the two."""
    require_postgresql(connection)
    started = timezone.now()
    folder, created = _backup_folder(Path(output), started)
    try:
        manifest = _write_backup(folder, storage=storage, connection=connection, started=started, extra=extra or {})
    except BaseException:
        _remove_contents(folder, remove_folder=created)
        raise
    return Outcome(folder=folder, manifest=manifest)


def _write_backup(folder: Path, *, storage, connection, started, extra) -> dict:
    migrations = applied_migrations(connection)
    dump_path = folder / DUMP
    try:
        postgres.dump(connection.settings_dict, dump_path)
    except postgres.ToolFailed as exc:
        raise BackupError(str(exc)) from exc
    dump_path.chmod(0o600)
    dump_size, dump_sha256 = file_digest(dump_path)
    files = []
    for name in stored_names(storage):
        try:
            files.append(_copy_out(storage, name, folder / FILES / name))
        except FileNotFoundError:
            continue  # deleted since it was listed (a superseded PDF pruned): its row went with it
        except Exception as exc:  # noqa: BLE001 — local disk or object store, their errors are many; all stop it
            raise BackupError(
                _("Cannot copy %(name)s from the private storage: %(error)s") % {"name": name, "error": exc}
            ) from exc
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "started_at": _utc(started),
        "completed_at": _utc(timezone.now()),
        "database": {
            "vendor": connection.vendor,
            "name": connection.settings_dict["NAME"],
            "file": DUMP,
            "size": dump_size,
            "sha256": dump_sha256,
            "tool": postgres.version("pg_dump"),
        },
        "migrations": migrations,
        "storage": {"backend": f"{type(storage).__module__}.{type(storage).__qualname__}", "folder": FILES},
        "files": files,
        **extra,
    }
    partial = folder / f"{MANIFEST}.part"
    with _private_file(partial) as out:
        out.write(json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8"))
        out.flush()
        os.fsync(out.fileno())
    # The rename is the moment the backup becomes complete.
    os.replace(partial, folder / MANIFEST)
    return manifest


def _remove_contents(folder: Path, *, remove_folder: bool) -> None:
    if remove_folder:
        shutil.rmtree(folder, ignore_errors=True)
        return
    for entry in folder.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
