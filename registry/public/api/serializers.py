"""Read-only serializers of the public API. The fields are declared for the OpenAPI schema; the values come from
registry.public.selectors (public_row, data_countries) and registry.certificates.selectors (status_on), the same
functions the pages and the exports call."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registry.certificates.choices import CertificateStatus, ChangeKind
from registry.certificates.selectors import status_on
from registry.providers.choices import ServiceModel
from registry.providers.models import Site, ThirdParty
from registry.public import selectors as queries
from registry.public.api import querysets
from registry.public.change_log import MAX_LIMIT as MAX_CHANGES
from registry.public.change_log import Cursor
from registry.public.identifiers import certificate_urn, provider_urn, service_urn
from registry.public.rules import CHANGE, STATUS, HistoryEntry
from registry.qualification.models import Dossier

SERVICE_STATUSES = [*CertificateStatus.choices, (querysets.IN_PROCESS, _("In process"))]
HISTORY_ENTRY_TYPES = [
    (STATUS, _("A change of status")),
    (CHANGE, _("An accepted change to what the certificate covers")),
]


# The stable identifiers (registry.public.identifiers), described once for every serializer that carries one.
URN_HELP = {
    "certificate": _("The certificate's stable identifier, urn:tcr:certificate:<number>: never changes shape."),
    "service": _("The service's stable identifier, urn:tcr:service:<slug>: kept when the service is renamed."),
    "provider": _("The provider's stable identifier, urn:tcr:provider:<slug>: kept when the provider is renamed."),
}


def _urn_field(kind: str, key: str):
    """A read-only field with the URN of `kind` built from the object's attribute `key`."""
    make = {"certificate": certificate_urn, "service": service_urn, "provider": provider_urn}[kind]
    return _UrnField(make, source=key, help_text=URN_HELP[kind])


class _UrnField(serializers.CharField):
    def __init__(self, make, **kwargs):
        super().__init__(read_only=True, **kwargs)
        self.make = make

    def to_representation(self, value):
        return self.make(value)


def _site_url(name, slug):
    return settings.SITE_URL + reverse(name, args=[slug])


def _countries(field_label):
    return serializers.ListField(child=serializers.CharField(), help_text=field_label)


class RegistryRowSerializer(serializers.Serializer):
    """One line of the public registry. Its values are queries.public_row's, so the page, the CSV and JSON exports, the
    API and the snapshot cannot drift apart; the fields below only describe them for the schema."""

    certificate = serializers.CharField(help_text=_("Certificate number, e.g. SNC-2026-0007."))
    status = serializers.ChoiceField(choices=CertificateStatus.choices, help_text=_("Status of the certificate."))
    service = serializers.CharField(help_text=_("Name of the certified service."))
    service_slug = serializers.SlugField()
    service_model = serializers.ChoiceField(choices=ServiceModel.choices)
    provider = serializers.CharField(help_text=_("Legal name of the provider."))
    provider_slug = serializers.SlugField()
    scheme = serializers.CharField(help_text=_("Scheme and version, e.g. SecNumCloud 3.2."))
    scheme_code = serializers.CharField(help_text=_("Scheme code, e.g. secnumcloud-3.2."))
    issued_on = serializers.DateField()
    expires_on = serializers.DateField()
    data_countries = _countries(_("ISO 3166-1 codes of the countries where data is stored or processed."))
    conditions = serializers.CharField(
        allow_blank=True, help_text=_("Public conditions and reserves of the certificate; empty when there are none.")
    )
    url = serializers.URLField(help_text=_("The service's page in the public registry."))
    last_surveillance_help = _("The day of the last surveillance audit whose outcome is recorded; null when none yet.")
    next_surveillance_help = _(
        "The day the next surveillance audit is due; null when none is planned or the certificate is no longer live."
    )
    last_surveillance_on = serializers.DateField(allow_null=True, help_text=last_surveillance_help)
    next_surveillance_due = serializers.DateField(allow_null=True, help_text=next_surveillance_help)
    # The public texts people write, in English (the plain field) and in French (`_fr`); either may be empty.
    scope = serializers.CharField(allow_blank=True, help_text=_("The scope of the qualification, in English."))
    scope_fr = serializers.CharField(allow_blank=True, help_text=_("The scope of the qualification, in French."))
    conditions_fr = serializers.CharField(
        allow_blank=True, help_text=_("The conditions and reserves in French; empty when none or not translated.")
    )
    certificate_urn = serializers.CharField(help_text=URN_HELP["certificate"])
    service_urn = serializers.CharField(help_text=URN_HELP["service"])
    provider_urn = serializers.CharField(help_text=URN_HELP["provider"])

    def to_representation(self, instance):
        return queries.public_row(instance)


