"""The public registry's named reads: every public page, export, feed, API and snapshot reads through these."""

import datetime
from itertools import islice
from typing import NamedTuple
from urllib.parse import quote

from registry.public import rules
from registry.public.identifiers import certificate_urn, provider_urn, service_urn


def public_certificates():
    """The certified services: active and suspended certificates, with what a registry row shows.

    Sites are prefetched for the data-location countries, so a row costs no query of its own.
    """
    from django.db.models import Prefetch

    from registry.certificates.choices import LIVE_CERTIFICATE_STATUSES
    from registry.certificates.models import Certificate
    from registry.providers.models import Site

    data_sites = Site.objects.filter(role__in=(Site.Role.STORAGE, Site.Role.PROCESSING)).only(
        "service_id", "role", "country"
    )
    return (
        Certificate.objects.filter(status__in=LIVE_CERTIFICATE_STATUSES)
        .select_related("service__provider", "scheme")
        .prefetch_related(Prefetch("service__sites", queryset=data_sites, to_attr="data_sites"))
        .order_by("service__name", "number")
    )


def registry_entries():
    """The registry's list as the public read model holds it: the entries of active and suspended certificates, by
    service name (registry.public.filters.RegistryFilter filters and sorts them; the exports and the API read their
    certificates through certificates_of())."""
    from registry.certificates.choices import LIVE_CERTIFICATE_STATUSES
    from registry.public.models import PublicEntry

    return PublicEntry.objects.filter(status__in=LIVE_CERTIFICATE_STATUSES).order_by("service_name", "number")


def in_order(queryset, ids) -> list:
    """The rows of `queryset` with these ids, in this order (a page whose order was decided elsewhere): one query, plus
    the queryset's prefetches. An id the queryset does not hold is left out."""
    ids = list(ids)
    found = queryset.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def certificates_in_order(ids) -> list:
    """public_certificates() with these ids, in this order (a page of filtered, sorted registry entries): one query,
    and one for their data sites."""
    return in_order(public_certificates(), ids)


def certificates_in_force(day=None):
    """public_certificates() a relying party may rely on, on `day` (today): active and within their validity."""
    from django.utils import timezone

    from registry.certificates.rules import in_force_on

    return public_certificates().filter(in_force_on(day or timezone.localdate()))


def archived_certificates():
    """Certificates no longer in force: withdrawn, expired and superseded, newest change first (a total order: the
    archive's pages are read by id from either end, registry.core.paging)."""
    from registry.certificates.choices import ARCHIVED_CERTIFICATE_STATUSES
    from registry.certificates.models import Certificate

    return (
        Certificate.objects.filter(status__in=ARCHIVED_CERTIFICATE_STATUSES)
        .select_related("service__provider", "scheme")
        .order_by("-status_changed_at", "-pk")
    )


def published_certificates():
    """Every certificate anyone may look up by number: those in force and those archived."""
    return public_certificates() | archived_certificates()


def published_certificates_bare():
    """published_certificates() as one filter on the certificates' own table, nothing joined nor ordered: for EXISTS
    and IN tests."""
    from registry.certificates.choices import ARCHIVED_CERTIFICATE_STATUSES, LIVE_CERTIFICATE_STATUSES
    from registry.certificates.models import Certificate

    return Certificate.objects.filter(
        status__in=(*LIVE_CERTIFICATE_STATUSES, *ARCHIVED_CERTIFICATE_STATUSES)
    ).order_by()


def public_services():
    """The services in the registry: those that hold or held a certificate."""
    from registry.providers.models import Service

    return Service.objects.filter(pk__in=published_certificates().values("service_id"))


def listed_in_process():
    """The dossiers of services in evaluation or awaiting decision whose provider consented to be listed and whose
    evaluation contract the agency validated (admission alone lists nothing: a centre must be engaged), bare."""
    from registry.evaluation.models import EvaluationContract
    from registry.qualification.choices import DossierStatus
    from registry.qualification.models import Dossier

    return Dossier.objects.filter(
        status__in=(DossierStatus.EVALUATION, DossierStatus.DECISION),
        listed_in_process_consent=True,
        pk__in=EvaluationContract.objects.filter(state=EvaluationContract.State.VALIDATED).values("dossier_id"),
    )


