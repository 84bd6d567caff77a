"""PostgreSQL's own tools, pg_dump and pg_restore, run against the database Django is configured with.

The connection reaches them through libpq's environment variables, never their arguments: a password on a command
line is readable by every user of the machine (`ps`, /proc/<pid>/cmdline). The process's own PG* variables stay, as
for Django's connection (psycopg2 is libpq too), so both reach the same server the same way; the settings win where
they say something. A socket folder as HOST (dj-database-url decodes postgres://%2Fvar%2Frun%2Fpostgresql/name to
/var/run/postgresql) is what PGHOST takes as well.
"""

import os
import shutil
import subprocess  # PostgreSQL's client programs, found on the PATH, with arguments of our own  # nosec B404
from pathlib import Path

from django.utils.translation import gettext as _

# Django's OPTIONS that are libpq connection parameters, and the variable libpq reads each from; the others (pool,
# isolation_level, server_side_binding, ...) are psycopg's or Django's own.
LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "options": "PGOPTIONS",
    "application_name": "PGAPPNAME",
}


class ToolFailed(Exception):
    """pg_dump or pg_restore is missing or failed; the message carries what it said."""


def libpq_environment(database: dict) -> dict[str, str]:
    """The environment for a PostgreSQL client program connecting as Django does to `database` (a DATABASES entry)."""
    values = {
        "PGHOST": database.get("HOST"),
        "PGPORT": database.get("PORT"),
        "PGUSER": database.get("USER"),
        "PGPASSWORD": database.get("PASSWORD"),
        "PGDATABASE": database.get("NAME"),
    }
    options = database.get("OPTIONS") or {}
    values |= {variable: options.get(option) for option, variable in LIBPQ_OPTIONS.items()}
    return {**os.environ, **{name: str(value) for name, value in values.items() if value not in (None, "")}}


def run(tool: str, arguments: list[str], database: dict) -> str:
    """Run a PostgreSQL client program on `database`; its standard output. Never prompts (--no-password: a missing
    password is an error, not a hung command); ToolFailed with its own words when it fails."""
    executable = shutil.which(tool)
    if executable is None:
        raise ToolFailed(
            _(
                "%(tool)s was not found on the PATH: install PostgreSQL's client programs (on Debian: "
                "postgresql-client), of the server's major version or newer."
            )
            % {"tool": tool}
        )
    result = subprocess.run(  # no shell; the program is PostgreSQL's, the arguments ours  # nosec B603
        [executable, "--no-password", *arguments],
        env=libpq_environment(database),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        said = result.stderr.strip() or result.stdout.strip()
        raise ToolFailed(
            _("%(tool)s failed (exit status %(status)s): %(error)s")
            % {"tool": tool, "status": result.returncode, "error": said}
        )
    return result.stdout


def version(tool: str) -> str:
    """e.g. "pg_dump (PostgreSQL) 15.20", for the manifest: a custom-format dump restores with pg_restore of that
    major version or newer."""
    executable = shutil.which(tool)
    if executable is None:
        return ""
    answer = subprocess.run([executable, "--version"], capture_output=True, text=True, check=False)  # nosec B603
    return answer.stdout.strip()


def dump(database: dict, target: Path) -> None:
    """The whole database in pg_dump's custom format (compressed; pg_restore picks what to restore). pg_dump reads it
    in one transaction: the dump is one consistent state, whatever writes meanwhile."""
    run("pg_dump", ["--format=custom", f"--file={target}"], database)


def restore(database: dict, source: Path) -> None:
    """Restore a custom-format dump into `database`, in one transaction: an error leaves the database as it was.

    --no-owner and --no-privileges: the objects belong to the role the application connects as (DATABASES' USER),
    whatever roles the original server had; the dump's owners and grants name roles the new server may not have."""
    run(
        "pg_restore",
        [
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            f"--dbname={database['NAME']}",
            str(source),
        ],
        database,
    )