class AcceptedChangeSerializer(serializers.Serializer):
    """An accepted change to what the certificate covers: its kind and the agency's public summary, nothing else of the
    provider's notice."""

    kind = serializers.ChoiceField(choices=ChangeKind.choices, help_text=_("What the change touched."))
    summary = serializers.CharField(
        allow_blank=True, help_text=_("The agency's public summary of the change; empty when none was written.")
    )
    summary_fr = serializers.CharField(
        allow_blank=True, help_text=_("The public summary in French; empty when none was written.")
    )


class CertificateEventSerializer(serializers.Serializer):
    """One entry of a certificate's public history: a change of status, or a change to what the certificate covers
    that the agency accepted (`type`). The actor, the agency's internal note and the provider's notice are never
    published."""

    type = serializers.ChoiceField(
        choices=HISTORY_ENTRY_TYPES,
        help_text=_(
            "A change of status, or an accepted change (then `status` is null and `change` says what changed)."
        ),
    )
    status = serializers.ChoiceField(
        choices=CertificateStatus.choices, allow_null=True, help_text=_("The new status; null for an accepted change.")
    )
    reason = serializers.CharField(
        allow_blank=True, help_text=_("The public reason of a change of status; empty when none was given.")
    )
    reason_fr = serializers.CharField(
        allow_blank=True, help_text=_("The public reason in French; empty when none was given in French.")
    )
    time = serializers.DateTimeField(help_text=_("When the status changed, or when the change was accepted."))
    effective_on = serializers.DateField(
        allow_null=True,
        help_text=_("The day the change took effect, when the agency recorded one apart from its time (a suspension)."),
    )
    change = AcceptedChangeSerializer(allow_null=True, help_text=_("The accepted change; null for a change of status."))

    def to_representation(self, instance):
        """`instance` is a public_rules.HistoryEntry, or a bare CertificateEvent (a status event)."""
        if not isinstance(instance, HistoryEntry):
            instance = HistoryEntry(instance.created_at, event=instance)
        time = serializers.DateTimeField().to_representation(instance.at)
        if instance.event is not None:
            event = instance.event
            effective_on = event.effective_on.isoformat() if event.effective_on else None
            return {"type": STATUS, "status": event.status, "reason": event.reason, "reason_fr": event.reason_fr,
                    "time": time, "effective_on": effective_on, "change": None}  # fmt: skip
        change = instance.change
        change = {"kind": change.kind, "summary": change.summary, "summary_fr": change.summary_fr}
        return {"type": CHANGE, "status": None, "reason": "", "reason_fr": "", "time": time, "effective_on": None,
                "change": change}  # fmt: skip


class ChangeEntrySerializer(CertificateEventSerializer):
    """One entry of /api/v1/changes/: an entry of a certificate's public history (CertificateEventSerializer's
    fields), the certificate it is about and their identifiers, and its cursor (registry.public.change_log)."""

    cursor = serializers.CharField(help_text=_("This entry's place: ask ?since=<cursor> for the entries after it."))
    certificate = serializers.CharField(help_text=_("The certificate's number."))
    certificate_urn = serializers.CharField(help_text=URN_HELP["certificate"])
    service_urn = serializers.CharField(help_text=URN_HELP["service"])
    provider_urn = serializers.CharField(help_text=URN_HELP["provider"])

    def get_fields(self):
        fields = super().get_fields()
        first = ("cursor", "certificate", "certificate_urn", "service_urn", "provider_urn")
        return {name: fields[name] for name in first} | {k: v for k, v in fields.items() if k not in first}

    def to_representation(self, entry):
        """`entry`: a dict of registry.public.change_log.changes_since()."""
        effective_on = entry["effective_on"]
        return {
            **{
                name: entry[name]
                for name in ("cursor", "certificate", "certificate_urn", "service_urn", "provider_urn")
            },
            "type": entry["type"],
            "status": entry["status"],
            "reason": entry["reason"],
            "reason_fr": entry["reason_fr"],
            "time": serializers.DateTimeField().to_representation(entry["time"]),
            "effective_on": effective_on.isoformat() if effective_on else None,
            "change": entry["change"],
        }


