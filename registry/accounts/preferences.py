"""What people chose for themselves: the language of the pages and of the e-mails they receive.

The language rule for e-mail: a user gets their UserPreference.language, stored when they switch language while signed
in (or, until they ever switch, the language they first signed in with); a subscriber gets Subscription.language, the
language of the page they subscribed from. Anything else, or a code the site no longer offers, falls back to
settings.LANGUAGE_CODE.
"""

from django.conf import settings
from django.db import transaction
from django.utils import translation

from registry.accounts.models import UserPreference


def supported_language(code: str | None) -> str:
    """The site's own code for `code` ("fr" for "fr-ca"), or the default language when the site does not offer it."""
    if code:
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


def current_language() -> str:
    """The language the current request (or task) is rendered in, as one of the site's codes."""
    return supported_language(translation.get_language())


def user_language(user) -> str | None:
    """The language the user chose, or None when they never did."""
    if user is None or not user.is_authenticated:
        return None
    stored = UserPreference.objects.filter(user=user).values_list("language", flat=True).first()
    return supported_language(stored) if stored else None


def user_language_set(*, user, language: str) -> UserPreference:
    """Remember the language a signed-in user chose: their pages and their e-mails follow it."""
    with transaction.atomic():
        preference, _created = UserPreference.objects.update_or_create(
            user=user, defaults={"language": supported_language(language)}
        )
    return preference


def user_language_at_sign_in(*, user, request_language: str | None) -> str:
    """The language to show a user who just signed in: the one they chose, else the one they sign in with (stored,
    so that their e-mails are written in the language they read the site in)."""
    chosen = user_language(user)
    if chosen is not None:
        return chosen
    language = supported_language(request_language)
    with transaction.atomic():
        UserPreference.objects.get_or_create(user=user, defaults={"language": language})
    return language
