"""The figures of /stats/, computed when the registry changes rather than per request.

compute() reads them from the database: certified services at the end of each month (today for the current one), by
service model and by country of storage, and the median days a dossier spends in each stage. current() serves the copy
kept in PublicFigures (name "statistics") while it is still true: computed today (the month-by-month series ends
today), at the current registry generation (registry.public.cache: every public change bumps it after its commit), and
with no dossier event, certificate or certificate event written since (a dossier taken into review changes the medians
without being a public change; a row written around the services changes the figures without a bump). Otherwise it
computes them, keeps them and returns them. The public task refresh_public_statistics() does the same after each
public change and just after midnight, so that visitors seldom pay for it.

The kept data is JSON and speaks no language: service model values, country codes, dossier status values, ISO dates.
for_display() gives the page's words in the reader's language, so one copy serves English and French.
"""

import bisect
import datetime
import logging
import statistics as stats_math

from django.db import DatabaseError, connection, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

logger = logging.getLogger(__name__)

NAME = "statistics"
# The shape of the kept data: a copy of another shape is computed anew, never read.
FORMAT = 1
MONTHS = 24

# The stages of a dossier whose stays are measured, in the order of the page.
STAGES = ("submitted", "in_review", "changes_requested", "evaluation", "decision")


# --- Computing ---


def compute(*, today: datetime.date | None = None, marker: list | None = None, months: int = MONTHS) -> dict:
    """The statistics as JSON-able data, read now: four queries whatever the registry's size (three when the caller
    read the marker), and a sweep over the certificates' sorted start and end days for the months."""
    today = today or _today()
    if marker is None:
        marker = _marker()  # before the figures: a row written while they are read makes the copy stale, never wrong
    spans, by_model = _certificates()
    return {
        "format": FORMAT,
        "today": today.isoformat(),
        "marker": marker,
        "over_time": [[day.isoformat(), count] for day, count in _over_time(spans, today, months)],
        "by_model": by_model,
        "by_country": _by_country(),
        "median_days": _median_days(),
    }


# The newest dossier event with a status, certificate event and certificate (their ids): rows that change the figures
# without a public change (a dossier taken into review moves the medians; a row written around the services). Three
# backward walks of a primary key, on PostgreSQL and SQLite alike.
MARKER_COLUMNS = (
    "(SELECT {dossier_events_pk} FROM {dossier_events} WHERE to_status <> '' "
    "ORDER BY {dossier_events_pk} DESC LIMIT 1), "
    "(SELECT {certificate_events_pk} FROM {certificate_events} ORDER BY {certificate_events_pk} DESC LIMIT 1), "
    "(SELECT {certificates_pk} FROM {certificates} ORDER BY {certificates_pk} DESC LIMIT 1)"
)


def _tables() -> dict:
    from registry.certificates.models import Certificate, CertificateEvent
    from registry.public.models import PublicFigures
    from registry.qualification.models import DossierEvent

    models = {
        "dossier_events": DossierEvent,
        "certificate_events": CertificateEvent,
        "certificates": Certificate,
        "figures": PublicFigures,
    }
    quote = connection.ops.quote_name
    return {name: quote(model._meta.db_table) for name, model in models.items()} | {
        f"{name}_pk": quote(model._meta.pk.column) for name, model in models.items()
    }


def _marker() -> list:
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + MARKER_COLUMNS.format(**_tables()))
        return list(cursor.fetchone())


def _certificates():
    """(issued day, ended day or None, count) for every certificate, and the live ones by service model: one query
    grouped by those days, status and model (a few thousand rows for tens of thousands of certificates)."""
    from registry.certificates.choices import LIVE_CERTIFICATE_STATUSES, CertificateStatus
    from registry.certificates.models import Certificate, CertificateEvent
    from registry.providers.choices import ServiceModel

    ended = (CertificateStatus.WITHDRAWN, CertificateStatus.EXPIRED, CertificateStatus.SUPERSEDED)
    # The local day of the certificate's first event ending it, computed by the database.
    first_end = (
        CertificateEvent.objects.filter(certificate=OuterRef("pk"), status__in=ended)
        .order_by("created_at", "pk")
        .values("created_at")[:1]
    )
    rows = (
        Certificate.objects.order_by()
        .annotate(ended_on=TruncDate(Subquery(first_end), tzinfo=timezone.get_default_timezone()))
        .values_list("issued_on", "ended_on", "status", "service__service_model")
        .annotate(n=Count("pk"))
    )
    spans, live_by_model = [], {}
    for issued, ended_on, status, model, count in rows:
        spans.append((issued, ended_on, count))
        if status in LIVE_CERTIFICATE_STATUSES:
            live_by_model[model] = live_by_model.get(model, 0) + count
    return spans, [[value, live_by_model.get(value, 0)] for value in ServiceModel.values]


