"""Two people, one dossier, the same instant: the row lock lets one win and gives the other a clear refusal.

Only PostgreSQL has the row locks these rely on (SQLite serialises whole-database writes and ignores FOR UPDATE).
To be sure both threads really meet, the test itself holds the row until both are seen waiting on it in
pg_stat_activity; without select_for_update in the service both would have read the old status by then, and both
would go through (checked: the qualification then fails with an IntegrityError, the take succeeds twice).
"""

import threading
import time
from contextlib import contextmanager

import pytest
from django.db import connection, transaction

from registry.certificates.models import Certificate
from registry.core.models import Counter
from registry.qualification.models import Dossier, DossierEvent
from registry.qualification.services import dossiers as svc
from registry.qualification.workflow import COMMITTEE, Refused
from tests import factories as f

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: row locks (SELECT ... FOR UPDATE) are what these tests exercise",
    ),
    # serialized_rollback: a transactional test ends with a flush, which empties the agency groups the data migration
    # made; restoring the serialized database at the start gives these tests their groups back.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TIMEOUT = 20


def run_together(*calls, holding=None):
    """Run each call in its own thread, released at once by a barrier; return ("ok", value) or ("refused", exc).

    `holding` is a (model, pk) the test locks first, releasing it only once every thread waits on it."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(i, call):
        try:
            barrier.wait(timeout=TIMEOUT)
            results[i] = ("ok", call())
        except Refused as exc:
            results[i] = ("refused", exc)
        except Exception as exc:  # reported by the assertions, not lost in the thread
            results[i] = ("error", exc)
        finally:
            connection.close()  # each thread has its own connection; leave none open behind the test

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    with holding_lock(holding, waiters=len(calls)):
        for thread in threads:
            thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT)
        assert not thread.is_alive(), "a thread is stuck"
    return results


@contextmanager
def holding_lock(target, *, waiters):
    if target is None:
        yield
        return
    model, pk = target
    with transaction.atomic():
        model.objects.select_for_update().get(pk=pk)
        yield
        wait_for_lock_waiters(waiters)


def wait_for_lock_waiters(expected):
    deadline = time.monotonic() + TIMEOUT
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Inside a transaction pg_stat_activity is a snapshot taken at first use: clear it to see the news.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= expected:
                return
            time.sleep(0.02)
    raise AssertionError(f"{expected} threads never waited on the lock: does the service lock the row?")


def outcomes(results):
    return sorted(kind for kind, _ in results)


@pytest.fixture
def second_decision_maker(db):
    return f.user(email="committee2@agency.test", groups=[COMMITTEE])


def test_two_simultaneous_qualifications_issue_one_certificate(
    complete_draft, walk, decision_maker, second_decision_maker
):
    d = walk(complete_draft, Dossier.Status.DECISION)

    def qualify(by):
        return lambda: svc.dossier_qualify(dossier=Dossier.objects.get(pk=d.pk), by=by, scope="IaaS.")

    results = run_together(qualify(decision_maker), qualify(second_decision_maker), holding=(Dossier, d.pk))

    assert outcomes(results) == ["ok", "refused"], results
    [certificate] = Certificate.objects.filter(dossier=d)
    [issued] = [value for kind, value in results if kind == "ok"]
    [refusal] = [value for kind, value in results if kind == "refused"]
    assert issued.pk == certificate.pk
    assert str(refusal) == "This dossier is already qualified."
    assert DossierEvent.objects.filter(dossier=d, action="qualify").count() == 1
    d.refresh_from_db()
    assert d.status == Dossier.Status.QUALIFIED
    assert certificate.number == f"SNC-{certificate.issued_on.year}-0001"


def test_two_reviewers_taking_the_same_dossier_at_once_one_wins(complete_draft, walk, reviewer, second_reviewer):
    d = walk(complete_draft, Dossier.Status.SUBMITTED)

    def take(by):
        return lambda: svc.dossier_take(dossier=Dossier.objects.get(pk=d.pk), by=by)

    results = run_together(take(reviewer), take(second_reviewer), holding=(Dossier, d.pk))

    assert outcomes(results) == ["ok", "refused"], results
    [winner] = [value for kind, value in results if kind == "ok"]
    [refusal] = [value for kind, value in results if kind == "refused"]
    assert str(refusal) == "This dossier is already in review."
    d.refresh_from_db()
    assert d.status == Dossier.Status.IN_REVIEW
    assert d.instructing_reviewer_id == winner.instructing_reviewer_id
    assert d.instructing_reviewer_id in {reviewer.pk, second_reviewer.pk}
    assert DossierEvent.objects.filter(dossier=d, action="take").count() == 1


def next_number(key):
    def call():
        with transaction.atomic():
            return Counter.next(key)

    return call


def test_concurrent_counters_hand_out_distinct_numbers(db):
    counter = Counter.objects.create(key="SNC-2030", value=0)
    results = run_together(*(next_number("SNC-2030") for _ in range(6)), holding=(Counter, counter.pk))
    assert outcomes(results) == ["ok"] * 6, results
    assert sorted(value for _, value in results) == [1, 2, 3, 4, 5, 6]
    counter.refresh_from_db()
    assert counter.value == 6


def test_concurrent_first_uses_of_a_counter_hand_out_distinct_numbers(db):
    # No row yet: every thread tries to create it; the losers wait for the winner's commit, then count on.
    results = run_together(*(next_number("DOS-2031") for _ in range(4)))
    assert outcomes(results) == ["ok"] * 4, results
    assert sorted(value for _, value in results) == [1, 2, 3, 4]
    assert Counter.objects.get(key="DOS-2031").value == 4
