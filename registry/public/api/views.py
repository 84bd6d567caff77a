"""Read-only viewsets of the public API (/api/v1/). Each reads a named public query; none filters the registry itself."""

from urllib.parse import urlencode

from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.certificates.choices import LIVE_CERTIFICATE_STATUSES
from registry.certificates.models import CertificateEvent
from registry.providers.choices import ServiceModel
from registry.public import change_log
from registry.public import selectors as queries
from registry.public.api import querysets, serializers
from registry.public.api.filters import ApiRegistryFilter
from registry.public.filters import SORTS

READ_ONLY = ["get", "head", "options"]

ON_PARAMETER = OpenApiParameter(
    "on",
    OpenApiTypes.DATE,
    OpenApiParameter.QUERY,
    description=_(
        "A day, YYYY-MM-DD: the answer then carries `on`, the certificate's status at the end of that day as its "
        "public history records it, and whether it was valid (active). Before the issue date the status is null."
    ),
)

JSON = "application/json"
NOT_FOUND = OpenApiResponse(serializers.ErrorSerializer, description=_('Unknown: {"detail": "the reason"}.'))
PAGE_NOT_FOUND = OpenApiResponse(
    serializers.ErrorSerializer, description=_('A page after the last: {"detail": "the reason"}.')
)
BAD_PARAMETER = OpenApiResponse(
    {"oneOf": [serializers.PARAMETER_ERRORS, serializers.ERROR]},
    description=_(
        'A malformed parameter: {"parameter": ["the reason"]}. An address with a control character (NUL, a tab, '
        'a line break...) is refused before the API reads it: {"detail": "the reason"}.'
    ),
)
CONTROL_CHARACTER = OpenApiResponse(
    serializers.ErrorSerializer,
    description=_('An address with a control character (NUL, a tab, a line break...) is refused before the API reads it: {"detail": "the reason"}.'),
)  # fmt: skip
THROTTLED = OpenApiResponse(
    serializers.ErrorSerializer,
    description=_("Too many requests from this address: the Retry-After header says how many seconds to wait."),
)
# No address of the site may hold a control character (registry.core.middleware answers them 400 before any view).
PRINTABLE = r"^[^\u0000-\u001f\u007f]*$"
TEXT = {"type": "string", "pattern": PRINTABLE}
KEY = {"type": "string", "pattern": PRINTABLE.replace("*", "+")}
ANY = ""  # an empty value, as the registry page's form sends for "All", filters nothing


def listed(serializer):
    """The answers of a paginated list: its page, a malformed parameter (or a control character in the address), a
    page after the last, the throttle."""
    return {
        (200, JSON): serializer(many=True),
        (400, JSON): BAD_PARAMETER,
        (404, JSON): PAGE_NOT_FOUND,
        (429, JSON): THROTTLED,
    }


def one(serializer, *, bad_parameter=False):
    """The answers of one object by its key: the object, none with that key, a control character in the address (or
    a malformed ?on=), the throttle."""
    return {
        (200, JSON): serializer,
        (404, JSON): NOT_FOUND,
        (400, JSON): BAD_PARAMETER if bad_parameter else CONTROL_CHARACTER,
        (429, JSON): THROTTLED,
    }


def key_parameter(name, description):
    return OpenApiParameter(name, KEY, OpenApiParameter.PATH, description=description)


NUMBER = key_parameter(
    "number", _("The certificate's number, e.g. SNC-2026-0007 (case and surrounding spaces ignored).")
)
SLUG = key_parameter("slug", _("The slug, as in the address of its page in the registry."))


FILTER_PARAMETERS = [
    OpenApiParameter("q", TEXT, description=_("Words to find in the service's or provider's name, the number or the description.")),
    OpenApiParameter("provider", TEXT, description=_("The provider's slug; one without a certificate in force matches no row.")),
    OpenApiParameter("model", str, enum=[ANY, *ServiceModel.values], description=_("The service model.")),
    OpenApiParameter("scheme", TEXT, description=_("The scheme's code, e.g. secnumcloud-3.2; an unknown code matches no row.")),
    OpenApiParameter("status", str, enum=[ANY, *LIVE_CERTIFICATE_STATUSES], description=_("The certificate's status.")),
    OpenApiParameter("country", {"type": "string", "pattern": "^([A-Z]{2})?$"}, description=_("ISO 3166-1 alpha-2 code of a country where data is stored; a code no service stores in matches no row.")),
    OpenApiParameter("sort", str, enum=[ANY, *SORTS], description=_("The order of the rows; by service name when empty.")),
]  # fmt: skip


