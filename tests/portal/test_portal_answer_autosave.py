"""Each answer of the self-assessment saved on its own (static/js/autosave.js posts it to portal:dossier-answer), who may,
and evidence uploaded from the requirement itself, cited in its answer on the way back."""

import re

import pytest

from registry.catalogue.models import Requirement
from registry.qualification.models import Answer, Document, Dossier
from registry.qualification.services.documents import document_add
from tests import factories as f
from tests.portal.dossier_pages import url

pytestmark = pytest.mark.django_db

S = Dossier.Status


@pytest.fixture
def requirement(scheme):
    return Requirement.objects.get(scheme=scheme, ref="19.2")


def one(requirement, status="", justification="", evidence=()):
    data = {f"r{requirement.pk}-status": status, f"r{requirement.pk}-justification": justification}
    if evidence:
        data[f"r{requirement.pk}-evidence"] = [str(d.pk) for d in evidence]
    return data


def test_an_answer_is_saved_on_its_own_and_says_when(client, editor, draft, requirement):
    client.force_login(editor)
    response = client.post(url("dossier-answer", draft.reference, requirement.pk), one(requirement, "met", "Roubaix."))
    assert response.status_code == 200
    body = response.json()
    assert body["answered"] is True
    assert re.fullmatch(r"Saved at \d\d:\d\d", body["saved"]), body
    assert body["chapter"] == {"left": 1, "label": "1 left in this chapter"}  # 19.6 is left; 19.9 is for SaaS only
    answer = Answer.objects.get(dossier=draft, requirement=requirement)
    assert (answer.status, answer.justification) == ("met", "Roubaix.")
    # The chapter page shows it: what was saved comes back on the next visit (after the Documents tab, say).
    page = client.get(url("dossier-assessment", draft.reference, "19"))
    assert "Roubaix." in page.text
    other = Requirement.objects.get(scheme=draft.scheme, ref="19.6")
    response = client.post(url("dossier-answer", draft.reference, other.pk), one(other, "met"))
    assert response.json()["chapter"] == {"left": 0, "label": "Chapter complete"}


def test_a_justification_typed_before_choosing_is_kept_as_a_draft(client, editor, draft, requirement):
    client.force_login(editor)
    response = client.post(url("dossier-answer", draft.reference, requirement.pk), one(requirement, "", "Half typed"))
    assert response.status_code == 200
    assert response.json()["answered"] is False
    assert Answer.objects.get(dossier=draft, requirement=requirement).justification == "Half typed"


def test_an_invalid_answer_is_refused_with_the_forms_words_and_nothing_changes(client, editor, draft, requirement):
    Answer.objects.create(dossier=draft, requirement=requirement, status="met", justification="Before.")
    client.force_login(editor)
    response = client.post(url("dossier-answer", draft.reference, requirement.pk), one(requirement, "not_met", " "))
    assert response.status_code == 400
    assert response.json()["error"] == (
        "Explain your assessment: a justification is required unless the requirement is met."
    )
    # An answer sent without its status is not a whole answer: refused rather than wiping the saved one.
    response = client.post(
        url("dossier-answer", draft.reference, requirement.pk), {f"r{requirement.pk}-justification": ""}
    )
    assert response.status_code == 400
    assert Answer.objects.get(dossier=draft, requirement=requirement).status == "met"


def test_evidence_is_saved_with_the_answer_and_only_the_dossiers_own(client, editor, draft, service, scheme):
    requirement = Requirement.objects.get(scheme=scheme, ref="19.2")
    mine = document_add(dossier=draft, kind="evidence", title="Diagram", uploaded=f.pdf(), by=editor)
    other = f.dossier(f.service(service.provider), scheme)
    foreign = document_add(dossier=other, kind="evidence", title="Foreign", uploaded=f.pdf(), by=editor)
    client.force_login(editor)
    target = url("dossier-answer", draft.reference, requirement.pk)
    assert client.post(target, one(requirement, "met", evidence=[mine])).status_code == 200
    assert list(Answer.objects.get(dossier=draft, requirement=requirement).evidence.all()) == [mine]
    assert client.post(target, one(requirement, "met", evidence=[foreign])).status_code == 400
    assert list(Answer.objects.get(dossier=draft, requirement=requirement).evidence.all()) == [mine]