def _today() -> datetime.date:
    # The registry's day (TIME_ZONE), whoever asks: one copy serves everyone.
    return timezone.localdate(timezone=timezone.get_default_timezone())


def _month_ends(today: datetime.date, months: int) -> list[datetime.date]:
    """The last day of each of the months before this one, oldest first, then today."""
    ends = [today]
    first_of_month = today.replace(day=1)
    for _ in range(months - 1):
        month_end = first_of_month - datetime.timedelta(days=1)
        ends.append(month_end)
        first_of_month = month_end.replace(day=1)
    ends.reverse()
    return ends


def _over_time(spans, today, months) -> list[tuple[datetime.date, int | None]]:
    """Certificates in force at the end of each month: issued on or before that day and not ended on or before it.

    A sweep: the issue days sorted, and for the ended ones the day they stopped counting (their end, or their issue if
    they ended before it) sorted; the count at a day is the issued ones up to it less the stopped ones up to it. A
    month that ended before the registry's first certificate has no data (None: "—" in the table, a gap in the
    chart), not zero certified services."""
    starts, stops = [], []
    for issued, ended_on, count in spans:
        starts.extend([issued] * count)
        if ended_on is not None:
            stops.extend([max(issued, ended_on)] * count)
    starts.sort()
    stops.sort()
    first_issued = starts[0] if starts else None
    return [
        (end, None)
        if first_issued is None or end < first_issued
        else (end, bisect.bisect_right(starts, end) - bisect.bisect_right(stops, end))
        for end in _month_ends(today, months)
    ]


def _by_country() -> list:
    """[country code, services with a live certificate storing data there], most first, then by code."""
    from registry.certificates.choices import LIVE_CERTIFICATE_STATUSES
    from registry.providers.models import Site

    return [
        [code, count]
        for code, count in Site.objects.filter(
            role=Site.Role.STORAGE, service__certificates__status__in=LIVE_CERTIFICATE_STATUSES
        )
        .values_list("country")
        .annotate(n=Count("service", distinct=True))
        .order_by("-n", "country")
    ]


def _median_days() -> list:
    """[stage, median days a dossier stayed in it or None, stays measured] per stage. A stay runs from the event that
    moved the dossier into the stage to the next event that moved it to another one; a stay not over yet is not
    measured."""
    found = _stays_in_sql() if connection.vendor == "postgresql" else _stays_in_python()
    return [[stage, *found.get(stage, (None, 0))] for stage in STAGES]


# On PostgreSQL the database measures the stays (the events in each dossier's order, LAG to keep only those changing
# the stage, LEAD for when the stay ended) and their medians: six rows come back instead of every event.
STAYS_SQL = """
WITH moves AS (
    SELECT dossier_id, to_status, created_at, id,
           LAG(to_status) OVER (PARTITION BY dossier_id ORDER BY created_at, id) AS before
    FROM {events} WHERE to_status <> ''
), stays AS (
    SELECT to_status, LEAD(created_at) OVER (PARTITION BY dossier_id ORDER BY created_at, id) - created_at AS stay
    FROM moves WHERE before IS NULL OR before <> to_status
)
SELECT to_status, PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM stay) / 86400), COUNT(*)
FROM stays WHERE stay IS NOT NULL AND to_status = ANY(%s) GROUP BY to_status
"""


def _stays_in_sql() -> dict:
    from registry.qualification.models import DossierEvent

    with connection.cursor() as cursor:
        # The SQL is ours with our table's name in it; the stages go as a parameter.
        cursor.execute(STAYS_SQL.format(events=DossierEvent._meta.db_table), [list(STAGES)])
        return {stage: (float(median), count) for stage, median, count in cursor.fetchall()}


