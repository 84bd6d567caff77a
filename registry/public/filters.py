"""The public registry's filters (django-filter), shared by the registry page, the exports and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from registry.catalogue.models import Scheme
from registry.certificates.choices import LIVE_CERTIFICATE_STATUSES, CertificateStatus
from registry.certificates.models import Certificate
from registry.certificates.rules import normalise_certificate_number
from registry.providers.choices import ServiceModel
from registry.providers.models import Provider, Site
from registry.public import selectors as queries
from registry.public.widgets import QuickSelect

SEARCH_FIELDS = (
    "service__name", "service__provider__legal_name", "number", "service__description", "service__description_fr",
)  # fmt: skip

SORTS = {
    "name": ("service__name", "number"),
    "provider": ("service__provider__legal_name", "service__name"),
    "issued": ("-issued_on", "number"),
    "expiry": ("expires_on", "number"),
}


class RegistryFilter(django_filters.FilterSet):
    """Filters on public_certificates(): all live in the URL, so a search can be shared."""

    q = django_filters.CharFilter(label=_("Search"), method="search")
    provider = django_filters.ModelChoiceFilter(
        label=_("Provider"),
        empty_label=_("All"),
        field_name="service__provider",
        to_field_name="slug",
        queryset=Provider.objects.none(),
        widget=QuickSelect,
    )
    model = django_filters.ChoiceFilter(
        label=_("Service model"),
        field_name="service__service_model",
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
        model = Certificate
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only providers that hold a live certificate are worth offering.
        self.filters["provider"].queryset = Provider.objects.filter(
            services__certificates__status__in=LIVE_CERTIFICATE_STATUSES
        ).distinct()

    def search(self, queryset, name, value: str):
        # A certificate number, however typed (snc 2026 0003, SNC20260003), finds that certificate; other text, each of
        # its words in a name, the number or the description.
        number = normalise_certificate_number(value)
        if number:
            return queryset.filter(number=number)
        return queries.matching_words(queryset, queries.search_words(value), SEARCH_FIELDS)

    def stored_in(self, queryset, name, value: str):
        return queryset.filter(
            service__in=Site.objects.filter(role=Site.Role.STORAGE, country=value).values("service_id")
        )

    def sort_by(self, queryset, name, value: str):
        return queryset.order_by(*SORTS.get(value, SORTS["name"]))
