"""The public registry's pages. Each reads one named query of registry.public.selectors; no filtering of the registry here."""

from django.core.paginator import InvalidPage, Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django_countries import countries

from registry.catalogue.selectors import current_scheme
from registry.certificates.choices import LIVE_CERTIFICATE_STATUSES, CertificateStatus
from registry.certificates.models import Certificate, CertificateEvent
from registry.certificates.rules import normalise_certificate_number
from registry.core.paging import IdsFirstPaginator
from registry.providers.models import Site, ThirdParty
from registry.public import search
from registry.public import selectors as queries
from registry.public.embed import badge_snippet
from registry.public.filters import RegistryFilter
from registry.public.history import public_events, status_notice

PAGE_SIZE = 25


def bad_request(request, reasons: dict):
    """400 with the reasons in words, for malformed filters or dates (never a 500)."""
    html = render_to_string("registry/400.html", {"reasons": reasons}, request=request)
    return HttpResponseBadRequest(html)


class NoSuchPage(Exception):
    """A page number that is not one of the list's: the visitor's typo, answered with a 400 (bad_request)."""

    def __init__(self, param: str):
        super().__init__(param)
        self.reasons = {param: [_("No such page.")]}


def paginate(request, items, *, param: str = "page", paginator_class=Paginator, count: int | None = None):
    """The page of `items` the request's `param` asks for (the first by default), for every public list; the page
    carries `param` and `query`, the request's other parameters, which registry/_pagination.html keeps in its links.
    Two queries, the count and the page's rows; three with IdsFirstPaginator, for the long lists whose rows cost to
    read (each skipped row of a plain OFFSET is read in full: 1 s for page 40 of the providers' index of 1,000).
    A `count` known already (kept with the read model's counts) saves the count's query."""
    paginator = paginator_class(items, PAGE_SIZE)
    if count is not None:
        paginator.count = count  # Paginator.count is a cached property: this is its value
    try:
        page = paginator.page(request.GET.get(param) or 1)
    except InvalidPage:
        raise NoSuchPage(param) from None
    query = request.GET.copy()
    query.pop(param, None)
    page.param, page.query = param, query.urlencode()
    return page


def home(request):
    # Each figure is the count the page it links to shows (/registry/?status=active, ?status=suspended): counted on the
    # same entries with the same status, so that the two can never disagree (a suspended service is in the registry,
    # not among the qualified ones).
    figures = queries.registry_figures()
    active, suspended = figures.get(CertificateStatus.ACTIVE, {}), figures.get(CertificateStatus.SUSPENDED, {})
    context = {
        "counts": {
            "services": active.get("services", 0),
            "providers": active.get("providers", 0),
            "suspended": suspended.get("services", 0),
            "in_process": queries.in_process_dossiers().count(),
        },
        "latest": public_events(6),
        # The ownership caps the page states are the scheme's, never numbers written in the template.
        "scheme": current_scheme(),
    }
    return render(request, "registry/home.html", context)


def registry(request):
    registry_filter = RegistryFilter(request.GET or None, queryset=queries.registry_entries())
    if request.GET and not registry_filter.is_valid():
        return bad_request(request, registry_filter.errors)
    key = registry_filter.facet_key()
    try:
        if key is None:
            # A search: its matches read once, for the count, the filters' counts and the page.
            ids, facets = queries.searched_entries(registry_filter.qs, registry_filter.search_key())
            page = paginate(request, ids)
            rows = queries.entries_in_order(page.object_list)
        else:
            facets = queries.registry_facets(registry_filter.qs, key)
            # Every entry listed has one of the statuses counted: their sum is the list's length.
            page = paginate(request, registry_filter.qs.select_related("scheme"), count=sum(facets["status"].values()))
            rows = page.object_list
    except NoSuchPage as no_page:
        return bad_request(request, no_page.reasons)
    _label_with_counts(registry_filter.form, facets)
    context = {
        "filter": registry_filter,
        "page": page,
        "rows": queries.with_links(rows),
        "query": page.query,
        "total": page.paginator.count,
        "filtered": any(v for k, v in request.GET.items() if k not in ("page", "sort")),
        **_also_found(registry_filter.form.cleaned_data if request.GET else {}),
    }
    return render(request, "registry/list.html", context)


# How many services in process and providers the registry's search shows below the certified ones; a link leads to
# the whole list of either.
ALSO_FOUND = 10


def _first_ids(items) -> tuple[list[int], int]:
    """The ids of the first ALSO_FOUND of `items` and how many there are in all: one query, two when there are more."""
    limit = ALSO_FOUND
    first = list(items.values_list("pk", flat=True)[: limit + 1])
    return first[:limit], (len(first) if len(first) <= limit else items.count())


