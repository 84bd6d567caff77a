"""A signed snapshot never contradicts itself, even when a suspension commits while it is being read.

The content takes several statements (the registry's rows, then every certificate's history). A real second
connection, in another thread, commits a suspension right after the rows were read and before the history is: at READ
COMMITTED, which is how the content used to be read, the rows then say active and the history says suspended; the
snapshot service reads one state of the database and agrees with itself.
"""

import datetime
import json
import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from registry.certificates import services as svc
from registry.certificates.choices import CertificateStatus as C
from registry.public import snapshot_content as document
from registry.public.models import RegistrySnapshot
from registry.public.snapshots import snapshot_issue
from tests.public.test_public_pages import certified

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: READ COMMITTED versus REPEATABLE READ between two real connections is what this "
        "tests (SQLite reads a transaction from one state and lets one writer in at a time)",
    ),
    # serialized_rollback: the flush ending a transactional test empties the agency groups the data migration made.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def statuses(content: dict) -> dict[str, tuple[str, str]]:
    """{certificate number: (the row's status, the status its history ends with)} for every row of the content."""
    last_event = {entry["certificate"]: entry["events"][-1]["status"] for entry in content["history"]}
    return {row["certificate"]: (row["status"], last_event[row["certificate"]]) for row in content["certificates"]}


class SuspensionBetweenReads:
    """Once the registry's rows have been read, a decision maker suspends the certificate on a connection of their own
    (another thread) and commits; the reading goes on once that commit is done."""

    def __init__(self, certificate, decision_maker):
        self.certificate, self.decision_maker = certificate, decision_maker
        self.committed = threading.Event()
        self.thread = None
        self.errors = []

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if self.thread is None and sql.lstrip().upper().startswith("SELECT") and '"registry_certificate"' in sql:
            self.thread = threading.Thread(target=self._suspend)
            self.thread.start()
            # The commit, not the whole thread: after it, the suspension's own snapshot task may wait for this one.
            assert self.committed.wait(timeout=30), self.errors
        return result

    def _suspend(self):
        try:
            with transaction.atomic():
                transaction.on_commit(self.committed.set)
                svc.certificate_suspend(
                    certificate=self.certificate, by=self.decision_maker, reason="Backups outside the EU.",
                    review_on=timezone.localdate() + datetime.timedelta(days=30),
                )  # fmt: skip
        except Exception as exc:  # shown by the waiting thread's assertion
            self.errors.append(exc)
            self.committed.set()
        finally:
            connections.close_all()

    def join(self):
        if self.thread is not None:
            self.thread.join(timeout=30)
        assert not self.errors, self.errors


@pytest.fixture
def live(decision_maker):
    return certified("Alpha Cloud")


def test_reading_at_read_committed_as_before_contradicts_itself(live, decision_maker):
    """The hazard is real: the content read in one transaction at PostgreSQL's default level mixes two states."""
    suspension = SuspensionBetweenReads(live, decision_maker)
    with connection.execute_wrapper(suspension), transaction.atomic():
        content = document.registry_content()
    suspension.join()
    assert statuses(content) == {live.number: (C.ACTIVE, C.SUSPENDED)}


def test_a_snapshot_issued_while_a_suspension_commits_agrees_with_itself(live, decision_maker):
    suspension = SuspensionBetweenReads(live, decision_maker)
    with connection.execute_wrapper(suspension):
        during = snapshot_issue(force=True)
    suspension.join()
    assert suspension.thread is not None  # the suspension did commit in the middle of the reading
    after = snapshot_issue()  # the suspension's own task may have issued it already; otherwise this does

    snapshots = list(RegistrySnapshot.objects.order_by("sequence"))
    assert snapshots[0].pk == during.pk
    assert statuses(json.loads(during.body)["registry"]) == {live.number: (C.ACTIVE, C.ACTIVE)}
    assert statuses(json.loads(snapshots[-1].body)["registry"]) == {live.number: (C.SUSPENDED, C.SUSPENDED)}
    for snapshot in snapshots:
        assert all(row == history for row, history in statuses(json.loads(snapshot.body)["registry"]).values())
    assert after is None or after.pk == snapshots[-1].pk
