"""No address makes a 500: every URL pattern (public, portal, admin, API, accounts), each of its path values replaced by
a hostile one and each page given hostile query parameters, asked by an anonymous visitor, a provider's member and an
agency member signed in with a second factor. Every answer is below 500, and no Location header carries a CR, an LF or
a NUL (a header split would let the address write headers of its own).

The hostile values are what a probe sends: NUL, CR/LF, an overlong value, text where a number is expected, a number
too large for any column, an impossible day, broken UTF-8 and a path traversal. Control characters are refused in one
place (registry.core.middleware.ControlCharacterMiddleware, a 400); the rest must be answered by each view.
"""

import re

import pytest
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from registry.providers.models import Provider
from registry.public.snapshots import snapshot_issue
from registry.public.trusted_lists import trusted_list_issue
from registry.qualification.services import dossiers as svc
from tests import factories as f

pytestmark = pytest.mark.django_db

# Put in the place of one path value at a time (already percent-encoded, as a probe sends them).
PATH_VALUES = {
    "NUL": "%00",
    "CR/LF": "x%0D%0ASet-Cookie:%20a=b",
    "overlong": "a" * 2000,
    "not a number": "abc",
    "too large a number": "9" * 30,
    "negative": "-1",
    "impossible day": "2025-02-30",
    "broken UTF-8": "%FF%FE",
    "traversal": "..%2F..%2Fetc%2Fpasswd",
    "markup": "%3Cscript%3E",
}

# Query parameters the project's pages and the admin read (filters, pages, ordering, days, redirects), given together.
PARAMETERS = (
    "on", "number", "status", "page", "page_size", "q", "o", "p", "e", "sort", "part", "queue", "next", "scope",
    "target", "kind", "title", "checks", "format", "country", "scheme", "provider", "service", "level", "all",
    "_changelist_filters", "_popup", "_to_field", "status__exact", "created_at__gte", "date",
)  # fmt: skip
# Each query gives every parameter the same value; the last gives them odd text in turn (a page renders once per query).
QUERIES = {
    "NUL": "%00",
    "CR/LF": "2025-01-01%0D%0ALocation:%20https://evil.example/",
    "not a number, with a slash": "x%2F..%2Fy",
    "too large a number": "9" * 30,
    "impossible day": "2025-02-30",
}
ODD_TEXT = ("a" * 3000, "%FF", "", "-1", "%3Cscript%3E")

SENTINEL = "7357"  # matches every converter and regular expression of the project's URL patterns (digits)


def queries():
    for value in QUERIES.values():
        yield "&".join(f"{parameter}={value}" for parameter in PARAMETERS)
    yield "&".join(f"{parameter}={ODD_TEXT[i % len(ODD_TEXT)]}" for i, parameter in enumerate(PARAMETERS))


def patterns(resolvers=None, namespace=None, outer=()):
    """(name for reverse, its values) of every named URL pattern, walking included URLconfs: keyword arguments by
    name, positional ones (django-simple-history's) by their index."""
    for pattern in get_resolver().url_patterns if resolvers is None else resolvers:
        regex = pattern.pattern.regex
        values = (*outer, *regex.groupindex) if regex.groupindex else (*outer, *range(regex.groups))
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from patterns(pattern.url_patterns, inner, values)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), values


def build(name, values):
    positional = [values[key] for key in values if isinstance(key, int)]
    return reverse(name, args=positional) if positional else reverse(name, kwargs=values)


def addresses(fill, unreached):
    """(kind, URL name, address) to ask: each pattern with each query ("query"), and with one path value hostile at a
    time, the others real ("path"). `fill` gives a real value per keyword argument; a pattern that cannot be built
    is added to `unreached`."""
    for name, keys in dict.fromkeys(patterns()):
        real = {key: str(fill.get(key, SENTINEL)) for key in keys}
        try:
            base = build(name, real)
        except NoReverseMatch:
            unreached.append(name)
            continue
        for query in queries():
            yield "query", name, f"{base}?{query}"
        for key in keys:
            try:
                marked = build(name, {**real, key: SENTINEL + "0"})
            except NoReverseMatch:
                continue  # a value from a fixed list (the admin's app labels): any other is the admin's catch-all's
            for value in PATH_VALUES.values():
                yield "path", name, marked.replace(SENTINEL + "0", value, 1)


def asked_by(kind, name):
    """Who asks an address. The admin's pages only send everyone but the agency to the sign-in (asked with the queries,
    whose values go into the sign-in's ?next=); public pages and the API answer every signed-in person alike."""
    namespace = name.split(":")[0] if ":" in name else "accounts"
    if namespace == "admin":
        return ("anonymous", "provider member", "agency member") if kind == "query" else ("agency member",)
    if namespace in ("registry", "api"):
        return ("anonymous", "provider member")
    return ("anonymous", "provider member", "agency member")


