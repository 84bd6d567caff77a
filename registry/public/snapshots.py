"""Issuing the signed registry snapshot, the one write of the publication side."""

import datetime
import json

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from registry.core.models import Counter
from registry.public import signing
from registry.public import snapshot_content as document
from registry.public.models import PublishedKey, RegistrySnapshot

SNAPSHOT_COUNTER = "registry-snapshot"


def _needs_new(latest: RegistrySnapshot, content: dict, key: signing.SigningKey, now: datetime.datetime) -> bool:
    previous = json.loads(latest.body)
    return (
        document.canonical_json(previous.get("registry")) != document.canonical_json(content)
        or previous.get("format_version") != document.FORMAT_VERSION
        # A new key: the published key must verify the latest snapshot.
        or latest.key_id != key.fingerprint
        # Due before the next scheduled check would come: issue now, so next_issue_at is a promise kept.
        or latest.next_issue_at - now <= datetime.timedelta(seconds=settings.SNAPSHOT_CHECK_EVERY)
    )


def read_one_state(model=RegistrySnapshot) -> None:
    """Make the transaction just opened read the database as it stood at one instant, and wait for any other issuer of
    the model's documents (the snapshots, or the trusted list).

    The content takes several statements (rows, histories, in process). At PostgreSQL's READ COMMITTED each sees what
    was committed when it began, so a suspension committed between two of them would give a signed document whose row
    says active and whose history says suspended. REPEATABLE READ reads every statement from the snapshot taken at the
    first one. The table lock comes first because LOCK takes no snapshot: a second issuer waits here, then reads a
    state that includes the first one's snapshot (taking the lock after the snapshot would hide it). Readers of the
    snapshots are not blocked (SHARE ROW EXCLUSIVE conflicts only with writers and with itself).

    SQLite needs neither: a transaction there reads one state and writers wait for each other. Inside a transaction
    the caller opened (the demo's seeding, a test's), the isolation can no longer be chosen: it reads in that one."""
    if connection.vendor != "postgresql" or len(connection.atomic_blocks) > 1:
        return
    with connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute(f'LOCK TABLE "{model._meta.db_table}" IN SHARE ROW EXCLUSIVE MODE')


def past_latest(counter: str, sequence: int, latest) -> int:
    """The number to issue: the counter's, unless documents restored from elsewhere already took it (the latest's
    sequence is at or past it): never reuse a number a relying party may hold."""
    if latest is not None and sequence <= latest.sequence:
        sequence = latest.sequence + 1
        Counter.objects.filter(key=counter).update(value=sequence)
    return sequence


def snapshot_issue(*, force: bool = False) -> RegistrySnapshot | None:
    """Issue a new snapshot if the public registry changed since the latest one, the signing key changed, or the
    latest is due for its scheduled renewal; None when nothing needed issuing. Safe to call twice or concurrently.

    Everything it reads (the content, the latest snapshot, the sequence) comes from one state of the database, so a
    snapshot never contradicts itself (tests/public/test_snapshot_consistency.py)."""
    key = signing.signing_key()  # before any write: a misconfigured key fails here
    with transaction.atomic():
        read_one_state()
        # Issuers are serialised (the table lock above, and the counter's row lock): a concurrent call waits, then
        # sees the first one's snapshot.
        sequence = Counter.next(SNAPSHOT_COUNTER)
        latest = RegistrySnapshot.objects.order_by("-sequence").first()
        content = document.registry_content()
        now = timezone.now().replace(microsecond=0)
        if latest is not None and not force and not _needs_new(latest, content, key, now):
            transaction.set_rollback(True)  # gives the sequence number back: numbers stay gap-free
            return None
        sequence = past_latest(SNAPSHOT_COUNTER, sequence, latest)
        next_issue_at = now + datetime.timedelta(seconds=settings.SNAPSHOT_INTERVAL)
        body = document.canonical_json(
            document.snapshot_document(
                sequence=sequence,
                issued_at=now,
                next_issue_at=next_issue_at,
                key=key,
                previous=latest,
                content=content,
            )
        )
        # The key is published for good with its first snapshot, in the same transaction: no snapshot names a key
        # that /registry/keys/ does not serve.
        PublishedKey.objects.get_or_create(
            fingerprint=key.fingerprint,
            defaults={"algorithm": key.algorithm, "public_pem": key.public_pem.decode("ascii"), "first_used_at": now},
        )
        return RegistrySnapshot.objects.create(
            sequence=sequence,
            issued_at=now,
            next_issue_at=next_issue_at,
            body=body.decode("utf-8"),
            signature=key.sign(body),
            key_id=key.fingerprint,
        )
