import os

from celery import Celery

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
