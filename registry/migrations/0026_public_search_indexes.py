"""The indexes of the registry's search on PostgreSQL (registry.public.search): a full-text vector of each public entry's
folded search text, in three configurations (simple, for prefixes, names and numbers as typed; English and French, for
their stems), with a GIN index, and a GIN trigram index on the folded text for typos and partial words.

The vector is a stored generated column that PostgreSQL keeps in step with search_text on every write, so the read
model's writers (registry.public.read_model) need not know about it. PublicEntry does not declare it: it exists on
PostgreSQL only, and registry.public.search reads it by name. A later migration that changes the type of search_text
must drop the column first and add it again (PostgreSQL refuses to alter a column a generated column uses).

SQLite gets nothing: its search is a plain `contains` on the folded text.

The extensions are trusted ones (PostgreSQL 13+): the database's owner may create them. pg_trgm for the trigram
index and operators; unaccent for names that have no folded column: those of services in process and of providers
(registry.public.search.matching_names) and an entry's names in the rank. Reversing leaves the extensions installed:
other database objects may use them, and an extension left unused costs nothing.
"""

from django.db import migrations

from registry.core.pg_migrations import postgresql_only

FORWARD = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """
    ALTER TABLE registry_publicentry ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('simple'::regconfig, search_text)
        || to_tsvector('english'::regconfig, search_text)
        || to_tsvector('french'::regconfig, search_text)
    ) STORED
    """,
    "CREATE INDEX publicentry_search_vector ON registry_publicentry USING gin (search_vector)",
    "CREATE INDEX publicentry_search_trgm ON registry_publicentry USING gin (search_text gin_trgm_ops)",
)

BACKWARD = (
    "DROP INDEX IF EXISTS publicentry_search_trgm",
    "DROP INDEX IF EXISTS publicentry_search_vector",
    "ALTER TABLE registry_publicentry DROP COLUMN IF EXISTS search_vector",
)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0025_public_read_model"),
    ]

    operations = [
        migrations.RunPython(postgresql_only(FORWARD), postgresql_only(BACKWARD), elidable=False),
    ]
