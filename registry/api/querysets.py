"""What the API publishes, composed from the named public queries of registry.queries, never filtered anew here.

The registry page, the exports and the snapshot read the same queries, so the API cannot show a service they hide.
"""

from django.db.models import Prefetch, Q

from registry import queries
from registry.models import Provider, Service, Site, ThirdParty
from registry.models.choices import LIVE_CERTIFICATE_STATUSES

IN_PROCESS = "in_process"


def published_certificates():
    """Every certificate anyone may look up by number: those in force and those archived."""
    return queries.public_certificates() | queries.archived_certificates()


def public_services():
    """The services the registry speaks of: holding or having held a certificate, or listed as in process."""
    return Service.objects.filter(
        Q(pk__in=published_certificates().values("service_id"))
        | Q(pk__in=queries.in_process_dossiers().values("service_id"))
    )


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
    """Providers with at least one public service, each with those services and what their status needs."""
    services = public_services().prefetch_related(_held_certificates(), _listed_dossiers()).order_by("name")
    return (
        Provider.objects.filter(pk__in=public_services().values("provider_id"))
        .prefetch_related(Prefetch("services", queryset=services, to_attr="public_services"))
        .order_by("legal_name")
    )


def live_certificates(service):
    return [c for c in service.held_certificates if c.status in LIVE_CERTIFICATE_STATUSES]


def certificate_status(service):
    """The status of the service's newest certificate in force, else of its last one; None when it never held one."""
    live = live_certificates(service)
    if live:
        return live[0].status
    if service.held_certificates:
        return max(service.held_certificates, key=lambda c: (c.status_changed_at, c.pk)).status
    return None


def service_status(service):
    """As the registry lists a service: its live certificate's status, else "in_process", else its last status."""
    live = live_certificates(service)
    if live:
        return live[0].status
    if getattr(service, "listed_dossiers", None):
        return IN_PROCESS
    return certificate_status(service)
