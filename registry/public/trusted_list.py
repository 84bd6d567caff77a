"""The registry as a trusted list shaped after ETSI TS 119 612 (the EU's trusted lists): the scheme's information, one
trust service provider per provider, one trust service per certificate with its current status, the time that status
started and its status history, under an enveloped XAdES signature (registry.public.trusted_lists issues it).

Why one service per certificate: as in the EU lists, where a trust service re-certified under a new identity gets an
entry of its own, a renewal's new certificate is a new entry (the old one ends "superseded"); each entry's digital
identity names its certificate. The statuses: "granted" and "withdrawn" are ETSI's own URIs; the registry's other
states (suspended, expired, superseded) and its service types (IaaS, PaaS, CaaS, SaaS) are URIs under
<SITE_URL>/ns/trusted-list/, which README "For relying parties" lists.

Everything is read through the named public queries, as the snapshot is: no dossier, no reviewer, nothing private.
"""

import datetime
import hashlib

from django.conf import settings
from django.urls import reverse
from lxml import etree

from registry.certificates.choices import CertificateStatus
from registry.certificates.models import CertificateEvent
from registry.public.identifiers import certificate_urn, provider_urn, service_urn
from registry.public.selectors import path_maker, published_certificates
from registry.public.snapshot_content import canonical_json, utc
from registry.public.trusted_list_key import operator_name

TSL = "http://uri.etsi.org/02231/v2#"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ETSI = "http://uri.etsi.org/TrstSvc/TrustedList"
TSL_TAG = "http://uri.etsi.org/19612/TSLTag"
# TS 119 612 v2's list format; our content's own shape is FORMAT_VERSION (a change of it issues a new list).
TSL_VERSION = 5
FORMAT_VERSION = 1
# "No limit": the list keeps every status a certificate ever had.
HISTORICAL_INFORMATION_PERIOD = 65535
# The root's Id, which the signature's reference names.
ROOT_ID = "TrustServiceStatusList"

STATUS_URIS = {
    CertificateStatus.ACTIVE: f"{ETSI}/Svcstatus/granted",
    CertificateStatus.WITHDRAWN: f"{ETSI}/Svcstatus/withdrawn",
}
CERTIFICATE_FIELDS = (
    "pk",
    "number",
    "status",
    "issued_on",
    "expires_on",
    "scheme__code",
    "service__name",
    "service__slug",
    "service__service_model",
    "service__provider__legal_name",
    "service__provider__slug",
    "service__provider__registered_office_country",
    "service__provider__website",
)


def namespace() -> str:
    return f"{settings.SITE_URL}/ns/trusted-list"


def status_uri(status: str) -> str:
    return STATUS_URIS.get(status) or f"{namespace()}/Svcstatus/{status}"


def service_type_uri(service_model: str) -> str:
    return f"{namespace()}/Svctype/{service_model}"


def _statuses_by_certificate(certificates) -> dict[int, list[tuple[str, str]]]:
    """Each certificate's public status events, oldest first: {certificate id: [(status, time)]}, one query."""
    events = CertificateEvent.objects.filter(certificate__in=certificates.values("pk")).order_by(
        "certificate_id", "created_at", "pk"
    )
    statuses = {}
    for certificate_id, status, at in events.values_list("certificate_id", "status", "created_at"):
        statuses.setdefault(certificate_id, []).append((status, utc(at)))
    return statuses


def list_content() -> dict:
    """What the list says, its number and dates aside, as plain values: two queries whatever the registry's size.
    Its canonical JSON's digest tells whether a new issue is needed."""
    certificates = published_certificates().order_by().prefetch_related(None)
    statuses = _statuses_by_certificate(certificates)
    # One reverse() each for the whole list: one per row cost most of the content's time at 2,000 services.
    service_path, provider_path = path_maker("registry:service"), path_maker("registry:provider")
    providers = {}
    for values in certificates.values(*CERTIFICATE_FIELDS).iterator(chunk_size=2000):
        slug = values["service__provider__slug"]
        provider = providers.setdefault(
            slug,
            {
                "name": values["service__provider__legal_name"],
                "urn": provider_urn(slug),
                "country": values["service__provider__registered_office_country"] or "",
                "website": values["service__provider__website"],
                "page": settings.SITE_URL + provider_path(slug),
                "services": [],
            },
        )
        history = statuses.get(values["pk"]) or [(values["status"], values["issued_on"].isoformat() + "T00:00:00Z")]
        provider["services"].append(
            {
                "certificate": values["number"],
                "certificate_urn": certificate_urn(values["number"]),
                "service": values["service__name"],
                "service_urn": service_urn(values["service__slug"]),
                "service_model": values["service__service_model"],
                "scheme": values["scheme__code"],
                "page": settings.SITE_URL + service_path(values["service__slug"]),
                "issued_on": values["issued_on"].isoformat(),
                "expires_on": values["expires_on"].isoformat(),
                "status": values["status"],
                # The current status started with the last event; the events before it are its history.
                "since": history[-1][1],
                "history": [list(entry) for entry in history[:-1]],
            }
        )
    for provider in providers.values():
        provider["services"].sort(key=lambda service: service["certificate"])
    return {
        "format_version": FORMAT_VERSION,
        "site": settings.SITE_URL,
        "operator": operator_name(),
        "contact": settings.AGENCY_CONTACT_EMAIL,
        "territory": settings.TRUSTED_LIST_TERRITORY,
        # Sorted here, not in SQL: the database's collation may order slugs differently from Python's code points.
        "providers": [providers[slug] for slug in sorted(providers)],
    }


def content_digest(content: dict) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


# --- The XML. ---


