"""Publication tasks: the signed registry snapshot, and the purge of subscriptions nobody confirmed."""

from celery import shared_task

from registry.public.subscriptions import subscriptions_purge_unconfirmed


@shared_task
def issue_registry_snapshot() -> int | None:
    """After a public change and on schedule: a new signed snapshot if the registry changed or the latest is due.

    Idempotent: with nothing new it issues nothing. Returns the new sequence number, or None."""
    from registry.public.snapshots import snapshot_issue

    snapshot = snapshot_issue()
    return snapshot.sequence if snapshot is not None else None


@shared_task
def purge_unconfirmed_subscriptions() -> int:
    """Daily: requests to follow the registry that nobody confirmed within the link's validity are deleted."""
    return subscriptions_purge_unconfirmed()


@shared_task
def repair_public_read_model() -> int:
    """Nightly: every public entry compared with its certificate; any difference (a write made around the saves, which
    send the signals that keep it) reported as a warning and repaired by a rebuild. Returns how many differed."""
    from registry.public import read_model
    from registry.public.publication import publish_on_commit

    differs = read_model.repair()
    if differs:
        publish_on_commit()  # the kept pages showed the old rows
    return len(differs)


@shared_task
def refresh_public_statistics() -> str:
    """After each public change and just after midnight: the statistics computed and kept if the kept copy is no longer
    current, so that the next visitor of /stats/ does not pay for them. Idempotent: a copy still current is left as it
    is. Returns the day the figures are for."""
    from registry.public import statistics

    return statistics.current()["today"]
