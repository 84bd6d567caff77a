"""Whole-response cache of the public registry for anonymous visitors, invalidated on every public change.

A public page read by a visitor without a session is the same for every such visitor with the same language, on the
same day, at the same address. So the first render is kept (in Redis, or the in-memory cache without REDIS_URL) and the
next visitors get it without a view, a template or a database query. Every public change bumps one number, the
*registry generation*, after its commit; an entry is served only while its generation is the current one, so a
suspension is visible from the next request on. PUBLIC_CACHE_SECONDS bounds an entry's life in any case (a bump lost
to a Redis outage, a date-dependent page); 0 turns the cache off.

Who bumps it: the services, through registry.public.publication.publish_on_commit(), the portal's and the admin's
writes alike (the admin saves through the services). No model signal does it as well: a row written around the services
(a shell, a data migration) is shown once the kept pages expire, or at once after `publish_on_commit()` in that shell.

Where it sits: right below WhiteNoise, as high as it can, so that a kept page costs what a static file costs plus one
Redis round trip. The middleware above it (the security headers, the CSP) write their headers on a kept response as on
a rendered one, on the way out. Nothing below it runs on a hit: no session, no language middleware, no CSRF, no user,
no database. So it chooses the language itself, the way LocaleMiddleware does (registry.public.cache._language: the
language cookie, then Accept-Language); a page is kept only when LocaleMiddleware chose the same language below, and
with the headers the middleware below wrote on it (Vary, Content-Language, Content-Length, X-Frame-Options), so that a
kept page is answered with the rendered page's headers.

CSRF tokens. The public pages carry none: the language switch is a link, and the "follow by e-mail" form posts to a
first step that writes nothing (registry.public.views.subscriptions.subscribe_start) and shows the confirmation with
its own CSRF-protected POST, never kept. So a kept page is the same bytes for every
visitor and sets no cookie: what is kept is what is served, and a reverse proxy could keep it as well. A token belongs
to one visitor (it is checked against their own cookie): a page that asked for one (a form added some day, a token in
a script's data) is served to its visitor and never kept, so that no visitor's token can reach the next.

Addresses. A kept page may hold the address it was asked at (the badge's embedding snippet, the API's next and previous
links, the feed's links), so the scheme and the host are in the key, and only the hosts the site declares are kept:
SITE_URL's and ALLOWED_HOSTS' exact names. Django checks a Host header's name but not its port, so "registry:9999" or
a wildcard's sub-domain is answered by the view and never kept: nobody can plant a page with their own address in it,
nor multiply entries by host.

Query strings. Each kept page declares the parameters it reads (CACHED_VIEWS); the key is made of those alone, in a
fixed order. A request with any other parameter is answered by the view and not kept (the registry list copies its
query string into its page links: ignoring an extra parameter in the key would hand one visitor's URL to the next).
And however many declared values are tried, at most PUBLIC_CACHE_MAX_ENTRIES pages are kept per PUBLIC_CACHE_SECONDS
(a counter per period), so at most twice that many live at once; past it, pages are rendered, not kept, until the next
period. The page cache lives in Django's cache, CACHE_URL (REDIS_URL when unset): README "Deploying" says how to keep it
away from the broker.

What is never kept: requests with a session cookie (a signed-in visitor sees their own menu) or pending messages;
responses that are not a plain 200, that set a cookie, touch the session, ask not to be cached, carry a per-response
CSP (nonce, decorators) or vary on a header the key does not hold. The API's anonymous throttle still counts a request
answered from the cache (DRF's own throttle, asked here before serving it).
"""

import datetime
import functools
import hashlib
import logging
import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.cache import cc_delim_re, get_conditional_response, patch_vary_headers
from django.utils.http import http_date

from registry.core.cache import advance_to_now

logger = logging.getLogger(__name__)

GENERATION_KEY = "tcr:public:generation"
ENTRY_PREFIX = "tcr:public:page:"
KEPT_COUNT_PREFIX = "tcr:public:kept:"
FORMAT = (
    4  # 4: kept above the language middleware, with the Vary and Content-Length written below it; 3: no CSRF marker
)

# The registry list's filters (registry.public.filters.RegistryFilter, the API's list has the same names) and page.
LIST_PARAMETERS = ("q", "provider", "model", "scheme", "status", "country", "sort", "page")
# DRF's ?format= (the renderer) and the API's pages.
API_FORMAT = ("format",)
API_LIST_PARAMETERS = ("page", "page_size", "format")

