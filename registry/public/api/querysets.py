"""What the API publishes, composed from the named public queries of registry.public.selectors, never filtered anew here.

The registry page, the exports and the snapshot read the same queries, so the API cannot show a service they hide.
"""

from django.db.models import Prefetch, Q
from django.utils import timezone

from registry.certificates import rules as certificate_rules
from registry.certificates.choices import LIVE_CERTIFICATE_STATUSES
from registry.providers.models import Provider, Service, Site, ThirdParty
from registry.public import rules as public_rules
from registry.public import selectors as queries

IN_PROCESS = "in_process"


published_certificates = queries.published_certificates
public_services = queries.public_services


def _held_certificates(to_attr="held_certificates"):
    # Newest first; live ones keep the data sites public_certificates() prefetches, so public_row costs no query.
    return Prefetch("certificates", queryset=published_certificates().order_by("-issued_on", "-pk"), to_attr=to_attr)


def _listed_dossiers():
    return Prefetch("dossiers", queryset=queries.in_process_dossiers(), to_attr="listed_dossiers")


def services_in_full():
    """public_services() with all a service's public page shows, in a fixed number of queries whatever their number."""
    relied_on = ThirdParty.objects.select_related("relies_on_service__provider").prefetch_related(
        Prefetch(
            "relies_on_service__certificates",
            queryset=published_certificates().order_by("-issued_on", "-pk"),
            to_attr="held_certificates",
        )
    )
    return (
        public_services()
        .select_related("provider")
        .prefetch_related(
            _held_certificates(),
            _listed_dossiers(),
            Prefetch("sites", queryset=Site.objects.only("service_id", "role", "country"), to_attr="public_sites"),
            Prefetch("third_parties", queryset=relied_on.order_by("name", "pk"), to_attr="public_third_parties"),
        )
        .order_by("provider__legal_name", "name")
    )


def public_providers():
    """Providers of a public service, each with its public services and its services listed in process."""
    services = (
        Service.objects.filter(
            Q(pk__in=published_certificates().values("service_id"))
            | Q(pk__in=queries.in_process_dossiers().values("service_id"))
        )
        .prefetch_related(_held_certificates(), _listed_dossiers())
        .order_by("name", "pk")
    )
    return (
        Provider.objects.filter(pk__in=public_services().values("provider_id"))
        .prefetch_related(Prefetch("services", queryset=services, to_attr="registry_services"))
        .order_by("legal_name")
    )


def live_certificates(service):
    return [c for c in service.held_certificates if c.status in LIVE_CERTIFICATE_STATUSES]


def certificate_status(service):
    """The status today of the service's newest certificate (as the dependency warnings judge it); None if none."""
    latest = public_rules.newest_certificate(service.held_certificates)
    return certificate_rules.live_status(latest, timezone.localdate()) if latest is not None else None


def dependency_warnings(service):
    """public.rules.dependency_warnings() of the service today, as on its page, read from what services_in_full()
    prefetched rather than one query more per service."""
    held = {
        tp.relies_on_service_id: tp.relies_on_service.held_certificates
        for tp in service.public_third_parties
        if tp.relies_on_service_id
    }
    return public_rules.dependency_warnings(
        service.public_third_parties, lambda service_id: held[service_id], timezone.localdate()
    )


def service_status(service):
    """As the registry lists a service: its live certificate's status, else "in_process", else its last status."""
    live = live_certificates(service)
    if live:
        return live[0].status
    if service.listed_dossiers:
        return IN_PROCESS
    return certificate_status(service)