def in_process_dossiers():
    """Services listed in process (listed_in_process), with the day they entered: their contract's validation."""
    from django.db.models import OuterRef, Subquery

    from registry.evaluation.models import EvaluationContract

    # A subquery per row listed rather than a join of every listed dossier's contracts: a page of 25 reads 25.
    validated = EvaluationContract.objects.filter(
        dossier_id=OuterRef("pk"), state=EvaluationContract.State.VALIDATED
    ).order_by("decided_at", "pk")
    return (
        listed_in_process()
        .select_related("service__provider", "scheme", "evaluation_center")
        .annotate(entered_process_at=Subquery(validated.values("decided_at")[:1]))
        .order_by("service__provider__legal_name", "service__name", "pk")
    )


# --- Searching the public registry (registry.public.search matches the words). ---

# The words of a search box that count (the first few: a pasted paragraph is not a search).
SEARCH_WORDS = 8

# What the public sees of a provider or a service in process: its name. Searching other fields (a description, a
# dossier's reference) would tell who matches text that is not published.
IN_PROCESS_SEARCH_FIELDS = ("service__name", "service__provider__legal_name")
PROVIDER_SEARCH_FIELDS = ("legal_name",)


def public_providers_bare():
    """The providers with a public presence (see public_providers()), without their counts: for finding which."""
    from django.db.models import Exists, OuterRef

    from registry.providers.models import Provider

    # Whether a provider has a public presence, asked of each provider read (EXISTS on the indexes of its services),
    # rather than a set of every public service's provider built first: a name search reads a few providers.
    return Provider.objects.filter(
        Exists(published_certificates_bare().filter(service__provider=OuterRef("pk")))
        | Exists(listed_in_process().filter(service__provider=OuterRef("pk")))
    )


def public_providers():
    """The providers with a public presence: a service that holds or held a certificate, or one listed as in process
    with its provider's consent. Each carries its counts of certificates in force (active or suspended), of services
    listed in process and of past certificates (`certified`, `in_process`, `past`): subqueries, so worked out for the
    rows read only (a page of the providers' index), whatever the number of providers."""
    from django.db.models import Count, IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    def per_provider(queryset):
        counted = (
            queryset.filter(service__provider=OuterRef("pk"))
            .order_by()
            .values("service__provider")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(counted, output_field=IntegerField()), 0)

    return (
        public_providers_bare()
        .annotate(
            certified=per_provider(public_certificates()),
            in_process=per_provider(listed_in_process()),
            past=per_provider(archived_certificates()),
        )
        .order_by("legal_name", "pk")
    )


def data_countries(certificate) -> list[str]:
    """ISO codes of the countries where the certified service stores or processes data (needs public_certificates)."""
    sites = getattr(certificate.service, "data_sites", None)
    if sites is None:
        from registry.providers.models import Site

        sites = certificate.service.sites.filter(role__in=(Site.Role.STORAGE, Site.Role.PROCESSING))
    return sorted({str(site.country) for site in sites})


def data_countries_by_service(service_ids) -> dict[int, list[str]]:
    """data_countries() for many services in one query, from bare values: {service id: sorted ISO codes}."""
    from registry.providers.models import Site

    found = {}
    sites = Site.objects.filter(service_id__in=service_ids, role__in=(Site.Role.STORAGE, Site.Role.PROCESSING))
    for service_id, country in sites.order_by().values_list("service_id", "country"):
        found.setdefault(service_id, set()).add(country)
    return {service_id: sorted(codes) for service_id, codes in found.items()}


# A slug no real service has: the service page's URL is reversed once around it and the real slug put in its place.
_SLUG_MARK = "service-slug-mark"


