"""Restoring a backup made by registry.core.backup: only into an empty database and an empty private storage (never a
merge), every byte checked against the manifest, and its own writes undone when anything fails."""

import json
import posixpath
from pathlib import Path

from django.core.files.storage import Storage
from django.db import connection as default_connection
from django.utils.translation import gettext as _

from registry.core import postgres
from registry.core.backup import (
    FILES,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    BackupError,
    Hashing,
    Outcome,
    checked_name,
    file_digest,
    require_postgresql,
    stored_names,
)


def read_manifest(folder: Path) -> dict:
    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise BackupError(
            _("%(path)s is missing: this is not a backup, or an unfinished one (the manifest is written last).")
            % {"path": path}
        ) from exc
    except (OSError, ValueError) as exc:
        raise BackupError(_("%(path)s cannot be read: %(error)s") % {"path": path, "error": exc}) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("%(path)s is not a registry backup's manifest.") % {"path": path})
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            _("%(path)s is in format version %(version)s; this release reads version %(ours)s.")
            % {"path": path, "version": manifest.get("format_version"), "ours": FORMAT_VERSION}
        )
    if not _well_formed(manifest):
        raise BackupError(_("%(path)s is incomplete or altered: a file's entry is malformed.") % {"path": path})
    return manifest


def _entry_ok(entry, name_key: str) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("size"), int)
        and isinstance(entry.get("sha256"), str)
        and bool(checked_name(entry.get(name_key)))
    )


def _well_formed(manifest: dict) -> bool:
    files = manifest.get("files")
    return (
        _entry_ok(manifest.get("database"), "file")
        and isinstance(files, list)
        and all(_entry_ok(entry, "name") for entry in files)
    )


def _tables(connection) -> tuple[list[str], list[str]]:
    """(every table, the tables holding rows) of the database."""
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        quote = connection.ops.quote_name
        with_rows = []
        for table in tables:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {quote(table)})")  # a name the database gave, quoted  # nosec B608
            if cursor.fetchone()[0]:
                with_rows.append(table)
    return tables, with_rows


def require_empty(*, storage: Storage, connection=default_connection) -> None:
    """Refuse unless the database has no tables and the storage no files: a restore never merges into data."""
    tables, with_rows = _tables(connection)
    if tables:
        raise BackupError(
            _(
                "The database %(name)s is not empty: %(tables)s tables, %(rows)s of them with rows (%(some)s). "
                "Restore into a new, empty database (createdb), without running migrate first, and point "
                "DATABASE_URL at it."
            )
            % {
                "name": connection.settings_dict["NAME"],
                "tables": len(tables),
                "rows": len(with_rows),
                "some": ", ".join((with_rows or tables)[:5]),
            }
        )
    present = []
    for name in stored_names(storage):
        present.append(name)
        if len(present) == 5:
            break
    if present:
        raise BackupError(
            _(
                "The private storage is not empty (%(some)s...). Restore into an empty folder (PRIVATE_MEDIA_ROOT) or "
                "an empty bucket prefix (S3_PREFIX)."
            )
            % {"some": ", ".join(present)}
        )


def _check_complete(folder: Path, manifest: dict) -> None:
    """Every file the manifest lists is there with its size, before anything is written: a truncated or partial copy
    of a backup is refused whole."""
    for entry in [manifest["database"], *({**e, "file": posixpath.join(FILES, e["name"])} for e in manifest["files"])]:
        path = folder / entry["file"]
        if not path.is_file():
            raise BackupError(_("%(path)s is missing from the backup.") % {"path": path})
        if path.stat().st_size != entry["size"]:
            raise BackupError(
                _("%(path)s has %(size)s bytes; the manifest says %(expected)s: the backup is damaged.")
                % {"path": path, "size": path.stat().st_size, "expected": entry["size"]}
            )


def _copy_in(storage: Storage, folder: Path, entry: dict) -> None:
    name = entry["name"]
    with open(folder / FILES / name, "rb") as handle:
        source = Hashing(handle)
        saved = storage.save(name, source)
    if saved != name:
        raise BackupError(_("The storage saved %(name)s as %(saved)s.") % {"name": name, "saved": saved})
    if source.digest.hexdigest() != entry["sha256"] or source.size != entry["size"]:
        raise BackupError(
            _("%(name)s does not match its SHA-256 in the manifest: the backup is damaged.") % {"name": name}
        )


def restore(*, source: Path, storage: Storage, connection=default_connection) -> Outcome:
    """Restore a backup into the empty database and storage this installation is configured with.

    The files first, each checked against the manifest as it is copied; then the database in one transaction. When
    anything fails, the files copied so far are deleted again and the database is left as it was: empty."""
    require_postgresql(connection)
    folder = Path(source)
    manifest = read_manifest(folder)
    require_empty(storage=storage, connection=connection)
    _check_complete(folder, manifest)
    database = manifest["database"]
    if file_digest(folder / database["file"])[1] != database["sha256"]:
        raise BackupError(
            _("%(path)s does not match its SHA-256 in the manifest: the backup is damaged.")
            % {"path": folder / database["file"]}
        )
    written = []
    try:
        for entry in manifest["files"]:
            written.append(entry["name"])
            try:
                _copy_in(storage, folder, entry)
            except BackupError:
                raise
            except Exception as exc:  # noqa: BLE001 — local disk or object store, their errors are many; all stop it
                raise BackupError(
                    _("Cannot write %(name)s into the private storage: %(error)s")
                    % {"name": entry["name"], "error": exc}
                ) from exc
        # Django's connection saw the empty database; pg_restore writes through its own.
        connection.close()
        postgres.restore(connection.settings_dict, folder / database["file"])
    except BaseException as exc:
        for name in written:
            storage.delete(name)
        if isinstance(exc, postgres.ToolFailed):
            raise BackupError(str(exc)) from exc
        raise
    return Outcome(folder=folder, manifest=manifest)
