"""The public registry's filters (django-filter), shared by the registry page, the exports and the API. They filter the
public read model's entries (registry.public.models.PublicEntry): one indexed table, whatever the filter."""

import django_filters
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from registry.catalogue.models import Scheme
from registry.certificates.choices import LIVE_CERTIFICATE_STATUSES, CertificateStatus
from registry.certificates.rules import normalise_certificate_number
from registry.providers.choices import ServiceModel
from registry.providers.models import Provider
from registry.public import selectors as queries
from registry.public.models import PublicEntry
from registry.public.widgets import QuickSelect

# The filters whose choices show counts: every filter but the search and the sort.
FACET_FILTERS = ("provider", "model", "scheme", "status", "country")

SORTS = {
    "name": ("service_name", "number"),
    "provider": ("provider_name", "service_name", "number"),
    "issued": ("-issued_on", "number"),
    "expiry": ("expires_on", "number"),
}


class RegistryFilter(django_filters.FilterSet):
    """Filters on registry_entries(): all live in the URL, so a search can be shared. A search without a chosen sort
    lists the best matches first."""

    q = django_filters.CharFilter(label=_("Search"), method="search")
    provider = django_filters.ModelChoiceFilter(
        label=_("Provider"),
        empty_label=_("All"),
        field_name="provider",
        to_field_name="slug",
        queryset=Provider.objects.none(),
        widget=QuickSelect,
    )
    model = django_filters.ChoiceFilter(
        label=_("Service model"),
        field_name="service_model",
        choices=ServiceModel.choices,
        empty_label=_("All"),
        widget=QuickSelect,
    )
    scheme = django_filters.ModelChoiceFilter(
        label=_("Scheme"),
        field_name="scheme",
        to_field_name="code",
        queryset=Scheme.objects.all(),
        empty_label=_("All"),
        widget=QuickSelect,
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        empty_label=_("All"),
        choices=[(s, CertificateStatus(s).label) for s in LIVE_CERTIFICATE_STATUSES],
        widget=QuickSelect,
    )
    country = django_filters.ChoiceFilter(
        label=_("Country of storage"), method="stored_in", choices=countries, empty_label=_("All"), widget=QuickSelect
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        method="sort_by",
        empty_label=None,
        widget=QuickSelect,
        choices=[
            ("name", _("Service name")),
            ("provider", _("Provider")),
            ("issued", _("Latest issued")),
            ("expiry", _("Expiry date")),
        ],
    )

    class Meta:
        model = PublicEntry
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only providers that hold a live certificate are worth offering.
        self.filters["provider"].queryset = Provider.objects.filter(
            pk__in=queries.registry_entries().order_by().values("provider_id")
        )
        # The page draws the form itself (registry/list.html), Bootstrap's classes on the controls.
        for name, field in self.form.fields.items():
            field.widget.attrs["class"] = "form-control" if name == "q" else "form-select"

    def facet_key(self) -> str | None:
        """The chosen filters that make the choices' counts, as a canonical string ("" for none), under which the
        counts are kept (selectors.registry_facets); None with a search, whose counts are read with its matches."""
        data = self.form.cleaned_data if self.is_bound else {}
        if data.get("q"):
            return None
        return _chosen_filters(data)

    def search_key(self) -> str:
        """What decides a search's matches and their order, canonical: the certificate number or the folded words as
        the search reads them (registry.public.search.words_of), the chosen filters and the sort. Two searches with
        the same key list the same entries (selectors.searched_entries keeps them under it)."""
        from registry.public.search import words_of

        data = self.form.cleaned_data
        text = data.get("q") or ""
        number = normalise_certificate_number(text)
        asked = f"number={number}" if number else "words=" + " ".join(words_of(text))
        return f"{asked}&{_chosen_filters(data)}&sort={data.get('sort') or ''}"

    def search(self, queryset, name, value: str):
        # A certificate number, however typed (snc 2026 0003, SNC20260003), finds that certificate; other text, the
        # entries the search finds (registry.public.search), best first unless a sort is chosen (applied after this).
        number = normalise_certificate_number(value)
        if number:
            return queryset.filter(number=number)
        from registry.public.search import search_entries

        return search_entries(queryset, value).order_by("-rank", *SORTS["name"])

    def stored_in(self, queryset, name, value: str):
        return queryset.filter(storage_countries__country=value)

    def sort_by(self, queryset, name, value: str):
        return queryset.order_by(*SORTS.get(value, SORTS["name"]))


def _chosen_filters(data: dict) -> str:
    """The chosen filters of the registry's list, as a canonical string ("" for none)."""
    chosen = ((name, data.get(name)) for name in FACET_FILTERS)
    return "&".join(f"{name}={getattr(value, 'pk', value)}" for name, value in chosen if value)
