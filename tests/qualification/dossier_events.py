"""What the dossier service tests share: the events a dossier has logged, and the check that a move logged exactly one
more, with its action, statuses, actor and comment."""

from registry.qualification.models import DossierEvent


def event_count(dossier) -> int:
    return DossierEvent.objects.filter(dossier=dossier).count()


def assert_one_new_event(dossier, before, *, action, from_status, to_status, actor, comment=""):
    events = list(DossierEvent.objects.filter(dossier=dossier).order_by("pk"))
    assert len(events) == before + 1
    event = events[-1]
    assert (event.action, event.from_status, event.to_status, event.actor_id, event.comment) == (
        action,
        from_status,
        to_status,
        actor.pk,
        comment,
    )
    assert event.internal is False
    return event
