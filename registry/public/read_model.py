"""The public read model (registry.public.models.PublicEntry): one row per published certificate with what the public
lists filter, sort, search and count, so that a list page is one indexed query on one table.

Who writes it: the receivers below, in the transaction of the save they follow. A certificate, a service, a provider
or a data site saved or deleted anywhere (a service of ours, an admin inline, a shell, a test's factory) rewrites the
entries it appears in, so the rows commit with the change or not at all and no write can forget them. Only writes
that send no signal (queryset update(), bulk_create(), raw SQL) go around them: seed_bench and seed_demo call rebuild()
after theirs, and the nightly task (registry.public.tasks) compares every entry with its certificate, reports what
differed and rebuilds; `manage.py rebuild_public_entries` does the same by hand.

Every function takes the models from `apps` (the migration's historical ones) or the project's.
"""

import logging
import re
import unicodedata
from itertools import islice

from django.db import transaction

logger = logging.getLogger(__name__)

# The statuses a published certificate has: in force or suspended (the registry), archived (withdrawn, expired,
# superseded). Every certificate is published once issued; the list says which.
CHUNK = 1000
_NOT_WORD = re.compile(r"[^0-9a-z]+")
# Letters that no Unicode decomposition splits, written as French and German spell them out.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d"})


def fold(text: str) -> str:
    """Text as a search compares it: lower case, without accents, punctuation as spaces ("Santé–Cloud" -> "sante
    cloud"). The query is folded the same way (registry.public.search)."""
    decomposed = unicodedata.normalize("NFKD", (text or "").lower().translate(_LIGATURES))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _NOT_WORD.sub(" ", bare).strip()


def search_text(*, service_name, provider_name, number, description, description_fr) -> str:
    """What a search matches in an entry: the names (also written without spaces, so that "ovh cloud" finds
    "OVHcloud" and "ovhcloud" finds "OVH Cloud"), the number (with and without its dashes) and both descriptions."""
    names = [fold(service_name), fold(provider_name)]
    compact = [name.replace(" ", "") for name in names if " " in name]
    number_folded = fold(number)
    return " ".join(
        part
        for part in (
            *names,
            *compact,
            number_folded,
            number_folded.replace(" ", ""),
            fold(description),
            fold(description_fr),
        )
        if part
    )


def _model(name: str, apps=None):
    if apps is None:
        from django.apps import apps
    return apps.get_model("registry", name)


def _models(apps=None):
    return tuple(_model(name, apps) for name in ("Certificate", "Site", "PublicEntry", "PublicEntryCountry"))


_FIELDS = (
    "pk", "number", "status", "status_changed_at", "issued_on", "expires_on",
    "service_id", "service__name", "service__slug", "service__service_model", "service__description",
    "service__description_fr", "service__provider_id", "service__provider__legal_name", "service__provider__slug",
    "scheme_id",
)  # fmt: skip


def _entries(values_rows, apps=None):
    """PublicEntry and PublicEntryCountry objects (unsaved) for certificates read as values(*_FIELDS)."""
    _, Site, PublicEntry, PublicEntryCountry = _models(apps)
    values_rows = list(values_rows)
    sites = {}
    for service_id, role, country in (
        Site.objects.filter(service_id__in={v["service_id"] for v in values_rows}, role__in=("storage", "processing"))
        .order_by()
        .values_list("service_id", "role", "country")
    ):
        sites.setdefault(service_id, set()).add((role, str(country)))
    entries, countries = [], []
    for v in values_rows:
        found = sites.get(v["service_id"], set())
        entries.append(
            PublicEntry(
                certificate_id=v["pk"],
                number=v["number"],
                status=v["status"],
                status_changed_at=v["status_changed_at"],
                issued_on=v["issued_on"],
                expires_on=v["expires_on"],
                service_id=v["service_id"],
                service_name=v["service__name"],
                service_slug=v["service__slug"],
                service_model=v["service__service_model"],
                provider_id=v["service__provider_id"],
                provider_name=v["service__provider__legal_name"],
                provider_slug=v["service__provider__slug"],
                scheme_id=v["scheme_id"],
                data_countries=" ".join(sorted({country for _, country in found})),
                search_text=search_text(
                    service_name=v["service__name"],
                    provider_name=v["service__provider__legal_name"],
                    number=v["number"],
                    description=v["service__description"],
                    description_fr=v["service__description_fr"],
                ),
            )
        )
        countries.extend(
            PublicEntryCountry(entry_id=v["pk"], country=country)
            for country in sorted({country for role, country in found if role == "storage"})
        )
    return entries, countries


def _write(certificates, apps=None) -> int:
    """Write the entries of these certificates (a queryset), CHUNK at a time; returns how many."""
    _, _, PublicEntry, PublicEntryCountry = _models(apps)
    rows = certificates.order_by("pk").values(*_FIELDS).iterator(chunk_size=CHUNK)
    written = 0
    while chunk := list(islice(rows, CHUNK)):
        entries, countries = _entries(chunk, apps)
        PublicEntry.objects.bulk_create(entries, batch_size=CHUNK)
        PublicEntryCountry.objects.bulk_create(countries, batch_size=CHUNK)
        written += len(entries)
    return written


