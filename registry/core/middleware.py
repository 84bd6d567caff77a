"""Addresses with control characters are refused with the plain 400 page before any view reads them.

No address of the registry carries a control character: references, certificate numbers, slugs, tokens, days, search
words and page numbers are all printable. A probe sends them to reach places that cannot take them: PostgreSQL refuses
a NUL in a string literal (a 500 wherever a value from the address is looked up, as /verify/%00/ or the admin's
?status=%00 did), and a CR/LF copied into a Location header would split it. Checked here once, for every page,
including pages of Django's admin and allauth that the project does not write; views still encode what they put into
a Location, so this is the first defence, not the only one.

The path (decoded by the server) and the query string (decoded here) are checked for C0 characters and DEL; a form's
body is not, since a textarea sends line breaks that forms keep or refuse field by field. SuspiciousOperation makes
Django answer with handler400 (templates/400.html) and write one line to the django.security logger. Under /api/ the
answer is JSON instead, shaped as every other error of the API ({"detail": "..."}, as Django REST framework writes
them), since API clients parse what they get; the same line goes to the same logger.
"""

import logging
import re
from urllib.parse import unquote

from django.core.exceptions import SuspiciousOperation
from django.http import JsonResponse
from django.utils.translation import gettext, gettext_noop

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
# Where the public API lives (trustedcloud/urls.py): its clients read JSON, not the site's HTML pages.
API_PREFIX = "/api/"
REFUSED = "A control character in the address was refused."
# What an API client reads, in the request's language (percent-encoded or not, the character is refused).
API_REFUSAL = gettext_noop(
    "The address holds a control character (such as NUL, a tab or a line break), which no address of this API accepts."
)


class ControlCharacterInAddress(SuspiciousOperation):
    """The request's path or query string carries a control character (logged as django.security.ControlCharacterInAddress)."""


class ControlCharacterMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if CONTROL_CHARACTERS.search(request.path_info) or CONTROL_CHARACTERS.search(
            unquote(request.META.get("QUERY_STRING", ""), errors="replace")
        ):
            if request.path_info.startswith(API_PREFIX):
                return _api_refusal(request)
            raise ControlCharacterInAddress(REFUSED)
        return self.get_response(request)


def _api_refusal(request) -> JsonResponse:
    # The line Django writes for a SuspiciousOperation it answers itself (django.core.handlers.exception).
    logging.getLogger(f"django.security.{ControlCharacterInAddress.__name__}").error(
        REFUSED, extra={"status_code": 400, "request": request}
    )
    return JsonResponse({"detail": gettext(API_REFUSAL)}, status=400)
