"""The backup and restore drill (README "Backup and restore"), run by CI: a qualified dossier's data backed up by
backup_registry, restored by restore_registry into a new, empty database and an empty private folder, and checked by
verify_registry, each command in a process of its own as an operator runs them. Then one byte changed in a restored
document is named by verify_registry, and a damaged or unfinished backup is refused with nothing written."""

import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from registry.certificates.models import Certificate
from registry.core import postgres
from registry.public.models import RegistrySnapshot
from registry.public.snapshots import snapshot_issue
from registry.qualification.models import Document
from registry.qualification.services import dossiers as dossier_services
from tests.integration import test_s3_storage as object_store

ROOT = Path(__file__).resolve().parents[2]
# The object store's fixtures (moto's S3 server, a fresh bucket as this process's private storage), used by name.
s3_endpoint, bucket = object_store.s3_endpoint, object_store.bucket

on_postgresql = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the drill dumps and restores PostgreSQL with pg_dump and pg_restore (with SQLite an operator copies "
        "the database file); CI runs it on PostgreSQL",
    ),
    # The commands run in other processes: they see committed rows only. serialized_rollback: the flush at the end
    # empties the agency groups the data migration made.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # The document checks, the certificate's PDF and the snapshots are drawn by tasks: run them as they are queued.
    pytest.mark.usefixtures("eager_tasks"),
]


def drill(test):
    for mark in reversed(on_postgresql):
        test = mark(test)
    return test


def server_connection(name: str | None = None):
    """A connection of our own to the test's server: to the test database, or to `name`."""
    db = settings.DATABASES["default"]
    link = psycopg2.connect(
        dbname=name or db["NAME"], user=db.get("USER") or None, password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None, port=db.get("PORT") or None,
    )  # fmt: skip
    link.autocommit = True  # CREATE and DROP DATABASE refuse to run in a transaction
    return link


def database_url(name: str) -> str:
    db = settings.DATABASES["default"]
    credentials = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}@{quote(db.get('HOST') or '', safe='')}{port}/{quote(name, safe='')}"


@pytest.fixture
def empty_database():
    """A new database on the test's server, named after the test database (which pytest-django names), dropped at
    the end."""
    name = f"{settings.DATABASES['default']['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    link = server_connection()
    with link.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with link.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    link.close()


@pytest.fixture
def folders(tmp_path_factory):
    """Where backups go and where the restore's private files go: apart from the test's own private storage (the
    tmp_path of tests/conftest.py's private_storage), which the backup reads."""
    return tmp_path_factory.mktemp("backups"), tmp_path_factory.mktemp("restored")


