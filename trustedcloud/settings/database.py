"""The database, and Redis as the shared cache.

With nothing set: a SQLite file and an in-memory cache, so that `make run` needs only Python. Several processes need
REDIS_URL: the throttles, the sign-in rate limits and the public page cache must be one for all of them.
"""

import dj_database_url

from .core import BASE_DIR
from .env import env_int, env_str

# dj-database-url decodes socket paths (postgres://%2Fvar%2Frun%2Fpostgresql/name) as well as host:port URLs.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}

# Also the Celery broker and the sessions' cache (settings/celery.py, settings/accounts.py); kept as given, for the
# deployment checks (trustedcloud/checks.py) and /healthz.
REDIS_URL = env_str("REDIS_URL")

CACHES = (
    {
        "default": {
            # Django's Redis backend, sharing one client per connection pool (registry/core/cache.py says why).
            "BACKEND": "registry.core.cache.SharedClientRedisCache",
            "LOCATION": REDIS_URL,
            # Bounded waits: a hung Redis must slow a page by seconds at most (the page cache and throttles then
            # fall back), never hang it.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    if REDIS_URL
    else {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
)
