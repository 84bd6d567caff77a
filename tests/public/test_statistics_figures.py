"""The statistics page's figures (registry/public/statistics.py): the same figures as always, now computed when the
registry changes or the day turns and kept in one copy without words, which the page shows in one query and in the
reader's language. The page cache is off here: every request renders (registry/public/cache.py has its own tests)."""

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from registry.certificates.models import CertificateEvent
from registry.certificates.services import certificate_suspend, certificate_withdraw
from registry.providers.models import Site
from registry.public import selectors as queries
from registry.public import statistics
from registry.public.models import PublicFigures
from registry.public.publication import publish_on_commit
from registry.qualification.models import DossierEvent
from tests import factories as f

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
STATS = reverse("registry:stats")


@pytest.fixture(autouse=True)
def _page_cache_off(settings):
    settings.PUBLIC_CACHE_SECONDS = 0


@pytest.fixture
def clock():
    """Noon on Sunday 15 March 2026 in Paris, the clock stopped; tests move it on."""
    with time_machine.travel(datetime.datetime(2026, 3, 15, 12, tzinfo=PARIS), tick=False) as traveller:
        yield traveller


def certified(name, *, model, issued, storage, status="active"):
    service = f.service(name=name, service_model=model)
    for country in storage:
        Site.objects.create(service=service, role=Site.Role.STORAGE, country=country, city="")
    Site.objects.create(service=service, role=Site.Role.PROCESSING, country="PT", city="")  # never counted
    return f.certificate(service, issued_on=issued, status=status)


def paris(*args):
    return datetime.datetime(*args, tzinfo=PARIS)


def moves(dossier, *steps):
    """The dossier's status events: (status, when); a status of "" is a message, which moves nothing."""
    for status, when in steps:
        DossierEvent.objects.create(
            dossier=dossier, action="message" if not status else "move", to_status=status, created_at=when
        )


@pytest.fixture
def world(clock):
    """Four certificates and two dossiers, whose figures are worked out by hand in the tests below."""
    alpha = certified("Alpha", model="iaas", issued=datetime.date(2025, 1, 10), storage=["FR"])
    certified("Bravo", model="saas", issued=datetime.date(2025, 6, 1), storage=["DE", "FR"], status="suspended")
    charlie = certified("Charlie", model="paas", issued=datetime.date(2025, 3, 1), storage=["FR"], status="withdrawn")
    # Withdrawn at half past midnight on 1 November in Paris (still 31 October in UTC): in force on 31 October. A
    # later ending event does not move the day it ended.
    CertificateEvent.objects.create(certificate=charlie, status="withdrawn", created_at=paris(2025, 11, 1, 0, 30))
    CertificateEvent.objects.create(certificate=charlie, status="expired", created_at=paris(2026, 1, 5, 9))
    certified("Delta", model="iaas", issued=datetime.date(2026, 2, 1), storage=[])
    one = f.dossier()
    moves(
        one,
        ("draft", paris(2026, 1, 1, 9)),
        ("submitted", paris(2026, 1, 2, 9)),  # submitted 2 days
        ("in_review", paris(2026, 1, 4, 9)),  # in review 1 day
        ("", paris(2026, 1, 4, 15)),
        ("changes_requested", paris(2026, 1, 5, 9)),  # changes requested 2 days
        ("in_review", paris(2026, 1, 7, 9)),  # in review 4 days
        ("evaluation", paris(2026, 1, 11, 9)),  # in evaluation 5 days
        ("decision", paris(2026, 1, 16, 9)),  # awaiting decision 2 days and 12 hours
        ("qualified", paris(2026, 1, 18, 21)),
    )
    two = f.dossier()
    moves(
        two,
        ("submitted", paris(2026, 2, 1, 9)),  # submitted 5 days
        ("in_review", paris(2026, 2, 6, 9)),  # in review 3 days: the second event in review starts no new stay
        ("in_review", paris(2026, 2, 7, 9)),
        ("evaluation", paris(2026, 2, 9, 9)),  # in evaluation since: not measured
    )
    return alpha