def manage(*arguments, database: str, private: Path, **storage_env) -> subprocess.CompletedProcess:
    """manage.py in a fresh process, on that database and that private folder (local disk, whatever this run uses),
    or the object store `storage_env` names (S3_BUCKET and friends)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("S3_")}
    env |= {"DATABASE_URL": database_url(database), "PRIVATE_MEDIA_ROOT": str(private), "DEBUG": "1", **storage_env}
    return subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def tables_of(name: str) -> list[str]:
    link = server_connection(name)
    with link.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        found = [row[0] for row in cursor.fetchall()]
    link.close()
    return found


def files_under(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


@pytest.fixture
def registry_data(complete_draft, walk, decision_maker):
    """A qualified dossier: its evidence documents and evaluation report, the certificate and its PDF, and two signed
    snapshots (the qualification's, then one more)."""
    dossier = walk(complete_draft, "decision")
    certificate = dossier_services.dossier_qualify(dossier=dossier, by=decision_maker, scope="IaaS in Strasbourg.")
    snapshot_issue(force=True)
    certificate = Certificate.objects.get(pk=certificate.pk)
    assert certificate.pdf.name and certificate.pdf.storage.exists(certificate.pdf.name)
    assert RegistrySnapshot.objects.count() >= 2
    assert Document.objects.filter(dossier=dossier).count() >= 3
    return certificate


def backup_folder(backups: Path) -> Path:
    """A backup made as `make backup` makes it: a folder named for the time inside the one given."""
    output = backups / "made"
    call_command("backup_registry", output=str(output), stdout=io.StringIO())
    (folder,) = output.iterdir()
    assert folder.name.startswith("registry-")
    return folder


@drill
def test_a_backup_restores_into_an_empty_database_and_storage_and_verifies(registry_data, empty_database, folders):
    backups, restored = folders
    folder = backup_folder(backups)
    manifest = json.loads((folder / "manifest.json").read_text())
    listed = {entry["name"]: entry["sha256"] for entry in manifest["files"]}
    for document in Document.objects.all():
        assert listed[document.file.name] == document.sha256
    assert registry_data.pdf.name in listed
    assert manifest["snapshots"]["last_sequence"] == RegistrySnapshot.objects.latest("sequence").sequence
    assert "0001_initial" in manifest["migrations"]["registry"]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    # Into an empty folder made for it, a backup goes there itself.
    (backups / "empty").mkdir()
    call_command("backup_registry", output=str(backups / "empty"), stdout=io.StringIO())
    assert (backups / "empty" / "manifest.json").is_file()

    done = manage("restore_registry", "--input", str(folder), database=empty_database, private=restored)
    assert done.returncode == 0, done.stderr
    assert set(files_under(restored)) == set(listed)

    checked = manage("verify_registry", database=empty_database, private=restored)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "No problem found." in checked.stdout
    assert f"documents: {Document.objects.count()} checked; problems: 0." in checked.stdout
    assert f"registry snapshots: {RegistrySnapshot.objects.count()} checked; problems: 0." in checked.stdout

    # A disk's silent corruption: one byte of one restored document.
    document = Document.objects.order_by("pk").first()
    path = restored / document.file.name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))

    checked = manage("verify_registry", database=empty_database, private=restored)
    assert checked.returncode != 0
    problems = [line for line in checked.stdout.splitlines() if line.startswith("Document ")]
    assert len(problems) == 1, checked.stdout
    assert document.file.name in problems[0] and document.dossier.reference in problems[0]
    assert "1 problem found." in checked.stderr


@drill
def test_the_drill_reads_and_writes_the_files_through_an_object_store(bucket, registry_data, empty_database, folders):
    # The installation keeps its files in a bucket (moto's S3 server); the restore goes to an empty prefix of it.
    backups, restored = folders
    folder = backup_folder(backups)
    originals = {key.removeprefix(f"{object_store.PREFIX}/"): bucket.read(key) for key in bucket.objects()}
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {entry["name"] for entry in manifest["files"]} == set(originals)
    assert manifest["storage"]["backend"] == "registry.core.storage.PrivateS3Storage"

    into = {**bucket.worker_env(), "S3_PREFIX": "restored"}
    done = manage("restore_registry", "--input", str(folder), database=empty_database, private=restored, **into)
    assert done.returncode == 0, done.stderr
    copies = {
        key.removeprefix("restored/"): bucket.read(key) for key in bucket.objects() if key.startswith("restored/")
    }
    assert copies == originals
    assert files_under(restored) == []  # nothing went to local disk

    checked = manage("verify_registry", database=empty_database, private=restored, **into)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "No problem found." in checked.stdout