def refresh(*, certificates=(), services=(), providers=()) -> int:
    """Write anew the entries of these certificates and of every certificate of these services and providers (ids),
    in the caller's transaction: the change and its public rows commit together, or neither does."""
    from django.db.models import Q

    Certificate, _, PublicEntry, _ = _models()
    which = Q(pk__in=certificates) | Q(service_id__in=services) | Q(service__provider_id__in=providers)
    with transaction.atomic():
        affected = Certificate.objects.filter(which)
        removed, _ = PublicEntry.objects.filter(certificate__in=affected.values("pk")).delete()
        # Removed certificates (there are none in practice: a certificate is never deleted) are simply not rewritten.
        written = _write(affected)
        if removed or written:
            _bump()
        return written


# The read model's version: a counter in the same database, moved by every write of entries in that write's
# transaction, so that what is worked out from the entries (the registry's facet counts) can be kept under it and is
# never served for entries that changed since, whoever changed them.
VERSION = "entries"


def _bump(apps=None) -> None:
    from django.db.models import F
    from django.utils import timezone

    PublicFigures = _model("PublicFigures", apps)
    moved = PublicFigures.objects.filter(pk=VERSION).update(generation=F("generation") + 1, computed_at=timezone.now())
    if not moved:
        PublicFigures.objects.get_or_create(
            pk=VERSION, defaults={"generation": 1, "computed_at": timezone.now(), "data": {}}
        )


def version() -> str:
    """The read model's version now (one indexed read): changes with every write of entries. The counter and the time
    of its last move, so that a database restored from a backup (its counter back to an older number) never meets
    what was kept under that number for other entries: it meets only what was kept for those very entries."""
    from registry.public.models import PublicFigures

    found = PublicFigures.objects.filter(pk=VERSION).values_list("generation", "computed_at").first()
    return f"{found[0]}-{found[1].timestamp():.6f}" if found else "0"


def rebuild(apps=None) -> int:
    """Every entry written anew from the certificates, in one transaction (a reader sees the old rows until it
    commits). Returns how many."""
    Certificate, _, PublicEntry, _ = _models(apps)
    with transaction.atomic():
        PublicEntry.objects.all().delete()
        written = _write(Certificate.objects.all(), apps)
        _bump(apps)
        return written


def _signature(entry) -> tuple:
    return tuple(
        getattr(entry, field)
        for field in (
            "number",
            "status",
            "status_changed_at",
            "issued_on",
            "expires_on",
            "service_id",
            "service_name",
            "service_slug",
            "service_model",
            "provider_id",
            "provider_name",
            "provider_slug",
            "scheme_id",
            "data_countries",
            "search_text",
        )  # fmt: skip
    )


def drift() -> list[str]:
    """The numbers of the certificates whose entry is missing, extra or differs from what refresh() would write (a
    change made around the services: a shell, a data fix). Reads everything: for the nightly check, not a page."""
    Certificate, _, PublicEntry, PublicEntryCountry = _models()
    stored = {entry.pk: entry for entry in PublicEntry.objects.all()}
    stored_countries = {}
    for entry_id, country in PublicEntryCountry.objects.values_list("entry_id", "country"):
        stored_countries.setdefault(entry_id, set()).add(country)
    differs = []
    rows = Certificate.objects.order_by("pk").values(*_FIELDS).iterator(chunk_size=CHUNK)
    seen = set()
    while chunk := list(islice(rows, CHUNK)):
        entries, countries = _entries(chunk)
        expected_countries = {}
        for country in countries:
            expected_countries.setdefault(country.entry_id, set()).add(country.country)
        for entry in entries:
            seen.add(entry.pk)
            old = stored.get(entry.pk)
            if (
                old is None
                or _signature(old) != _signature(entry)
                or stored_countries.get(entry.pk, set()) != expected_countries.get(entry.pk, set())
            ):
                differs.append(entry.number)
    differs.extend(entry.number for pk, entry in stored.items() if pk not in seen)
    return sorted(differs)


def repair() -> list[str]:
    """drift(), then a rebuild when there is any: returns the numbers that differed (logged as a warning, since a
    public row was wrong until now)."""
    differs = drift()
    if differs:
        logger.warning(
            "The public read model differed from the certificates for %d certificate(s) (%s): rebuilt.",
            len(differs),
            ", ".join(differs[:20]),
        )
        rebuild()
    return differs


# --- The receivers: connected once, by registry.apps. ---


def _after_certificate(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh(certificates=[instance.pk])


def _after_service(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh(services=[instance.pk])


def _after_provider(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh(providers=[instance.pk])


def _after_site(sender, instance, raw=False, **kwargs):
    if not raw and instance.service_id:
        refresh(services=[instance.service_id])


def connect() -> None:
    from django.apps import apps
    from django.db.models.signals import post_delete, post_save

    for name, receiver in (
        ("Certificate", _after_certificate),
        ("Service", _after_service),
        ("Provider", _after_provider),
        ("Site", _after_site),
    ):
        model = apps.get_model("registry", name)
        post_save.connect(receiver, sender=model, dispatch_uid=f"public-read-model-saved-{name}")
    post_delete.connect(
        _after_site, sender=apps.get_model("registry", "Site"), dispatch_uid="public-read-model-site-gone"
    )
