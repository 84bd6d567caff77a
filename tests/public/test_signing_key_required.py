"""Without SNAPSHOT_SIGNING_KEY, production signs nothing: at run time too, not only in the deployment checks (gunicorn
and Celery start without running them). A development key is made only where SNAPSHOT_DEVELOPMENT_KEY allows it,
which is DEBUG's value unless set."""

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from registry.public import signing
from registry.public import tasks as public_tasks
from registry.public.models import PublishedKey, RegistrySnapshot
from tests import factories as f

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _no_configured_key(settings):
    settings.SNAPSHOT_SIGNING_KEY = ""
    signing._development_key.cache_clear()  # a key read by an earlier test is not this one's storage's
    yield
    signing._development_key.cache_clear()


@pytest.fixture
def live(db):
    service = f.service()
    f.eu_sites(service)
    return f.certificate(service)


def test_without_a_key_and_without_development_keys_the_snapshot_task_fails_loudly(
    settings, private_storage, live, caplog
):
    settings.SNAPSHOT_DEVELOPMENT_KEY = False

    with caplog.at_level(logging.ERROR):
        result = public_tasks.issue_registry_snapshot.apply()

    assert result.failed()
    assert isinstance(result.result, ImproperlyConfigured)
    assert "SNAPSHOT_SIGNING_KEY is not set" in str(result.result)
    assert any(
        record.levelno == logging.ERROR and "SNAPSHOT_SIGNING_KEY is not set" in record.getMessage()
        for record in caplog.records
    )
    # Nothing signed, nothing published, and no key generated beside the evidence files.
    assert not RegistrySnapshot.objects.exists() and not PublishedKey.objects.exists()
    assert not (private_storage / signing.DEVELOPMENT_KEY_NAME).exists()


def test_without_a_key_the_public_key_is_not_served_either(settings, private_storage):
    settings.SNAPSHOT_DEVELOPMENT_KEY = False
    client = Client(raise_request_exception=False)

    assert client.get(reverse("registry:signing-key")).status_code == 500
    assert not (private_storage / signing.DEVELOPMENT_KEY_NAME).exists()


def test_where_development_keys_are_allowed_one_is_made_in_private_storage_and_signs(settings, private_storage, live):
    settings.SNAPSHOT_DEVELOPMENT_KEY = True

    result = public_tasks.issue_registry_snapshot.apply()

    assert result.successful() and result.result == 1
    assert (private_storage / signing.DEVELOPMENT_KEY_NAME).exists()
    assert RegistrySnapshot.objects.get().key_id == signing.signing_key().fingerprint


PROCESS = textwrap.dedent(
    """
    import django
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    django.setup()
    from registry.public import signing

    try:
        signing.signing_key()
    except ImproperlyConfigured:
        print(settings.SNAPSHOT_DEVELOPMENT_KEY, "refused")
    else:
        print(settings.SNAPSHOT_DEVELOPMENT_KEY, "signed")
    """
)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DEBUG": "0"}, "False refused"),
        ({"DEBUG": "1"}, "True signed"),
        ({"DEBUG": "0", "SNAPSHOT_DEVELOPMENT_KEY": "1"}, "True signed"),
        ({"DEBUG": "1", "SNAPSHOT_DEVELOPMENT_KEY": "0"}, "False refused"),
    ],
)
def test_development_keys_follow_debug_unless_told_otherwise(tmp_path, env, expected):
    """A process started as production starts it (DEBUG off, no key) refuses; the explicit setting wins over DEBUG."""
    clean = {k: v for k, v in os.environ.items() if k not in {"SNAPSHOT_SIGNING_KEY", "SNAPSHOT_DEVELOPMENT_KEY"}}
    result = subprocess.run(
        [sys.executable, "-c", PROCESS],
        cwd=ROOT,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "trustedcloud.settings",
            "SECRET_KEY": "x" * 50,
            "PRIVATE_MEDIA_ROOT": str(tmp_path),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == expected, result.stderr
    assert (tmp_path / signing.DEVELOPMENT_KEY_NAME).exists() == expected.endswith("signed")
