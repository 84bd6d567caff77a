"""Settings for Trusted Cloud Registry: one module, read from the environment.

With nothing set, the portal runs on a SQLite file with Celery tasks executed inline, so that `make run` needs only Python.
Production sets DATABASE_URL (PostgreSQL), REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and EMAIL_URL.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment, or DEBUG=1 for local development."
        )
    # Development only: DEBUG is on, so this key never protects a production session.
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "bootstrap",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    "simple_history",
    "csp",
    "registry",
]
# Demo and benchmark seeding (seed_demo, seed_bench, demo_code): development and benchmark machines only.
if DEBUG or env_bool("DEVTOOLS", False):
    INSTALLED_APPS.append("registry.devtools")

MIDDLEWARE = [
    # /healthz answers before anything else: load balancers probe by address over plain HTTP, which the host check
    # and the HTTPS redirect below would refuse; a probe needs no session, cache or CSP (registry/core/health.py).
    "registry.core.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (settings below); the client's address for the audit log.
    "csp.middleware.CSPMiddleware",
    "registry.accounts.audit.AuditContextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Anonymous visitors' public pages from the cache (registry/public/cache.py): below the language and the CSRF
    # cookie it needs, above authentication, which a kept page skips with everything else.
    "registry.public.cache.PublicPageCacheMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After authentication and messages: end expired sessions, then keep staff out of /admin/ without a second factor.
    "registry.accounts.middleware.SessionLifetimeMiddleware",
    "registry.accounts.middleware.MFARequiredMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Accounts (django-allauth): e-mail and password, the address verified before the first sign-in.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Trusted Cloud Registry] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_PRESERVE_USERNAME_CASING = False
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:home"

ROOT_URLCONF = "trustedcloud.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "registry.core.context_processors.agency",
            ],
        },
    },
]

WSGI_APPLICATION = "trustedcloud.wsgi.application"

# dj-database-url decodes socket paths (postgres://%2Fvar%2Frun%2Fpostgresql/name) as well as host:port URLs.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates in the reader's language: our English formats (day first, 24-hour clock); French uses Django's own.
FORMAT_MODULE_PATH = ["trustedcloud.formats"]
# The agency's name in every page's header (registry/core/context_processors.py); unset: a translated description.
AGENCY_NAME = env_str("AGENCY_NAME")
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic writes (and whitenoise serves from); a deployment or a benchmark run may keep it elsewhere.
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]

# Evidence documents are confidential: they live in private storage, outside any public URL, and are served only
# through views that check who is asking (registry/portal/views/documents.py, registry/admin/).
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private")))
# Several machines: the same private files in an S3-compatible object store (S3_BUCKET), objects private, no URL of
# their own (registry/core/storage.py): the views stream them after their checks. Credentials come from boto's usual chain
# (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, an instance role), never from these settings.
S3_BUCKET = env_str("S3_BUCKET")
if S3_BUCKET:
    PRIVATE_STORAGE = {
        "BACKEND": "registry.core.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_str("S3_ENDPOINT_URL") or None,
            "region_name": env_str("S3_REGION") or None,
            "addressing_style": env_str("S3_ADDRESSING_STYLE") or None,
            # A prefix inside the bucket, so that one bucket can serve several installations.
            "location": env_str("S3_PREFIX"),
            # "private" unless set; empty for a bucket whose ACLs are disabled (object ownership "bucket owner
            # enforced"), which refuses requests that carry one.
            "default_acl": os.environ.get("S3_DEFAULT_ACL", "private") or None,
            # Never overwrite silently, as on disk: a taken name gets a suffix (names are random anyway).
            "file_overwrite": False,
            # A file read by the checks is spooled to disk beyond this, not held in memory.
            "max_memory_size": 5 * 1024 * 1024,
        },
    }
    if env_str("DOCUMENT_X_ACCEL_REDIRECT_PREFIX"):
        raise ImproperlyConfigured(
            "DOCUMENT_X_ACCEL_REDIRECT_PREFIX serves files from PRIVATE_MEDIA_ROOT on disk; with S3_BUCKET set the "
            "files are in the object store: unset it (Django streams them)."
        )
else:
    PRIVATE_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    }
STORAGES = {
    "default": PRIVATE_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
DOCUMENT_MAX_UPLOAD_BYTES = env_int("DOCUMENT_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)
DOCUMENT_ALLOWED_TYPES = env_list("DOCUMENT_ALLOWED_TYPES", "application/pdf")

# Redis: broker and cache when REDIS_URL is set; otherwise tasks run inline and the cache is in memory.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    # Django's Redis backend, sharing one client per connection pool (registry/core/cache.py says why).
    # Bounded waits: a hung Redis must slow a page by seconds at most (the page cache and throttles then fall back),
    # never hang it.
    CACHES = {
        "default": {
            "BACKEND": "registry.core.cache.SharedClientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
# Public pages kept for anonymous visitors (registry/public/cache.py): dropped on every public change, and after this
# many seconds whatever happens (a safety net); 0 turns the page cache off.
PUBLIC_CACHE_SECONDS = env_int("PUBLIC_CACHE_SECONDS", 300)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A hung or absent Redis must not hang a web request: connecting and publishing give up after two seconds and the
# outbox (DossierEvent.notified_at) lets the periodic sweep send what could not be queued.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BEAT_SCHEDULE = {
    "sweep-unnotified-events": {"task": "registry.notifications.tasks.sweep_unnotified_events", "schedule": 300.0},
    "expire-certificates": {"task": "registry.certificates.tasks.expire_certificates", "schedule": 3600.0},
}


def email_settings(url: str) -> dict:
    """Decode EMAIL_URL: smtp://user:pass@host:587?tls=1, smtps://…, console://, locmem://, or empty (console)."""
    if not url:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parsed = urlparse(url)
    if parsed.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parsed.scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if parsed.scheme not in {"smtp", "smtps"}:
        raise ImproperlyConfigured(f"EMAIL_URL scheme must be smtp, smtps, console or locmem, not {parsed.scheme!r}.")
    query = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parsed.hostname or "localhost",
        "EMAIL_PORT": parsed.port or (465 if parsed.scheme == "smtps" else 25),
        "EMAIL_HOST_USER": unquote(parsed.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
        "EMAIL_USE_SSL": parsed.scheme == "smtps",
        "EMAIL_USE_TLS": query.get("tls", "0") in {"1", "true", "yes"},
        "EMAIL_TIMEOUT": 10,
    }


