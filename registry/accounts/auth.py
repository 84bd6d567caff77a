"""Authentication policy on top of django-allauth: who needs a second factor, what counts as verified in this session,
recent authentication before sensitive moves, the MFA secrets encrypted at rest, and the sessions ended at logout and
deactivation.

allauth keeps a log of the authentications done in a session (password, mfa, each with its time); the checks here read
that log, so they agree with what allauth itself did at sign-in and re-authentication.
"""

import base64
import hashlib
import logging
import time

from allauth.account.authentication import get_authentication_records
from allauth.core import context
from allauth.core.exceptions import ReauthenticationRequired
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from registry.accounts import audit
from registry.accounts.forms import CODE, RegistryLabels

logger = logging.getLogger(__name__)

# Second factors that count: an authenticator app or a security key. Recovery codes stand in for them when lost and
# are recorded by allauth under the same "mfa" method.
PRIMARY_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)

# Session keys of ours (allauth's own start with "account_" or "mfa").
LOGIN_AT = "tcr_login_at"
SEEN_AT = "tcr_seen_at"
POLICY = "tcr_mfa_required"
POLICY_RECHECK = 300


def provider_requires_mfa(provider) -> bool:
    """Whether the organisation's owners require a second factor of every member (off until an owner turns it on)."""
    return provider.require_mfa


def user_requires_mfa(user) -> bool:
    """Agency staff always; a provider member when one of their organisations requires it."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    from registry.providers.models import Provider

    return any(provider_requires_mfa(p) for p in Provider.objects.filter(memberships__user=user))


# The session's key saying its user evaluates for a centre (set at sign-in and when an invitation is accepted).
EVALUATES = "evaluates"


def evaluator_requires_mfa(user) -> bool:
    """An evaluator of an evaluation centre (active or not), in the centre's space: always, as agency staff."""
    from registry.evaluation.models import Evaluator

    return user.is_authenticated and Evaluator.objects.filter(user_id=user.pk).exists()


def session_requires_mfa(request) -> bool:
    """user_requires_mfa for the signed-in user, read again at most every POLICY_RECHECK seconds: an organisation
    turning the requirement on reaches its members' open sessions within minutes, without a query on every page."""
    if request.user.is_staff:
        return True
    now = time.time()
    required, checked_at = request.session.get(POLICY, (False, 0))
    if now - checked_at > POLICY_RECHECK:
        required = user_requires_mfa(request.user)
        request.session[POLICY] = (required, now)
    return required


def has_second_factor(user) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type__in=PRIMARY_FACTORS).exists()


def mfa_verified(request) -> bool:
    """A second factor was verified in this session: at sign-in, at re-authentication or when it was set up."""
    return any(r.get("method") == "mfa" for r in get_authentication_records(request, request.user))


def recently_authenticated(request) -> bool:
    """The user proved who they are (sign-in or re-authentication) less than ACCOUNT_REAUTHENTICATION_TIMEOUT ago."""
    records = get_authentication_records(request, request.user)
    if not records:
        return False
    latest = max(r.get("at", 0) for r in records)
    return time.time() - latest < settings.ACCOUNT_REAUTHENTICATION_TIMEOUT


def require_recent_authentication(request) -> None:
    """Before a sensitive move: without a recent authentication, allauth's middleware sends the user to re-authenticate
    and then replays the request (a POST included)."""
    if not recently_authenticated(request):
        raise ReauthenticationRequired()


def _fernet() -> Fernet:
    # MFA_ENCRYPTION_KEY, or SECRET_KEY when it is not set (rotating that key then needs every user's MFA set up again).
    secret = settings.MFA_ENCRYPTION_KEY or settings.SECRET_KEY
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"tcr-mfa:{secret}".encode()).digest()))


class UnreadableSecret(Exception):
    """A second-factor secret the configured key cannot decrypt: it was encrypted under another MFA_ENCRYPTION_KEY, or
    under SECRET_KEY standing in for it before SECRET_KEY was rotated. No code can be checked against it any more."""


UNREADABLE_SECRET = _(
    "Your second factor cannot be checked: the registry can no longer read the secret it keeps for it. Your code is "
    "not at fault. Ask the agency's administrator to reset your second factor; you will then set it up again when you "
    "next sign in."
)


class MFAAdapter(DefaultMFAAdapter):
    """Encrypts TOTP secrets and recovery-code seeds in the database; refuses to remove the last second factor of
    someone who must have one."""

    def encrypt(self, text: str) -> str:
        return _fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        try:
            return _fernet().decrypt(encrypted_text.encode()).decode()
        except InvalidToken as exc:
            raise UnreadableSecret() from exc

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type not in PRIMARY_FACTORS or not user_requires_mfa(authenticator.user):
            return True
        others = Authenticator.objects.filter(user_id=authenticator.user_id, type__in=PRIMARY_FACTORS)
        return others.exclude(pk=authenticator.pk).exists()