# The public answers, by URL name, with the query parameters each reads: the public registry's pages, its exports and
# the API's lists and details. Each gets the conditional GET's validators; each but the exports (streamed: NOT_KEPT)
# is kept. Not the snapshots and signing key (files that change after the snapshot task, not with the generation: their
# views write validators of their own), the subscription pages (tokens, forms that change state) nor the API's schema
# and documentation.
CACHED_VIEWS = {
    "registry": {
        "home": (), "list": LIST_PARAMETERS, "in-process": ("q", "page"), "archive": ("page",), "feed": (),
        "service": (), "providers": ("q", "page"), "provider": ("page", "in_process_page", "past_page"),
        "verify": ("number", "on"), "verify-number": ("on",), "stats": (), "badge": (),
        "export-csv": LIST_PARAMETERS, "export-json": LIST_PARAMETERS, "scheme-oscal-catalog": (),
    },
    "api": {
        "api-root": API_FORMAT, "service-list": API_LIST_PARAMETERS, "service-detail": API_FORMAT,
        "provider-list": API_LIST_PARAMETERS, "provider-detail": API_FORMAT,
        "certificate-list": (*LIST_PARAMETERS, "page_size", "format"), "certificate-detail": ("on", "format"),
        "certificate-history": API_FORMAT, "in-process-list": API_LIST_PARAMETERS,
    },
}  # fmt: skip

NOT_KEPT = {"export-csv", "export-json"}

# The language is in the key (LocaleMiddleware's choice); the cookie is in it by the rule "no session, no messages";
# Accept is in it for the API, whose renderers (JSON, browsable HTML) it chooses.
KEYED_VARY = {"accept-language", "cookie", "accept"}

# The name of the field {% csrf_token %} writes: a page holding it is never kept.
CSRF_FIELD = b"csrfmiddlewaretoken"

# A kept response sets no cookie (_keepable); every other header written below the cache is kept with the body.
UNKEPT_HEADERS = {"set-cookie", "etag", "last-modified"}  # the validators are written on each answer (_stamp)


def _now_generation() -> int:
    # A generation that starts (or starts again, after Redis lost the key) from the clock is always above any number
    # an entry still in the cache was kept under, so a lost key cannot bring an old page back.
    return time.time_ns() // 1000


def current_generation() -> int | None:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, _now_generation(), timeout=None)
        value = cache.get(GENERATION_KEY)
    return value


def last_public_change() -> datetime.datetime:
    """When the public registry last changed (the generation is the time of the change, registry_changed())."""
    return datetime.datetime.fromtimestamp(current_generation() / 1_000_000, tz=datetime.UTC)


def registry_changed() -> None:
    """The public registry changed: every kept page is stale from now on. Never fails the caller (TTL is the net).

    The generation moves to the time of the change, in µs (or one past the last when that is later), so that it also
    says when the public registry last changed: the Last-Modified of every public answer."""
    try:
        advance_to_now(GENERATION_KEY, _now_generation(), using=cache)
    except Exception:  # noqa: BLE001 — a cache outage must not fail a committed change; entries expire on their own
        logger.warning("Could not invalidate the public page cache; kept pages expire within %ss.",
                       settings.PUBLIC_CACHE_SECONDS, exc_info=True)  # fmt: skip


def registry_changed_on_commit() -> None:
    """Invalidate the kept public pages once the current transaction commits (at once outside one)."""
    transaction.on_commit(registry_changed)


def _declared_parameters(request) -> tuple[str, ...] | None:
    """The query parameters the page at this path reads; None when the page is not kept."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    declared = CACHED_VIEWS.get(match.namespace, {}).get(match.url_name)
    if declared is not None:
        # Read by the request's latency metric (registry/metrics.py), which labels a kept page by its view as well.
        request.resolver_match = match
    return declared


def _language(request) -> str:
    """The language LocaleMiddleware will choose for this request (no URL of ours has a language prefix): the
    switcher's cookie, else the browser's Accept-Language, else LANGUAGE_CODE. Checked again against its choice before
    a page is kept."""
    return translation.get_language_from_request(request)


@functools.cache
def _kept_hosts(site_url: str, allowed_hosts: tuple[str, ...]) -> frozenset[str]:
    # Exact names only: ".example.org" and "*" match hosts nobody declared one by one.
    named = {host.lower() for host in allowed_hosts if host and not host.startswith(".") and host != "*"}
    return frozenset({urlsplit(site_url).netloc.lower(), *named})


def _canonical_query(request, declared: tuple[str, ...]) -> str | None:
    """The declared parameters in a fixed order, as the key's query; None when the request has any other."""
    if set(request.GET) - set(declared):
        return None
    return urlencode([(name, value) for name in declared for value in request.GET.getlist(name)])


