"""Read-only viewsets of the public API (/api/v1/). Each reads a named public query; none filters the registry itself."""

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

from registry.certificates.models import CertificateEvent
from registry.public import selectors as queries
from registry.public.api import querysets, serializers
from registry.public.filters import RegistryFilter

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

NOT_FOUND = OpenApiResponse(serializers.ErrorSerializer, description=_('Unknown: {"detail": "the reason"}.'))
BAD_FILTER = OpenApiResponse(
    OpenApiTypes.OBJECT, description=_('A malformed parameter: {"parameter": ["the reason"]}.')
)
FILTER_PARAMETERS = [
    OpenApiParameter("q", str, description=_("Words to find in the service's or provider's name, the number or the description.")),
    OpenApiParameter("provider", str, description=_("The provider's slug.")),
    OpenApiParameter("scheme", str, description=_("The scheme's code, e.g. secnumcloud-3.2.")),
    OpenApiParameter("country", str, description=_("ISO 3166-1 alpha-2 code of a country where data is stored.")),
]  # fmt: skip


class PublicViewSetMixin:
    http_method_names = READ_ONLY
    not_found_message = _("Not found.")

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
            "it. Same filters as the page."
        ),
        parameters=FILTER_PARAMETERS,
        responses={200: serializers.RegistryRowSerializer(many=True), 400: BAD_FILTER},
    ),
    retrieve=extend_schema(
        summary=_("A certificate, by number"),
        description=_(
            "Any certificate, in force or archived (withdrawn, expired, superseded), with its public status history."
        ),
        parameters=[ON_PARAMETER],
        responses={200: serializers.CertificateDetailSerializer, 400: BAD_FILTER, 404: NOT_FOUND},
    ),
)
@extend_schema(tags=["certificates"])
class CertificateViewSet(PublicViewSetMixin, viewsets.ReadOnlyModelViewSet):
    lookup_field = "number"
    serializer_class = serializers.RegistryRowSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = RegistryFilter
    not_found_message = _("No certificate has the number %(value)s.")

    def get_queryset(self):
        if self.action == "list":
            return queries.public_certificates()
        events = CertificateEvent.objects.only(
            "certificate_id", "status", "reason", "effective_on", "created_at"
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
        query = serializers.OnQuerySerializer(data={k: v for k, v in request.query_params.items() if k == "on" and v})
        query.is_valid(raise_exception=True)
        certificate = self.get_object()
        context = self.get_serializer_context() | {"on": query.validated_data.get("on")}
        return Response(serializers.CertificateDetailSerializer(certificate, context=context).data)

    @extend_schema(
        summary=_("The public status history of a certificate"),
        description=_("Every status the certificate took, oldest first, with the public reason and the time."),
        responses={200: serializers.CertificateEventSerializer(many=True), 404: NOT_FOUND},
    )
    @action(detail=True, pagination_class=None, filter_backends=[])
    def history(self, request, *args, **kwargs):
        certificate = self.get_object()
        return Response(serializers.CertificateEventSerializer(certificate.events.all(), many=True).data)


@extend_schema_view(
    list=extend_schema(summary=_("Services in the registry")),
    retrieve=extend_schema(
        summary=_("A service, by slug"), responses={200: serializers.ServiceSerializer, 404: NOT_FOUND}
    ),
)
@extend_schema(
    tags=["services"],
    description=_(
        "Services that hold or held a certificate, or whose dossier is listed as in process: provider, model, the "
        "certificate in force, data and site countries, and the third parties they rely on."
    ),
)
class ServiceViewSet(PublicViewSetMixin, viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    serializer_class = serializers.ServiceSerializer
    not_found_message = _("No service in the registry has the slug %(value)s.")

    def get_queryset(self):
        return querysets.services_in_full()


@extend_schema_view(
    list=extend_schema(summary=_("Providers in the registry")),
    retrieve=extend_schema(
        summary=_("A provider, by slug"), responses={200: serializers.ProviderSerializer, 404: NOT_FOUND}
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