class ChangesPageSerializer(serializers.Serializer):
    results = ChangeEntrySerializer(many=True, help_text=_("The entries after the cursor asked for, oldest first."))
    cursor = serializers.CharField(
        allow_null=True,
        help_text=_("The last entry's cursor (the one asked for when no entry came after it; null before any entry)."),
    )
    more = serializers.BooleanField(help_text=_("Whether more entries are there already: ask `next` at once."))
    next = serializers.URLField(help_text=_("The address to ask next: the entries after this page's last one."))


class ChangesQuerySerializer(serializers.Serializer):
    """The ?since= and ?limit= parameters of /api/v1/changes/, validated so that a malformed one answers 400."""

    since = serializers.CharField(required=False, allow_blank=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_CHANGES)

    def validate_since(self, value):
        try:
            return Cursor.parse(value)
        except ValueError:
            raise serializers.ValidationError(
                _("Not a cursor this API gave: use one of its answers' cursors.")
            ) from None


class StatusOnSerializer(serializers.Serializer):
    date = serializers.DateField()
    status = serializers.ChoiceField(
        choices=CertificateStatus.choices,
        allow_null=True,
        help_text=_("Status at the end of that day, from the public history; null before the certificate was issued."),
    )
    valid = serializers.BooleanField(help_text=_("Whether the certificate was active on that day."))


class CertificateDetailSerializer(RegistryRowSerializer):
    status_since = serializers.DateTimeField(help_text=_("When the certificate entered its current status."))
    history = CertificateEventSerializer(
        many=True,
        help_text=_(
            "The public history, oldest first: its changes of status and the accepted changes to what it covers."
        ),
    )
    on = StatusOnSerializer(
        required=False, help_text=_("Only with ?on=YYYY-MM-DD: the status of the certificate on that day.")
    )

    def to_representation(self, instance):
        events = list(instance.events.all())
        data = super().to_representation(instance)
        data["status_since"] = serializers.DateTimeField().to_representation(instance.status_changed_at)
        data["history"] = CertificateEventSerializer(
            queries.attach_history([instance])[0].public_history, many=True
        ).data
        day = self.context.get("on")
        if day is not None:
            status = status_on(instance, day, events=events)
            data["on"] = {"date": day.isoformat(), "status": status, "valid": status == CertificateStatus.ACTIVE}
        return data


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


# The schema of a 400: each malformed parameter with its reasons, e.g. {"page": ["Enter a whole number from 1, ..."]}.
PARAMETER_ERRORS = {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}
# ErrorSerializer's shape written out, for a 400 that may be either (registry.core.middleware's refusal of a control
# character in the address, or PARAMETER_ERRORS): {"detail": "the reason"}.
ERROR = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}


class OnQuerySerializer(serializers.Serializer):
    """The ?on= parameter of a certificate, validated so that a malformed date answers 400 with the reason."""

    on = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])


class ProviderRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField(source="legal_name")
    urn = _urn_field("provider", "slug")


class HeldCertificateSerializer(serializers.Serializer):
    number = serializers.CharField()
    urn = _urn_field("certificate", "number")
    status = serializers.ChoiceField(choices=CertificateStatus.choices)
    scheme_code = serializers.CharField(source="scheme.code")
    issued_on = serializers.DateField()
    expires_on = serializers.DateField()
    status_since = serializers.DateTimeField(source="status_changed_at")
    last_surveillance_on = serializers.SerializerMethodField(help_text=RegistryRowSerializer.last_surveillance_help)
    next_surveillance_due = serializers.SerializerMethodField(help_text=RegistryRowSerializer.next_surveillance_help)

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_last_surveillance_on(self, certificate):
        day = queries.surveillance_of(certificate).last_on
        return day.isoformat() if day else None

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_next_surveillance_due(self, certificate):
        day = queries.surveillance_of(certificate).next_due
        return day.isoformat() if day else None


