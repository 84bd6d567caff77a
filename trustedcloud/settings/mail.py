"""Outgoing e-mail (EMAIL_URL) and the notifications' timing (registry/notifications)."""

from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

from .env import env_int, env_str

_CONSOLE = "django.core.mail.backends.console.EmailBackend"
_LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def email_settings(url: str) -> dict:
    """Decode EMAIL_URL: smtp://user:pass@host:587?tls=1, smtps://…, console://, locmem://, or empty (console).

    Every EMAIL_* setting the URL governs, Django's defaults for those a printing or in-memory backend ignores.
    """
    parsed = urlparse(url or "console://")
    if parsed.scheme not in {"console", "locmem", "smtp", "smtps"}:
        raise ImproperlyConfigured(f"EMAIL_URL scheme must be smtp, smtps, console or locmem, not {parsed.scheme!r}.")
    if parsed.scheme in {"console", "locmem"}:
        return {
            "EMAIL_BACKEND": _LOCMEM if parsed.scheme == "locmem" else _CONSOLE,
            "EMAIL_HOST": "localhost",
            "EMAIL_PORT": 25,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_USE_SSL": False,
            "EMAIL_USE_TLS": False,
            "EMAIL_TIMEOUT": None,
        }
    query = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parsed.hostname or "localhost",
        "EMAIL_PORT": parsed.port or (465 if parsed.scheme == "smtps" else 25),
        "EMAIL_HOST_USER": unquote(parsed.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
        "EMAIL_USE_SSL": parsed.scheme == "smtps",
        "EMAIL_USE_TLS": query.get("tls", "0") in {"1", "true", "yes"},
        # A mail server that stops answering must not hold a worker (or, with inline tasks, a request) for ever.
        "EMAIL_TIMEOUT": 10,
    }


_email = email_settings(env_str("EMAIL_URL"))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_TIMEOUT = _email["EMAIL_TIMEOUT"]
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Trusted Cloud Registry <registry@trusted-cloud.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# E-mail that still fails this many hours after its event is given up by the outbox sweep and listed under "Failed
# deliveries" in the admin; marking it resolved there hands it back to the sweep (registry.notifications.deliveries).
NOTIFICATION_GIVE_UP_HOURS = env_int("NOTIFICATION_GIVE_UP_HOURS", 24)
# Reviewers are reminded of a dossier waiting in one status longer than this many days, then again every as many
# (registry.notifications.reminders; the daily run is in settings/celery.py).
REVIEW_REMINDER_DAYS = env_int("REVIEW_REMINDER_DAYS", 14)
# A dossier in evaluation longer than this many days is overdue on the workspace's home: the evaluation centre's
# report is late (registry.qualification.selectors.overdue).
EVALUATION_TARGET_DAYS = env_int("EVALUATION_TARGET_DAYS", 90)
