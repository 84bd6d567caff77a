"""Writing bench rows fast: simple-history records built by hand, and multi-row INSERTs for the tables whose ids nobody
needs back. Used by registry/devtools/bench.py only.
"""

import contextlib
import datetime
import functools
import sqlite3

from django.db import connections, router

from registry.providers.models import Provider, Service
from registry.qualification.models import Dossier


@contextlib.contextmanager
def dates_as_given():
    """bulk_create stamps auto_now / auto_now_add fields with the time of the run; bench rows carry their own past
    (a dossier created in 2019 and qualified in 2020), so those stamps are switched off for the run and restored."""
    fields = [
        Provider._meta.get_field("created_at"),
        Service._meta.get_field("created_at"),
        Service._meta.get_field("updated_at"),
        Dossier._meta.get_field("created_at"),
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


@functools.cache
def _historical(model):
    # `Model.history` builds a new manager on every access: far too slow to ask once per row.
    return model.history.model, [f.attname for f in model._meta.concrete_fields]


def history_row(model, obj, when, user_id, kind="+", **overrides):
    """A simple-history record of obj as a row for insert_rows: (historical model, column values)."""
    historical, names = _historical(model)
    values = {name: getattr(obj, name) for name in names}
    values.update(overrides, history_date=when, history_type=kind, history_user_id=user_id, history_change_reason=None)
    return historical, values


def insert_rows(model, rows: list[dict]) -> None:
    """Write rows (column attname: value) straight to the model's table, many per statement.

    For the tables whose ids nobody needs back (events, history, answers): at this volume, a model instance per row
    and bulk_create's per-field bookkeeping cost several times the insert itself."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    names = list(rows[0])
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    fields = [by_attname[name] for name in names]
    quote = connection.ops.quote_name
    # Names from the model's own metadata, quoted by the backend; every value goes as a parameter.
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "  # nosec B608
    # The DB-API cursor itself, hence its own placeholder: with DEBUG on, Django's cursor would format and keep every
    # one of these statements, thousands of parameters each, in the query log (on SQLite, one more query apiece).
    placeholder = "?" if connection.vendor == "sqlite" else "%s"
    one = "(" + ", ".join([placeholder] * len(fields)) + ")"
    connection.ensure_connection()
    per = max(1, min(500, _max_params(connection) // len(fields)))
    adapters = [_adapter(field, connection) for field in fields]
    cursor = connection.connection.cursor()
    try:
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            params = [adapt(row[name]) for row in chunk for adapt, name in zip(adapters, names, strict=True)]
            cursor.execute(head + ", ".join([one] * len(chunk)), params)
    finally:
        cursor.close()


def _max_params(connection) -> int:
    if connection.vendor == "sqlite":
        # Django assumes SQLite's historical 999; the library in use says what it really takes (32,766 since 3.32).
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return connection.features.max_query_params or 30000


PLAIN = (str, int, bool, type(None))


def _adapter(field, connection):
    """The field's conversion to a database value, short-circuited for the plain values most columns hold."""
    if field.get_internal_type() == "DateTimeField":
        general = connection.ops.adapt_datetimefield_value
        if connection.vendor != "sqlite" or connection.timezone_name != "UTC":
            return general

        def adapt_time(value):
            # What SQLite's adapter makes of a UTC time (the bench writes only those), without its time-zone round trip.
            if value is not None and value.tzinfo is datetime.UTC:
                return str(value.replace(tzinfo=None))
            return general(value)

        return adapt_time

    def adapt(value):
        return value if type(value) in PLAIN else field.get_db_prep_save(value, connection)

    return adapt
