"""Deleting stored files that no row names any more, without failing what committed and without forgetting any.

A file is deleted only once the change that stops naming it has committed (a quarantined document's original, a
certificate's PDF of an earlier status): deleted before, a rollback would leave the row naming a file that is gone.
`delete_on_commit` writes the intent as a PendingFileDeletion row in the caller's transaction, so it commits or rolls
back with the change, and deletes the file after the commit. When the storage refuses (the object store unreachable,
a disk error), a warning names the file, the request or task that committed succeeds all the same, and the row stays:
the periodic `sweep` (registry.core.tasks.delete_pending_files, every 15 minutes) tries again until the file is gone.

`discard` is for the other direction: a file stored for a write that then failed. Its row was never committed, so
the file is deleted at once; when that fails too, the original error is what the caller sees, never the storage's.

Every FileField of the registry keeps its files in the default (private) storage, so that is where names are deleted.
"""

import datetime
import logging

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import DatabaseError, models, transaction
from django.utils import timezone

from registry.core.models import PendingFileDeletion

logger = logging.getLogger(__name__)

# The sweep leaves a younger deletion to its own after-commit attempt, which is likely still under way.
SWEEP_AFTER = datetime.timedelta(minutes=5)
# Deletions tried per run: a long outage's backlog drains over several runs rather than in one endless task.
SWEEP_BATCH = 500


def delete_on_commit(name: str) -> None:
    """Delete the stored file `name` once the current transaction commits (at once outside a transaction), and keep
    trying later if the storage refuses. Nothing happens if the transaction rolls back."""
    if not name:
        return
    pending = PendingFileDeletion.objects.create(name=name)
    # robust: whatever goes wrong after the commit is logged, never raised into the request or task that committed,
    # and the callbacks registered after this one (queued tasks, the cache's bump) still run.
    transaction.on_commit(lambda: _attempt(pending.pk, name), robust=True)


def discard(name: str) -> None:
    """Delete a file stored for a write that failed. Never raises: the caller is handling the write's own error."""
    if not name:
        return
    try:
        default_storage.delete(name)
    except Exception as error:  # noqa: BLE001 — the storage's errors are many (OSError, botocore's); none may mask the caller's
        if transaction.get_connection().in_atomic_block:
            # The enclosing transaction may roll back and take a pending row with it: the log is the only record.
            logger.warning("Could not delete the stored file %s, left by a failed write; delete it by hand.", name)
            return
        logger.warning("Could not delete the stored file %s, left by a failed write; the sweep will retry.", name)
        try:
            PendingFileDeletion.objects.create(name=name, attempts=1, last_error=_describe(error))
        except DatabaseError:
            logger.warning("Could not record %s for the sweep either; delete it by hand.", name, exc_info=True)


def sweep(*, now=None) -> int:
    """Try again every deletion that failed (requested more than SWEEP_AFTER ago); returns how many files went."""
    cutoff = (now or timezone.now()) - SWEEP_AFTER
    deleted = 0
    for pending in PendingFileDeletion.objects.filter(requested_at__lt=cutoff)[:SWEEP_BATCH]:
        if still_named(pending.name):
            # Never delete a file a row names: a rerun of the same work may have stored it again under that name.
            logger.warning("The stored file %s is named by a row again; it is kept.", pending.name)
            PendingFileDeletion.objects.filter(pk=pending.pk).delete()
            continue
        deleted += _attempt(pending.pk, pending.name)
    return deleted


def pending_among(names) -> set[str]:
    """Those of `names` whose deletion is already pending (to avoid asking for it twice)."""
    return set(PendingFileDeletion.objects.filter(name__in=list(names)).values_list("name", flat=True))


def still_named(name: str) -> bool:
    """Whether any row of any model names the stored file `name` in a file field."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField) and model._default_manager.filter(**{field.name: name}).exists():
                return True
    return False


def _attempt(pending_id: int, name: str) -> bool:
    try:
        default_storage.delete(name)
    except Exception as error:  # noqa: BLE001 — whatever the storage raises, the committed change stands
        logger.warning("Could not delete the stored file %s; the periodic sweep will retry.", name, exc_info=True)
        PendingFileDeletion.objects.filter(pk=pending_id).update(
            attempts=models.F("attempts") + 1, last_error=_describe(error)
        )
        return False
    PendingFileDeletion.objects.filter(pk=pending_id).delete()
    logger.info("Deleted the stored file %s.", name)
    return True


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:2000]