def _also_found(data: dict) -> dict:
    """What else the registry's search finds, each in its own labelled section below the certified services: services
    listed as in process (never certified: the filters of a certificate's status or data location leave them out),
    providers by name, and a past certificate whose number was typed.

    Which ones (ids and counts) is kept until the next public change (selectors.kept_until_public_change): a common
    word matches thousands of names, and a popular search is asked again and again; the rows shown are then read by
    id."""
    text = data.get("q") or ""
    words = search.words_of(text)
    if not words:
        return {}
    with_in_process = not (data.get("status") or data.get("country") or data.get("provider"))
    model, scheme = data.get("model") or "", data.get("scheme")
    number = normalise_certificate_number(text)

    def which():
        found = {}
        if with_in_process:
            dossiers = search.matching_names(queries.listed_in_process(), text, queries.IN_PROCESS_SEARCH_FIELDS)
            if model:
                dossiers = dossiers.filter(service__service_model=model)
            if scheme:
                dossiers = dossiers.filter(scheme=scheme)
            ordered = dossiers.order_by("service__provider__legal_name", "service__name", "pk")
            found["in_process"], found["in_process_count"] = _first_ids(ordered)
        providers = search.matching_names(queries.public_providers_bare(), text, queries.PROVIDER_SEARCH_FIELDS)
        found["providers"], found["providers_count"] = _first_ids(providers.order_by("legal_name", "pk"))
        if number:
            found["past_certificate"] = (
                queries.archived_certificates().filter(number=number).values_list("pk", flat=True).first()
            )
        return found

    asked = f"{' '.join(words)}|{number}|{with_in_process}|{model}|{getattr(scheme, 'pk', '')}"
    ids = queries.kept_until_public_change(f"found:{asked}", which)
    found = {"search": text}
    if with_in_process:
        found["in_process"] = queries.in_order(queries.in_process_dossiers(), ids["in_process"])
        found["in_process_count"] = ids["in_process_count"]
    found["providers"] = queries.in_order(queries.public_providers(), ids["providers"])
    found["providers_count"] = ids["providers_count"]
    if ids.get("past_certificate"):
        found["past_certificate"] = queries.archived_certificates().filter(pk=ids["past_certificate"]).first()
    return found


PROVIDER_CHOICES = queries.FACET_PROVIDERS


def _label_with_counts(form, facets) -> None:
    """Write each choice's result count into its label, e.g. "IaaS – infrastructure (12)". The choices are made from
    the counts (the values some entry has, and the one asked for), never by walking every country or provider."""
    chosen = form.data if form.is_bound else {}
    for name in ("model", "status"):
        field = form.fields[name]
        # The field offers "All" (its empty label) before its choices by itself: kept here, it came twice.
        field.choices = [(value, f"{label} ({facets[name].get(value, 0)})") for value, label in field.choices if value]
    # Of the 250 countries, those where certified data is stored (and the one asked for), by name in the reader's
    # language.
    asked = chosen.get("country")
    codes = set(facets["country"]) | ({asked} if asked else set())
    form.fields["country"].choices = sorted(
        ((code, f"{countries.name(code)} ({facets['country'].get(code, 0)})") for code in codes),
        key=lambda choice: choice[1],
    )
    # A national registry has hundreds of providers: a list of them all is unusable (and weighs most of the page).
    # Offer the largest, and the one asked for; the search box finds every provider by name.
    providers = facets["provider"]  # {slug: (legal name, count)}, the largest (selectors.FACET_PROVIDERS)
    shown = sorted(providers, key=lambda slug: (-providers[slug][1], providers[slug][0]))[:PROVIDER_CHOICES]
    if chosen.get("provider") in providers and chosen["provider"] not in shown:
        shown.append(chosen["provider"])
    field = form.fields["provider"]
    # The widget's choices only: the field still checks a provider asked for against its query, run only then.
    field.widget.choices = [
        ("", field.empty_label),
        *(
            (slug, f"{providers[slug][0]} ({providers[slug][1]})")
            for slug in sorted(shown, key=lambda slug: providers[slug][0])
        ),
    ]
    if facets["providers_in_all"] > PROVIDER_CHOICES:
        field.help_text = _("The %(count)s with the most certified services; the search finds any other by name.") % {
            "count": PROVIDER_CHOICES
        }
    field = form.fields["scheme"]
    field.label_from_instance = lambda obj: f"{obj} ({facets['scheme'].get(obj.code, 0)})"


