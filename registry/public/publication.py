"""Every public change announces itself here, after its commit: the pages kept for anonymous visitors are dropped (in
this process, at commit, so that the next request shows the change) and a new signed snapshot and trusted list are
queued (else the scheduled runs issue them)."""

from registry.core.queue import queue_on_commit
from registry.public.cache import registry_changed_on_commit


def publish_on_commit() -> None:
    from registry.public import tasks  # the snapshot task calls the snapshot service: the arrow stays lazy

    registry_changed_on_commit()
    queue_on_commit(tasks.issue_registry_snapshot)
    queue_on_commit(tasks.issue_trusted_list)
    queue_on_commit(tasks.refresh_public_statistics)