def _stays_in_python() -> dict:
    from registry.qualification.models import DossierEvent

    durations, previous = {}, {}
    for dossier_id, status, at in (
        DossierEvent.objects.exclude(to_status="")
        .order_by("dossier_id", "created_at", "pk")
        .values_list("dossier_id", "to_status", "created_at")
    ):
        before = previous.get(dossier_id)
        if before is not None and before[0] != status:
            durations.setdefault(before[0], []).append((at - before[1]).total_seconds() / 86400)
        if before is None or before[0] != status:
            previous[dossier_id] = (status, at)
    return {stage: (stats_math.median(days), len(days)) for stage, days in durations.items() if stage in STAGES}


# --- Keeping them ---


READ_SQL = (
    "SELECT figures.generation, figures.data, {marker} "
    "FROM (SELECT 1 AS one) AS here LEFT JOIN {figures} AS figures ON figures.{figures_name} = %s"
)


def _read() -> tuple[int | None, dict | None, list]:
    """The kept copy's generation and data (None, None when there is none) and the marker now: one query."""
    from registry.public.models import PublicFigures

    tables = _tables()
    sql = READ_SQL.format(
        marker=MARKER_COLUMNS.format(**tables),
        figures=tables["figures"],
        figures_name=tables["figures_pk"],
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [NAME])
        generation, data, *marker = cursor.fetchone()
    if data is not None:
        # Decoded as the ORM decodes the field (text on both databases here).
        data = PublicFigures._meta.get_field("data").from_db_value(data, None, connection)
    return generation, data, marker


def _is_current(data, *, generation, stored_generation, marker, today) -> bool:
    return (
        isinstance(data, dict)
        and stored_generation == generation
        and data.get("format") == FORMAT
        and data.get("today") == today.isoformat()
        and data.get("marker") == marker
    )


def current(*, today: datetime.date | None = None) -> dict:
    """The statistics (as compute() gives them): the kept copy while it is current, else computed now and kept.

    One query when the copy is current. The generation is read before the figures, so a change committed while they
    are computed leaves a copy marked with the generation before it: the next reader computes them anew."""
    from registry.public.cache import current_generation

    today = today or _today()
    try:
        generation = current_generation()
    except Exception:  # noqa: BLE001 — the cache down: nothing tells whether a copy is current; compute, keep nothing
        logger.warning("Registry generation unreadable; statistics computed without being kept.", exc_info=True)
        return compute(today=today)
    stored_generation, data, marker = _read()
    if _is_current(data, generation=generation, stored_generation=stored_generation, marker=marker, today=today):
        return data
    data = compute(today=today, marker=marker)
    _keep(data, generation)
    return data


def _keep(data: dict, generation: int) -> None:
    """Insert or replace the copy in one statement. Failing to keep it never fails the page that computed it."""
    from registry.public.models import PublicFigures

    row = PublicFigures(name=NAME, generation=generation, computed_at=timezone.now(), data=data)
    try:
        with transaction.atomic():
            PublicFigures.objects.bulk_create(
                [row],
                update_conflicts=True,
                unique_fields=["name"],
                update_fields=["generation", "computed_at", "data"],
            )
    except DatabaseError:
        logger.warning("Could not keep the statistics; they are computed again on the next request.", exc_info=True)


# --- Showing them ---


def for_display(data: dict) -> dict:
    """The kept figures in the page's shape and the reader's language: dates as dates, a service model's, a country's
    and a stage's name in the active language."""
    from django_countries import countries

    from registry.providers.choices import ServiceModel
    from registry.qualification.choices import DossierStatus

    def model_label(value):
        return str(ServiceModel(value).label) if value in ServiceModel.values else value

    def stage_label(value):
        return str(DossierStatus(value).label) if value in DossierStatus.values else value

    return {
        "over_time": [(datetime.date.fromisoformat(day), count) for day, count in data["over_time"]],
        "by_model": [(model_label(value), count) for value, count in data["by_model"]],
        "by_country": [(countries.name(code) or code, count) for code, count in data["by_country"]],
        "median_days": [(stage_label(stage), days, count) for stage, days, count in data["median_days"]],
    }