UNREADABLE_SECRET_PAGE = _(
    "Your second factor cannot be managed here: the registry can no longer read the secret it keeps for it. Ask the "
    "agency's administrator to reset your second factor; you will then set it up again when you next sign in."
)

# What each kind of second factor keeps encrypted in Authenticator.data (a security key keeps only its public key).
_ENCRYPTED_ITEMS = {
    Authenticator.Type.TOTP: ("secret",),
    Authenticator.Type.RECOVERY_CODES: ("seed", "migrated_codes"),
}


def unreadable_second_factors(user) -> list[str]:
    """The kinds of the user's second factors whose stored secret the configured key cannot decrypt (sorted)."""
    from allauth.mfa.utils import decrypt

    found = set()
    for authenticator in Authenticator.objects.filter(user_id=user.pk, type__in=list(_ENCRYPTED_ITEMS)):
        for key in _ENCRYPTED_ITEMS[authenticator.type]:
            value = authenticator.data.get(key)
            try:
                for encrypted in value if isinstance(value, list) else [value] if value else []:
                    decrypt(encrypted)
            except UnreadableSecret:
                found.add(authenticator.type)
    return sorted(found)


def record_unreadable_secret(user, request, **detail) -> None:
    """One audit line and one error-log line each time someone is refused because their secret cannot be read."""
    audit.record("mfa.unreadable", actor=user, request=request, **detail)
    logger.error(
        "The second-factor secret of user %s cannot be decrypted: MFA_ENCRYPTION_KEY (or SECRET_KEY, when it is "
        "unset) is not the key it was encrypted with. The user was refused and told to ask for a reset.",
        user.pk,
    )


class _RefusesUnreadableSecrets:
    """The second-factor step (at sign-in and at re-authentication) when the secret cannot be decrypted: the person is
    told what happened and whom to ask, the audit log and the error log say it, and nobody gets a 500. The refusal is
    recorded here, after allauth's check returned: a recovery code's check runs in a transaction of its own, which a
    record made inside it would roll back with."""

    def clean_code(self) -> str:
        try:
            return super().clean_code()
        except UnreadableSecret:
            record_unreadable_secret(self.user, context.request)
            raise ValidationError(UNREADABLE_SECRET, code="unreadable_secret") from None


class AuthenticateForm(RegistryLabels, _RefusesUnreadableSecrets, mfa_forms.AuthenticateForm):
    """allauth's second-factor step at sign-in (MFA_FORMS), with the registry's label."""

    labels = {"code": CODE}


class ReauthenticateForm(RegistryLabels, _RefusesUnreadableSecrets, mfa_forms.ReauthenticateForm):
    """allauth's second-factor step at re-authentication (MFA_FORMS), with the registry's label."""

    labels = {"code": CODE}


def second_factors_reset(*, user, by) -> int:
    """An administrator removes every second factor of a person (authenticator app, recovery codes, security keys),
    for instance after their secret became unreadable or their phone was lost. The person then sets one up again at
    their next sign-in, as the agency's staff and the members of organisations that require it must. Returns how many
    were removed; one audit line names both people."""
    with transaction.atomic():
        found = list(Authenticator.objects.select_for_update().filter(user_id=user.pk).values_list("type", flat=True))
        Authenticator.objects.filter(user_id=user.pk).delete()
        audit.record("mfa.reset_by_administrator", actor=by, obj=user, types=sorted(found))
    return len(found)


@receiver(authenticator_added)
def _setting_up_a_factor_verifies_it(sender, request, user, authenticator, **kwargs):
    # Adding an authenticator app or a key means entering its code or touching it: the second factor is proven for
    # this session, and a staff member who has just set it up goes on to the workspace without a second prompt.
    if authenticator.type in PRIMARY_FACTORS:
        from allauth.account.internal.flows.login import record_authentication

        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type, enrolled=True)


@receiver(user_logged_in)
def _start_session_clock(sender, request, user, **kwargs):
    now = time.time()
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now
    request.session[POLICY] = (user_requires_mfa(user), now)
    # Read once here, not on every page: the navigation leads an evaluator to the centre's space, not the portal.
    request.session[EVALUATES] = evaluator_requires_mfa(user)


def end_all_sessions(user) -> None:
    """End every session allauth tracks for the user, on any device."""
    from allauth.usersessions.adapter import get_adapter
    from allauth.usersessions.models import UserSession

    get_adapter().end_sessions(list(UserSession.objects.filter(user_id=user.pk)))


@receiver(user_logged_out)
def _logout_ends_every_session(sender, request, user, **kwargs):
    # Signing out ends the user's sessions everywhere; a session that expired (registry.accounts.middleware sets
    # request.session_expired) ends alone, and Django's logout deletes it from the store right after this.
    if user is None:
        return
    if getattr(request, "session_expired", False):
        from allauth.usersessions.models import UserSession

        UserSession.objects.filter(session_key=request.session.session_key).delete()
    else:
        end_all_sessions(user)


@receiver(post_save, sender=get_user_model())
def _deactivation_ends_every_session(sender, instance, **kwargs):
    if not instance.is_active:
        end_all_sessions(instance)
