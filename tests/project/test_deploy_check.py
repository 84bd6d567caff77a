"""Django's deployment checks pass, warnings included, with the settings production gets (what `make check-deploy`
runs in CI), and they do fail when a protection is turned off, so passing them means something."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def check_deploy(**env):
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"}}
    production = {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "registry.example",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**clean, **production, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.returncode, result.stdout + result.stderr


def test_the_deployment_checks_find_nothing_in_production():
    code, output = check_deploy()
    assert code == 0, output
    assert "no issues" in output


def test_the_deployment_checks_notice_a_protection_turned_off():
    code, output = check_deploy(SECURE_HSTS_SECONDS="0", SECURE_COOKIES="0")
    assert code != 0
    assert "security.W004" in output and "security.W012" in output