def _entry_key(request, language: str, query: str) -> str:
    is_api = request.path_info.startswith("/api/")
    parts = [
        str(FORMAT),
        language,
        # Pages computed from today's date (a verification without ?on=, the badge, statistics) turn at midnight.
        timezone.localdate().isoformat(),
        request.META.get("HTTP_ACCEPT", "") if is_api else "",
        request.scheme,
        request.get_host().lower(),
        request.path,
        query,
    ]
    return ENTRY_PREFIX + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _public_answer(request) -> tuple[str, ...] | None:
    """The query parameters the answer reads when the request is a GET of a public answer by a visitor without a
    session (a kept page or an export), else None: what both the cache and the conditional GET serve."""
    if request.method not in ("GET", "HEAD"):
        return None
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
        return None
    return _declared_parameters(request)


def _cache_key_of(request, language: str, declared: tuple[str, ...]) -> str | None:
    """The entry's key for this public answer, or None when the cache is not for it (turned off, an export, a host, a
    query)."""
    if settings.PUBLIC_CACHE_SECONDS <= 0 or request.resolver_match.url_name in NOT_KEPT:
        return None
    if request.get_host().lower() not in _kept_hosts(settings.SITE_URL, tuple(settings.ALLOWED_HOSTS)):
        return None
    query = _canonical_query(request, declared)
    return None if query is None else _entry_key(request, language, query)


# --- Conditional GET: ETag and Last-Modified from the generation, a 304 without rendering or reading a kept page. ---


@functools.cache
def _code_digest() -> str:
    """A digest of the code and templates that draw the public answers: the same answer for the same data may change
    with a release, so the validators change with it (the same on every process and instance running this code)."""
    from pathlib import Path

    root = Path(settings.BASE_DIR)
    digest = hashlib.sha256()
    for folder, pattern in (("registry", "*.py"), ("templates", "*.html"), ("locale", "*.po")):
        for path in sorted((root / folder).rglob(pattern)):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _validators(request, language: str, generation: int) -> tuple[str, int]:
    """(ETag, Last-Modified as a timestamp) of a public answer: the same for every request of the same answer while the
    registry does not change. The ETag names the generation and what else picks the answer (the code, the language,
    the day, the Accept header, the address); Last-Modified is the second after the registry's last change."""
    parts = [
        _code_digest(),
        language,
        timezone.localdate().isoformat(),
        request.META.get("HTTP_ACCEPT", ""),
        request.scheme,
        request.get_host().lower(),
        request.get_full_path(),
    ]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:20]
    return f'W/"{generation}-{digest}"', generation // 1_000_000 + 1


def _stamp(response, etag: str, last_modified: int) -> None:
    """The validators on a public answer. Last-Modified only once its second is over: a change later in that second
    would have the same Last-Modified, and If-Modified-Since would take the new answer for the old one."""
    if response.status_code != 200 or response.has_header("ETag"):
        return
    response["ETag"] = etag
    if _second_over(last_modified):
        response["Last-Modified"] = http_date(last_modified)


def _second_over(last_modified: int) -> bool:
    return time.time() >= last_modified


def _not_modified(request, etag: str, last_modified: int):
    """A 304 (or the 412 of a failed If-Match) when the client's copy is this answer, else None."""
    if not (request.META.get("HTTP_IF_NONE_MATCH") or request.META.get("HTTP_IF_MODIFIED_SINCE")):
        return None
    answer = get_conditional_response(
        request, etag=etag, last_modified=last_modified if _second_over(last_modified) else None
    )
    if answer is None:
        return None
    answer["ETag"] = etag
    patch_vary_headers(answer, ("Accept-Language", "Cookie", *(("Accept",) if _is_api(request) else ())))
    return answer


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def _may_keep_one_more() -> bool:
    """Count one more kept page in this period; False once PUBLIC_CACHE_MAX_ENTRIES were kept in it."""
    period = int(time.time()) // settings.PUBLIC_CACHE_SECONDS
    key = f"{KEPT_COUNT_PREFIX}{period}"
    # The counter outlives the entries of its period (each lives PUBLIC_CACHE_SECONDS at most).
    cache.add(key, 0, timeout=2 * settings.PUBLIC_CACHE_SECONDS)
    return cache.incr(key) <= settings.PUBLIC_CACHE_MAX_ENTRIES


