"""The signed trusted list, served as the exact bytes that were signed, and the certificate that verifies it.

Reading never writes: lists are issued by registry.public.trusted_lists.trusted_list_issue (the task after a public
change and on schedule, and the seeding commands)."""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from registry.public.models import TrustedListIssue
from registry.public.trusted_list_key import list_signing_key
from registry.public.views.snapshot import LATEST_MAX_AGE, NUMBERED_CACHE, numbered_document

CONTENT_TYPE = "application/xml; charset=utf-8"


def _served(request, issue: TrustedListIssue, cache_control: str) -> HttpResponse:
    response = HttpResponse(issue.document.encode("utf-8"), content_type=CONTENT_TYPE)
    response["X-Trusted-List-Sequence"] = str(issue.sequence)
    return numbered_document(
        request,
        response,
        etag=f"trusted-list-{issue.sequence}",
        issued_at=issue.issued_at,
        cache_control=cache_control,
    )


@require_safe
def latest(request):
    issue = TrustedListIssue.objects.order_by("-sequence").first()
    if issue is None:
        # 503, not 404: the address is right and answers once the task has issued the first list.
        response = HttpResponse(
            _("The first trusted list has not been issued yet. Try again later."),
            content_type="text/plain; charset=utf-8",
            status=503,
        )
        response["Retry-After"] = str(settings.SNAPSHOT_CHECK_EVERY)
        response["Cache-Control"] = "no-store"
        return response
    return _served(request, issue, f"public, max-age={LATEST_MAX_AGE}")


@require_safe
def numbered(request, sequence: int):
    issue = TrustedListIssue.objects.filter(sequence=sequence).first()
    if issue is None:
        raise Http404(_("There is no trusted list number %(sequence)s.") % {"sequence": sequence})
    return _served(request, issue, NUMBERED_CACHE)


@require_safe
def signing_certificate(request):
    """The certificate signing from now on (it changes with a rotation; each issue also carries its own)."""
    response = HttpResponse(list_signing_key().certificate_pem, content_type="application/x-pem-file")
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response
