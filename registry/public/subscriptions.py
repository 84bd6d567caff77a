"""Following the registry by e-mail: double opt-in, confirmation, unsubscription, and who hears of a certificate's change.

The answer to a request never depends on whether the address already follows the target (an address book must not be
readable through the form), and the e-mails a request triggers are rate-limited per address and target, so that the
form cannot be used to bomb someone's mailbox.
"""

import datetime
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from registry.accounts.preferences import current_language, supported_language
from registry.certificates import rules
from registry.certificates.choices import CertificateStatus
from registry.notifications import outbox
from registry.notifications.outbox import Email
from registry.providers.models import Provider, Service
from registry.public.models import Subscription
from registry.public.selectors import listed_in_process

Scope = Subscription.Scope

# A confirmation link is valid this long; unconfirmed requests older than that are refused, then purged.
CONFIRMATION_VALIDITY = datetime.timedelta(days=7)
# At most one e-mail per address and target in this many seconds, whatever the number of requests.
RESEND_INTERVAL = 5 * 60
# And at most this many e-mails an hour to one address, whatever the targets (following 50 services in a row).
MAX_MAILS_PER_ADDRESS_PER_HOUR = 10

# What a subscriber is told happened, in the words of registry.certificates.rules.change_of() (as the feed).
CHANGE_LABELS = {
    rules.QUALIFIED: _("Qualified"),
    rules.REINSTATED: _("Reinstated"),
    CertificateStatus.SUSPENDED: _("Suspended"),
    CertificateStatus.WITHDRAWN: _("Withdrawn"),
    CertificateStatus.EXPIRED: _("Expired"),
    CertificateStatus.SUPERSEDED: _("Superseded"),
}


class SubscriptionExpired(Exception):
    """The confirmation link is older than CONFIRMATION_VALIDITY."""


# --- Links. ---


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def service_url(service) -> str:
    try:
        path = reverse("registry:service", args=[service.slug])
    except NoReverseMatch:
        path = f"/registry/{service.slug}/"
    return absolute(path)


def confirm_url(subscription) -> str:
    return absolute(reverse("registry:subscription-confirm", args=[subscription.token]))


def unsubscribe_url(subscription) -> str:
    return absolute(reverse("registry:subscription-unsubscribe", args=[subscription.token]))


