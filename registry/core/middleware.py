"""Addresses with control characters are refused with the plain 400 page before any view reads them.

No address of the registry carries a control character: references, certificate numbers, slugs, tokens, days, search
words and page numbers are all printable. A probe sends them to reach places that cannot take them: PostgreSQL refuses
a NUL in a string literal (a 500 wherever a value from the address is looked up, as /verify/%00/ or the admin's
?status=%00 did), and a CR/LF copied into a Location header would split it. Checked here once, for every page,
including pages of Django's admin and allauth that the project does not write; views still encode what they put into
a Location, so this is the first defence, not the only one.

The path (decoded by the server) and the query string (decoded here) are checked for C0 characters and DEL; a form's
body is not, since a textarea sends line breaks that forms keep or refuse field by field. SuspiciousOperation makes
Django answer with handler400 (templates/400.html) and write one line to the django.security logger.
"""

import re
from urllib.parse import unquote

from django.core.exceptions import SuspiciousOperation

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


class ControlCharacterInAddress(SuspiciousOperation):
    """The request's path or query string carries a control character (logged as django.security.ControlCharacterInAddress)."""


class ControlCharacterMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if CONTROL_CHARACTERS.search(request.path_info) or CONTROL_CHARACTERS.search(
            unquote(request.META.get("QUERY_STRING", ""), errors="replace")
        ):
            raise ControlCharacterInAddress("A control character in the address was refused.")
        return self.get_response(request)
