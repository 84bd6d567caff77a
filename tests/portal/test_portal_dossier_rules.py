"""The portal's dossier pages and the services ask the same named rules: what a page offers or refuses, the service
accepts or refuses, with the same sentence."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from registry.accounts.permissions import actor_for
from registry.qualification import rules, workflow
from registry.qualification.models import Dossier
from registry.qualification.services import dossiers as svc
from registry.qualification.services.answers import answer_save
from registry.qualification.services.documents import document_add
from registry.qualification.workflow import Refused
from tests import factories as f

pytestmark = pytest.mark.django_db

S = Dossier.Status


def url(name, *args):
    return reverse(f"portal:{name}", args=args)


def page_messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def refusal_of(call) -> str:
    with pytest.raises(Refused) as refused:
        call()
    return str(refused.value)


@pytest.fixture
def submitted(complete_draft, editor):
    return svc.dossier_submit(dossier=complete_draft, by=editor)


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_a_withdrawal_by_someone_not_an_owner_is_refused_in_the_portal_with_the_workflows_reason(
    client, request, role, submitted
):
    person = request.getfixturevalue(role)
    reason = workflow.person_refusal(actor_for(person), submitted, "withdraw")
    assert reason == "Only an owner of the provider can withdraw a dossier."
    assert refusal_of(lambda: svc.dossier_withdraw(dossier=submitted, by=person)) == reason
    client.force_login(person)
    for response in (client.get(url("dossier-withdraw", submitted.reference)),
                     client.post(url("dossier-withdraw", submitted.reference), {"comment": "Stop."})):  # fmt: skip
        assert response.status_code == 403
        assert reason in response.text
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED


def test_an_owner_late_for_a_withdrawal_reads_the_sentence_the_service_refuses_with(
    client, owner, complete_draft, walk
):
    d = walk(complete_draft, S.DECISION)
    reason = refusal_of(lambda: svc.dossier_withdraw(dossier=d, by=owner))
    client.force_login(owner)
    assert reason in client.get(url("dossier-withdraw", d.reference)).text
    assert page_messages(client.post(url("dossier-withdraw", d.reference))) == [reason]


def test_the_portal_and_the_services_refuse_a_content_change_with_one_sentence(client, editor, submitted):
    """Signing the declaration had its own status list and wording; it is the content rule now, like answers."""
    expected = "The dossier can only be changed while it is a draft or changes are requested; it is submitted."
    assert rules.content_edit_refusal(actor_for(editor), submitted) == expected
    answer = submitted.answers.first()
    declaring = lambda: svc.dossier_declare(  # noqa: E731
        dossier=submitted,
        by=editor,
        signatory_name="Claire Martin",
        signatory_capacity="Chief executive officer",
        listed_in_process_consent=True,
    )
    answering = lambda: answer_save(  # noqa: E731
        dossier=submitted, requirement=answer.requirement, by=editor, status="not_met", justification="Gap."
    )
    assert refusal_of(declaring) == refusal_of(answering) == expected
    client.force_login(editor)
    response = client.post(
        url("dossier-declaration", submitted.reference),
        {"declare": "on", "signatory_name": "Claire Martin", "signatory_capacity": "Chief executive officer"},
        follow=True,
    )
    assert page_messages(response) == [expected]
    response = client.post(
        url("dossier-documents", submitted.reference),
        {"kind": "evidence", "title": "Late", "file": f.pdf()},
        follow=True,
    )
    assert page_messages(response) == [expected]


@pytest.mark.parametrize("role", ["owner", "editor", "viewer"])
@pytest.mark.parametrize("status", [S.DRAFT, S.SUBMITTED])
def test_the_upload_form_shows_exactly_when_the_service_accepts_a_document(
    client, request, role, status, complete_draft, editor
):
    d = complete_draft if status == S.DRAFT else svc.dossier_submit(dossier=complete_draft, by=editor)
    person = request.getfixturevalue(role)
    client.force_login(person)
    offered = 'enctype="multipart/form-data"' in client.get(url("dossier-documents", d.reference)).text
    try:
        document_add(dossier=d, kind="evidence", title="Annex", uploaded=f.pdf(), by=person)
    except Refused:
        accepted = False
    else:
        accepted = True
    assert offered is accepted is (role != "viewer" and status == S.DRAFT)


@pytest.mark.parametrize(("status", "sentence"), [
    (S.DRAFT, "An owner or editor of your organisation submits the dossier."),
    (S.SUBMITTED, "Submitted: waiting for a reviewer of the agency to take it."),
])  # fmt: skip
def test_a_viewer_reads_who_submits_while_the_dossier_is_in_the_providers_hands(
    client, viewer, editor, complete_draft, status, sentence
):
    d = complete_draft if status == S.DRAFT else svc.dossier_submit(dossier=complete_draft, by=editor)
    client.force_login(viewer)
    page = client.get(url("dossier", d.reference))
    assert page.context["in_providers_hands"] is rules.in_providers_hands(d)
    assert sentence in page.text
