"""Django's deployment checks pass, warnings included, with the settings production gets (what `make check-deploy`
runs in CI), and they do fail when a protection is turned off or a key production needs is missing, so passing them
means something."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = {
    "SNAPSHOT_SIGNING_KEY": "trustedcloud.E001",
    "MFA_ENCRYPTION_KEY": "trustedcloud.E002",
    "REDIS_URL": "trustedcloud.E003",
    "TRUSTED_LIST_SIGNING_KEY": "trustedcloud.E005",
}


def check_deploy(_command=("check", "--deploy", "--fail-level", "WARNING"), **env):
    """`manage.py check --deploy` (or _command) in a fresh interpreter with production's settings, changed by env
    (None: unset)."""
    names = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "API_NUM_PROXIES", "TRUSTED_CLIENT_IP_HEADER", *OURS}
    clean = {k: v for k, v in os.environ.items() if k not in names}
    production = {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "registry.example",
        "SNAPSHOT_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "TRUSTED_LIST_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "MFA_ENCRYPTION_KEY": secrets.token_urlsafe(64),
        # Never reached: the checks read the settings and connect to nothing.
        "REDIS_URL": "redis://redis.invalid:6379/0",
        # Behind one load balancer, as README "Deploying" has it.
        "TRUSTED_PROXY_COUNT": "1",
    }
    given = {**clean, **production, **env}
    result = subprocess.run(
        [sys.executable, "manage.py", *_command],
        cwd=ROOT,
        env={name: value for name, value in given.items() if value is not None},
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


@pytest.mark.parametrize("missing", OURS)
def test_the_deployment_checks_refuse_production_without_each_key_it_needs(missing):
    code, output = check_deploy(**{missing: None})
    assert code != 0
    assert f"?: ({OURS[missing]}) {missing} is not set" in output
    assert f"HINT: Set {missing}" in output
    assert [error for name, error in OURS.items() if name != missing and error in output] == []


def test_the_deployment_checks_refuse_a_signing_key_they_cannot_read():
    code, output = check_deploy(SNAPSHOT_SIGNING_KEY=base64.b64encode(b"too short").decode())
    assert code != 0
    assert "(trustedcloud.E004) SNAPSHOT_SIGNING_KEY must decode to 32 bytes, not 9." in output


def test_the_deployment_checks_refuse_a_trusted_list_key_they_cannot_read():
    code, output = check_deploy(TRUSTED_LIST_SIGNING_KEY=base64.b64encode(b"too short").decode())
    assert code != 0
    assert "(trustedcloud.E006) TRUSTED_LIST_SIGNING_KEY must decode to 32 bytes, not 9." in output


@pytest.mark.parametrize("missing", ["SNAPSHOT_SIGNING_KEY", "MFA_ENCRYPTION_KEY", "TRUSTED_LIST_SIGNING_KEY"])
def test_production_refuses_to_migrate_without_either_key(missing):
    """Not only `check --deploy`: the release's `migrate` (and `runserver`) stop at a missing key, before any data is
    written with a stand-in (the commands check before connecting to the database)."""
    code, output = check_deploy(**{missing: None}, _command=["migrate", "--check", "--database", "default"])
    assert code != 0
    assert f"({OURS[missing]}) {missing} is not set" in output


def test_development_needs_none_of_the_production_keys():
    code, output = check_deploy(DEBUG="1", **dict.fromkeys(OURS))
    assert "trustedcloud.E" not in output, output
    assert "security.W018" in output  # the deployment checks did run, and said DEBUG is on


def test_behind_the_tls_proxy_an_undeclared_client_address_is_warned_about():
    """Production trusts the proxy's X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER); with no proxy count and no client
    header either, every client would be the proxy's address for the sign-in limits and the API's throttle."""
    code, output = check_deploy(TRUSTED_PROXY_COUNT=None)
    assert code != 0
    assert (
        "(trustedcloud.W001) SECURE_PROXY_SSL_HEADER trusts a proxy's X-Forwarded-Proto, but TRUSTED_PROXY_COUNT is 0"
        in output
    )
    assert "HINT: Set TRUSTED_PROXY_COUNT" in output
    assert check_deploy(TRUSTED_PROXY_COUNT="0")[1].count("trustedcloud.W001") == 1


@pytest.mark.parametrize(
    "declared", [{"TRUSTED_PROXY_COUNT": "2"}, {"TRUSTED_PROXY_COUNT": None, "TRUSTED_CLIENT_IP_HEADER": "X-Real-IP"}]
)
def test_a_proxy_count_or_a_client_header_satisfies_it(declared):
    code, output = check_deploy(**declared)
    assert code == 0, output
    assert "trustedcloud.W001" not in output


def test_development_trusts_no_proxy_header_and_is_not_warned():
    code, output = check_deploy(DEBUG="1", TRUSTED_PROXY_COUNT=None)
    assert "trustedcloud.W001" not in output, output