def in_process(request):
    text = (request.GET.get("q") or "").strip()
    dossiers = search.matching_names(queries.in_process_dossiers(), text, queries.IN_PROCESS_SEARCH_FIELDS)
    try:
        page = paginate(request, dossiers)
    except NoSuchPage as no_page:
        return bad_request(request, no_page.reasons)
    return render(request, "registry/in_process.html", {"page": page, "search": text})


def archive(request):
    try:
        page = paginate(
            request,
            queries.archived_certificates(),
            paginator_class=IdsFirstPaginator,
            count=queries.archived_count(),
        )
    except NoSuchPage as no_page:
        return bad_request(request, no_page.reasons)
    last_events = queries.last_events(page.object_list)
    rows = [(c, last_events.get(c.pk)) for c in page.object_list]
    return render(request, "registry/archive.html", {"rows": rows, "page": page})


def providers(request):
    """Every provider with a public presence (certified or in process), by name, with its counts; searchable by name."""
    text = (request.GET.get("q") or "").strip()
    # Which providers, in order, is kept until the next public change: whether a provider has a public presence is
    # asked of its certificates and dossiers, which costs with the registry's size (a tenth of a second at 10,000
    # providers); the page's rows are then read by id.
    found = search.matching_names(queries.public_providers_bare(), text, queries.PROVIDER_SEARCH_FIELDS)
    ids = queries.kept_until_public_change(
        f"providers:{' '.join(search.words_of(text))}",
        lambda: list(found.order_by("legal_name", "pk").values_list("pk", flat=True)),
    )
    try:
        page = paginate(request, ids)
    except NoSuchPage as no_page:
        return bad_request(request, no_page.reasons)
    page.object_list = queries.in_order(queries.public_providers(), page.object_list)
    return render(request, "registry/providers.html", {"page": page, "search": text})


def service(request, slug):
    service = (
        queries.public_services()
        .select_related("provider")
        .prefetch_related(
            Prefetch("sites", queryset=Site.objects.order_by("role", "country")),
            Prefetch("third_parties", queryset=ThirdParty.objects.select_related("relies_on_service")),
            Prefetch(
                "certificates",
                queryset=Certificate.objects.select_related("scheme")
                .prefetch_related(Prefetch("events", queryset=CertificateEvent.objects.order_by("-created_at", "-pk")))
                .order_by("-issued_on", "-pk"),
            ),
        )
        .filter(slug=slug)
        .first()
    )
    if service is None:
        # Only services that hold or held a certificate are public; others are not in the registry.
        raise Http404(_("No certified service has this address."))
    certificates = list(service.certificates.all())
    # Each certificate's surveillance dates and its history with the accepted changes: one query each for them all.
    queries.attach_surveillance(certificates)
    queries.attach_history(certificates, newest_first=True)
    current = next((c for c in certificates if c.status in LIVE_CERTIFICATE_STATUSES), None)
    # A suspended certificate, or the newest one when it was withdrawn: the page opens with since when and why.
    noticed = current or (certificates[0] if certificates else None)
    sites_by_role = {}
    for site in service.sites.all():
        sites_by_role.setdefault(site.get_role_display(), set()).add(site.country.name)
    context = {
        "service": service,
        "current": current,
        "certificates": certificates,
        "sites_by_role": {role: sorted(countries) for role, countries in sites_by_role.items()},
        "third_parties": list(service.third_parties.all()),
        "warnings": queries.dependency_warnings(service),
        "notice": status_notice(noticed, noticed.events.all()) if noticed else None,
        "badge_snippet": badge_snippet(current) if current else "",
    }
    return render(request, "registry/service.html", context)


def provider(request, slug):
    """A provider's public page: its certificates in force, its services listed in process and its past certificates,
    each list paginated on its own. A provider only listed in process (it holds no certificate yet) consented to its
    name and its services' being listed: the page shows no more (not its identity's details)."""
    provider = queries.public_providers().filter(slug=slug).first()
    if provider is None:
        raise Http404(_("No provider in the registry has this address."))
    try:
        certificates = paginate(request, queries.public_certificates().filter(service__provider=provider))
        in_process = paginate(
            request, queries.in_process_dossiers().filter(service__provider=provider), param="in_process_page"
        )
        past = paginate(request, queries.archived_certificates().filter(service__provider=provider), param="past_page")
    except NoSuchPage as no_page:
        return bad_request(request, no_page.reasons)
    context = {
        "provider": provider,
        "published": bool(provider.certified or provider.past),
        "certificates": certificates,
        "past": past,
        "in_process": in_process,
    }
    return render(request, "registry/provider.html", context)


def stats(request):
    data = queries.registry_statistics()
    return render(request, "registry/stats.html", {"stats": data})