class InProcessStageSerializer(serializers.Serializer):
    scheme = serializers.CharField(help_text=_("Scheme and version, e.g. SecNumCloud 3.2."))
    scheme_code = serializers.CharField(source="scheme.code")
    kind = serializers.ChoiceField(choices=Dossier.Kind.choices)
    stage = serializers.ChoiceField(
        choices=[(s, Dossier.Status(s).label) for s in (Dossier.Status.EVALUATION, Dossier.Status.DECISION)],
        source="status",
    )
    entered_on = serializers.SerializerMethodField(help_text=_("The day the dossier entered evaluation."))

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_entered_on(self, dossier):
        when = dossier.entered_process_at
        return timezone.localdate(when).isoformat() if when else None


class ServiceRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    urn = _urn_field("service", "slug")
    service_model = serializers.ChoiceField(choices=ServiceModel.choices)


class InProcessSerializer(InProcessStageSerializer):
    """A dossier in evaluation or awaiting decision whose provider consented to be listed: nothing internal."""

    service = ServiceRefSerializer(help_text=_("The service; /api/v1/services/<slug>/ once it holds a certificate."))
    provider = ProviderRefSerializer(source="service.provider")

    def get_fields(self):
        fields = super().get_fields()
        return {"service": fields["service"], "provider": fields["provider"]} | fields


class RelianceSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    urn = _urn_field("service", "slug")
    name = serializers.CharField()
    provider = serializers.CharField(source="provider.legal_name")
    status = serializers.SerializerMethodField(
        help_text=_("Status of its latest certificate; null when it holds none.")
    )

    @extend_schema_field(serializers.ChoiceField(choices=CertificateStatus.choices, allow_null=True))
    def get_status(self, service):
        return querysets.certificate_status(service)


class ThirdPartySerializer(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=ThirdParty.Kind.choices)
    country_of_control = serializers.CharField(help_text=_("ISO 3166-1 code."))
    relies_on = serializers.SerializerMethodField(help_text=_("The qualified service this third party provides."))

    @extend_schema_field(RelianceSerializer(allow_null=True))
    def get_relies_on(self, third_party):
        relied = third_party.relies_on_service
        return RelianceSerializer(relied).data if relied is not None else None


class DependencyWarningSerializer(serializers.Serializer):
    third_party = serializers.CharField(source="third_party.name")
    service = serializers.SlugField(source="service.slug", help_text=_("Slug of the qualified service relied on."))
    status = serializers.ChoiceField(
        choices=CertificateStatus.choices,
        allow_null=True,
        help_text=_("Status of its latest certificate; null when it holds none."),
    )


SiteCountriesSerializer = type(
    "SiteCountriesSerializer",
    (serializers.Serializer,),
    {role: _countries(label) for role, label in Site.Role.choices},
)


class ServiceSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    urn = _urn_field("service", "slug")
    name = serializers.CharField()
    service_model = serializers.ChoiceField(choices=ServiceModel.choices)
    description = serializers.CharField(allow_blank=True, help_text=_("Empty when the provider wrote none."))
    description_fr = serializers.CharField(
        allow_blank=True, help_text=_("The description in French; empty when the provider wrote none.")
    )
    provider = ProviderRefSerializer()
    status = serializers.SerializerMethodField()
    certificate = serializers.SerializerMethodField(
        help_text=_("The certificate in force (the newest one when several), as a row of the registry; or null.")
    )
    certificates = serializers.SerializerMethodField(help_text=_("Every certificate the service holds or held."))
    in_process = InProcessStageSerializer(many=True, source="listed_dossiers")
    data_countries = serializers.SerializerMethodField()
    site_countries = serializers.SerializerMethodField(help_text=_("Countries of the service's sites, by role."))
    third_parties = ThirdPartySerializer(many=True, source="public_third_parties")
    dependency_warnings = serializers.SerializerMethodField(
        help_text=_(
            "Qualified services this one relies on whose latest certificate is not active (or which hold none): "
            "the warning of the service's page."
        )
    )
    url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=SERVICE_STATUSES, allow_null=True))
    def get_status(self, service):
        return querysets.service_status(service)

    @extend_schema_field(RegistryRowSerializer(allow_null=True))
    def get_certificate(self, service):
        live = querysets.live_certificates(service)
        return RegistryRowSerializer(live[0]).data if live else None

    @extend_schema_field(HeldCertificateSerializer(many=True))
    def get_certificates(self, service):
        return HeldCertificateSerializer(service.held_certificates, many=True).data

    @extend_schema_field(_countries(_("ISO codes of the countries where data is stored or processed.")))
    def get_data_countries(self, service):
        data_roles = (Site.Role.STORAGE, Site.Role.PROCESSING)
        return sorted({str(site.country) for site in service.public_sites if site.role in data_roles})

    @extend_schema_field(SiteCountriesSerializer)
    def get_site_countries(self, service):
        by_role = {role: set() for role in Site.Role.values}
        for site in service.public_sites:
            by_role[site.role].add(str(site.country))
        return {role: sorted(countries) for role, countries in by_role.items()}

    @extend_schema_field(DependencyWarningSerializer(many=True))
    def get_dependency_warnings(self, service):
        return DependencyWarningSerializer(querysets.dependency_warnings(service), many=True).data

    @extend_schema_field(serializers.URLField())
    def get_url(self, service):
        return _site_url("registry:service", service.slug)


class ProviderServiceSerializer(ServiceRefSerializer):
    status = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=SERVICE_STATUSES, allow_null=True))
    def get_status(self, service):
        return querysets.service_status(service)


class ProviderInProcessSerializer(InProcessStageSerializer):
    service = ServiceRefSerializer()

    def get_fields(self):
        fields = super().get_fields()
        return {"service": fields["service"]} | fields


def _country_of(source):
    return serializers.CharField(source=source, allow_blank=True, help_text=_("ISO 3166-1 code; empty if not given."))


class LocationsSerializer(serializers.Serializer):
    registered_office = _country_of("registered_office_country")
    central_administration = _country_of("central_administration_country")
    principal_establishment = _country_of("principal_establishment_country")


@extend_schema_field(
    {"type": "string", "anyOf": [{"format": "uri"}, {"maxLength": 0}]},
)
class BlankOrURLField(serializers.CharField):
    """A URL or "" (a model's URLField with blank=True): the schema says both, so "" is not taken for a broken URL."""


class ProviderSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    urn = _urn_field("provider", "slug")
    name = serializers.CharField(source="legal_name")
    registration_id = serializers.CharField(
        allow_blank=True, help_text=_("A SIREN, a VAT number or the like; empty if not given.")
    )
    website = BlankOrURLField(allow_blank=True, help_text=_("The provider's website; empty if not given."))
    description = serializers.CharField(allow_blank=True, help_text=_("Empty when the provider wrote none."))
    description_fr = serializers.CharField(
        allow_blank=True, help_text=_("The description in French; empty when the provider wrote none.")
    )
    locations = LocationsSerializer(source="*", help_text=_("ISO codes of the countries of rule 19.6.a."))
    services = serializers.SerializerMethodField(help_text=_("Its services in the registry, with their status."))
    in_process = serializers.SerializerMethodField(help_text=_("Its dossiers listed as in process."))
    url = serializers.SerializerMethodField()

    @extend_schema_field(ProviderServiceSerializer(many=True))
    def get_services(self, provider):
        public = [s for s in provider.registry_services if s.held_certificates]
        return ProviderServiceSerializer(public, many=True).data

    @extend_schema_field(ProviderInProcessSerializer(many=True))
    def get_in_process(self, provider):
        dossiers = [d for s in provider.registry_services for d in s.listed_dossiers]
        return ProviderInProcessSerializer(dossiers, many=True).data

    @extend_schema_field(serializers.URLField())
    def get_url(self, provider):
        return _site_url("registry:provider", provider.slug)
