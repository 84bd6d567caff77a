"""Settings for Trusted Cloud Registry, read from the environment and grouped by concern.

With nothing set, the portal runs on a SQLite file with Celery tasks executed inline, so that `make run` needs only
Python. Production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL (PostgreSQL), REDIS_URL, EMAIL_URL,
SNAPSHOT_SIGNING_KEY and MFA_ENCRYPTION_KEY; `manage.py check --deploy` names what is missing (trustedcloud/checks.py).

Each module below defines its settings once, completely, and reads what it needs from the modules before it by name
(DEBUG, REDIS_URL, TIME_ZONE…): that is the order here. No module redefines or changes another's setting, so the line
that defines a setting is all there is to know about it (tests/project/test_settings_layout.py holds us to that).
"""

# The order of reading, as above: not alphabetical.
# isort: off
from .core import *  # noqa: F403  DEBUG and SECRET_KEY (refused missing in production), apps, middleware, languages
from .database import *  # noqa: F403  DATABASES, REDIS_URL, CACHES
from .security import *  # noqa: F403  headers, cookies, HTTPS
from .accounts import *  # noqa: F403  sign-in, second factors, rate limits, sessions
from .files import *  # noqa: F403  static files, private storage, uploads, document checks
from .mail import *  # noqa: F403  EMAIL_URL, notifications' timing
from .publication import *  # noqa: F403  public page cache, signed snapshots
from .api import *  # noqa: F403  REST_FRAMEWORK, SPECTACULAR_SETTINGS
from .celery import *  # noqa: F403  broker, workers, CELERY_BEAT_SCHEDULE, /healthz's heartbeat
from .logs import *  # noqa: F403  LOGGING
# isort: on