def _api_throttle_allows(request) -> bool:
    """Count this request against the API's anonymous rates, as the view would; False when one is spent."""
    from rest_framework.request import Request
    from rest_framework.settings import api_settings

    drf_request = Request(request)  # no authenticators: an anonymous user, as the API sees every client
    return all(throttle().allow_request(drf_request, None) for throttle in api_settings.DEFAULT_THROTTLE_CLASSES)


def _keepable(request, response) -> bool:
    if response.status_code != 200 or response.streaming or not isinstance(response, HttpResponse):
        return False
    if response.cookies:
        return False
    # Without a session cookie the visitor was anonymous; a session written now (a sign-in, a stored choice) is theirs.
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return False
    if any(name in response.__dict__ for name in ("_csp_update", "_csp_replace", "_csp_config", "_csp_exempt")):
        return False
    if isinstance(getattr(request, "_csp_nonce", None), str):
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if any(word in cache_control for word in ("private", "no-store", "no-cache")):
        return False
    vary = {v.strip().lower() for v in cc_delim_re.split(response.get("Vary", "")) if v.strip()}
    return vary <= KEYED_VARY


def _entry(request, response, generation) -> dict | None:
    body = response.content
    # get_token() flags the request when anything asked for the visitor's token ({% csrf_token %}, {{ csrf_token }}),
    # wherever it went; the field's name catches a token written without it.
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or CSRF_FIELD in body:
        logger.debug("Public page %s holds a CSRF token: served, not kept.", request.path)
        return None
    headers = [(k, v) for k, v in response.items() if k.lower() not in UNKEPT_HEADERS]
    return {"generation": generation, "status": response.status_code, "headers": headers, "body": body}


def _response(entry) -> HttpResponse:
    response = HttpResponse(entry["body"], status=entry["status"])
    for name, value in entry["headers"]:
        response[name] = value
    # The entry was chosen by the visitor's language and cookies: say so to the caches downstream (the rendered page's
    # Vary, kept with it, says Accept-Language; Cookie when something below read the session).
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


class PublicPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = _public_answer(request)
        if declared is None:
            return self.get_response(request)
        language = _language(request)
        key = _cache_key_of(request, language, declared)
        try:
            found = cache.get_many([GENERATION_KEY, key] if key else [GENERATION_KEY])
            generation = found.get(GENERATION_KEY) or current_generation()
        except Exception:  # noqa: BLE001 — the cache down: the page is rendered as if there were no cache
            logger.warning("Public page cache unreachable; rendering.", exc_info=True)
            return self.get_response(request)
        etag, last_modified = _validators(request, language, generation)
        # A client whose copy is current gets a 304 at once, counted by the API's throttle as any answer.
        unchanged = _not_modified(request, etag, last_modified)
        if unchanged is not None and (not _is_api(request) or _api_throttle_allows(request)):
            return unchanged
        entry = found.get(key) if key else None
        fresh = entry is not None and entry.get("generation") == generation
        # A throttled API client gets no kept answer: the view answers, and refuses, as it would without the cache.
        if fresh and unchanged is None and (not _is_api(request) or _api_throttle_allows(request)):
            response = _response(entry)
            response["X-Public-Cache"] = "hit"
            _stamp(response, etag, last_modified)
            return response
        response = self.get_response(request)
        _stamp(response, etag, last_modified)
        # Kept under the language chosen above only if the page was rendered in it.
        if key and getattr(request, "LANGUAGE_CODE", None) == language and _keepable(request, response):
            kept = _entry(request, response, generation)
            if kept is not None:
                try:
                    if not _may_keep_one_more():
                        return response
                    cache.set(key, kept, timeout=settings.PUBLIC_CACHE_SECONDS)
                except Exception:  # noqa: BLE001 — not kept this time; the visitor has their page
                    logger.warning("Could not keep a public page in the cache.", exc_info=True)
                else:
                    # Rendered and kept for the next visitors (a page not kept has no such header).
                    response["X-Public-Cache"] = "miss"
        return response
