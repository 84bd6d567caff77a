"""Error pages that reveal nothing, and the denied requests they answer written to the audit log.

Recorded: every 403 (PermissionDenied anywhere: portal roles, the admin, workflow refusals), every CSRF failure, and the
404s that signed-in users get in the portal and the admin. The last are the refusals convention 5 disguises: another
provider's dossier, document or organisation answers 404 so that its existence is not revealed, which makes such a 404
the failed access decision itself. A member probing other providers' references leaves one line per attempt under
their name. Anonymous 404s (crawlers, typos, scanners) and public pages are not recorded: they name nobody and would
drown the log.

Production only (DEBUG off): with DEBUG on, Django shows its own debug pages for 404 and 500 instead of these.
"""

import logging
from urllib.parse import quote

from django.db import DatabaseError
from django.http import HttpResponseNotFound
from django.template import loader
from django.urls import Resolver404
from django.views import csrf, defaults
from django.views.decorators.csrf import requires_csrf_token

from registry.accounts import audit

logger = logging.getLogger(__name__)

RECORDED_404_PREFIXES = ("/portal/", "/admin/")


def _record(action, request, **detail):
    # The answer is a refusal either way: a log that cannot be written must not turn it into a 500.
    try:
        audit.record(action, request=request, path=request.path[:500], method=request.method, **detail)
    except DatabaseError:
        logger.exception("Could not write the audit event %s", action)


@requires_csrf_token
def permission_denied(request, exception):
    _record("access.denied", request, reason=str(exception)[:500])
    return defaults.permission_denied(request, exception)


@requires_csrf_token
def page_not_found(request, exception):
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and request.path.startswith(RECORDED_404_PREFIXES):
        _record("access.not_found", request)
    # Only a message written for people is shown: not the name of Django's resolver exception nor its URL patterns.
    message = ""
    if (
        not isinstance(exception, Resolver404)
        and getattr(exception, "args", None)
        and isinstance(exception.args[0], str)
    ):
        message = exception.args[0]
    template = loader.get_template(defaults.ERROR_404_TEMPLATE_NAME)
    body = template.render({"request_path": quote(request.path), "exception": message}, request)
    return HttpResponseNotFound(body)


def csrf_failure(request, reason=""):
    _record("access.csrf_failed", request, reason=reason[:200])
    return csrf.csrf_failure(request, reason=reason)
