"""Session lifetime and the second factor, checked on every request of a signed-in user."""

import time
from urllib.parse import urlencode

from allauth.account.adapter import get_adapter as get_account_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from registry.accounts import auth

# Last activity is written at most once a minute: one session write a minute, not one per request.
ACTIVITY_RESOLUTION = 60


class SessionLifetimeMiddleware:
    """Ends a session idle too long (SESSION_IDLE_TIMEOUT_STAFF for staff, SESSION_IDLE_TIMEOUT for others) or older
    than SESSION_ABSOLUTE_LIFETIME since sign-in, whatever its activity. Only that session ends."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request):
        session = request.session
        now = time.time()
        # A session signed in before this check existed starts its clock now.
        login_at = session.setdefault(auth.LOGIN_AT, now)
        seen_at = session.get(auth.SEEN_AT, now)
        idle = settings.SESSION_IDLE_TIMEOUT_STAFF if request.user.is_staff else settings.SESSION_IDLE_TIMEOUT
        if now - login_at > settings.SESSION_ABSOLUTE_LIFETIME or now - seen_at > idle:
            request.session_expired = True
            logout(request)
            messages.info(request, _("Your session has expired. Please sign in again."))
            return
        if now - seen_at >= ACTIVITY_RESOLUTION or auth.SEEN_AT not in session:
            session[auth.SEEN_AT] = now


class MFARequiredMiddleware:
    """The agency's workspace (and the portal, which shows the agency every dossier) only after a second factor was
    verified in this session; the portal too for members of an organisation that requires it; the evaluation centres'
    space for every evaluator. Without a second factor
    set up, the user is sent to set one up; with one, to verify it."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._protected = None

    def protected_prefixes(self):
        if self._protected is None:
            self._protected = (reverse("admin:index"), reverse("portal:home"), reverse("centre:home"))
        return self._protected

    def _requires_mfa(self, request) -> bool:
        # The centre's space is the agency's evaluation work seen from outside: an evaluator verifies a second factor
        # there as agency staff do in the admin, whatever the session's policy for the portal says.
        if request.path.startswith(reverse("centre:home")) and auth.evaluator_requires_mfa(request.user):
            return True
        return auth.session_requires_mfa(request)

    def __call__(self, request):
        if request.user.is_authenticated and request.path.startswith(self.protected_prefixes()):
            response = self._check(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _check(self, request):
        if auth.mfa_verified(request) or not self._requires_mfa(request):
            return None
        if not auth.has_second_factor(request.user):
            messages.warning(
                request,
                _(
                    "Two-factor authentication is required for your account. Set up an authenticator app or a "
                    "security key to continue."
                ),
            )
            return redirect("mfa_index")
        # allauth's verification page for the factor the user has: the app's code (or a recovery code), or the key.
        methods = get_account_adapter(request).get_reauthentication_methods(request.user)
        url = next(m["url"] for m in methods if m["id"].startswith("mfa_reauthenticate"))
        return redirect(f"{url}?{urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})}")


# allauth's pages that sign someone in or confirm who they are: their forms give the refusal themselves
# (registry.accounts.auth.AuthenticateForm, ReauthenticateForm), and a security key that works must keep working there.
_MFA_CHECKS = {
    "mfa_authenticate",
    "mfa_reauthenticate",
    "mfa_reauthenticate_webauthn",
    "mfa_login_webauthn",
    "mfa_signup_webauthn",
    "mfa_trust",
}


class UnreadableSecondFactorMiddleware:
    """allauth's pages that manage second factors (the overview, recovery codes shown, downloaded or generated, the
    authenticator app set up or removed, security keys) for someone whose stored secret the configured key cannot
    decrypt (MFA_ENCRYPTION_KEY changed): instead of a 500, or of a change made on top of a factor that no longer
    works, the same refusal every time, saying to ask an administrator for a reset (the agency's second-factor page,
    registry/agency/second_factors.py), with an audit line. Any other MFA page that meets such a secret gets it too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        name = match.url_name if match else None
        if not (name and name.startswith("mfa_") and name not in _MFA_CHECKS and request.user.is_authenticated):
            return None
        kinds = auth.unreadable_second_factors(request.user)
        return _refusal(request, kinds) if kinds else None

    def process_exception(self, request, exception):
        if not isinstance(exception, auth.UnreadableSecret):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return _refusal(request, auth.unreadable_second_factors(user))


def _refusal(request, kinds):
    match = request.resolver_match
    auth.record_unreadable_secret(request.user, request, page=match.url_name if match else "", kinds=kinds)
    # 409: the account's state (a secret no key here can read) stops the page, until an administrator resets it.
    return render(request, "mfa/unreadable_secret.html", {"message": auth.UNREADABLE_SECRET_PAGE}, status=409)
