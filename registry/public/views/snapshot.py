"""The signed snapshots, their signatures and the public key, served as the exact bytes that were signed."""

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from registry.public import signing
from registry.public.models import RegistrySnapshot
from registry.public.snapshots import snapshot_issue

# The latest changes with the registry; a numbered one never does.
LATEST_MAX_AGE = 60
NUMBERED_CACHE = "public, max-age=31536000, immutable"


def _latest() -> RegistrySnapshot:
    snapshot = RegistrySnapshot.objects.order_by("-sequence").first()
    if snapshot is None:
        # A fresh installation: the first snapshot is issued on the first request instead of 404 until the scheduler.
        snapshot = snapshot_issue() or RegistrySnapshot.objects.order_by("-sequence").first()
    return snapshot


def _numbered(sequence: int) -> RegistrySnapshot:
    snapshot = RegistrySnapshot.objects.filter(sequence=sequence).first()
    if snapshot is None:
        raise Http404(_("There is no registry snapshot number %(sequence)s.") % {"sequence": sequence})
    return snapshot


def _public(response: HttpResponse, snapshot: RegistrySnapshot, cache_control: str) -> HttpResponse:
    response["Cache-Control"] = cache_control
    response["Access-Control-Allow-Origin"] = "*"
    # Fetching snapshot.json and its .sig in two requests may straddle a new issue: this names the pair to fetch.
    response["X-Snapshot-Sequence"] = str(snapshot.sequence)
    return response


def _body(snapshot: RegistrySnapshot, cache_control: str) -> HttpResponse:
    response = HttpResponse(snapshot.body.encode("utf-8"), content_type="application/json")
    return _public(response, snapshot, cache_control)


def _signature(snapshot: RegistrySnapshot, cache_control: str) -> HttpResponse:
    response = HttpResponse(snapshot.signature, content_type="text/plain; charset=us-ascii")
    return _public(response, snapshot, cache_control)


@require_safe
def latest(request):
    return _body(_latest(), f"public, max-age={LATEST_MAX_AGE}")


@require_safe
def latest_signature(request):
    return _signature(_latest(), f"public, max-age={LATEST_MAX_AGE}")


@require_safe
def numbered(request, sequence: int):
    return _body(_numbered(sequence), NUMBERED_CACHE)


@require_safe
def numbered_signature(request, sequence: int):
    return _signature(_numbered(sequence), NUMBERED_CACHE)


@require_safe
def signing_key(request):
    response = HttpResponse(signing.signing_key().public_pem, content_type="application/x-pem-file")
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response
