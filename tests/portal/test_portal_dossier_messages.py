"""The dialogue on a dossier in the portal: internal notes never reach the provider, a viewer reads but does not write,
a reply attaches documents of the dossier or a new file, and a refused reply posts nothing."""

import pytest

from registry.qualification.models import Document, Message
from registry.qualification.services import dossiers as svc
from tests import factories as f
from tests.portal.dossier_pages import url

pytestmark = pytest.mark.django_db


# Dialogue


def test_internal_notes_never_reach_the_providers_pages(client, owner, viewer, reviewer, submitted):
    svc.dossier_take(dossier=submitted, by=reviewer)
    svc.message_post(dossier=submitted, by=reviewer, body="INTERNAL: their ownership looks odd.", internal=True)
    svc.message_post(dossier=submitted, by=reviewer, body="Could you send the latest Kbis extract?")
    for person in (owner, viewer):
        client.force_login(person)
        for page_url in (url("dossier", submitted.reference), url("dossier-message", submitted.reference)):
            text = client.get(page_url).text
            assert "INTERNAL: their ownership looks odd." not in text
        thread = client.get(url("dossier-message", submitted.reference))
        assert "Could you send the latest Kbis extract?" in thread.text
        assert [m.body for m in thread.context["thread"]] == ["Could you send the latest Kbis extract?"]


def test_a_viewer_reads_the_dialogue_but_cannot_write(client, viewer, submitted):
    client.force_login(viewer)
    page = client.get(url("dossier-message", submitted.reference))
    assert page.status_code == 200
    assert page.context["form"] is None
    assert "read-only" in page.text
    assert client.post(url("dossier-message", submitted.reference), {"body": "Hello"}).status_code == 403
    assert not Message.objects.exists()


def test_a_reply_attaches_documents_of_the_dossier(client, editor, submitted):
    document = submitted.documents.first()
    client.force_login(editor)
    page = client.get(url("dossier-message", submitted.reference))
    assert "Add a new document" not in page.text  # uploads only while the dossier is in the provider's hands
    response = client.post(
        url("dossier-message", submitted.reference), {"body": "See the policy.", "attachments": [str(document.pk)]}
    )
    assert response.status_code == 302
    message = Message.objects.get()
    assert (message.internal, list(message.attachments.all())) == (False, [document])


def test_an_empty_message_is_refused_next_to_its_field(client, editor, submitted):
    client.force_login(editor)
    response = client.post(url("dossier-message", submitted.reference), {"body": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["body"] == ["Write a message before sending."]
    assert not Message.objects.exists()


def test_a_reply_with_a_refused_file_posts_nothing(client, editor, changes_requested, private_storage):
    client.force_login(editor)
    files_before = sorted(p for p in private_storage.rglob("*") if p.is_file())
    response = client.post(
        url("dossier-message", changes_requested.reference),
        {
            "body": "Here it is.",
            "kind": "evidence",
            "title": "Support sites",
            "file": f.pdf("notes.pdf", b"just some text, not a PDF"),
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["This type of file is not accepted. Accepted: PDF."]
    assert "Here it is." in response.text  # what was typed stays
    assert not Message.objects.exists()
    assert not Document.objects.filter(title="Support sites").exists()
    assert sorted(p for p in private_storage.rglob("*") if p.is_file()) == files_before


def test_a_file_without_title_in_a_reply_is_refused_next_to_the_title(client, editor, changes_requested):
    client.force_login(editor)
    response = client.post(
        url("dossier-message", changes_requested.reference),
        {"body": "Here it is.", "kind": "evidence", "title": "", "file": f.pdf()},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["title"] == ["Give the new document a title."]
    assert not Message.objects.exists()
