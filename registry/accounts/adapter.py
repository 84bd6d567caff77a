"""allauth's account adapter, for three things: its e-mails (through the registry's outbox, every link built from
SITE_URL, never from the request's Host); the client's address (the one registry/core/client_address.py gives, so
that sign-in limits, the sessions list and the audit log agree) and the limits on failed sign-ins.

Failed passwords are limited per account and per address-and-account, never per address alone: behind an office's or
a mobile operator's shared address, one person's wrong guesses must not refuse a colleague's right password. What an
address alone gets is a slowdown: past SIGNIN_ADDRESS_RATE failures (on any accounts), each of its attempts waits,
longer each time, before the password is checked. README "Security" gives the reasoning against ASVS V2.2.1.

Every limit is consumed before the password is checked and given back when it was right (allauth's own scheme): a
burst of parallel guesses cannot slip past a count made only after each failure.
"""

import math
import time
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from registry.accounts import emails
from registry.accounts.auth import evaluator_requires_mfa
from registry.accounts.permissions import actor_for
from registry.core.client_address import client_ip, limit_key
from registry.notifications import outbox

# The first wait of a slowed address (seconds); each further failure doubles it, up to SIGNIN_SLOWDOWN_MAX.
FIRST_WAIT = 0.25
_APP = "registry.accounts"


def _rate(spec: str) -> ratelimit.Rate:
    """'20/1h' (amount/duration, allauth's notation) as a Rate."""
    return ratelimit.parse_rate(f"{spec}/key")


