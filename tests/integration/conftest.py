"""Fixtures for the tests with the real thing: PostgreSQL, Redis, Celery worker processes and an SMTP server.

The worker is another process: it sees only committed rows, so these tests are transactional (serialized_rollback
restores the agency groups the flush at the end of a transactional test removes, as in tests/qualification/test_concurrency.py).
"""

import pytest
from django.conf import settings
from django.db import connection

from tests.integration.harness import Broker, SmtpSink, Worker, database_url, publishing_to
from trustedcloud.celery import app as celery_app

_missing = [
    *(["PostgreSQL (DATABASE_URL=postgres://...)"] if connection.vendor != "postgresql" else []),
    *(["Redis (REDIS_URL=redis://...)"] if not settings.REDIS_URL else []),
]
needs_postgresql_and_redis = pytest.mark.skipif(
    bool(_missing),
    reason=f"needs {' and '.join(_missing)}: a worker process shares the test database and the broker",
)
real_thing = [needs_postgresql_and_redis, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture(autouse=True)
def broker():
    """Broker keys of our own; this process publishes there while the test runs (autouse: from the first fixture on,
    e.g. the checks queued by the uploads of complete_draft). Without Redis (tests that also run inline, such as
    test_s3_storage.py) there is no broker to isolate: None."""
    if not settings.REDIS_URL:
        yield None
        return
    own = Broker.beside(settings.REDIS_URL)
    with publishing_to(celery_app, own.url, own.transport_options()):
        yield own
    own.delete_keys()


@pytest.fixture
def start_worker(transactional_db, broker, smtp, private_storage, tmp_path):
    """start_worker(**env) → a ready worker on the test database, our broker and our SMTP server; stopped at the end.

    Depending on transactional_db makes the workers stop before the database is flushed (their open transactions
    would hold the flush up)."""
    workers = []

    def start(**env):
        worker = Worker(
            {
                **broker.worker_env(),
                "DATABASE_URL": database_url(),
                "EMAIL_URL": smtp.url,
                "PRIVATE_MEDIA_ROOT": str(private_storage),
                **env,
            },
            log_path=tmp_path / f"worker-{len(workers) + 1}.log",
        )
        workers.append(worker)
        return worker.start().wait_ready(celery_app)

    yield start
    for worker in workers:
        worker.stop()
        # Shown by pytest only when the test failed.
        print(f"--- log of worker {worker.name} ---\n{worker.log_tail(60)}")