def path_maker(viewname: str):
    """A function argument -> the path of the view taking that one argument, equal to reverse()'s, with one reverse()
    in all: a list of 25 rows with three links each spent more on reverse() than on its query."""
    from django.urls import reverse
    from django.utils.http import RFC3986_SUBDELIMS

    head, tail = reverse(viewname, args=[_SLUG_MARK]).rsplit(_SLUG_MARK, 1)
    # reverse() quotes what it puts in a URL with these safe characters; a slug needs none, but the URL stays reverse()'s.
    safe = RFC3986_SUBDELIMS + "/~:@"
    return lambda value: head + quote(value, safe=safe) + tail


def service_url_maker():
    """A function slug -> absolute URL of the public service page, equal to reverse()'s, with one reverse() in all.

    A reverse() per row cost about 1 s of a 10,000-row export (profiled), more than the rest of the row."""
    from django.conf import settings

    site, path = settings.SITE_URL, path_maker("registry:service")
    return lambda slug: site + path(slug)


def with_links(entries) -> list:
    """Registry entries with the paths of their service, provider and verification pages (`service_path`,
    `provider_path`, `verify_path`), made with one reverse() each for the whole list."""
    service, provider, verify = (
        path_maker("registry:service"),
        path_maker("registry:provider"),
        path_maker("registry:verify-number"),
    )
    for entry in entries:
        entry.service_path = service(entry.service_slug)
        entry.provider_path = provider(entry.provider_slug)
        entry.verify_path = verify(entry.number)
    return entries


# A public entry's service, provider and scheme, as values() fields: shared by the registry's rows and the snapshot's
# list of services in process.
SERVICE_VALUES = (
    "service__name",
    "service__slug",
    "service__service_model",
    "service__provider__legal_name",
    "service__provider__slug",
    "scheme_id",
    "scheme__name",
    "scheme__version",
    "scheme__code",
)
# The certificate's public texts in English and French a row carries after its other columns (the CSV's last ones).
BILINGUAL_ROW_FIELDS = ("scope", "scope_fr", "conditions_fr")
# What a public row is read from: public_row() takes it from a certificate and its relations, public_rows() from
# values() rows of these certificate fields; _row() is the one place that turns it into a row.
PUBLIC_ROW_VALUES = (
    "pk", "number", "status", "service_id", *SERVICE_VALUES, "issued_on", "expires_on", "conditions",
    *BILINGUAL_ROW_FIELDS,
)  # fmt: skip


def scheme_labeller():
    """values -> the scheme's label, worked out once per scheme: Scheme.__str__ stays the one definition of it."""
    from registry.catalogue.models import Scheme

    labels = {}

    def label(values) -> str:
        found = labels.get(values["scheme_id"])
        if found is None:
            found = labels[values["scheme_id"]] = str(
                Scheme(name=values["scheme__name"], version=values["scheme__version"])
            )
        return found

    return label


def service_entry(values: dict, scheme_label: str) -> dict:
    """The service, provider and scheme part of a public entry, from SERVICE_VALUES."""
    return {
        "service": values["service__name"],
        "service_slug": values["service__slug"],
        "service_model": values["service__service_model"],
        "provider": values["service__provider__legal_name"],
        "provider_slug": values["service__provider__slug"],
        "scheme": scheme_label,
        "scheme_code": values["scheme__code"],
    }


def _iso(day) -> str | None:
    return day.isoformat() if day is not None else None


def _row(values: dict, scheme_label: str, countries: list[str], service_url, surveillance: "Surveillance") -> dict:
    # The two surveillance dates come last: the CSV's columns follow these keys, and scripts reading the columns by
    # position before the dates were added keep reading the same ones.
    return {
        "certificate": values["number"],
        "status": values["status"],
        **service_entry(values, scheme_label),
        "issued_on": values["issued_on"].isoformat(),
        "expires_on": values["expires_on"].isoformat(),
        "data_countries": countries,
        "conditions": values["conditions"],
        "url": service_url(values["service__slug"]),
        "last_surveillance_on": _iso(surveillance.last_on),
        "next_surveillance_due": _iso(surveillance.next_due),
        # Then the public texts in both languages (core.bilingual: the plain one is English), also added at the end.
        **{name: values[name] for name in BILINGUAL_ROW_FIELDS},
        # Then the stable identifiers (registry.public.identifiers), last for the same reason.
        "certificate_urn": certificate_urn(values["number"]),
        "service_urn": service_urn(values["service__slug"]),
        "provider_urn": provider_urn(values["service__provider__slug"]),
    }


