"""The project's wiring: settings from the environment, migrations in step with the models, Celery's timeouts."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from trustedcloud.settings.mail import email_settings

ROOT = Path(__file__).resolve().parents[2]


def run_settings(**env):
    """Import the settings in a fresh interpreter with exactly this environment; return (exit code, stderr)."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"}}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "trustedcloud.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.returncode, result.stderr


def test_it_refuses_to_start_in_production_without_a_secret_key():
    code, stderr = run_settings(DEBUG="0")
    assert code != 0
    assert "SECRET_KEY is not set" in stderr


def test_it_starts_in_production_with_a_secret_key():
    code, stderr = run_settings(DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="registry.example")
    assert code == 0, stderr


def test_a_malformed_boolean_is_named_in_the_error():
    code, stderr = run_settings(DEBUG="maybe")
    assert code != 0
    assert "DEBUG must be a boolean" in stderr


def test_no_model_change_is_missing_a_migration(db):
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(f"A migration is missing:\n{out.getvalue()}")


def test_the_agency_groups_exist_after_migrations(db):
    from django.contrib.auth.models import Group

    names = set(Group.objects.values_list("name", flat=True))
    assert {"Reviewers", "Qualification committee", "Registry administrators"} <= names
    reviewers = Group.objects.get(name="Reviewers")
    assert reviewers.permissions.filter(codename="view_dossier").exists()
    assert not reviewers.permissions.filter(codename="change_scheme").exists()


@pytest.mark.parametrize(
    "url, expected",
    [
        ("", {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}),
        ("locmem://", {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}),
        (
            "smtp://mailer:s%40cret@smtp.example:587?tls=1",
            {
                "EMAIL_HOST": "smtp.example",
                "EMAIL_PORT": 587,
                "EMAIL_HOST_USER": "mailer",
                "EMAIL_HOST_PASSWORD": "s@cret",
                "EMAIL_USE_TLS": True,
            },
        ),
        ("smtps://smtp.example", {"EMAIL_PORT": 465, "EMAIL_USE_SSL": True}),
    ],
)
def test_email_url_is_decoded(url, expected):
    assert expected.items() <= email_settings(url).items()


def test_an_unknown_email_scheme_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL scheme"):
        email_settings("ftp://example")


def test_a_hung_broker_cannot_hang_a_request():
    from trustedcloud.celery import app

    assert app.conf.broker_connection_timeout <= 3
    assert app.conf.broker_transport_options["socket_timeout"] <= 3
    assert app.conf.broker_transport_options["socket_connect_timeout"] <= 3
    assert app.conf.task_publish_retry is False


def test_tasks_run_on_redis_when_it_is_configured_and_inline_otherwise():
    if os.environ.get("REDIS_URL"):
        assert settings.CELERY_BROKER_URL.startswith("redis://")
        assert settings.CELERY_TASK_ALWAYS_EAGER is False
    else:
        assert settings.CELERY_TASK_ALWAYS_EAGER is True
