import logging.config
import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustedcloud.settings")

app = Celery("trustedcloud")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each bounded context keeps its tasks in its own tasks module (registry/<context>/tasks.py).
app.autodiscover_tasks(
    [
        f"registry.{context}"
        for context in ("core", "accounts", "qualification", "certificates", "public", "notifications")
    ]
)


@signals.setup_logging.connect
def log_as_the_web_processes_do(**kwargs):
    """Workers and beat write the lines settings.LOGGING describes (LOG_FORMAT, LOG_LEVEL, control characters escaped)
    rather than Celery's own: a receiver of this signal makes Celery leave logging alone, its root logger included
    (worker_hijack_root_logger then has nothing to take over). The --loglevel option is therefore not read; LOG_LEVEL is.
    """
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