def month_ends(first: datetime.date, count: int) -> list[datetime.date]:
    """`count` last days of months from `first` (itself one)."""
    days = [first]
    while len(days) < count:
        next_first = days[-1] + datetime.timedelta(days=1)
        days.append((next_first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1))
    return days


# Certified services at the end of April 2024 … February 2026, then on 15 March 2026: none before Alpha (10 January
# 2025); Charlie from March to October 2025; Bravo from June 2025; Delta from February 2026.
OVER_TIME = list(
    zip(
        [*month_ends(datetime.date(2024, 4, 30), 23), datetime.date(2026, 3, 15)],
        [None] * 9 + [1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 2, 2, 2, 3, 3],
        strict=True,
    )
)


def test_the_figures_are_those_of_the_registry(world):
    figures = queries.registry_statistics()
    assert figures["over_time"] == OVER_TIME
    # Live certificates (active or suspended) by their service's model, every model named.
    assert figures["by_model"] == [
        ("IaaS – infrastructure", 2),
        ("CaaS – containers", 0),
        ("PaaS – platform", 0),
        ("SaaS – software", 1),
    ]
    # Services with a live certificate storing data in each country, most first.
    assert figures["by_country"] == [("France", 2), ("Germany", 1)]
    assert figures["median_days"] == [
        ("Submitted", 3.5, 2),
        ("In review", 3.0, 3),
        ("Changes requested", 2.0, 1),
        ("In evaluation", 5.0, 1),
        ("Awaiting decision", 2.5, 1),
    ]


def test_the_kept_copy_has_codes_and_iso_dates_not_words(world):
    statistics.current()
    data = PublicFigures.objects.get(name="statistics").data
    assert data["today"] == "2026-03-15"
    assert data["over_time"][-1] == ["2026-03-15", 3] and data["over_time"][0] == ["2024-04-30", None]
    assert data["by_model"] == [["iaas", 2], ["caas", 0], ["paas", 0], ["saas", 1]]
    assert data["by_country"] == [["FR", 2], ["DE", 1]]
    assert [stage for stage, _days, _n in data["median_days"]] == list(statistics.STAGES)


def rows(page) -> list[list[str]]:
    """The page's tables, row by row, cells as text."""
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", page.text)]


def cells(page, first) -> list[str]:
    return next(row for row in rows(page) if row and re.sub(r"<[^>]+>", "", row[0]) == first)


def test_a_public_change_shows_on_the_next_request(world, client, decision_maker, django_capture_on_commit_callbacks):
    assert cells(client.get(STATS), "March 2026")[1] == "3"
    with django_capture_on_commit_callbacks(execute=True):
        certificate_withdraw(certificate=world, by=decision_maker, reason="Left the market.")
    page = client.get(STATS)
    assert cells(page, "March 2026")[1] == "2"
    assert "<title>IaaS – infrastructure: 1</title>" in page.text


def test_a_suspension_recomputes_the_kept_copy_before_the_next_visitor(
    world, client, decision_maker, django_capture_on_commit_callbacks, eager_tasks, django_assert_max_num_queries
):
    client.get(STATS)
    before = PublicFigures.objects.get(name="statistics")
    with django_capture_on_commit_callbacks(execute=True):
        certificate_suspend(certificate=world, by=decision_maker, reason="Audit overdue.", review_on=f.review_date())
    after = PublicFigures.objects.get(name="statistics")
    # The task queued on commit kept a copy at the new generation: a suspended certificate still counts as certified.
    assert after.generation > before.generation and after.data["over_time"] == before.data["over_time"]
    with django_assert_max_num_queries(1):
        assert client.get(STATS).status_code == 200


def test_a_row_written_around_the_services_shows_once_announced(world, client, django_capture_on_commit_callbacks):
    client.get(STATS)
    Site.objects.filter(country="DE").update(country="BE")  # a shell's update: no signal, no announcement
    # The new row is not seen yet: the copy kept at this generation is served.
    assert "<title>Germany: 1</title>" in client.get(STATS).text
    with django_capture_on_commit_callbacks(execute=True):
        publish_on_commit()  # what README says to run after such a write
    page = client.get(STATS).text
    assert "<title>Belgium: 1</title>" in page and "Germany" not in page


