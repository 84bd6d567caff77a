"""The public registry's pages. Each reads one named query of registry.public.selectors; no filtering of the registry here."""

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from registry.catalogue.selectors import current_scheme
from registry.certificates.choices import LIVE_CERTIFICATE_STATUSES, CertificateStatus
from registry.certificates.models import Certificate, CertificateEvent
from registry.providers.models import Provider, Site, ThirdParty
from registry.public import selectors as queries
from registry.public.filters import RegistryFilter
from registry.public.history import public_events, status_notice

PAGE_SIZE = 25


def bad_request(request, reasons: dict):
    """400 with the reasons in words, for malformed filters or dates (never a 500)."""
    html = render_to_string("registry/400.html", {"reasons": reasons}, request=request)
    return HttpResponseBadRequest(html)


def home(request):
    # Each figure is the count the page it links to shows: the registry's list run with the same filter, so that the
    # two can never disagree (a suspended service is in the registry, not among the qualified ones).
    qualified = _registry_count({"status": CertificateStatus.ACTIVE})
    suspended = _registry_count({"status": CertificateStatus.SUSPENDED})
    context = {
        "counts": {
            "services": qualified.count(),
            "providers": qualified.order_by().values("service__provider_id").distinct().count(),
            "suspended": suspended.count(),
            "in_process": queries.in_process_dossiers().count(),
        },
        "latest": public_events(6),
        # The ownership caps the page states are the scheme's, never numbers written in the template.
        "scheme": current_scheme(),
    }
    return render(request, "registry/home.html", context)


def _registry_count(params: dict):
    """The certificates the registry's list shows for these filters (the home links to that list)."""
    return RegistryFilter(params, queryset=queries.public_certificates().prefetch_related(None)).qs


def registry(request):
    registry_filter = RegistryFilter(request.GET or None, queryset=queries.public_certificates())
    if request.GET and not registry_filter.is_valid():
        return bad_request(request, registry_filter.errors)
    _label_with_counts(registry_filter.form, queries.registry_facets(registry_filter.qs))
    paginator = Paginator(registry_filter.qs, PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except Exception:  # noqa: BLE001 — a page number out of range or not a number is the visitor's typo
        return bad_request(request, {"page": [_("No such page.")]})
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": registry_filter,
        "page": page,
        "rows": [(certificate, queries.data_countries(certificate)) for certificate in page.object_list],
        "query": query.urlencode(),
        "total": paginator.count,
        "filtered": any(v for k, v in request.GET.items() if k not in ("page", "sort")),
    }
    return render(request, "registry/list.html", context)


PROVIDER_CHOICES = 30


def _label_with_counts(form, facets) -> None:
    """Write each choice's result count into its label, e.g. "IaaS – infrastructure (12)"."""
    chosen_country = form.data.get("country") if form.is_bound else None
    for name in ("model", "status", "country"):
        field = form.fields[name]
        field.choices = [
            (value, f"{label} ({facets[name].get(value, 0)})" if value else label)
            for value, label in field.choices
            # Of the 250 countries, offer those where certified data is stored (and the one asked for).
            if name != "country" or not value or value in facets[name] or value == chosen_country
        ]
    # A national registry has hundreds of providers: a list of them all is unusable (and weighs most of the page).
    # Offer the largest, and the one asked for; the search box finds every provider by name.
    provider_counts = facets["provider"]
    if len(provider_counts) > PROVIDER_CHOICES:
        shown = sorted(provider_counts, key=lambda slug: (-provider_counts[slug], slug))[:PROVIDER_CHOICES]
        chosen = form.data.get("provider") if form.is_bound else None
        field = form.fields["provider"]
        field.queryset = field.queryset.filter(slug__in=[*shown, *([chosen] if chosen else [])])
        field.help_text = _("The %(count)s with the most certified services; the search finds any other by name.") % {
            "count": PROVIDER_CHOICES
        }
    for name, key in (("provider", "slug"), ("scheme", "code")):
        field = form.fields[name]
        field.label_from_instance = lambda obj, name=name, key=key: f"{obj} ({facets[name].get(getattr(obj, key), 0)})"


def in_process(request):
    return render(request, "registry/in_process.html", {"dossiers": queries.in_process_dossiers()})


def archive(request):
    certificates = list(queries.archived_certificates()[:500])
    last_events = queries.last_events(certificates)
    rows = [(c, last_events.get(c.pk)) for c in certificates]
    return render(request, "registry/archive.html", {"rows": rows})


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
    }
    return render(request, "registry/service.html", context)


def provider(request, slug):
    provider = Provider.objects.filter(slug=slug, pk__in=queries.public_services().values("provider_id")).first()
    if provider is None:
        raise Http404(_("No provider in the registry has this address."))
    context = {
        "provider": provider,
        "certificates": list(queries.public_certificates().filter(service__provider=provider)),
        "past": list(queries.archived_certificates().filter(service__provider=provider)[:50]),
        "in_process": list(queries.in_process_dossiers().filter(service__provider=provider)),
    }
    return render(request, "registry/provider.html", context)


def stats(request):
    data = queries.registry_statistics()
    return render(request, "registry/stats.html", {"stats": data})