globals().update(email_settings(env_str("EMAIL_URL")))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Trusted Cloud Registry <registry@trusted-cloud.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Subscriptions: requests nobody confirmed within the link's validity (7 days) are deleted once a day.
CELERY_BEAT_SCHEDULE["purge-unconfirmed-subscriptions"] = {
    "task": "registry.public.tasks.purge_unconfirmed_subscriptions",
    "schedule": 86400.0,
}

# Signed registry snapshots (/registry/snapshot.json). The Ed25519 private key: a PEM (PKCS#8, unencrypted; literal
# "\n" accepted for one-line environments) or the base64 of the raw 32 bytes. Unset: a development key is generated
# once in private storage and a warning is logged; production sets it, the same in every web and worker process.
SNAPSHOT_SIGNING_KEY = env_str("SNAPSHOT_SIGNING_KEY")
# A snapshot is issued on every public change and at least this often (seconds): its next_issue_at promise.
SNAPSHOT_INTERVAL = env_int("SNAPSHOT_INTERVAL", 24 * 3600)
# How often the scheduler looks; a snapshot falling due before the next look is issued ahead of time.
SNAPSHOT_CHECK_EVERY = env_int("SNAPSHOT_CHECK_EVERY", 900)
CELERY_BEAT_SCHEDULE["issue-registry-snapshot"] = {
    "task": "registry.public.tasks.issue_registry_snapshot",
    "schedule": float(SNAPSHOT_CHECK_EVERY),
}

