"""For migrations that write PostgreSQL's own SQL (extensions, generated columns, expression and trigram indexes):
SQLite, the development default, gets none of it and searches without them."""


def postgresql_only(statements):
    """A RunPython function that runs these SQL statements, in order, on PostgreSQL, and nothing elsewhere."""

    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run