def _address_window_keys(address: str, now: float) -> tuple[str, str]:
    window = int(_rate(settings.SIGNIN_ADDRESS_RATE).duration)
    current = int(now // window)
    return f"tcr:signin:address:{address}:{current}", f"tcr:signin:address:{address}:{current - 1}"


def address_failures(address: str) -> int:
    """Failed sign-ins from the address in the last one to two windows of SIGNIN_ADDRESS_RATE (two fixed windows
    rather than a sliding one: a slowdown need not be exact, and a counter costs one increment)."""
    current, previous = _address_window_keys(address, time.time())
    counts = cache.get_many([current, previous])
    return sum(counts.values())


def record_address_failure(address: str) -> None:
    current, _ = _address_window_keys(address, time.time())
    window = int(_rate(settings.SIGNIN_ADDRESS_RATE).duration)
    cache.add(current, 0, timeout=2 * window)
    try:
        cache.incr(current)
    except ValueError:  # expired between add and incr: this failure starts the count again
        cache.set(current, 1, timeout=2 * window)


def address_wait(address: str) -> float:
    """How long an attempt from the address waits (seconds): nothing up to SIGNIN_ADDRESS_RATE failures, then
    FIRST_WAIT doubled for each failure past it, capped at SIGNIN_SLOWDOWN_MAX."""
    past = address_failures(address) - _rate(settings.SIGNIN_ADDRESS_RATE).amount
    if past < 0:
        return 0.0
    return min(settings.SIGNIN_SLOWDOWN_MAX, FIRST_WAIT * math.pow(2, min(past, 16)))


def on_site(url: str) -> str:
    """The URL with SITE_URL's scheme, host and port: allauth builds links from the request's Host, which Django checks
    against ALLOWED_HOSTS without its port, so a sender of a forged Host could point a reset link at their port."""
    parts, site = urlsplit(url), urlsplit(settings.SITE_URL)
    return urlunsplit((site.scheme, site.netloc, site.path.rstrip("/") + parts.path, parts.query, parts.fragment))


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request) -> str:
        """Where a sign-in without a `next` lands: the agency's people on their workspace (its home of queues), the
        evaluation centres' people on their centre's space, the providers' people on the portal (LOGIN_REDIRECT_URL)."""
        user = request.user
        if user.is_authenticated and user.is_staff and (user.is_superuser or actor_for(user).groups):
            return reverse("admin:index")
        if user.is_authenticated and evaluator_requires_mfa(user):  # an evaluator: their centre's space
            return reverse("centre:home")
        return super().get_login_redirect_url(request)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Every account e-mail (confirmation, password reset, security notices) is written to the outbox and sent after
        the commit, like the registry's own: a mail server down never fails the request. It is the registry's own
        message (registry/accounts/emails.py), in the recipient's language, its links on SITE_URL."""
        values = {"email": email, **context, "start_url": settings.SITE_URL + reverse("registry:apply")}
        values = {
            name: on_site(value) if isinstance(value, str) and value.startswith(("http://", "https://")) else value
            for name, value in values.items()
        }
        language = emails.recipient_language(email, context.get("user"))
        message = emails.message_for(template_prefix)
        if message is not None:
            subject, body, html = emails.render(message, email, values, language)
            headers = {}
        else:  # a kind this portal does not enable (sign-in codes, phones): allauth's own words, our links
            site = SimpleNamespace(domain=urlsplit(settings.SITE_URL).netloc, name=gettext("Trusted Cloud Registry"))
            with translation.override(language):
                stock = self.render_mail(template_prefix, email, {**values, "current_site": site})
            subject, body, headers = stock.subject, stock.body, dict(stock.extra_headers)
            html = next(
                (content for content, mimetype in getattr(stock, "alternatives", []) if mimetype == "text/html"), ""
            )
        outbox.send_on_commit(
            outbox.new_key("account"),
            [
                outbox.Email(
                    to=[email],
                    subject=subject,
                    body=body,
                    html=html,
                    headers=headers,
                    language=language,
                    kind=template_prefix,
                )
            ],
        )

    def send_notification_mail(self, template_prefix: str, user, context=None, email=None) -> None:
        """allauth's notices of a change to an account (password, address, second factor) name the account, so that
        the notice is written in its owner's language even when it goes to an address the account no longer has."""
        super().send_notification_mail(template_prefix, user, {"user": user, **(context or {})}, email)

    def get_reset_password_from_key_url(self, key: str) -> str:
        return on_site(super().get_reset_password_from_key_url(key))

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return on_site(super().get_email_confirmation_url(request, emailconfirmation))

    def get_client_ip(self, request) -> str:
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("No client address.")
        return ip

    def _limited_keys(self, request, **credentials) -> list[tuple[str, str]]:
        """(rate, key) of each refusing limit: the account from anywhere, the account from this address."""
        account = self._get_login_attempts_cache_key(request, **credentials)
        address = limit_key(self.get_client_ip(request))
        return [
            (settings.SIGNIN_ACCOUNT_RATE, account),
            (settings.SIGNIN_ADDRESS_ACCOUNT_RATE, f"{address}|{account}"),
        ]

    def pre_authenticate(self, request, **credentials) -> None:
        """Before the password is checked: wait if the address is slowed, then take one attempt from each limit of
        the account (given back by allauth's authenticate when the password was right); refuse past either."""
        wait = address_wait(limit_key(self.get_client_ip(request)))
        if wait:
            time.sleep(wait)
        usage = ratelimit.RateLimitUsage(usage=[])
        for spec, key in self._limited_keys(request, **credentials):
            taken = ratelimit.consume(
                request, app=_APP, action="signin_failed", config={"signin_failed": f"{spec}/key"}, key=key
            )
            if not taken:
                usage.rollback()
                raise self.validation_error("too_many_login_attempts")
            usage.usage.extend(taken.usage)
        self._login_failed_rl_usage = usage

    def authentication_failed(self, request, **credentials) -> None:
        record_address_failure(limit_key(self.get_client_ip(request)))

    def _delete_login_attempts_cached_email(self, request, **credentials) -> None:
        """After a password reset (itself rate-limited, through the mailbox): the account starts afresh, from
        anywhere and from this address."""
        for spec, key in self._limited_keys(request, **credentials):
            ratelimit.clear(request, app=_APP, action="signin_failed", config={"signin_failed": f"{spec}/key"}, key=key)
