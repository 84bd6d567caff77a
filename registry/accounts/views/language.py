"""Switching language: a plain link (GET) on every page, Django's own POST for other clients, and a remembered preference
for signed-in users, so that their e-mails follow (registry.accounts.preferences has the rule). On sign-in, the remembered
language comes back."""

from allauth.account.signals import user_logged_in
from django.conf import settings
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
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
    """Routed at /i18n/setlang/ under Django's name "set_language": /i18n/setlang/?language=fr&next=/registry/.

    Why a GET may change a language. The switch is a link so that public pages carry no form, hence no CSRF token, and a
    page cache (ours or a reverse proxy's) can hand the same bytes to everyone. What a third party can do with such a
    link is switch a visitor's language, which the visitor switches back with one click: no data, no money, no access
    is at stake. For a signed-in user the choice is also remembered, so that their e-mails follow; the session cookie is
    SameSite=Lax, so only a link the user follows themselves (a top-level navigation) can do that, not an image or a
    script embedded elsewhere. `next` is followed only on this host; any other address, or none, leads to "/".

    A POST (Django's form, other clients) goes to Django's own view, CSRF-checked by the middleware as before.
    """
    if request.method == "POST":
        response = i18n.set_language(request)
        language = request.POST.get(i18n.LANGUAGE_QUERY_PARAMETER, "")
    else:
        language = request.GET.get(i18n.LANGUAGE_QUERY_PARAMETER, "")
        response = HttpResponseRedirect(_safe_next(request, request.GET.get("next", "")))
        if language in dict(settings.LANGUAGES):
            _remember_in_cookie(response, language)
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        user_language_set(user=request.user, language=language)
    return response


def _safe_next(request, next_url: str) -> str:
    """The page to go back to: `next` when it is on this host (a path, or this host's own address), else the home."""
    safe = url_has_allowed_host_and_scheme(
        url=next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return next_url if next_url and safe else "/"


# Connected when the root URLconf imports this module, which Django does before it dispatches the first request,
# hence before any sign-in. allauth's signal (not Django's) is the one that hands over the response for the cookie.
@receiver(user_logged_in, dispatch_uid="registry-language-at-sign-in")
def _language_at_sign_in(sender, request, user, response=None, **kwargs):
    language = user_language_at_sign_in(user=user, request_language=translation.get_language())
    translation.activate(language)
    request.LANGUAGE_CODE = language
    if response is not None:
        _remember_in_cookie(response, language)
