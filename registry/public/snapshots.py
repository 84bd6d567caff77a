"""Issuing the signed registry snapshot, the one write of the publication side."""

import datetime
import json

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from registry.core.models import Counter
from registry.public import signing
from registry.public import snapshot_content as document
from registry.public.models import RegistrySnapshot

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


def snapshot_issue(*, force: bool = False) -> RegistrySnapshot | None:
    """Issue a new snapshot if the public registry changed since the latest one, the signing key changed, or the
    latest is due for its scheduled renewal; None when nothing needed issuing. Safe to call twice or concurrently."""
    key = signing.signing_key()  # before any write: a misconfigured key fails here
    with transaction.atomic():
        # The counter's row lock serialises issuers: a concurrent call waits here, then sees the first one's snapshot.
        sequence = Counter.next(SNAPSHOT_COUNTER)
        latest = RegistrySnapshot.objects.order_by("-sequence").first()
        content = document.registry_content()
        now = timezone.now().replace(microsecond=0)
        if latest is not None and not force and not _needs_new(latest, content, key, now):
            transaction.set_rollback(True)  # gives the sequence number back: numbers stay gap-free
            return None
        if latest is not None and sequence <= latest.sequence:  # snapshots restored from elsewhere: never reuse one
            sequence = latest.sequence + 1
            Counter.objects.filter(key=SNAPSHOT_COUNTER).update(value=sequence)
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
        return RegistrySnapshot.objects.create(
            sequence=sequence,
            issued_at=now,
            next_issue_at=next_issue_at,
            body=body.decode("utf-8"),
            signature=key.sign(body),
            key_id=key.fingerprint,
        )