class PublicViewSetMixin:
    http_method_names = READ_ONLY
    not_found_message = _("Not found.")
    # Set on the lists whose length changes only with the public read model: their count is then kept per version of
    # it (registry.public.selectors.kept_count) rather than counted on every page.
    counted_by_version = False

    def count_key(self, request) -> str | None:
        """The list and its filters, as the key its count is kept under; None (counted each time) with a search, whose
        texts are endless. Only the filters the list declares make the key: other parameters are ignored by the list,
        and must not multiply what the cache keeps."""
        if not self.counted_by_version or request.query_params.get("q"):
            return None
        declared = set(self.filterset_class.base_filters) if getattr(self, "filterset_class", None) else set()
        params = sorted((k, v) for k, v in request.query_params.lists() if k in declared)
        return f"{self.basename}?{urlencode(params, doseq=True)}"

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            value = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, "")
            raise NotFound(self.not_found_message % {"value": value}) from None


@extend_schema_view(
    list=extend_schema(
        summary=_("Certified services, one row per certificate in force"),
        description=_(
            "The public registry: active and suspended certificates, each as the registry page and the exports show "
            "it. Same filters as the page; other parameters are ignored."
        ),
        parameters=FILTER_PARAMETERS,
        responses=listed(serializers.RegistryRowSerializer),
    ),
    retrieve=extend_schema(
        summary=_("A certificate, by number"),
        description=_(
            "Any certificate, in force or archived (withdrawn, expired, superseded), with its public history: its "
            "changes of status and the changes to what it covers that the agency accepted."
        ),
        parameters=[NUMBER, ON_PARAMETER],
        responses=one(serializers.CertificateDetailSerializer, bad_parameter=True),
    ),
)
@extend_schema(tags=["certificates"])
class CertificateViewSet(PublicViewSetMixin, viewsets.ReadOnlyModelViewSet):
    lookup_field = "number"
    counted_by_version = True
    serializer_class = serializers.RegistryRowSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ApiRegistryFilter
    not_found_message = _("No certificate has the number %(value)s.")

    def get_queryset(self):
        if self.action == "list":
            return queries.registry_entries()  # filtered and paged as entries, served as certificates (below)
        events = CertificateEvent.objects.only(
            "certificate_id", "status", "reason", "reason_fr", "effective_on", "created_at"
        ).order_by("created_at", "pk")
        return querysets.published_certificates().prefetch_related(Prefetch("events", queryset=events))

    def get_object(self):
        # As on /verify/<number>/: a number typed in lower case, or with spaces around it, is the same number.
        self.kwargs["number"] = self.kwargs["number"].strip().upper()
        return super().get_object()

    def filter_queryset(self, queryset):
        # The registry's filters choose rows of the list; looking a certificate up by number ignores them.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def retrieve(self, request, *args, **kwargs):
        # An empty ?on= is a malformed date (400), not a question left out.
        query = serializers.OnQuerySerializer(data={k: v for k, v in request.query_params.items() if k == "on"})
        query.is_valid(raise_exception=True)
        certificate = self.get_object()
        context = self.get_serializer_context() | {"on": query.validated_data.get("on")}
        return Response(serializers.CertificateDetailSerializer(certificate, context=context).data)

    def paginate_queryset(self, queryset):
        # A page of entries, then their certificates in the same order, with the page's surveillance dates: one query
        # each for the page's rows rather than one per row.
        page = super().paginate_queryset(queryset)
        if page is None:
            return None
        return queries.attach_surveillance(queries.certificates_in_order([entry.pk for entry in page]))

    @extend_schema(
        summary=_("The public history of a certificate"),
        description=_(
            "Every status the certificate took, with the public reason and the time, and every change to what it "
            "covers that the agency accepted, with its kind and public summary: one time line, oldest first."
        ),
        parameters=[NUMBER],
        responses=one(serializers.CertificateEventSerializer(many=True)),
    )
    @action(detail=True, pagination_class=None, filter_backends=[])
    def history(self, request, *args, **kwargs):
        certificate = queries.attach_history([self.get_object()])[0]
        return Response(serializers.CertificateEventSerializer(certificate.public_history, many=True).data)


