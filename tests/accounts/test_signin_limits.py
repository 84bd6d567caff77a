"""The client's address and the limits that read it: one setting (TRUSTED_PROXY_COUNT) for the sign-in limits, the
audit log and the API throttle; by default no forwarded header is trusted. Failed sign-ins are refused per account and
per address-and-account, and an address alone is only slowed: one person's failures behind a shared address never
refuse a colleague's right password and second factor (README "Security", ASVS V2.2.1)."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from registry.accounts.adapter import address_wait
from registry.accounts.models import AuditEvent
from registry.core.client_address import client_ip
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]
GENERIC_FAILURE = "The email address and/or password you specified are not correct."
THROTTLED = "Too many failed login attempts. Try again later."
OFFICE = "203.0.113.9"  # one address shared by a whole office (or a mobile operator's NAT)


def totp_code(secret=f.TOTP_SECRET):
    period = 30
    if period - time.time() % period < 2:
        time.sleep(2)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def sign_in(client, who, password=f.PASSWORD, **headers):
    email = getattr(who, "email", who)
    return client.post(reverse("account_login"), {"login": email, "password": password}, **headers)


@pytest.fixture
def victim(db):
    """A reviewer with an authenticator app: a password and a code to sign in."""
    u = f.user(email="victim@agency.test", groups=["Reviewers"])
    EmailAddress.objects.create(user=u, email=u.email, verified=True, primary=True)
    f.totp_authenticator(u)
    return u


@pytest.fixture
def quick_slowdown(settings):
    # The slowdown's waits, kept short so that the suite stays fast; its growth is tested on its own below.
    settings.SIGNIN_SLOWDOWN_MAX = 0.05


def signed_in_with_second_factor(client, who, **headers) -> bool:
    first = sign_in(client, who, **headers)
    if first.status_code != 302 or first["Location"] != reverse("mfa_authenticate"):
        return False
    second = client.post(reverse("mfa_authenticate"), {"code": totp_code()}, **headers)
    return second.status_code == 302 and client.get(reverse("admin:index"), **headers).status_code == 200


# The one reading of the client's address.


def test_no_forwarded_header_is_trusted_by_default(rf):
    assert django_settings.TRUSTED_PROXY_COUNT == 0
    assert django_settings.TRUSTED_CLIENT_IP_HEADER is None
    assert django_settings.REST_FRAMEWORK["NUM_PROXIES"] == 0
    assert client_ip(rf.get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="6.6.6.6")) == "192.0.2.1"


@pytest.mark.parametrize(
    ("proxies", "expected"),
    [(0, "10.0.0.2"), (1, "198.51.100.2"), (2, "203.0.113.50"), (3, "6.6.6.6"), (4, "10.0.0.2")],
)
def test_behind_n_proxies_the_address_is_the_one_the_first_of_them_appended(rf, settings, proxies, expected):
    # The client wrote 6.6.6.6; the first of our proxies saw 203.0.113.50, the second saw the first (198.51.100.2).
    # Three proxies declared: the client's own entry is taken (the header is read as configured); four: the request
    # has fewer entries than proxies, it came around them, and the peer's address is all that is known.
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.50, 198.51.100.2")
    assert client_ip(request) == expected


def test_a_header_that_is_no_address_falls_back_to_the_peer(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="<script>")) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 0
    settings.TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="192.0.2.44")) == "192.0.2.44"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="nonsense")) == "10.0.0.2"


# Sign-in: per account, per address-and-account; an address alone is slowed, never refused.


def test_a_spoofed_forwarded_header_does_not_give_new_attempts_by_default(client, victim):
    for i in range(5):
        failed = sign_in(client, victim, password="wrong-password-123", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
        assert GENERIC_FAILURE in failed.text
    assert THROTTLED in sign_in(client, victim, HTTP_X_FORWARDED_FOR="198.51.100.99").text


def test_an_attackers_failures_from_an_address_do_not_lock_out_a_victim_behind_it(victim, quick_slowdown):
    attacker = Client(REMOTE_ADDR=OFFICE)
    for i in range(30):  # well past the address's 20: spraying guesses at other accounts
        assert GENERIC_FAILURE in sign_in(attacker, f"guess{i}@agency.test").text
    # The victim, behind the same address, with the right password and the right code, gets in.
    assert signed_in_with_second_factor(Client(REMOTE_ADDR=OFFICE), victim)
    event = AuditEvent.objects.get(action="login", actor=victim)
    assert event.ip == OFFICE


def test_an_attackers_failures_on_the_victims_account_from_one_address_leave_other_addresses_open(victim):
    attacker = Client(REMOTE_ADDR="198.51.100.66")
    for _ in range(5):
        assert GENERIC_FAILURE in sign_in(attacker, victim, password="wrong-password-123").text
    assert THROTTLED in sign_in(attacker, victim).text  # that address, that account: refused, even the right password
    assert signed_in_with_second_factor(Client(REMOTE_ADDR=OFFICE), victim)


def test_behind_a_trusted_proxy_the_limit_of_address_and_account_counts_the_address_it_appended(settings, victim):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    attacker = Client(**proxy)
    for i in range(5):
        # Whatever the attacker writes first, our proxy appends the address it saw: 192.0.2.7.
        sign_in(attacker, victim, password="wrong-password-123", HTTP_X_FORWARDED_FOR=f"10.9.9.{i}, 192.0.2.7")
    assert THROTTLED in sign_in(attacker, victim, HTTP_X_FORWARDED_FOR="10.9.9.9, 192.0.2.7").text
    assert signed_in_with_second_factor(Client(**proxy), victim, HTTP_X_FORWARDED_FOR="192.0.2.8")
    assert AuditEvent.objects.get(action="login", actor=victim).ip == "192.0.2.8"
    failures = AuditEvent.objects.filter(action="login.failed", actor_label=victim.email)
    assert set(failures.values_list("ip", flat=True)) == {"192.0.2.7"}


def test_the_per_account_limit_holds_whatever_the_addresses(victim):
    # 50 failures an hour on one account, from 50 addresses: the next attempt is refused from anywhere, right or wrong.
    assert django_settings.SIGNIN_ACCOUNT_RATE == "50/1h"
    for i in range(50):
        failed = sign_in(Client(REMOTE_ADDR=f"198.51.100.{i}"), victim, password="wrong-password-123")
        assert GENERIC_FAILURE in failed.text
    refused = Client(REMOTE_ADDR="192.0.2.200")
    assert THROTTLED in sign_in(refused, victim).text
    assert "_auth_user_id" not in refused.session


def test_a_right_password_gives_its_attempt_back(client, victim):
    for _ in range(4):
        sign_in(client, victim, password="wrong-password-123")
    for _ in range(3):
        assert sign_in(Client(), victim)["Location"] == reverse("mfa_authenticate")
    assert GENERIC_FAILURE in sign_in(client, victim, password="wrong-password-123").text  # the fifth failure
    assert THROTTLED in sign_in(client, victim).text


def test_wrong_second_factor_codes_are_limited_per_account(victim):
    browser = Client(REMOTE_ADDR=OFFICE)
    assert sign_in(browser, victim)["Location"] == reverse("mfa_authenticate")
    wrong = "000000" if totp_code() != "000000" else "111111"
    for _ in range(5):
        assert "Incorrect code." in browser.post(reverse("mfa_authenticate"), {"code": wrong}).text
    refused = browser.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert THROTTLED in refused.text
    assert browser.get(reverse("admin:index")).status_code == 302


def test_failures_from_an_address_slow_its_attempts_down_with_a_growing_wait(settings, victim):
    settings.SIGNIN_ADDRESS_RATE = "3/10m"
    settings.SIGNIN_SLOWDOWN_MAX = 0.6
    attacker = Client(REMOTE_ADDR=OFFICE)
    waits = []
    for i in range(6):
        waits.append(address_wait(OFFICE))
        sign_in(attacker, f"guess{i}@agency.test")
    assert waits == [0, 0, 0, 0.25, 0.5, 0.6]  # nothing for 3 failures, then doubling, up to the cap
    started = time.monotonic()
    assert sign_in(Client(REMOTE_ADDR=OFFICE), victim)["Location"] == reverse("mfa_authenticate")  # slowed, let in
    assert time.monotonic() - started >= 0.6
    assert address_wait("192.0.2.1") == 0  # another address: nothing to wait
    cache.clear()
    assert address_wait(OFFICE) == 0


def test_an_ipv6_client_counts_as_its_network(victim):
    # A client gets a /64 from its provider: a new address in it is no new allowance.
    for i in range(5):
        sign_in(Client(REMOTE_ADDR=f"2001:db8:1:2::{i + 1}"), victim, password="wrong-password-123")
    assert THROTTLED in sign_in(Client(REMOTE_ADDR="2001:db8:1:2::ffff"), victim).text
    assert sign_in(Client(REMOTE_ADDR="2001:db8:1:3::1"), victim)["Location"] == reverse("mfa_authenticate")


# The API throttle reads the same address.


@pytest.fixture
def three_a_minute(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/minute"}}


def test_the_api_throttle_ignores_a_forged_forwarded_header_by_default(client, three_a_minute, db):
    answers = [
        client.get("/api/v1/certificates/", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code for i in range(6)
    ]
    assert answers == [200, 200, 200, 429, 429, 429]


def test_the_api_throttle_counts_the_address_our_proxies_appended(client, settings, three_a_minute, db):
    settings.TRUSTED_PROXY_COUNT = 2
    behind = {"REMOTE_ADDR": "10.0.0.1"}
    answers = [
        # The client writes anything first; our two proxies append 192.0.2.7 and then 10.0.0.3.
        client.get("/api/v1/certificates/", HTTP_X_FORWARDED_FOR=f"6.6.6.{i}, 192.0.2.7, 10.0.0.3", **behind)
        for i in range(4)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    other = client.get("/api/v1/certificates/", HTTP_X_FORWARDED_FOR="192.0.2.8, 10.0.0.3", **behind)
    assert other.status_code == 200


# The setting's older names.


def settings_in_a_fresh_process(env: dict) -> subprocess.CompletedProcess:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.TRUSTED_PROXY_COUNT, s.REST_FRAMEWORK['NUM_PROXIES'], s.ALLAUTH_TRUSTED_PROXY_COUNT]))"
    )
    names = {"TRUSTED_PROXY_COUNT", "API_NUM_PROXIES", "LOGIN_FAILED_RATE"}
    return subprocess.run(
        [sys.executable, "-W", "default", "-c", code],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k not in names}
        | {"DJANGO_SETTINGS_MODULE": "trustedcloud.settings", "SECRET_KEY": "x" * 50, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_old_api_num_proxies_still_counts_with_a_warning():
    result = settings_in_a_fresh_process({"API_NUM_PROXIES": "1"})
    assert json.loads(result.stdout) == [1, 1, 1]
    assert "API_NUM_PROXIES is deprecated: rename it TRUSTED_PROXY_COUNT" in result.stderr


def test_two_different_proxy_counts_stop_the_start():
    result = settings_in_a_fresh_process({"API_NUM_PROXIES": "1", "TRUSTED_PROXY_COUNT": "2"})
    assert result.returncode != 0
    assert "API_NUM_PROXIES and TRUSTED_PROXY_COUNT differ" in result.stderr
    same = settings_in_a_fresh_process({"API_NUM_PROXIES": "2", "TRUSTED_PROXY_COUNT": "2"})
    assert json.loads(same.stdout) == [2, 2, 2]


def test_the_old_sign_in_rate_is_refused_by_name():
    result = settings_in_a_fresh_process({"LOGIN_FAILED_RATE": "20/10m/ip,5/15m/key"})
    assert result.returncode != 0
    assert "LOGIN_FAILED_RATE is gone" in result.stderr
