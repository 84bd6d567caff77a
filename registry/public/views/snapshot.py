"""The signed snapshots, their signatures and the public key, served as the exact bytes that were signed.

Reading never writes: snapshots are issued by registry.public.snapshots.snapshot_issue (the task after a public change
and on schedule, and the seeding commands), never by a request."""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from registry.public import signing
from registry.public.models import PublishedKey, RegistrySnapshot

# The latest changes with the registry; a numbered one never does.
LATEST_MAX_AGE = 60
NUMBERED_CACHE = "public, max-age=31536000, immutable"


def _latest() -> RegistrySnapshot | None:
    return RegistrySnapshot.objects.order_by("-sequence").first()


def _not_issued_yet() -> HttpResponse:
    """A fresh installation, before the task issues the first snapshot. 503 and not 404: the address is right and
    answers once the task has run, which Retry-After says when to expect."""
    response = HttpResponse(
        _("The registry's first snapshot has not been issued yet. Try again later."),
        content_type="text/plain; charset=utf-8",
        status=503,
    )
    response["Retry-After"] = str(settings.SNAPSHOT_CHECK_EVERY)
    response["Cache-Control"] = "no-store"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _numbered(sequence: int) -> RegistrySnapshot:
    snapshot = RegistrySnapshot.objects.filter(sequence=sequence).first()
    if snapshot is None:
        raise Http404(_("There is no registry snapshot number %(sequence)s.") % {"sequence": sequence})
    return snapshot


def numbered_document(request, response: HttpResponse, *, etag: str, issued_at, cache_control: str):
    """A numbered document's answer (a snapshot, its signature, a trusted list): it never changes, so its number names
    its bytes (the ETag) and its issue is its last modification; a client that holds it gets a 304."""
    response["Cache-Control"] = cache_control
    response["Access-Control-Allow-Origin"] = "*"
    response["ETag"] = f'"{etag}"'
    response["Last-Modified"] = http_date(issued_at.timestamp())
    return get_conditional_response(
        request, etag=response["ETag"], last_modified=int(issued_at.timestamp()), response=response
    )


def _public(request, response: HttpResponse, snapshot: RegistrySnapshot, cache_control: str, part: str):
    # Fetching snapshot.json and its .sig in two requests may straddle a new issue: this names the pair to fetch.
    response["X-Snapshot-Sequence"] = str(snapshot.sequence)
    return numbered_document(
        request,
        response,
        etag=f"snapshot-{snapshot.sequence}-{part}",
        issued_at=snapshot.issued_at,
        cache_control=cache_control,
    )


def _body(request, snapshot: RegistrySnapshot, cache_control: str) -> HttpResponse:
    response = HttpResponse(snapshot.body.encode("utf-8"), content_type="application/json")
    return _public(request, response, snapshot, cache_control, "json")


def _signature(request, snapshot: RegistrySnapshot, cache_control: str) -> HttpResponse:
    response = HttpResponse(snapshot.signature, content_type="text/plain; charset=us-ascii")
    return _public(request, response, snapshot, cache_control, "sig")


@require_safe
def latest(request):
    snapshot = _latest()
    if snapshot is None:
        return _not_issued_yet()
    return _body(request, snapshot, f"public, max-age={LATEST_MAX_AGE}")


@require_safe
def latest_signature(request):
    snapshot = _latest()
    if snapshot is None:
        return _not_issued_yet()
    return _signature(request, snapshot, f"public, max-age={LATEST_MAX_AGE}")


@require_safe
def numbered(request, sequence: int):
    return _body(request, _numbered(sequence), NUMBERED_CACHE)


@require_safe
def numbered_signature(request, sequence: int):
    return _signature(request, _numbered(sequence), NUMBERED_CACHE)


def _pem(pem: bytes, cache_control: str) -> HttpResponse:
    response = HttpResponse(pem, content_type="application/x-pem-file")
    response["Cache-Control"] = cache_control
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def signing_key(request):
    """The key signing from now on: it changes with a rotation."""
    return _pem(signing.signing_key().public_pem, "public, max-age=3600")


@require_safe
def published_key(request, fingerprint: str):
    """Every key that signed a snapshot, by its fingerprint (the document's signing_key.fingerprint_sha256), for good:
    what a fingerprint names never changes. The current key is served before its first snapshot records it."""
    record = PublishedKey.objects.filter(fingerprint=fingerprint).only("public_pem").first()
    if record is not None:
        return _pem(record.public_pem.encode("ascii"), NUMBERED_CACHE)
    current = signing.signing_key()
    if current.fingerprint == fingerprint:
        return _pem(current.public_pem, "public, max-age=3600")
    raise Http404(_("No registry snapshot was signed with the key %(fingerprint)s.") % {"fingerprint": fingerprint})
