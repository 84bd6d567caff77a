"""Logs: one line per record on the console, for the process manager or the container runtime to collect.

LOG_FORMAT picks the line: "text" (the default) for people reading a terminal, "json" for a log collector (one JSON
object per line: time in ISO 8601 UTC, level, logger, message, a request's method, path, status and X-Request-ID, the
exception's text). Celery's workers and beat use this same LOGGING (trustedcloud/celery.py).
"""

from django.core.exceptions import ImproperlyConfigured

from .env import env_str

LOG_FORMAT = env_str("LOG_FORMAT", "text").strip().lower() or "text"
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        # Control characters in messages escaped (registry/core/logsafe.py): a client's CR/LF cannot forge a line.
        "text": {
            "()": "registry.core.logsafe.EscapingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        # The same guarantee from the JSON encoding: every control character is a \u escape inside its string.
        "json": {"()": "registry.core.logsafe.JsonLineFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's defaults give these handlers of their own: with DEBUG on, every django.* record printed a second
        # time, unescaped, and runserver's requests in a format of their own. Here they reach the root's alone.
        "django": {"handlers": []},
        "django.server": {"handlers": [], "propagate": True},
        # Every query at DEBUG would drown the rest.
        "django.db.backends": {"level": "WARNING"},
    },
}
