"""The database, and Redis as the shared cache.

With nothing set: a SQLite file and an in-memory cache, so that `make run` needs only Python. Several processes need
Redis: REDIS_URL for the Celery broker, and Django's cache (the throttles, the sign-in rate limits, the sessions' cached
copy and the public page cache, which must be one for every process) on CACHE_URL, or on REDIS_URL when CACHE_URL is
unset. README "Deploying" gives each its Redis database and eviction policy: the broker must never evict, the cache may.
"""

import dj_database_url

from .core import BASE_DIR
from .env import env_int, env_str

# dj-database-url decodes socket paths (postgres://%2Fvar%2Frun%2Fpostgresql/name) as well as host:port URLs.
_database = dj_database_url.config(
    default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
    conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    conn_health_checks=True,
)
# PostgreSQL without JIT compilation: it compiles a query whose estimated cost passes jit_above_cost, which the public
# pages' larger counts do at 100,000 services; the compilation took 123 ms of a 230 ms count, every time (its code is
# not kept between queries). A web application's short queries never win it back.
_postgresql_options = {"options": "-c jit=off"} if _database.get("ENGINE") == "django.db.backends.postgresql" else {}
DATABASES = {"default": {**_database, "OPTIONS": {**_database.get("OPTIONS", {}), **_postgresql_options}}}

# The Celery broker (settings/celery.py); kept as given, for the deployment checks (trustedcloud/checks.py) and /healthz.
REDIS_URL = env_str("REDIS_URL")
# Django's cache, when it is to live apart from the broker (another Redis database or server); the broker's otherwise.
CACHE_URL = env_str("CACHE_URL") or REDIS_URL

CACHES = (
    {
        "default": {
            # Django's Redis backend, sharing one client per connection pool (registry/core/cache.py says why).
            "BACKEND": "registry.core.cache.SharedClientRedisCache",
            "LOCATION": CACHE_URL,
            # Bounded waits: a hung Redis must slow a page by seconds at most (the page cache and throttles then
            # fall back), never hang it.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    if CACHE_URL
    else {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
)
