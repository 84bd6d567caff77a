"""Logs: one line per record on the console, for the process manager or the container runtime to collect."""

from .env import env_str

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        # Control characters in messages escaped (registry/core/logsafe.py): a client's CR/LF cannot forge a line.
        "escaped": {
            "()": "registry.core.logsafe.EscapingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "escaped"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Every query at DEBUG would drown the rest.
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