@extend_schema_view(
    list=extend_schema(summary=_("Services in the registry"), responses=listed(serializers.ServiceSerializer)),
    retrieve=extend_schema(
        summary=_("A service, by slug"), parameters=[SLUG], responses=one(serializers.ServiceSerializer)
    ),
)
@extend_schema(
    tags=["services"],
    description=_(
        "Services that hold or held a certificate: provider, model, the certificate in force, data and site "
        "countries, the third parties they rely on, and their dossiers in process. A service in process that never "
        "held a certificate is in neither the list nor here, as it has no page in the registry: it is listed at "
        "/api/v1/in-process/."
    ),
)
class ServiceViewSet(PublicViewSetMixin, viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    counted_by_version = True
    serializer_class = serializers.ServiceSerializer
    not_found_message = _("No service in the registry has the slug %(value)s.")

    def get_queryset(self):
        return querysets.services_in_full()

    # The surveillance dates of every certificate the services hold, one query for the page (or the one service).
    def paginate_queryset(self, queryset):
        services = super().paginate_queryset(queryset)
        if services is not None:
            queries.attach_surveillance(c for service in services for c in service.held_certificates)
        return services

    def get_object(self):
        service = super().get_object()
        queries.attach_surveillance(service.held_certificates)
        return service


@extend_schema_view(
    list=extend_schema(summary=_("Providers in the registry"), responses=listed(serializers.ProviderSerializer)),
    retrieve=extend_schema(
        summary=_("A provider, by slug"), parameters=[SLUG], responses=one(serializers.ProviderSerializer)
    ),
)
@extend_schema(
    tags=["providers"],
    description=_("Providers of a service in the registry: their locations and their services with their status."),
)
class ProviderViewSet(PublicViewSetMixin, viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    serializer_class = serializers.ProviderSerializer
    not_found_message = _("No provider in the registry has the slug %(value)s.")

    def get_queryset(self):
        return querysets.public_providers()


@extend_schema_view(
    list=extend_schema(
        summary=_("Dossiers in process"),
        description=_(
            "Services in evaluation or awaiting the committee's decision, listed with their provider's consent, and "
            "the day they entered evaluation."
        ),
        responses=listed(serializers.InProcessSerializer),
    )
)
@extend_schema(tags=["in-process"])
class InProcessViewSet(PublicViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.InProcessSerializer

    def get_queryset(self):
        return queries.in_process_dossiers()


@extend_schema(exclude=True)
class NotFoundView(APIView):
    """Any other address under /api/: a JSON 404 rather than the site's HTML page."""

    def get(self, request, *args, **kwargs):
        raise NotFound(_("There is no such API endpoint. The API's description is at /api/schema/."))

    post = put = patch = delete = head = options = get


CURSOR = {"type": "string", "pattern": r"^\d{1,19}-[sc]-\d{1,19}$"}


@extend_schema(tags=["changes"])
class ChangesView(APIView):
    """The registry's public changes after a cursor, oldest first (registry.public.change_log)."""

    http_method_names = READ_ONLY

    @extend_schema(
        summary=_("What changed since a cursor"),
        description=_(
            "Every change of a certificate's status and every change the agency accepted to what a certificate "
            "covers, oldest first, each with its cursor. Keep the answer's `cursor` and ask `?since=<cursor>` next "
            "time: only what happened after it comes back. Without `since`, from the first entry. An entry is listed "
            "once it is %(settle)s seconds old, so that none ever appears behind a cursor already given."
        )
        % {"settle": change_log.SETTLE_SECONDS},
        parameters=[
            OpenApiParameter("since", CURSOR, description=_("A cursor from an earlier answer: the entries after it.")),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": change_log.MAX_LIMIT},
                description=_("At most this many entries (default %(default)s).")
                % {"default": change_log.DEFAULT_LIMIT},
            ),
        ],
        responses={
            (200, JSON): serializers.ChangesPageSerializer,
            (400, JSON): BAD_PARAMETER,
            (429, JSON): THROTTLED,
        },
    )
    def get(self, request):
        query = serializers.ChangesQuerySerializer(
            data={k: v for k, v in request.query_params.items() if k in ("since", "limit")}
        )
        query.is_valid(raise_exception=True)
        since = query.validated_data.get("since")
        limit = query.validated_data.get("limit", change_log.DEFAULT_LIMIT)
        entries, more = change_log.changes_since(since, limit)
        cursor = entries[-1]["cursor"] if entries else (str(since) if since else None)
        params = {"since": cursor, "limit": limit} if cursor else {"limit": limit}
        page = {
            "results": entries,
            "cursor": cursor,
            "more": more,
            "next": request.build_absolute_uri(f"{request.path}?{urlencode(params)}"),
        }
        return Response(serializers.ChangesPageSerializer(page).data)
