"""What the browser tests share: Debian's Chromium started without network chatter, the database marks a live server
needs, and a signed-in visitor's session cookie."""

import shutil

import pytest
from django.conf import settings
from django.test import Client

from tests import factories as f

CHROMIUM = "/usr/bin/chromium"
# No sandbox (containers), no GPU, and none of Chromium's own traffic: the tests run without internet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT = 20_000

MARKS = [
    pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="needs Debian's Chromium at /usr/bin/chromium"),
    # serialized_rollback: the flush at the end of a transactional test empties the agency groups; this restores them.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def session_cookie(user, url, *, mfa=False):
    """A session of `user` (signed in with the second factor when `mfa`), as a cookie for the browser at `url`."""
    client = Client()
    if mfa:
        f.login_with_mfa(client, user)
    else:
        client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": url,
    }
