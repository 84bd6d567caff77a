"""Switching language: Django's own view, plus a remembered preference for signed-in users, so that their e-mails
follow (registry.accounts.preferences has the rule). On sign-in, the remembered language comes back."""

from allauth.account.signals import user_logged_in
from django.conf import settings
from django.dispatch import receiver
from django.utils import translation
from django.views import i18n
from django.views.decorators.cache import never_cache

from registry.accounts.preferences import user_language_at_sign_in, user_language_set


def _remember_in_cookie(response, language: str) -> None:
    # The cookie is what LocaleMiddleware reads (Django ≥ 4 no longer reads a language from the session).
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@never_cache
def set_language(request):
    """Routed at /i18n/setlang/ under Django's name "set_language", in front of Django's view: templates are unchanged."""
    response = i18n.set_language(request)
    language = request.POST.get(i18n.LANGUAGE_QUERY_PARAMETER, "") if request.method == "POST" else ""
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        user_language_set(user=request.user, language=language)
    return response


# Connected when the root URLconf imports this module, which Django does before it dispatches the first request,
# hence before any sign-in. allauth's signal (not Django's) is the one that hands over the response for the cookie.
@receiver(user_logged_in, dispatch_uid="registry-language-at-sign-in")
def _language_at_sign_in(sender, request, user, response=None, **kwargs):
    language = user_language_at_sign_in(user=user, request_language=translation.get_language())
    translation.activate(language)
    request.LANGUAGE_CODE = language
    if response is not None:
        _remember_in_cookie(response, language)
