"""A scheme's requirements as an OSCAL catalog (registry.public.oscal), for relying parties' compliance tools."""

from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from registry.catalogue.models import Scheme
from registry.public import oscal
from registry.public.cache import last_public_change


@require_safe
def oscal_catalog(request, code: str):
    """Any scheme by its code, the one open to applications or an earlier one that certificates still name."""
    scheme = Scheme.objects.filter(code=code).first()
    if scheme is None:
        raise Http404(_("No scheme has the code %(code)s.") % {"code": code})
    # The registry's last public change (an edit of a scheme is one): the catalog's last-modified.
    response = JsonResponse(
        oscal.catalog(scheme, last_public_change()), json_dumps_params={"ensure_ascii": False, "indent": 1}
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response