def test_a_requirement_that_does_not_apply_or_is_a_chapter_is_404(client, editor, draft, scheme):
    client.force_login(editor)
    saas_only = Requirement.objects.get(scheme=scheme, ref="19.9")  # the draft's service is IaaS
    chapter = Requirement.objects.get(scheme=scheme, ref="19")
    elsewhere = Requirement.objects.get(scheme=f.scheme(code="OTHER"), ref="19.2")
    for requirement in (saas_only, chapter, elsewhere):
        response = client.post(url("dossier-answer", draft.reference, requirement.pk), one(requirement, "met"))
        assert response.status_code == 404, requirement
    assert not Answer.objects.filter(dossier=draft).exists()


def test_only_the_providers_writers_save_an_answer(client, draft, requirement, viewer, other_owner, reviewer):
    target = url("dossier-answer", draft.reference, requirement.pk)
    data = one(requirement, "met")
    client.force_login(viewer)
    response = client.post(target, data)
    assert response.status_code == 403
    assert response.json()["error"] == "Your role in this organisation is read-only."
    for outsider in (other_owner, reviewer):  # another provider's owner, the agency: the dossier does not exist
        f.login_with_mfa(client, outsider)
        assert client.post(target, data).status_code == 404
    client.logout()
    response = client.post(target, data)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(target).status_code == 302
    assert not Answer.objects.filter(dossier=draft).exists()


def test_a_get_is_not_allowed(client, editor, draft, requirement):
    client.force_login(editor)
    assert client.get(url("dossier-answer", draft.reference, requirement.pk)).status_code == 405


@pytest.mark.parametrize("status", [S.SUBMITTED, S.IN_REVIEW, S.QUALIFIED])
def test_a_dossier_with_the_agency_or_closed_refuses_with_its_reason(client, editor, draft, requirement, status):
    Dossier.objects.filter(pk=draft.pk).update(status=status)
    client.force_login(editor)
    response = client.post(url("dossier-answer", draft.reference, requirement.pk), one(requirement, "met"))
    assert response.status_code == 409
    assert response.json()["error"].startswith("The dossier can only be changed while it is a draft")
    assert not Answer.objects.filter(dossier=draft).exists()


def test_changes_requested_is_editable_again(client, editor, changes_requested, scheme):
    requirement = Requirement.objects.get(scheme=scheme, ref="19.2")
    client.force_login(editor)
    response = client.post(
        url("dossier-answer", changes_requested.reference, requirement.pk), one(requirement, "met", "Corrected.")
    )
    assert response.status_code == 200
    assert Answer.objects.get(dossier=changes_requested, requirement=requirement).justification == "Corrected."


def test_the_csrf_token_is_required(editor, draft, requirement):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    target = url("dossier-answer", draft.reference, requirement.pk)
    assert client.post(target, one(requirement, "met")).status_code == 403
    page = client.get(url("dossier-assessment", draft.reference, "19"))
    token = page.context["csrf_token"]
    assert client.post(target, one(requirement, "met"), headers={"X-CSRFToken": str(token)}).status_code == 200


def test_the_chapter_page_wires_each_answer_to_its_endpoint_and_a_live_status(client, editor, viewer, draft, scheme):
    client.force_login(editor)
    page = client.get(url("dossier-assessment", draft.reference, "19")).text
    for requirement in Requirement.objects.filter(scheme=scheme, ref__in=["19.2", "19.6"]):
        assert f'data-answer-url="{url("dossier-answer", draft.reference, requirement.pk)}"' in page
        assert f'id="req-{requirement.pk}-saved" role="status" aria-live="polite" data-save-status' in page
    assert "/static/js/autosave.js" in page
    assert '<form method="post" novalidate data-autosave' in page  # the plain POST stays for a browser without JS
    client.force_login(viewer)
    page = client.get(url("dossier-assessment", draft.reference, "19")).text
    assert "data-answer-url" not in page and "autosave.js" not in page


# Evidence uploaded from the requirement itself