def test_a_dossier_taken_into_review_moves_the_medians_at_once(world, client):
    # Taking a dossier is not a public change (nothing published moves), but it ends a stay in "submitted".
    client.get(STATS)
    three = f.dossier()
    moves(three, ("submitted", paris(2026, 3, 1, 9)), ("in_review", paris(2026, 3, 13, 9)))
    assert cells(client.get(STATS), "Submitted")[1:] == ["5.0", "3"]


def test_the_figures_turn_with_the_day(world, client, clock):
    client.get(STATS)
    clock.move_to(datetime.datetime(2026, 3, 16, 0, 1, tzinfo=PARIS))
    # Neither a change nor a row written: the day alone makes the copy old; the series ends on the new day.
    assert client.get(STATS).status_code == 200
    assert PublicFigures.objects.get(name="statistics").data["over_time"][-2:] == [
        ["2026-02-28", 3],
        ["2026-03-16", 3],
    ]
    clock.move_to(datetime.datetime(2026, 4, 1, 8, tzinfo=PARIS))
    months = [re.sub(r"<[^>]+>", "", row[0]) for row in rows(client.get(STATS)) if len(row) == 2]
    assert months[0] == "May 2024" and months[-2:] == ["March 2026", "April 2026"] and len(months) == 24
    assert PublicFigures.objects.get(name="statistics").data["over_time"][-2:] == [
        ["2026-03-31", 3],
        ["2026-04-01", 3],
    ]


def test_the_task_keeps_the_figures_so_that_the_page_costs_one_query(world, client, django_assert_max_num_queries):
    from registry.public import tasks

    assert tasks.refresh_public_statistics() == "2026-03-15"
    with django_assert_max_num_queries(1):
        # the kept figures, with the newest dossier event, certificate event and certificate to tell they are current
        page = client.get(STATS)
    assert cells(page, "March 2026")[1] == "3"
    with django_assert_max_num_queries(1):
        # run twice: the copy is still current and left as it is (the same one query as the page's)
        assert tasks.refresh_public_statistics() == "2026-03-15"


def test_one_kept_copy_serves_both_languages(world, client, django_assert_max_num_queries):
    english = client.get(STATS, HTTP_ACCEPT_LANGUAGE="en")
    with django_assert_max_num_queries(1):
        # the kept figures and what tells they are current: the French page computes nothing
        french = client.get(STATS, HTTP_ACCEPT_LANGUAGE="fr")
    assert cells(english, "Submitted")[1:] == ["3.5", "2"]
    assert cells(french, "Déposé")[1:] == ["3,5", "2"]
    assert cells(french, "En attente de décision")[1:] == ["2,5", "1"]
    assert cells(french, "mars 2026")[1] == "3"
    assert "<title>Allemagne: 1</title>" in french.text
    assert "<title>SaaS – logiciel: 1</title>" in french.text
    assert "Germany" not in french.text and "Allemagne" not in english.text


def test_an_empty_registry_has_no_figures_but_a_page(client, clock):
    page = client.get(STATS)
    assert page.status_code == 200
    assert statistics.current()["over_time"] == [[day.isoformat(), None] for day, _n in OVER_TIME]
    assert cells(page, "Submitted")[1:] == ["—", "0"]


@pytest.mark.parametrize("vendor_path", ["sql", "python"])
def test_the_database_and_python_measure_the_same_stays(world, vendor_path):
    from django.db import connection

    if vendor_path == "sql" and connection.vendor != "postgresql":
        pytest.skip("the stays are measured in SQL on PostgreSQL only")
    measure = statistics._stays_in_sql if vendor_path == "sql" else statistics._stays_in_python
    assert measure() == {
        "submitted": (pytest.approx(3.5), 2),
        "in_review": (pytest.approx(3.0), 3),
        "changes_requested": (pytest.approx(2.0), 1),
        "evaluation": (pytest.approx(5.0), 1),
        "decision": (pytest.approx(2.5), 1),
    }