def _element(parent, tag: str, text: str | None = None, lang: str | None = None, **attributes):
    element = etree.SubElement(parent, f"{{{TSL}}}{tag}", **attributes)
    if lang:
        element.set(XML_LANG, lang)
    if text is not None:
        element.text = text
    return element


def _names(parent, tag: str, name: str):
    names = _element(parent, tag)
    _element(names, "Name", name, lang="en")
    return names


def _uris(parent, tag: str, *uris: str, lang: str | None = "en"):
    holder = _element(parent, tag)
    for uri in uris:
        _element(holder, "URI", uri, lang=lang)
    return holder


def _address(parent, tag: str, country: str, *uris: str):
    address = _element(parent, tag)
    postal = _element(_element(address, "PostalAddresses"), "PostalAddress", lang="en")
    _element(postal, "CountryName", country)
    _uris(address, "ElectronicAddress", *uris)
    return address


def _scheme_information(root, content: dict, *, sequence: int, issued_at, next_update, list_url: str):
    info = _element(root, "SchemeInformation")
    _element(info, "TSLVersionIdentifier", str(TSL_VERSION))
    _element(info, "TSLSequenceNumber", str(sequence))
    _element(info, "TSLType", f"{namespace()}/TSLType/trusted-cloud")
    _names(info, "SchemeOperatorName", content["operator"])
    _address(info, "SchemeOperatorAddress", content["territory"], f"mailto:{content['contact']}", content["site"])
    _names(info, "SchemeName", f"{content['territory']}: trusted cloud services qualified by {content['operator']}")
    _uris(info, "SchemeInformationURI", content["site"] + reverse("registry:list"))
    _element(info, "StatusDeterminationApproach", f"{namespace()}/StatusDetn/qualification")
    _uris(info, "SchemeTypeCommunityRules", content["site"] + reverse("registry:list"))
    _element(info, "SchemeTerritory", content["territory"])
    notice = _element(info, "PolicyOrLegalNotice")
    _element(
        notice,
        "TSLLegalNotice",
        "The services listed hold, or held, the agency's trusted cloud qualification; the status of each is as "
        "the agency decided it at the time given.",
        lang="en",
    )
    _element(info, "HistoricalInformationPeriod", str(HISTORICAL_INFORMATION_PERIOD))
    _element(info, "ListIssueDateTime", utc(issued_at))
    _element(_element(info, "NextUpdate"), "dateTime", utc(next_update))
    _uris(info, "DistributionPoints", list_url, lang=None)  # the one list of URIs without a language


def _digital_identity(parent, service: dict):
    identity = _element(parent, "ServiceDigitalIdentity")
    other = _element(_element(identity, "DigitalId"), "Other")
    certificate = etree.SubElement(other, f"{{{namespace()}}}Certificate")
    certificate.set("number", service["certificate"])
    certificate.set("urn", service["certificate_urn"])
    certificate.set("service", service["service_urn"])


def _service_lines(parent, service: dict, status: str, since: str):
    _element(parent, "ServiceTypeIdentifier", service_type_uri(service["service_model"]))
    _names(parent, "ServiceName", service["service"])
    _digital_identity(parent, service)
    _element(parent, "ServiceStatus", status_uri(status))
    _element(parent, "StatusStartingTime", since)


def _service(parent, service: dict):
    entry = _element(parent, "TSPService")
    information = _element(entry, "ServiceInformation")
    _service_lines(information, service, service["status"], service["since"])
    _uris(information, "SchemeServiceDefinitionURI", _catalog_url(service["scheme"]))
    _uris(information, "TSPServiceDefinitionURI", service["page"])
    extensions = _element(information, "ServiceInformationExtensions")
    extension = _element(extensions, "Extension", Critical="false")
    validity = etree.SubElement(extension, f"{{{namespace()}}}Validity")
    validity.set("issued", service["issued_on"])
    validity.set("expires", service["expires_on"])
    validity.set("scheme", service["scheme"])
    if service["history"]:
        history = _element(entry, "ServiceHistory")
        # Newest first, as in the EU lists.
        for status, since in reversed(service["history"]):
            _service_lines(_element(history, "ServiceHistoryInstance"), service, status, since)


def _catalog_url(scheme_code: str) -> str:
    """The scheme's requirements, which define what a service of this list was qualified against."""
    return settings.SITE_URL + reverse("registry:scheme-oscal-catalog", args=[scheme_code])


def _provider(parent, provider: dict):
    entry = _element(parent, "TrustServiceProvider")
    information = _element(entry, "TSPInformation")
    _names(information, "TSPName", provider["name"])
    _names(information, "TSPTradeName", provider["urn"])
    _address(information, "TSPAddress", provider["country"], *filter(None, (provider["website"], provider["page"])))
    _uris(information, "TSPInformationURI", provider["page"])
    services = _element(entry, "TSPServices")
    for service in provider["services"]:
        _service(services, service)


def list_document(content: dict, *, sequence: int, issued_at: datetime.datetime, next_update: datetime.datetime):
    """The unsigned list: an lxml element, ready for the enveloped signature."""
    root = etree.Element(f"{{{TSL}}}TrustServiceStatusList", nsmap={None: TSL, "tcr": namespace()})
    root.set("Id", ROOT_ID)
    root.set("TSLTag", TSL_TAG)
    list_url = content["site"] + reverse("registry:trusted-list")
    _scheme_information(root, content, sequence=sequence, issued_at=issued_at, next_update=next_update,
                        list_url=list_url)  # fmt: skip
    providers = _element(root, "TrustServiceProviderList")
    for provider in content["providers"]:
        _provider(providers, provider)
    return root
