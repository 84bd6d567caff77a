"""The Django project itself: debug mode and the secret key, hosts, applications, middleware, templates, languages."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    if key := env_str("SECRET_KEY"):
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment, or DEBUG=1 for local development."
        )
    # Development only: DEBUG is on, so this key never protects a production session.
    return "insecure-development-key-do-not-use-in-production"


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The base of the links in e-mails, which are written outside any request.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Demo and benchmark seeding (seed_demo, seed_bench, demo_code): development and benchmark machines only, so that
# production has no command that fills the registry with invented data.
_devtools = ["registry.devtools"] if DEBUG or env_bool("DEVTOOLS", False) else []

INSTALLED_APPS = [
    # Django's admin with the agency's own site (registry/agency/site.py): the workspace's home, no navigation sidebar.
    "registry.agency.apps.AgencyAdminConfig",
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
    # The project's own deployment checks (trustedcloud/checks.py), registered when the apps are ready.
    "trustedcloud",
    *_devtools,
]

MIDDLEWARE = [
    # /healthz answers before anything else: load balancers probe by address over plain HTTP, which the host check
    # and the HTTPS redirect below would refuse; a probe needs no session, cache or CSP (registry/core/health.py).
    "registry.core.health.HealthCheckMiddleware",
    # Times each request down to its view and back, for /metrics (registry/metrics.py).
    "registry.metrics.RequestLatencyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (settings/security.py); the client's address for the audit log.
    "csp.middleware.CSPMiddleware",
    "registry.accounts.audit.AuditContextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous visitors' public pages from the cache (registry/public/cache.py): as high as it can be, below the
    # headers every response carries and the static files; everything below is skipped on a hit (it picks the
    # language itself, as LocaleMiddleware does).
    "registry.public.cache.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # A control character in the path or the query string (NUL, CR/LF...) gets the plain 400 page, in the visitor's
    # language, before any redirect or view reads the address (registry/core/middleware.py).
    "registry.core.middleware.ControlCharacterMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After authentication and messages: end expired sessions, then keep staff out of /admin/ without a second factor.
    "registry.accounts.middleware.SessionLifetimeMiddleware",
    "registry.accounts.middleware.MFARequiredMiddleware",
    # allauth's second-factor pages for someone whose stored secret cannot be decrypted: a refusal, never a 500.
    "registry.accounts.middleware.UnreadableSecondFactorMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "trustedcloud.urls"
WSGI_APPLICATION = "trustedcloud.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
            # <time datetime="{{ moment|iso }}"> everywhere, without a {% load %} (registry/templatetags/html_time.py).
            "builtins": ["registry.templatetags.html_time"],
        },
    },
]
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates in the reader's language: our English formats (day first, 24-hour clock); French uses Django's own.
FORMAT_MODULE_PATH = ["trustedcloud.formats"]
# The agency's name in every page's header (registry/core/context_processors.py); unset: a translated description.
AGENCY_NAME = env_str("AGENCY_NAME")
# Where people write to the agency (account pages, e-mails, the start page before sign-up): a mailbox someone reads.
AGENCY_CONTACT_EMAIL = env_str("AGENCY_CONTACT_EMAIL", "contact@trusted-cloud.example")
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# SQLite (development only) cannot enforce Subscription's unique-with-NULLs constraint; PostgreSQL does, and the
# subscription service tolerates duplicates either way.
SILENCED_SYSTEM_CHECKS = ["models.W047"]
