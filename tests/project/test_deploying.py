"""Settings for several machines (README "Deploying"), read in a fresh interpreter from exactly the environment given:
the private storage in an object store when S3_BUCKET is set, sessions that every process reads; and expired
sessions deleted daily."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session

from registry.accounts import tasks as account_tasks

ROOT = Path(__file__).resolve().parents[2]
PRINT = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'storage': s.STORAGES['default'], 'session': s.SESSION_ENGINE}, default=str))"
)


def settings_under(**env):
    """(exit code, the settings printed or None, stderr) with DEBUG on and this environment."""
    names = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DOCUMENT_X_ACCEL_REDIRECT_PREFIX"}
    clean = {k: v for k, v in os.environ.items() if k not in names and not k.startswith("S3_")}
    result = subprocess.run(
        [sys.executable, "-c", PRINT],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "trustedcloud.settings", "DEBUG": "1", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    printed = json.loads(result.stdout) if result.returncode == 0 else None
    return result.returncode, printed, result.stderr


def test_without_s3_the_private_files_stay_on_local_disk():
    code, printed, stderr = settings_under(PRIVATE_MEDIA_ROOT="/srv/private")
    assert code == 0, stderr
    assert printed["storage"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": "/srv/private", "base_url": None},
    }


def test_s3_bucket_puts_the_private_files_in_the_object_store_private_and_without_urls():
    code, printed, stderr = settings_under(
        S3_BUCKET="tcr-private", S3_ENDPOINT_URL="https://s3.fr-par.example", S3_REGION="fr-par", S3_PREFIX="prod"
    )
    assert code == 0, stderr
    storage = printed["storage"]
    assert storage["BACKEND"] == "registry.core.storage.PrivateS3Storage"  # its url() refuses: tests/integration/
    assert storage["OPTIONS"] | {"max_memory_size": None} == {
        "bucket_name": "tcr-private",
        "endpoint_url": "https://s3.fr-par.example",
        "region_name": "fr-par",
        "addressing_style": None,
        "location": "prod",
        "default_acl": "private",
        "file_overwrite": False,
        "max_memory_size": None,
    }


def test_a_bucket_with_acls_disabled_gets_no_acl():
    code, printed, stderr = settings_under(S3_BUCKET="tcr-private", S3_DEFAULT_ACL="")
    assert code == 0, stderr
    assert printed["storage"]["OPTIONS"]["default_acl"] is None


def test_nginx_serving_from_disk_and_an_object_store_are_refused_together():
    code, _printed, stderr = settings_under(S3_BUCKET="tcr-private", DOCUMENT_X_ACCEL_REDIRECT_PREFIX="/_private/")
    assert code != 0
    assert "DOCUMENT_X_ACCEL_REDIRECT_PREFIX" in stderr


def test_sessions_are_cached_in_redis_and_kept_in_the_database_when_redis_is_configured():
    code, printed, stderr = settings_under(REDIS_URL="redis://127.0.0.1:6379/0")
    assert code == 0, stderr
    assert printed["session"] == "django.contrib.sessions.backends.cached_db"
    code, printed, stderr = settings_under()
    assert code == 0, stderr
    assert printed["session"] == "django.contrib.sessions.backends.db"  # one process: the database alone


@pytest.mark.django_db
def test_expired_sessions_are_deleted_daily_and_live_ones_kept():
    live = SessionStore()
    live["seen"] = 1
    live.create()
    expired = SessionStore()
    expired["seen"] = 1
    expired.set_expiry(-60)
    expired.create()

    account_tasks.clear_expired_sessions()

    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
    assert (
        django_settings.CELERY_BEAT_SCHEDULE["clear-expired-sessions"]["task"]
        == account_tasks.clear_expired_sessions.name
    )


@pytest.mark.django_db
def test_postgresql_compiles_no_query_just_in_time():
    """Compiling a query costs more than the public pages' queries take (123 ms of a 230 ms count at 100,000 services),
    and its code is not kept: the portal's connections have PostgreSQL's JIT off."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
