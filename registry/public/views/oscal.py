"""A scheme's requirements as an OSCAL catalog (registry.public.oscal), for relying parties' compliance tools."""

import datetime

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from registry.catalogue.models import Scheme
from registry.public import oscal
from registry.public.cache import current_generation


@require_safe
def oscal_catalog(request, code: str):
    """Any scheme by its code, the one open to applications or an earlier one that certificates still name."""
    try:
        scheme = get_object_or_404(Scheme, code=code)
    except Http404:
        raise Http404(_("No scheme has the code %(code)s.") % {"code": code}) from None
    # The registry's last public change (an edit of a scheme is one): the catalog's last-modified.
    changed = datetime.datetime.fromtimestamp(current_generation() / 1_000_000, tz=datetime.UTC)
    response = JsonResponse(oscal.catalog(scheme, changed), json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Access-Control-Allow-Origin"] = "*"
    return response