# The public REST API (registry/api): read-only and anonymous (no authentication at all, so every client is throttled
# by address), JSON by default and browsable. API_NUM_PROXIES: how many proxies in front of the site append to
# X-Forwarded-For (unset: DRF's default, which trusts the header whole).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["registry.public.api.throttling.AnonymousRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env_str("API_ANON_RATE", "120/minute")},
    "NUM_PROXIES": env_int("API_NUM_PROXIES", 0) if env_str("API_NUM_PROXIES") else None,
    "DEFAULT_PAGINATION_CLASS": "registry.public.api.pagination.RegistryPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": _("Trusted Cloud Registry API"),
    "DESCRIPTION": _(
        "The public registry of trusted cloud services, read-only and open to anyone: certified services, their "
        "providers, certificates with their public status history (and their status on any given day), and the "
        "dossiers in process. Anonymous clients are throttled; errors are JSON."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "TAGS": [
        {"name": "certificates", "description": _("Certificates in force, archived ones by number, status history.")},
        {"name": "services", "description": _("Services in the registry.")},
        {"name": "providers", "description": _("Providers of the services in the registry.")},
        {"name": "in-process", "description": _("Dossiers in evaluation or awaiting decision, listed by consent.")},
    ],
    # Documentation assets come from drf-spectacular-sidecar through the static files: no CDN at run time.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # validatorUrl: Swagger UI would otherwise send the schema to validator.swagger.io for its badge.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Fields named alike ("status", "kind") carry different choice sets: each set gets a name of its own.
    "ENUM_NAME_OVERRIDES": {
        "CertificateStatusEnum": "registry.certificates.choices.CertificateStatus",
        "LiveCertificateStatusEnum": "registry.certificates.choices.LIVE_CERTIFICATE_STATUSES",
        "ServiceStatusEnum": "registry.public.api.serializers.SERVICE_STATUSES",
        "DossierKindEnum": "registry.qualification.models.Dossier.Kind",
        "ThirdPartyKindEnum": "registry.providers.models.ThirdParty.Kind",
    },
}

# SQLite (development only) cannot enforce Subscription's unique-with-NULLs constraint; PostgreSQL does, and the
# subscription service tolerates duplicates either way.
SILENCED_SYSTEM_CHECKS = ["models.W047"]

# Redis hands a task whose worker died before acknowledging it (acks late) to another worker once this many seconds
# have passed since it was delivered. It must exceed the longest task, retry countdowns included (Redis keeps a task
# waiting for its countdown unacknowledged), or a slow task runs twice; the outbox row lock still sends its e-mail once.
# The integration tests lower it to see a killed worker's task redelivered.
CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = env_int("BROKER_VISIBILITY_TIMEOUT", 3600)
# Prepended to every broker key in Redis, so that several deployments (or test runs) can share one Redis database.
if env_str("BROKER_KEY_PREFIX"):
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = env_str("BROKER_KEY_PREFIX")

# Certificate PDFs: each status change queues its own; this draws those the queue lost (Redis down at the time).
CELERY_BEAT_SCHEDULE["render-stale-certificate-pdfs"] = {
    "task": "registry.certificates.tasks.render_stale_certificate_pdfs",
    "schedule": 900.0,
}

# Document checks (registry/qualification/services/document_checks.py), in a worker after each upload: type by content, the PDF opened and
# refused when encrypted, unreadable or active (JavaScript, launch actions, attached files, XFA), pages counted, then
# a ClamAV scan when clamd is configured: CLAMD_SOCKET (a unix socket path) or CLAMD_HOST and CLAMD_PORT. With
# neither, there is no antivirus scan and a document passing the other checks is clean. clamd's StreamMaxLength,
# MaxFileSize and MaxScanSize must exceed DOCUMENT_MAX_UPLOAD_BYTES: clamd reports a file over its limits as clean.
CLAMD_SOCKET = env_str("CLAMD_SOCKET")
CLAMD_HOST = env_str("CLAMD_HOST")
CLAMD_PORT = env_int("CLAMD_PORT", 3310)
# Seconds for each read and write on the clamd connection (clamd answers once it has scanned the whole file).
CLAMD_TIMEOUT = env_int("CLAMD_TIMEOUT", 60)
# The check task's time limits (seconds): at the soft one the document is marked failed, at the hard one the worker
# process is killed. Far above the time to check the largest upload (bench/check_document.py: a 50 MB PDF of 500 pages
# in 0.4 s, 1.3 s with clamd; of 5,000 pages in 7 s): a file that takes that long is a hostile one.
DOCUMENT_CHECK_SOFT_TIME_LIMIT = env_int("DOCUMENT_CHECK_SOFT_TIME_LIMIT", 180)
DOCUMENT_CHECK_TIME_LIMIT = env_int("DOCUMENT_CHECK_TIME_LIMIT", 240)
# Documents still pending this long after their upload (the queue lost the check, or clamd was down) are checked again
# by the periodic task, once clamd answers.
DOCUMENT_CHECK_GRACE = env_int("DOCUMENT_CHECK_GRACE", 300)
CELERY_BEAT_SCHEDULE["check-pending-documents"] = {
    "task": "registry.qualification.tasks.check_pending_documents",
    "schedule": 300.0,
}