def public_row(certificate) -> dict:
    """One line of the public registry, the same for the page, the CSV and JSON exports, the API and the snapshot."""
    service, provider, scheme = certificate.service, certificate.service.provider, certificate.scheme
    values = {
        "number": certificate.number,
        "status": certificate.status,
        "service__name": service.name,
        "service__slug": service.slug,
        "service__service_model": service.service_model,
        "service__provider__legal_name": provider.legal_name,
        "service__provider__slug": provider.slug,
        "scheme__code": scheme.code,
        "issued_on": certificate.issued_on,
        "expires_on": certificate.expires_on,
        "conditions": certificate.conditions,
        **{name: getattr(certificate, name) for name in BILINGUAL_ROW_FIELDS},
    }
    return _row(values, str(scheme), data_countries(certificate), service_url_maker(), surveillance_of(certificate))


def public_rows(certificates, chunk_size: int = 500):
    """public_row() of each certificate of the queryset, in its order, without building a model instance.

    One query for the certificates, read chunk_size rows at a time, and two per chunk, for their services' data sites
    and for their surveillance dates: a few queries and flat memory for any size. The rows are dicts of plain values, so nothing is left for the cyclic
    garbage collector (prefetched sites point back at their service: such cycles piled up over a whole export). On
    PostgreSQL iterator() reads through a server-side cursor (outside a transaction, a WITH HOLD one: the server keeps
    the result, the process a chunk); behind a transaction-pooling pgbouncer, where DISABLE_SERVER_SIDE_CURSORS must be
    set, the driver receives the whole result at once: still no instances, but memory then grows with the registry.
    """
    rows = certificates.prefetch_related(None).values(*PUBLIC_ROW_VALUES).iterator(chunk_size=chunk_size)
    yield from _chunked_rows(rows, chunk_size)


def registry_rows(entries, chunk_size: int = 500):
    """public_rows() of the certificates of these registry entries (filtered and sorted by RegistryFilter), in the
    entries' order: the entries' ids read chunk_size at a time, then per chunk their certificates, sites and
    surveillance dates. Flat memory and a few queries per chunk, as public_rows()."""
    from registry.certificates.models import Certificate

    ids = entries.values_list("pk", flat=True).iterator(chunk_size=chunk_size)

    def in_entry_order():
        while chunk := list(islice(ids, chunk_size)):
            found = {v["pk"]: v for v in Certificate.objects.filter(pk__in=chunk).values(*PUBLIC_ROW_VALUES)}
            yield from (found[pk] for pk in chunk if pk in found)

    yield from _chunked_rows(in_entry_order(), chunk_size)


def _chunked_rows(values_rows, chunk_size: int):
    service_url = service_url_maker()
    scheme_label = scheme_labeller()
    while chunk := list(islice(values_rows, chunk_size)):
        countries = data_countries_by_service({values["service_id"] for values in chunk})
        surveillance = surveillance_by_certificate([values["pk"] for values in chunk])
        for values in chunk:
            yield _row(
                values,
                scheme_label(values),
                countries.get(values["service_id"], []),
                service_url,
                surveillance.get(values["pk"], NO_SURVEILLANCE),
            )


# --- After qualification: the surveillance dates and the accepted changes every public face shows. ---


class Surveillance(NamedTuple):
    """A certificate's surveillance as the public sees it (certificates.selectors.surveillance_dates()): the day of the
    last audit whose outcome is recorded, and the day the next one is due (None when none, or no longer live)."""

    last_on: datetime.date | None
    next_due: datetime.date | None