def unsubscribe_headers(subscription) -> dict[str, str]:
    """RFC 2369 and RFC 8058: mail clients show an "Unsubscribe" button that POSTs to the link, no page, no cookie."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(subscription)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }


# --- Targets. ---


def followable_services():
    """Services the public can see, hence follow: those that hold or held a certificate, or are listed in process."""
    certified = Service.objects.filter(certificates__isnull=False).values("pk")
    listed = listed_in_process().values("service_id")
    return Service.objects.filter(Q(pk__in=certified) | Q(pk__in=listed))


def followable_providers():
    return Provider.objects.filter(pk__in=followable_services().values("provider_id"))


def resolve_target(scope: str, slug: str = ""):
    """(provider, service) for a scope and a slug from a form; LookupError when there is nothing public to follow."""
    if scope == Scope.REGISTRY:
        return None, None
    if scope == Scope.PROVIDER:
        provider = followable_providers().filter(slug=slug).first() if slug else None
        if provider is None:
            raise LookupError(slug)
        return provider, None
    if scope == Scope.SERVICE:
        service = followable_services().filter(slug=slug).select_related("provider").first() if slug else None
        if service is None:
            raise LookupError(slug)
        return None, service
    raise LookupError(scope)


def target_label(scope: str, provider=None, service=None) -> str:
    if scope == Scope.SERVICE:
        return _("%(service)s (%(provider)s)") % {"service": service.name, "provider": service.provider.legal_name}
    if scope == Scope.PROVIDER:
        return provider.legal_name
    return str(_("the whole registry"))


def subscription_target_label(subscription) -> str:
    return target_label(subscription.scope, subscription.provider, subscription.service)


def is_expired(subscription, now=None) -> bool:
    if subscription.confirmed_at is not None:
        return False
    return subscription.created_at < (now or timezone.now()) - CONFIRMATION_VALIDITY


def confirmation_expires_at(subscription):
    return subscription.created_at + CONFIRMATION_VALIDITY


# --- Writes. ---


def _cache_key(*parts) -> str:
    # Addresses never appear in cache keys (a shared Redis is not a mailing list).
    return "subscription-mail:" + hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


def _may_mail(email: str, scope: str, provider, service) -> bool:
    """True at most once per RESEND_INTERVAL per address and target, and MAX_MAILS_PER_ADDRESS_PER_HOUR per address."""
    target = _cache_key("target", email, scope, getattr(provider, "pk", ""), getattr(service, "pk", ""))
    if not cache.add(target, 1, RESEND_INTERVAL):
        return False
    address = _cache_key("address", email)
    cache.add(address, 0, 3600)
    try:
        count = cache.incr(address)
    except ValueError:  # the counter expired between add and incr
        count = 1
    return count <= MAX_MAILS_PER_ADDRESS_PER_HOUR


def _find(email, scope, provider, service):
    # filter().first(), not get(): SQLite ignores nulls_distinct=False, so two whole-registry rows could exist there.
    return (
        Subscription.objects.select_for_update()
        .filter(email=email, scope=scope, provider=provider, service=service)
        .order_by("pk")
        .first()
    )


def subscription_request(*, email: str, scope: str, provider=None, service=None) -> None:
    """Someone asks to follow a target. Returns nothing on purpose: the caller must answer the same in every case.

    A new or pending request gets a confirmation link (a pending one whose link expired gets a fresh validity);
    an address that already follows the target is told so, with its unsubscribe link. Either way one e-mail at most,
    and none when the rate limit says the address was mailed about this target a moment ago.
    """
    email = email.strip().lower()
    with transaction.atomic():
        subscription = _find(email, scope, provider, service)
        if subscription is None:
            try:
                with transaction.atomic():
                    # The e-mails it brings are written in the language of the page the request came from.
                    subscription = Subscription.objects.create(
                        email=email, scope=scope, provider=provider, service=service, language=current_language()
                    )
            except IntegrityError:  # the same request, a moment earlier, from another process
                subscription = _find(email, scope, provider, service)
        if not _may_mail(email, scope, provider, service):
            return
        if subscription.confirmed_at is None:
            # The validity runs from the latest link sent: a request on day 6 gets a link that lasts 7 days.
            subscription.created_at = timezone.now()
            Subscription.objects.filter(pk=subscription.pk).update(created_at=subscription.created_at)
        _send_request_answer(subscription)


def _send_request_answer(subscription) -> None:
    """Written to the outbox in the request's transaction, sent after its commit: the visitor's answer never depends
    on the mail server, and a message the server refused goes out later, not never."""
    kind = "confirm" if subscription.confirmed_at is None else "already"
    with translation.override(supported_language(subscription.language)):
        context = {
            "subscription": subscription,
            "target": subscription_target_label(subscription),
            "confirm_url": confirm_url(subscription),
            "unsubscribe_url": unsubscribe_url(subscription),
            "expires_at": confirmation_expires_at(subscription),
            "site_url": settings.SITE_URL,
        }
        email = Email(
            to=[subscription.email],
            subject=render_to_string(f"emails/subscription_{kind}_subject.txt", context).strip(),
            body=render_to_string(f"emails/subscription_{kind}.txt", context),
            headers=unsubscribe_headers(subscription) if kind == "already" else {"Auto-Submitted": "auto-generated"},
            language=supported_language(subscription.language),
            kind=f"subscription_{kind}",
        )
    outbox.send_on_commit(outbox.new_key(f"subscription:{subscription.pk}"), [email])


def subscription_confirm(*, subscription) -> Subscription:
    """Confirm a pending subscription (idempotent). Raises SubscriptionExpired when its link is too old."""
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if locked.confirmed_at is not None:
            return locked
        if is_expired(locked):
            raise SubscriptionExpired
        locked.confirmed_at = timezone.now()
        locked.save(update_fields=["confirmed_at"])
        return locked


def subscription_cancel(*, token: str, everything: bool = False) -> int:
    """Remove the subscription of this token (and, with `everything`, every other one of its address).

    Idempotent: an unknown token removes nothing. Returns how many subscriptions were removed.
    """
    with transaction.atomic():
        subscription = Subscription.objects.filter(token=token).first()
        if subscription is None:
            return 0
        doomed = (
            Subscription.objects.filter(email=subscription.email)
            if everything
            else Subscription.objects.filter(pk=subscription.pk)
        )
        removed, _by_model = doomed.delete()
        return removed


def subscriptions_purge_unconfirmed(now=None) -> int:
    """Delete the requests nobody confirmed in time (for the periodic task). Returns how many were deleted."""
    cutoff = (now or timezone.now()) - CONFIRMATION_VALIDITY
    removed, _by_model = Subscription.objects.filter(confirmed_at__isnull=True, created_at__lt=cutoff).delete()
    return removed


# --- Who hears of a certificate's change. ---

# When an address follows several targets that cover one event, its e-mail names the broadest: unsubscribing from
# it is what stops the most mail (a registry-wide follower who also follows one service wants the flood to stop).
_BREADTH = {Scope.REGISTRY: 0, Scope.PROVIDER: 1, Scope.SERVICE: 2}


def subscribers_of(service) -> list[Subscription]:
    """The confirmed subscriptions told of a change on this service's certificates: one per address, sorted by address."""
    covering = (
        Subscription.objects.filter(confirmed_at__isnull=False)
        .filter(
            Q(scope=Scope.REGISTRY)
            | Q(scope=Scope.PROVIDER, provider_id=service.provider_id)
            | Q(scope=Scope.SERVICE, service_id=service.pk)
        )
        .select_related("provider", "service__provider")
    )
    chosen = {}
    for subscription in sorted(covering, key=lambda s: (s.email.lower(), _BREADTH[s.scope], s.pk)):
        chosen.setdefault(subscription.email.lower(), subscription)
    return [chosen[address] for address in sorted(chosen)]
