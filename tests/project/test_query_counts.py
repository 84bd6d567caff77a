"""Every public and portal list costs the same number of queries whatever its length: a page must not slow down as
the registry grows.

Each page is read with a small world, the world grows (more rows, and more related rows per row: sites, third parties,
status history, dossiers, members, shareholders, history records), and the page is read again: the count must not
move. The page cache is off here, so that both reads render (registry/public/cache.py has its own tests). The dossier
pages are measured the same way in tests/portal/test_portal_dossier_queries.py
(test_the_number_of_queries_does_not_grow_with_the_dossier), the portal's service page in
tests/portal/test_portal_services.py.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry.certificates.models import CertificateEvent
from registry.providers.models import Invitation, Membership, Site
from registry.qualification.models import Dossier, DossierEvent
from tests import factories as f
from tests.public.test_api_queries import LIST_QUERIES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _page_cache_off(settings):
    settings.PUBLIC_CACHE_SECONDS = 0


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


class World:
    """A registry that grows by whole providers: each with certified, suspended, archived and in-process services."""

    def __init__(self):
        self.round = 0
        self.first = None

    def grow(self, providers: int):
        for _ in range(providers):
            self.round += 1
            i = self.round
            provider = f.provider()
            for k in range(1 + i % 3):  # a varying number of services per provider
                service = f.service(provider, service_model=("iaas", "paas", "saas")[k % 3])
                for role, country in ((Site.Role.STORAGE, ("FR", "DE", "NL")[i % 3]), (Site.Role.PROCESSING, "FR")):
                    Site.objects.create(service=service, role=role, country=country, city="")
                for _ in range(i % 3):
                    f.third_party(service, relies_on_service=self.first.service if self.first else None)
                certificate = f.certificate(service, status="suspended" if k == 1 else "active")
                self._history(certificate, moves=1 + i % 4)
                self.first = self.first or certificate
            archived = f.certificate(f.service(provider), status="withdrawn")
            self._history(archived, moves=2)
            dossier = f.dossier(
                f.service(provider), status=Dossier.Status.EVALUATION, listed_in_process_consent=True,
                evaluation_center=f.evaluation_center(),
            )  # fmt: skip
            DossierEvent.objects.create(
                dossier=dossier, action="admit", from_status="in_review", to_status="evaluation"
            )
            DossierEvent.objects.create(dossier=dossier, action="take", from_status="submitted", to_status="in_review")
        return self

    @staticmethod
    def after_qualification(certificate, *, changes, audits):
        """Accepted changes and surveillance audits (recorded, and one still due) of the certificate."""
        for _ in range(changes):
            f.accepted_change_record(certificate)
        for k in range(audits):
            due = certificate.issued_on + datetime.timedelta(days=365 * (k + 1))
            f.surveillance_audit_row(certificate, due_on=due, outcome="maintained" if k < audits - 1 else "")

    @staticmethod
    def _history(certificate, moves):
        start = timezone.now() - datetime.timedelta(days=100)
        statuses = ["active", "suspended"] * moves
        for n, status in enumerate(statuses[:moves] + [certificate.status]):
            CertificateEvent.objects.create(
                certificate=certificate, status=status, reason="", created_at=start + datetime.timedelta(days=n)
            )


# The public pages. Each comment lists the page's queries, which stay the same at any size.
PUBLIC_QUERIES = {
    # the read model's version (the figures below are kept under it: here, after the world grew, counted anew); the
    # registry's entries counted by status with their providers (the figures); dossiers in process counted; latest
    # decisions (events with certificate, service, provider and scheme); the accepted changes' records among them; the
    # current scheme (its ownership caps)
    "home": 6,
    # the read model's version; facets counted anew (the world grew): by provider, model, scheme, status, storage
    # country; the page of entries with their scheme (the list's length is the facets' sum); the schemes offered
    "list": 8,
    # dossiers in process counted (the paginator); the page of them with service, provider, scheme, centre and entry date
    "in-process": 2,
    # the read model's version; archived certificates counted (kept under it: here counted anew); the page's ids;
    # those certificates with service, provider and scheme; their last events
    "archive": 5,
    # the provider among those in the registry; its live certificates counted, its dossiers in process counted, its
    # archived certificates counted (one paginator each); the page of live certificates; their data sites; the page of
    # dossiers in process; the page of archived certificates
    "provider": 8,
    # the kept figures with what tells whether they are current (the newest dossier event, certificate event and
    # certificate); the world grew around the services, so they are computed again: certificates by issue day, end
    # day, status and model; storage countries; dossier stays; the copy kept (savepoint, upsert, release). When
    # current, the first query alone (tests/public/test_statistics_figures.py).
    "stats": 7,
    # the latest events with certificate, service, provider and scheme; the latest accepted changes with the same
    "feed": 2,
}


def public_url(name, world):
    if name == "provider":
        return reverse("registry:provider", args=[world.first.service.provider.slug])
    return reverse(f"registry:{name}")


@pytest.mark.parametrize("name", PUBLIC_QUERIES)
def test_public_lists_cost_the_same_at_two_sizes(client, name):
    world = World().grow(2)
    small = count(client, public_url(name, world))
    world.grow(10)
    # The provider page of a provider that grew too: more services, more certificates, more dossiers.
    for _ in range(4):
        f.certificate(f.service(world.first.service.provider))
    big = count(client, public_url(name, world))
    assert (small, big) == (PUBLIC_QUERIES[name], PUBLIC_QUERIES[name])


def test_a_verification_costs_the_same_with_a_long_history(client):
    world = World().grow(1)
    certificate = world.first
    url = reverse("registry:verify-number", args=[certificate.number])
    # the certificate with service, provider and scheme; its status events; its accepted changes; its surveillance
    # dates
    assert count(client, url) == 4
    World._history(certificate, moves=40)
    World.after_qualification(certificate, changes=5, audits=3)
    assert count(client, url) == 4
    # The service page: the service with provider; sites; third parties with the relied-on service; certificates with
    # scheme; their events; their surveillance dates; their accepted changes; the relied-on services' certificates
    # (dependency warnings)
    service_url = reverse("registry:service", args=[certificate.service.slug])
    f.third_party(certificate.service, relies_on_service=f.certificate().service)
    small = count(client, service_url)
    for _ in range(6):
        f.third_party(certificate.service, relies_on_service=f.certificate().service)
    World._history(certificate, moves=10)
    World.after_qualification(certificate, changes=3, audits=2)
    assert count(client, service_url) == small == 8


@pytest.mark.parametrize("name", LIST_QUERIES)
def test_api_lists_cost_the_same_at_two_sizes(client, name):
    # The comments on each count are in tests/public/test_api_queries.py (LIST_QUERIES).
    world = World().grow(2)
    url = reverse(f"api:{name}")
    small = count(client, url)
    world.grow(10)
    assert (small, count(client, url)) == (LIST_QUERIES[name], LIST_QUERIES[name])


# The portal's lists, for a signed-in owner. Each: the session (read from the database, or from Redis with no query
# when REDIS_URL puts sessions there), the user; on an organisation's pages, the provider and the visitor's membership
# (provider_for). Then the page's own:
PORTAL_QUERIES = {
    # memberships with their providers; pending invitations with provider and inviter
    "home": 1 + 2,
    # the services; their dossiers with scheme; their live certificates with scheme; their sites; their third parties
    # (each service's checks); the current scheme (its caps) and the shareholders (the 19.6.b checks); members counted
    # (the locations check reads the provider's own fields)
    "provider": 3 + 8,
    # the members with their users; pending invitations with their inviter
    "members": 3 + 2,
    # the statuses of the organisation's certificates (change control: a live one turns the page into a change
    # notice's way in); the current scheme (its caps); the shareholders; the services, each with whether it has sites
    # and third parties (where "Continue" leads)
    "ownership": 3 + 4,
    # the history of the provider, its shareholders, services, sites and third parties, each with its author
    "history": 3 + 5,
}


def portal_url(name, provider):
    return reverse("portal:home") if name == "home" else reverse(f"portal:{name}", args=[provider.slug])


def grow_organisation(provider, owner, scheme, size):
    for i in range(size):
        service = f.service(provider)
        f.eu_sites(service)
        f.third_party(service)
        f.dossier(service, scheme, status="submitted")
        f.certificate(service, scheme)
        f.shareholder(provider, name=f"Holder {f.n()}", capital_percent=1, voting_percent=1)
        f.member(provider, ("viewer", "editor")[i % 2])
        Invitation.objects.create(provider=provider, email=f"new{f.n()}@example.org", role="viewer", invited_by=owner)
        # Another organisation of the same owner, with an invitation waiting: the home page lists both.
        other = f.provider()
        Membership.objects.create(user=owner, provider=other, role="viewer")
        Invitation.objects.create(provider=other, email=owner.email, role="editor", invited_by=owner)


@pytest.mark.parametrize("name", PORTAL_QUERIES)
def test_portal_lists_cost_the_same_at_two_sizes(client, settings, provider, owner, scheme, name):
    expected = PORTAL_QUERIES[name] + (0 if settings.SESSION_ENGINE.endswith("cached_db") else 1)
    grow_organisation(provider, owner, scheme, 2)
    client.force_login(owner)
    small = count(client, portal_url(name, provider))
    grow_organisation(provider, owner, scheme, 10)
    assert (small, count(client, portal_url(name, provider))) == (expected, expected)