NO_SURVEILLANCE = Surveillance(None, None)


def surveillance_by_certificate(certificate_ids) -> dict[int, Surveillance]:
    """{certificate id: Surveillance} for these certificates, in one query (none for no certificate)."""
    from registry.certificates.selectors import surveillance_dates

    certificate_ids = list(certificate_ids)
    if not certificate_ids:
        return {}
    return {pk: Surveillance(*dates) for pk, dates in surveillance_dates(certificate_ids).items()}


def attach_surveillance(certificates) -> list:
    """Keep each certificate's Surveillance on it as `public_surveillance`, one query for the lot: a list or a page
    then shows the dates without a query per row."""
    certificates = list(certificates)
    found = surveillance_by_certificate(c.pk for c in certificates)
    for certificate in certificates:
        certificate.public_surveillance = found.get(certificate.pk, NO_SURVEILLANCE)
    return certificates


def surveillance_of(certificate) -> Surveillance:
    """The certificate's Surveillance: the one attach_surveillance() kept on it, else read now (one query)."""
    if not hasattr(certificate, "public_surveillance"):
        attach_surveillance([certificate])
    return certificate.public_surveillance


# Of an accepted change, the public reads these and nothing else: never the notice's description, proposed record,
# documents or outcome note.
PUBLIC_CHANGE_VALUES = (
    "pk",
    "certificate_id",
    "adopted_at",
    "change_notice__kind",
    "change_notice__public_summary",
    "change_notice__public_summary_fr",
)


def accepted_changes_by_certificate(certificate_ids) -> dict[int, list[rules.PublicChange]]:
    """{certificate id: its accepted changes, oldest first} (certificates.selectors.accepted_changes()), in one query.

    `certificate_ids`: ids, or a queryset of ids (then read as a subquery)."""
    from registry.certificates.selectors import accepted_changes

    found = {}
    for pk, certificate_id, adopted_at, kind, summary, summary_fr in accepted_changes(certificate_ids).values_list(
        *PUBLIC_CHANGE_VALUES
    ):
        found.setdefault(certificate_id, []).append(rules.PublicChange(pk, adopted_at, kind, summary, summary_fr))
    return found


def attach_history(certificates, *, newest_first: bool = False) -> list:
    """Keep each certificate's public history on it as `public_history`: its status events (certificate.events.all(),
    which the caller prefetches) and its accepted changes (one query for the lot), as one time line."""
    certificates = list(certificates)
    changes = accepted_changes_by_certificate([c.pk for c in certificates]) if certificates else {}
    for certificate in certificates:
        certificate.public_history = rules.merged_history(
            certificate.events.all(), changes.get(certificate.pk, ()), newest_first=newest_first
        )
    return certificates


def latest_accepted_changes(limit: int) -> list[tuple]:
    """The latest accepted changes of the registry, newest first, as (certificate with its service, provider and
    scheme, PublicChange) pairs, in one query: the feed's entries for changes."""
    from registry.certificates.selectors import accepted_changes

    records = (
        accepted_changes(published_certificates().order_by().values("pk"))
        .select_related("certificate__service__provider", "certificate__scheme")
        # The record itself and what the notice says to the agency alone are never read for the public.
        .defer("content", *(f"change_notice__{name}" for name in PRIVATE_NOTICE_FIELDS))
        .order_by("-adopted_at", "-pk")[:limit]
    )
    return [
        (
            record.certificate,
            rules.PublicChange(
                record.pk,
                record.adopted_at,
                record.change_notice.kind,
                record.change_notice.public_summary,
                record.change_notice.public_summary_fr,
            ),
        )
        for record in records
    ]


# What a change notice holds for the provider and the agency alone (a public read never loads them).
PRIVATE_NOTICE_FIELDS = ("description", "proposed", "current", "outcome_note")


