"""Trigram indexes on the folded names of services and providers, for the registry's name searches on PostgreSQL
(registry.public.search.matching_names: the services in process and the providers that /registry/?q=, /registry/in-process/?q=
and /providers/?q= find by name).

An index on an expression needs an IMMUTABLE function; unaccent() is only STABLE (its dictionary could change), so
registry_fold() wraps it with the dictionary named, as PostgreSQL's documentation suggests: lower case, then accents
off, the same folding as registry.public.read_model.fold() for the letters of a name. A query uses the index only
when it writes the very same expression: registry.public.search writes registry_fold(column).

SQLite gets nothing: its search folds with read_model.fold() itself.
"""

from django.db import migrations

from registry.core.pg_migrations import postgresql_only

FORWARD = (
    """
    CREATE OR REPLACE FUNCTION registry_fold(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, lower($1)) $$
    """,
    "CREATE INDEX service_name_folded_trgm ON registry_service USING gin (registry_fold(name) gin_trgm_ops)",
    "CREATE INDEX provider_legal_name_folded_trgm ON registry_provider USING gin (registry_fold(legal_name) gin_trgm_ops)",
)

BACKWARD = (
    "DROP INDEX IF EXISTS provider_legal_name_folded_trgm",
    "DROP INDEX IF EXISTS service_name_folded_trgm",
    "DROP FUNCTION IF EXISTS registry_fold(text)",
)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0028_site_and_third_party_order_without_join"),
    ]

    operations = [
        migrations.RunPython(postgresql_only(FORWARD), postgresql_only(BACKWARD), elidable=False),
    ]
