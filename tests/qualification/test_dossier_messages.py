"""Messages on a dossier through the services: the provider's members and the agency write, only the agency writes
internal notes, viewers and other providers do not write, an empty message is refused, and attachments come from the
dossier only."""

import pytest

from registry.qualification.models import DossierEvent, Message
from registry.qualification.services import dossiers as svc
from registry.qualification.workflow import Refused
from tests import factories as f

pytestmark = pytest.mark.django_db


# Messages.


@pytest.mark.parametrize("who", ["owner", "editor", "reviewer", "decision_maker"])
def test_members_and_the_agency_post_messages(request, draft, who):
    author = request.getfixturevalue(who)
    message = svc.message_post(dossier=draft, by=author, body="  A question on 19.2.  ")
    assert (message.body, message.internal, message.author) == ("A question on 19.2.", False, author)
    event = DossierEvent.objects.filter(dossier=draft, action="message").get()
    assert (event.comment, event.internal, event.actor, event.from_status) == ("A question on 19.2.", False, author, "")


def test_the_agency_writes_internal_notes(draft, reviewer):
    message = svc.message_post(dossier=draft, by=reviewer, body="Check their board.", internal=True)
    assert message.internal
    event = DossierEvent.objects.get(dossier=draft, action="message")
    assert event.internal
    assert event.notified_at is not None  # never sent to anybody


@pytest.mark.parametrize("who", ["owner", "editor"])
def test_a_provider_member_may_not_write_an_internal_note(request, draft, who):
    with pytest.raises(Refused, match="Only the agency"):
        svc.message_post(dossier=draft, by=request.getfixturevalue(who), body="Psst.", internal=True)
    assert not Message.objects.exists()
    assert not DossierEvent.objects.filter(action="message").exists()


def test_a_viewer_may_not_write(draft, viewer):
    with pytest.raises(Refused, match="Viewers cannot write"):
        svc.message_post(dossier=draft, by=viewer, body="Hello.")
    assert not Message.objects.exists()


def test_another_provider_may_not_write(draft, other_owner):
    with pytest.raises(Refused, match="provider's members and the agency"):
        svc.message_post(dossier=draft, by=other_owner, body="Hello.")
    assert not Message.objects.exists()


def test_an_empty_message_is_refused(draft, owner):
    with pytest.raises(Refused, match="empty"):
        svc.message_post(dossier=draft, by=owner, body=" \n ")
    assert not Message.objects.exists()


def test_attachments_from_another_dossier_are_ignored(complete_draft, owner, other_owner, scheme):
    mine = complete_draft.documents.first()
    other = f.complete(
        svc.dossier_create(service=f.service(other_owner.memberships.get().provider), scheme=scheme, by=other_owner),
        other_owner,
    )
    theirs = other.documents.first()
    message = svc.message_post(dossier=complete_draft, by=owner, body="See attached.", attachments=[mine, theirs])
    assert list(message.attachments.all()) == [mine]