def last_events(certificates) -> dict:
    """For each certificate, its latest public event (one query for the lot)."""
    from registry.certificates.models import CertificateEvent

    latest = {}
    events = CertificateEvent.objects.filter(certificate__in=[c.pk for c in certificates]).order_by(
        "certificate_id", "-created_at", "-pk"
    )
    for event in events:
        latest.setdefault(event.certificate_id, event)
    return latest


def dependency_warnings(service, day=None) -> list:
    """public.rules.dependency_warnings() of the service on `day` (today), for its page.

    Needs service.third_parties prefetched with relies_on_service; one query for the certificates."""
    from django.utils import timezone

    from registry.certificates.models import Certificate

    relied = {t.relies_on_service_id for t in service.third_parties.all() if t.relies_on_service_id}
    held = {}
    for certificate in Certificate.objects.filter(service_id__in=relied):
        held.setdefault(certificate.service_id, []).append(certificate)
    return rules.dependency_warnings(
        service.third_parties.all(), lambda service_id: held.get(service_id, ()), day or timezone.localdate()
    )


def registry_statistics() -> dict:
    """Figures for /stats/ in the reader's language: certified services month by month, by service model, by country
    of storage, and the median days a dossier spends in each stage. Computed when the registry changes or the day
    turns, not per request (registry.public.statistics): one query while they are current."""
    from registry.public import statistics

    return statistics.for_display(statistics.current())


# How long counts are kept under one version of the read model: a version lasts until the next change of an entry;
# this only bounds what a version no longer asked for keeps in the cache.
KEPT_SECONDS = 24 * 3600
# The shape of what is kept, in every key: a release that changes a shape (the facets' providers, 2) bumps it, so that
# it never reads what the previous release kept under the same version.
KEPT_FORMAT = 2

# How long a search's matches are kept under one version of the read model. Searches are many and most are asked once;
# a popular one (a provider's name, "santé") is read from the cache until the registry changes or this time passes.
SEARCH_KEPT_SECONDS = 600


def kept(name: str, compute, seconds: int = KEPT_SECONDS):
    """compute(), kept in the cache under `name` and the read model's version (read first: what is computed after it
    is at least as new as it, never older), so that it is worked out once per version, and never served for entries
    that changed since (any save of a certificate, service, provider or site moves the version)."""
    from registry.public import read_model

    return _kept_under(f"{read_model.version()}:{name}", compute, seconds)


def kept_until_public_change(name: str, compute, seconds: int = SEARCH_KEPT_SECONDS):
    """compute(), kept in the cache under `name` until the next public change of any kind (the generation of the
    public pages, registry.public.cache: a certificate, a service, a provider, a dossier listed in process...), or
    for `seconds`. For what depends on more than the read model's entries (the names of services in process)."""
    from registry.public.cache import current_generation

    return _kept_under(f"g{current_generation()}:{_digest(name)}", compute, seconds)


def _kept_under(key: str, compute, seconds: int):
    from django.core.cache import cache

    return cache.get_or_set(f"tcr:public:f{KEPT_FORMAT}:{key}", compute, seconds)


def _digest(text: str) -> str:
    """A short fixed-length stand-in for a key made of what a visitor typed (any length, any character)."""
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:40]


def registry_figures() -> dict:
    """{status: {"services": how many entries the registry lists with it, "providers": how many providers they are
    from}} for the live statuses: the home's figures. One grouped count, kept per version of the read model."""
    from django.db.models import Count

    def figures():
        rows = (
            registry_entries()
            .order_by()
            .values("status")
            .annotate(services=Count("pk"), providers=Count("provider_id", distinct=True))
        )
        return {row["status"]: {"services": row["services"], "providers": row["providers"]} for row in rows}

    return kept("figures", figures)


def kept_count(queryset, key: str) -> int:
    """queryset.count(), kept per version of the read model under `key` (a list and its filters): for lists that
    change only when a certificate, its service or its provider does (the API's certificates and services). Counting
    a list of 100,000 services cost more than its page."""
    return kept(f"count:{key}", queryset.count)