# Reminders, daily at 07:00 (CELERY_TIMEZONE), each sent once (registry.notifications.reminders): certificate holders 90, 30
# and 7 days before expiry; reviewers of dossiers waiting in one status longer than REVIEW_REMINDER_DAYS, then again
# every REVIEW_REMINDER_DAYS.
from celery.schedules import crontab  # noqa: E402

REVIEW_REMINDER_DAYS = env_int("REVIEW_REMINDER_DAYS", 14)
CELERY_BEAT_SCHEDULE["remind-expiring-certificates"] = {
    "task": "registry.notifications.tasks.remind_expiring_certificates",
    "schedule": crontab(hour=7, minute=0),
}
CELERY_BEAT_SCHEDULE["remind-waiting-dossiers"] = {
    "task": "registry.notifications.tasks.remind_waiting_dossiers",
    "schedule": crontab(hour=7, minute=5),
}
# E-mail that still fails this many hours after its event is given up by the outbox sweep and listed under "Failed
# deliveries" in the admin; marking it resolved there hands it back to the sweep (registry.notifications.deliveries).
NOTIFICATION_GIVE_UP_HOURS = env_int("NOTIFICATION_GIVE_UP_HOURS", 24)

# Authentication hardening (registry/accounts/auth.py, registry/accounts/middleware.py). Second factors (allauth.mfa): an authenticator
# app with recovery codes, or a security key. Required of every staff member before the admin (and the portal) opens;
# providers may turn it on for themselves. TOTP secrets and recovery seeds are encrypted in the database with a key
# derived from MFA_ENCRYPTION_KEY (SECRET_KEY when unset: rotating it then means setting up every second factor again).
MFA_ADAPTER = "registry.accounts.auth.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "Trusted Cloud Registry"
MFA_ENCRYPTION_KEY = env_str("MFA_ENCRYPTION_KEY")
# Security keys need HTTPS except on localhost while developing.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# An e-mail to the account's address after each change of password, e-mail address or second factor.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Qualify, reject, suspend, withdraw and second-factor changes need a sign-in or re-authentication this recent (s).
ACCOUNT_REAUTHENTICATION_TIMEOUT = env_int("REAUTHENTICATION_TIMEOUT", 15 * 60)
# Failed sign-ins (password, and second-factor codes) counted per client address and per account; past either limit
# every attempt gets the same message, right or wrong. The per-address limit is looser: an office shares one address.
ACCOUNT_RATE_LIMITS = {"login_failed": env_str("LOGIN_FAILED_RATE", "20/10m/ip,5/15m/key")}
# The client address for those limits: REMOTE_ADDR unless TRUSTED_PROXY_COUNT proxies of ours append to
# X-Forwarded-For (the address that many entries from its end is taken; what a client wrote before is ignored), or a
# proxy of ours sets TRUSTED_CLIENT_IP_HEADER (e.g. X-Real-IP) and every request goes through it.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env_str("TRUSTED_CLIENT_IP_HEADER") or None
# Sessions (seconds): ended after this long without a request (staff, everyone else), and this long after sign-in
# whatever the activity. Signing out, or an account deactivated, ends every session of the user (allauth.usersessions).
SESSION_IDLE_TIMEOUT_STAFF = env_int("SESSION_IDLE_TIMEOUT_STAFF", 30 * 60)
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 8 * 3600)
SESSION_ABSOLUTE_LIFETIME = env_int("SESSION_ABSOLUTE_LIFETIME", 12 * 3600)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_LIFETIME