@pytest.fixture
def world(provider, owner, reviewer, service, complete_draft, editor):
    dossier = svc.dossier_submit(dossier=complete_draft, by=editor)
    certificate = f.certificate(service)
    snapshot_issue(force=True)
    trusted_list_issue(force=True)
    return {
        "slug": provider.slug,
        "service_slug": service.slug,
        "reference": dossier.reference,
        "number": certificate.number,
        "pk": dossier.pk,
        "object_id": dossier.pk,
        "sequence": 1,
        "app_label": "registry",
        "fingerprint": "f" * 64,
    }


def visitors(owner, administrator):
    member = Client()
    member.force_login(owner)
    agent = Client()
    f.login_with_mfa(agent, administrator)
    return {"anonymous": Client(), "provider member": member, "agency member": agent}


def test_no_address_makes_a_server_error(world, owner, administrator):
    people = visitors(owner, administrator)
    wrong, unreached, asked = [], [], 0
    for kind, name, url in addresses(world, unreached):
        for who in asked_by(kind, name):
            asked += 1
            try:
                response = people[who].get(url)
            except Exception as exc:  # noqa: BLE001 — the test client raises what would have been a 500
                wrong.append(f"{who} {url[:200]}: {type(exc).__name__}: {str(exc)[:200]}")
                continue
            if response.status_code >= 500:
                wrong.append(f"{who} {url[:200]}: {response.status_code}")
            if re.search(r"[\r\n\x00]", response.get("Location", "")):
                wrong.append(f"{who} {url[:200]}: Location {response['Location']!r}")
    assert unreached == [], f"patterns the walk could not build (give their values in world): {unreached}"
    assert asked > 3000, "the walk lost its patterns"
    assert wrong == [], "\n".join(wrong)


# The cases the probe reproduced (issue 14), each answered with the plain 400 page.
REPRODUCED = {
    "verify": ("anonymous", "/verify/%00/"),
    "badge": ("anonymous", "/badge/%00.svg"),
    "subscription confirmation": ("anonymous", "/subscriptions/confirm/%00/"),
    "unsubscription": ("anonymous", "/subscriptions/unsubscribe/%00/"),
    "a day with a line break": ("anonymous", "/verify/?number=X&on=2025-01-01%0D%0ASet-Cookie:%20a=b"),
    "portal dossier": ("provider member", "/portal/dossiers/%00/"),
    "admin filter": ("agency member", "/admin/registry/dossier/?status=%00"),
}


@pytest.mark.parametrize("case", REPRODUCED)
def test_a_control_character_in_the_address_gets_the_plain_400_page(case, owner, administrator):
    who, url = REPRODUCED[case]
    response = visitors(owner, administrator)[who].get(url)
    assert response.status_code == 400
    assert "This request cannot be answered" in response.text
    assert "Location" not in response and "Set-Cookie:" not in response.text


def test_the_400_page_speaks_the_visitors_language(client):
    response = client.get("/verify/%00/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    assert "Cette requête ne peut pas aboutir" in response.text


def test_a_line_break_in_a_query_is_refused_but_a_form_body_is_left_to_the_form(client):
    # Addresses only: a textarea's line breaks reach the form, which keeps or refuses them field by field.
    assert client.get("/registry/?q=cloud%0Aprovider").status_code == 400
    response = client.post("/subscribe/", {"email": "a@example.test\r\nBcc: b@example.test", "scope": "registry"})
    assert response.status_code == 200
    assert "This request cannot be answered" not in response.text


def test_the_day_asked_for_is_encoded_in_the_verification_redirect(client, db):
    number = f.certificate().number
    typed = number.lower().replace("-", " ")
    response = client.get("/verify/", {"number": typed, "on": "2026-01-01&next=https://evil.example/#x"})
    assert response.status_code == 302
    assert response["Location"] == f"/verify/{number}/?on=2026-01-01%26next%3Dhttps%3A%2F%2Fevil.example%2F%23x"


def test_a_certificate_number_with_a_slash_is_unknown_not_a_server_error(client):
    response = client.get("/verify/", {"number": "../admin"})
    assert response.status_code == 404
    assert "../admin" in response.text  # kept as typed in the form, to correct it


@pytest.mark.parametrize(
    "url",
    [
        "/admin/registry/certificate/abc/change/",
        "/admin/registry/provider/abc/history/",
        "/admin/registry/service/1/history/abc/",
        "/admin/registry/dossier/abc/change/",
        "/admin/auth/user/abc/change/",
    ],
)
def test_an_object_id_that_is_not_a_number_is_not_found_in_the_workspace(url, administrator):
    agent = Client()
    f.login_with_mfa(agent, administrator)
    assert agent.get(url).status_code == 404
    # Before signing in, the address is not examined: the sign-in comes first, as for every page of the workspace.
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/admin/login/")


def test_an_empty_field_to_reference_is_a_bad_request_in_the_workspace(world, administrator):
    agent = Client()
    f.login_with_mfa(agent, administrator)
    url = reverse("admin:registry_provider_change", args=[Provider.objects.get(slug=world["slug"]).pk])
    assert agent.get(url + "?_to_field=").status_code == 400
    assert agent.get(url).status_code == 200