def test_upload_evidence_from_the_requirement_cites_it_and_goes_back_to_it(client, editor, draft, scheme):
    requirement = Requirement.objects.get(scheme=scheme, ref="19.2")
    Answer.objects.create(dossier=draft, requirement=requirement, status="partially_met", justification="Typed.")
    client.force_login(editor)
    assessment = client.get(url("dossier-assessment", draft.reference, "19")).text
    link = f"{url('dossier-documents', draft.reference)}?for={requirement.pk}#upload"
    assert f'href="{link}"' in assessment
    page = client.get(link)
    assert page.context["form"]["kind"].value() == "evidence"
    assert page.context["form"]["title"].value() == str(requirement)
    assert f'<input type="hidden" name="for" value="{requirement.pk}">' in page.text
    assert f'href="{url("dossier-assessment", draft.reference, "19")}#req-{requirement.pk}"' in page.text
    response = client.post(
        url("dossier-documents", draft.reference),
        {"kind": "evidence", "title": str(requirement), "file": f.pdf(), "for": str(requirement.pk)},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url('dossier-assessment', draft.reference, '19')}#req-{requirement.pk}"
    answer = Answer.objects.get(dossier=draft, requirement=requirement)
    document = Document.objects.get(dossier=draft, title=str(requirement))
    assert list(answer.evidence.all()) == [document]
    assert (answer.status, answer.justification) == ("partially_met", "Typed.")  # the answer is kept as it was
    page = client.get(response["Location"])
    assert "cited in the answer to 19.2" in page.text
    # A new version takes the older one's place in the answer; the upload script is told where to go.
    response = client.post(
        url("dossier-documents", draft.reference),
        {"kind": "evidence", "title": str(requirement), "file": f.pdf(), "for": str(requirement.pk)},
        headers={"X-Requested-With": "XMLHttpRequest"},
    )
    assert response.json()["redirect"].endswith(f"#req-{requirement.pk}")
    newer = Document.objects.get(dossier=draft, title=str(requirement), version=2)
    assert list(answer.evidence.all()) == [newer]


def test_a_for_that_is_not_a_requirement_of_the_dossier_is_an_ordinary_upload(client, editor, draft, scheme):
    saas_only = Requirement.objects.get(scheme=scheme, ref="19.9")
    client.force_login(editor)
    for bogus in (str(saas_only.pk), "abc", "999999"):
        page = client.get(url("dossier-documents", draft.reference), {"for": bogus})
        assert page.status_code == 200 and 'name="for"' not in page.text
    response = client.post(
        url("dossier-documents", draft.reference),
        {"kind": "evidence", "title": "Plan", "file": f.pdf(), "for": str(saas_only.pk)},
    )
    assert response["Location"] == url("dossier-documents", draft.reference)
    assert not Answer.objects.filter(dossier=draft).exists()


def test_the_documents_page_continues_to_the_declaration(client, editor, draft):
    client.force_login(editor)
    page = client.get(url("dossier-documents", draft.reference)).text
    assert f'href="{url("dossier-declaration", draft.reference)}">Continue to the declaration →' in page


# What one save costs: session, user, the dossier and memberships, the requirement, the answer with its evidence, the
# documents to cite; then the save: the dossier locked, the applicable requirements, the answer, its evidence links, its
# update or insert and the links changed; savepoints; the chapter's requirements and answers for its badge. The same
# with one document cited or five.
ANSWER_SAVE_QUERIES = 19


def test_saving_one_answer_costs_a_fixed_number_of_queries(
    client, editor, draft, requirement, django_assert_max_num_queries
):
    documents = [
        document_add(dossier=draft, kind="evidence", title=f"D{i}", uploaded=f.pdf(), by=editor) for i in range(5)
    ]
    client.force_login(editor)
    target = url("dossier-answer", draft.reference, requirement.pk)
    for evidence in (documents[:1], documents):
        with django_assert_max_num_queries(ANSWER_SAVE_QUERIES):
            assert client.post(target, one(requirement, "partially_met", "Partly.", evidence)).status_code == 200
    assert Answer.objects.get(dossier=draft, requirement=requirement).evidence.count() == 5