# Headers, cookies, uploads, error handling and logs (issue 6: registry/accounts/audit.py, registry/core/uploads.py,
# registry/core/logsafe.py, registry/accounts/views/errors.py).
# Content-Security-Policy (django-csp 4): scripts and styles only from our own files, never inline; nothing may frame
# the site. img-src allows data: for the icons Bootstrap and Django's admin draw in their CSS. The API documentation
# page alone also allows inline styles, which Swagger UI writes (its view's decorator, registry/public/api/urls.py); the badge
# sets a policy of its own (registry/public/views/badge.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Cookies: never readable by scripts (the forms carry their CSRF token, nothing reads the cookie), never sent
# cross-site on a POST. In production they are HTTPS-only and named __Host-…, which browsers accept only from HTTPS,
# for this host alone and the whole path: a sibling subdomain cannot plant or overwrite them.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "registry.accounts.views.errors.csrf_failure"
if not DEBUG:
    LANGUAGE_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    if env_bool("SECURE_COOKIES", True):
        SESSION_COOKIE_NAME = "__Host-sessionid"
        CSRF_COOKIE_NAME = "__Host-csrftoken"
    # HTTPS only: plain HTTP is redirected, and browsers are told to use nothing else for a year (HSTS). Behind a
    # proxy that terminates TLS, SECURE_PROXY_SSL_HEADER (above) says which requests came in over HTTPS.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# Uploads: the size limit is enforced while the request streams in (registry.core.uploads), before Django's own handlers
# keep anything; a request carries a few files at most (400 beyond). Stored files are readable by the app's user only.
FILE_UPLOAD_HANDLERS = [
    "registry.core.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("DATA_UPLOAD_MAX_NUMBER_FILES", 5)
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
# Behind nginx: the location (marked `internal`) whose root is PRIVATE_MEDIA_ROOT, e.g. "/_private/". Set, a permitted
# download is an empty response with X-Accel-Redirect to that location plus the file's storage name, and nginx sends
# the file; unset, Django streams it.
DOCUMENT_X_ACCEL_REDIRECT_PREFIX = env_str("DOCUMENT_X_ACCEL_REDIRECT_PREFIX")

# Logs: one line per record, control characters in messages escaped (a client's CR/LF cannot forge a line).
LOGGING["formatters"] = {
    "escaped": {
        "()": "registry.core.logsafe.EscapingFormatter",
        "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
    }
}
LOGGING["handlers"]["console"]["formatter"] = "escaped"

# Scale out (several web and worker processes, README "Deploying"): nothing a request needs may live in one process.
# Sessions: with Redis, read from the cache and written through to the database (cached_db) rather than kept in Redis
# alone: a Redis restart, flush or eviction then signs nobody out (a session missing from the cache is read back from
# the database). The database write happens when the session changes, at most once a minute per signed-in user
# (registry.accounts.middleware.ACTIVITY_RESOLUTION); the pure cache engine would save that write but lose every session with
# Redis. allauth.usersessions keeps its own rows in the database and ends a session through the session engine, so
# "sign out everywhere" reaches every process.
if REDIS_URL:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# /healthz (registry/core/health.py): the database, Redis and a worker heartbeat. Beat queues the heartbeat every minute and
# whichever worker runs it writes the time in Redis; one not run within its minute is dropped. So the check passes
# only while beat runs and a worker took a heartbeat off a queue less than a minute behind within the last
# HEALTHZ_WORKER_MAX_AGE seconds.
HEALTHZ_WORKER_MAX_AGE = env_int("HEALTHZ_WORKER_MAX_AGE", 180)
HEALTHZ_HEARTBEAT_KEY = env_str("BROKER_KEY_PREFIX") + "trustedcloud:worker-heartbeat"
# Seconds /healthz waits for Redis: a hung Redis must make the probe fail, not hang it.
HEALTHZ_REDIS_TIMEOUT = 1.0
CELERY_BEAT_SCHEDULE["worker-heartbeat"] = {
    "task": "registry.core.tasks.worker_heartbeat",
    "schedule": 60.0,
    # A heartbeat older than its interval says nothing: dropped rather than run late after an outage.
    "options": {"expires": 60},
}
# Expired sessions stay in the database until deleted (the cache's copies expire by themselves).
CELERY_BEAT_SCHEDULE["clear-expired-sessions"] = {
    "task": "registry.accounts.tasks.clear_expired_sessions",
    "schedule": crontab(hour=4, minute=30),
}