def archived_count() -> int:
    """How many certificates the archive lists, kept per version of the read model (any save of a certificate moves
    it)."""
    return kept("archived", archived_certificates().count)


def registry_facets(entries, filters: str | None = None) -> dict:
    """How many of these (filtered) registry entries fall under each filter value: shown next to every choice.

    Counted once per version of the read model and per combination of `filters` (the filters' canonical query string,
    without search, sort or page): a visitor pays for the counts only the first time a combination is asked after a
    change. A search's counts (filters None) are counted each time (registry.public.views.pages reads them with its
    matches: searched_entries())."""
    if filters is None:
        return _count_facets(entries)
    return kept(f"facets:{filters}", lambda: _count_facets(entries))


def searched_entries(entries, key: str) -> tuple[list[int], dict]:
    """For a search: the matching entries' ids, in the list's order, and their facet counts (registry_facets()'s
    shape), from one read of the matches with their filter values and one of their storage countries, rather than the
    search run again for the count and for each filter's counts.

    Kept per version of the read model and per search (`key`: what decides the matches and their order, i.e.
    RegistryFilter.search_key()): every visitor who asks the same search before the next change of an entry reads
    them from the cache; the first pays for reading every match, which grows with the registry."""
    return kept(f"search:{_digest(key)}", lambda: _read_matches(entries), SEARCH_KEPT_SECONDS)


def _read_matches(entries) -> tuple[list[int], dict]:
    from django.db.models import Count

    from registry.public.models import PublicEntryCountry

    ids, facets = [], {"provider": {}, "model": {}, "scheme": {}, "status": {}}
    for pk, slug, name, model, scheme, status in entries.values_list(
        "pk", "provider_slug", "provider_name", "service_model", "scheme__code", "status"
    ):
        ids.append(pk)
        facets["provider"][slug] = (name, facets["provider"].get(slug, (name, 0))[1] + 1)
        for facet, value in (("model", model), ("scheme", scheme), ("status", status)):
            facets[facet][value] = facets[facet].get(value, 0) + 1
    _trim_providers(facets)
    facets["country"] = (
        dict(
            PublicEntryCountry.objects.filter(entry_id__in=ids)
            .values_list("country")
            .annotate(n=Count("entry"))
            .order_by()
        )
        if ids
        else {}
    )
    return ids, facets


def entries_in_order(ids) -> list:
    """The registry entries with these ids, in this order, with their scheme (a page of a search's matches)."""
    from registry.public.models import PublicEntry

    return in_order(PublicEntry.objects.select_related("scheme"), ids)


def _count_facets(entries) -> dict:
    from django.db.models import Count

    from registry.public.models import PublicEntryCountry

    entries = entries.order_by()

    def counts(field):
        return dict(entries.values_list(field).annotate(n=Count("pk")))

    return _trim_providers(
        {
            "provider": {
                slug: (name, n)
                for slug, name, n in entries.values_list("provider_slug", "provider_name").annotate(n=Count("pk"))
            },
            "model": counts("service_model"),
            "scheme": counts("scheme__code"),
            "status": counts("status"),
            "country": dict(
                PublicEntryCountry.objects.filter(entry__in=entries.values("pk"))
                .values_list("country")
                .annotate(n=Count("entry"))
            ),
        }
    )


# The providers a registry page offers in its filter, at most: those with the most entries (a national registry has
# thousands of providers; the search box finds any other by name).
FACET_PROVIDERS = 30


def _trim_providers(facets: dict) -> dict:
    """The FACET_PROVIDERS providers with the most entries, and how many providers there are in all
    (`providers_in_all`): what the page shows, kept and read back instead of every provider's count. A provider that
    is chosen is the only one its filtered entries have."""
    providers = facets["provider"]
    largest = sorted(providers, key=lambda slug: (-providers[slug][1], providers[slug][0]))[:FACET_PROVIDERS]
    facets["provider"] = {slug: providers[slug] for slug in largest}
    facets["providers_in_all"] = len(providers)
    return facets