@drill
def test_a_damaged_or_unfinished_backup_is_refused_and_nothing_is_written(registry_data, empty_database, folders):
    backups, restored = folders
    folder = backup_folder(backups)
    manifest = json.loads((folder / "manifest.json").read_text())

    def damaged(how: str, change) -> Path:
        copy = backups / how
        shutil.copytree(folder, copy)
        change(copy)
        return copy

    def truncate_dump(copy):
        dump = copy / "database.dump"
        dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])

    def flip_a_byte_of_the_last_file(copy):
        # The last one: the files before it are copied into the storage first, and must be deleted again.
        path = copy / "files" / manifest["files"][-1]["name"]
        data = bytearray(path.read_bytes())
        data[0] ^= 0x01
        path.write_bytes(bytes(data))

    def a_dump_pg_restore_cannot_read(copy):
        # Consistent with its manifest, so every file is copied before pg_restore fails: the copies must go again.
        junk = b"PGDMP but not really" * 100
        (copy / "database.dump").write_bytes(junk)
        altered = {**manifest, "database": {**manifest["database"], "size": len(junk)}}
        altered["database"]["sha256"] = hashlib.sha256(junk).hexdigest()
        (copy / "manifest.json").write_text(json.dumps(altered))

    cases = {
        "unreadable dump": (damaged("unreadable", a_dump_pg_restore_cannot_read), "pg_restore failed"),
        "truncated dump": (damaged("truncated", truncate_dump), "damaged"),
        "changed file": (damaged("changed", flip_a_byte_of_the_last_file), "SHA-256"),
        "no manifest": (damaged("unfinished", lambda copy: (copy / "manifest.json").unlink()), "manifest.json"),
    }
    for case, (copy, said) in cases.items():
        refused = manage("restore_registry", "--input", str(copy), database=empty_database, private=restored)
        assert refused.returncode != 0, case
        assert "Nothing was restored" in refused.stderr and said in refused.stderr, (case, refused.stderr)
        assert tables_of(empty_database) == [], case
        assert files_under(restored) == [], case


@drill
def test_a_restore_never_merges_into_a_database_or_storage_that_holds_data(registry_data, empty_database, folders):
    backups, restored = folders
    folder = backup_folder(backups)

    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore_registry", "--input", str(folder))  # the test database, which has rows

    (restored / "left-over.pdf").write_bytes(b"%PDF-1.4 someone else's")
    refused = manage("restore_registry", "--input", str(folder), database=empty_database, private=restored)
    assert refused.returncode != 0
    assert "private storage is not empty (left-over.pdf" in refused.stderr
    assert tables_of(empty_database) == []


def test_the_password_reaches_pg_dump_in_its_environment_never_on_its_command_line(tmp_path, monkeypatch):
    # A stand-in pg_dump on the PATH that writes down how it was called; a socket folder as the host.
    (tmp_path / "pg_dump").write_text(
        '#!/bin/sh\nprintf "%s\\n" "$@" > "$0.args"\nenv | grep "^PG" | sort > "$0.env"\n'
    )
    (tmp_path / "pg_dump").chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    database = {
        "NAME": "registry",
        "USER": "app",
        "PASSWORD": "s3cret-Pa55",
        "HOST": "/var/run/postgresql",
        "PORT": "",
        "OPTIONS": {"sslmode": "prefer", "pool": True},
    }
    postgres.dump(database, tmp_path / "out.dump")
    arguments = (tmp_path / "pg_dump.args").read_text()
    environment = (tmp_path / "pg_dump.env").read_text().splitlines()
    assert "s3cret" not in arguments
    assert arguments.splitlines() == ["--no-password", "--format=custom", f"--file={tmp_path / 'out.dump'}"]
    for expected in (
        "PGPASSWORD=s3cret-Pa55",
        "PGHOST=/var/run/postgresql",
        "PGUSER=app",
        "PGDATABASE=registry",
        "PGSSLMODE=prefer",
    ):
        assert expected in environment


def test_on_sqlite_the_backup_is_refused_saying_to_copy_the_file(tmp_path):
    env = {name: value for name, value in os.environ.items() if not name.startswith("S3_")}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "DEBUG": "1"}
    refused = subprocess.run(
        [sys.executable, "manage.py", "backup_registry", "--output", str(tmp_path / "backups")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert refused.returncode != 0
    assert "No backup was made" in refused.stderr and "copy the database file" in refused.stderr
    assert not (tmp_path / "backups").exists()
