"""The self-assessment and the declaration in the portal: an answer refused next to its field while the others keep
what was typed, justifications, chapter after chapter, the evidence offered, the answer services keeping their rules,
and the declaration that must be ticked."""

import pytest

from registry.catalogue.models import Requirement
from registry.qualification.models import Answer, Dossier
from registry.qualification.services.answers import answer_save, answers_save
from registry.qualification.services.documents import document_add
from registry.qualification.workflow import Refused
from tests import factories as f
from tests.portal.dossier_pages import answer_data, url

pytestmark = pytest.mark.django_db

S = Dossier.Status


# Self-assessment


def test_a_chapter_post_saves_the_valid_answers_and_keeps_the_refused_ones_as_typed_with_their_errors(
    client, editor, draft, scheme
):
    second = Requirement.objects.get(scheme=scheme, ref="19.6")
    first = Requirement.objects.get(scheme=scheme, ref="19.2")
    Answer.objects.create(dossier=draft, requirement=second, status="met", justification="Saved before.")
    client.force_login(editor)
    response = client.post(
        url("dossier-assessment", draft.reference, "19"),
        {
            f"r{first.pk}-status": "not_met",
            f"r{first.pk}-justification": "   ",
            f"r{second.pk}-status": "partially_met",
            f"r{second.pk}-justification": "Typed and saved.",
        },
    )
    assert response.status_code == 200
    forms = {form.requirement.ref: form for _r, form in response.context["rows"]}
    assert forms["19.2"].errors["justification"] == [
        "Explain your assessment: a justification is required unless the requirement is met."
    ]
    assert not forms["19.6"].errors
    # The valid answer is saved; the refused one is not, and the page keeps its choice for the provider to correct.
    saved = Answer.objects.get(dossier=draft, requirement=second)
    assert (saved.status, saved.justification) == ("partially_met", "Typed and saved.")
    assert not Answer.objects.filter(dossier=draft, requirement=first).exists()
    assert forms["19.2"]["status"].value() == "not_met"
    assert "Typed and saved." in response.text
    assert "1 answer saved." in response.text
    assert "they are not saved yet, and what you typed is kept" in response.text
    # The summary at the top links to the field to correct, named by its requirement.
    assert f'href="#id_r{first.pk}-justification"' in response.text
    # The progress shown counts the answer just saved.
    assert response.context["current"].answered == 1


def test_a_refused_answers_typed_text_comes_back_as_typed(client, editor, draft, scheme):
    first = Requirement.objects.get(scheme=scheme, ref="19.2")
    second = Requirement.objects.get(scheme=scheme, ref="19.6")
    client.force_login(editor)
    typed = "Half a sentence that the provider wants to keep <and its markup>"
    response = client.post(
        url("dossier-assessment", draft.reference, "19"),
        {
            f"r{first.pk}-status": "bogus",
            f"r{first.pk}-justification": typed,
            f"r{second.pk}-status": "met",
        },
    )
    assert response.status_code == 200
    assert "Half a sentence that the provider wants to keep &lt;and its markup&gt;" in response.text
    assert Answer.objects.get(dossier=draft, requirement=second).status == "met"
    assert not Answer.objects.filter(dossier=draft, requirement=first).exists()


def test_not_applicable_needs_a_justification_and_met_does_not(client, editor, draft, scheme):
    first = Requirement.objects.get(scheme=scheme, ref="19.2")
    second = Requirement.objects.get(scheme=scheme, ref="19.6")
    client.force_login(editor)
    response = client.post(
        url("dossier-assessment", draft.reference, "19"),
        {
            f"r{first.pk}-status": "met",
            f"r{second.pk}-status": "not_applicable",
            f"r{second.pk}-justification": "No third party.",
        },
    )
    assert response.status_code == 302
    assert dict(Answer.objects.filter(dossier=draft).values_list("requirement__ref", "status")) == {
        "19.2": "met",
        "19.6": "not_applicable",
    }


def test_save_and_next_goes_to_the_next_chapter(client, editor, draft, scheme):
    chapter = Requirement.objects.create(scheme=scheme, ref="20", title_en="More", title_fr="Plus", position=10)
    Requirement.objects.create(scheme=scheme, ref="20.1", parent=chapter, title_en="A", title_fr="A", position=11)
    client.force_login(editor)
    response = client.post(
        url("dossier-assessment", draft.reference, "19"),
        answer_data(Requirement.objects.filter(ref__in=["19.2", "19.6"], scheme=scheme), "met") | {"next": "1"},
    )
    assert response["Location"] == url("dossier-assessment", draft.reference, "20")
    # The last chapter continues to the next task of the dossier: its documents.
    response = client.post(
        url("dossier-assessment", draft.reference, "20"),
        answer_data(Requirement.objects.filter(ref="20.1", scheme=scheme), "met") | {"next": "1"},
    )
    assert response["Location"] == url("dossier-documents", draft.reference)


def test_every_chapter_ends_with_save_and_continue_and_says_where_it_leads(client, editor, draft, scheme):
    chapter = Requirement.objects.create(scheme=scheme, ref="20", title_en="More", title_fr="Plus", position=10)
    Requirement.objects.create(scheme=scheme, ref="20.1", parent=chapter, title_en="A", title_fr="A", position=11)
    client.force_login(editor)
    first = client.get(url("dossier-assessment", draft.reference, "19")).text
    last = client.get(url("dossier-assessment", draft.reference, "20")).text
    for page in (first, last):
        assert (
            '<button type="submit" name="next" value="1" class="btn btn-primary" aria-describedby="continue-to">'
            in page
        )
        assert "Save and continue" in page
    assert "Next: chapter 20, More" in first
    assert "Next: the documents, then the declaration" in last
    assert f'href="{url("dossier-documents", draft.reference)}">5. Documents →' in last


def test_an_unknown_chapter_is_404(client, editor, draft):
    client.force_login(editor)
    assert client.get(url("dossier-assessment", draft.reference, "99")).status_code == 404
    assert client.get(url("dossier-section", draft.reference, "nowhere")).status_code == 404


def test_evidence_offered_is_the_dossiers_current_documents_only(client, editor, draft, service, scheme):
    old = document_add(dossier=draft, kind="evidence", title="Diagram", uploaded=f.pdf(), by=editor)
    new = document_add(dossier=draft, kind="evidence", title="Diagram", uploaded=f.pdf(), by=editor)
    other = f.dossier(f.service(service.provider), scheme)
    foreign = document_add(dossier=other, kind="evidence", title="Foreign", uploaded=f.pdf(), by=editor)
    client.force_login(editor)
    page = client.get(url("dossier-assessment", draft.reference, "19"))
    [(_r, form), *_] = page.context["rows"]
    assert [value for value, _label in form.fields["evidence"].choices] == [str(new.pk)]
    requirement = Requirement.objects.get(scheme=scheme, ref="19.2")
    response = client.post(
        url("dossier-assessment", draft.reference, "19"),
        {f"r{requirement.pk}-status": "met", f"r{requirement.pk}-evidence": [str(foreign.pk)]},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not Answer.objects.filter(dossier=draft).exists()
    assert old.pk != new.pk


def test_answer_save_keeps_the_rules(draft, editor, viewer, other_owner, scheme, service):
    requirement = Requirement.objects.get(scheme=scheme, ref="19.2")
    saas_only = Requirement.objects.get(scheme=scheme, ref="19.9")
    answer = answer_save(dossier=draft, requirement=requirement, by=editor, status="met", justification="")
    assert answer.is_answered
    with pytest.raises(Refused, match="justification is required"):
        answer_save(dossier=draft, requirement=requirement, by=editor, status="not_met", justification=" ")
    with pytest.raises(Refused, match="does not apply"):
        answer_save(dossier=draft, requirement=saas_only, by=editor, status="met")
    with pytest.raises(Refused, match="Unknown self-assessment"):
        answer_save(dossier=draft, requirement=requirement, by=editor, status="maybe")
    for person in (viewer, other_owner):
        with pytest.raises(Refused, match="Only an owner or editor"):
            answer_save(dossier=draft, requirement=requirement, by=person, status="met")
    other = f.dossier(f.service(service.provider), scheme)
    foreign = document_add(dossier=other, kind="evidence", title="Foreign", uploaded=f.pdf(), by=editor)
    with pytest.raises(Refused, match="Evidence must be documents of this dossier"):
        answer_save(dossier=draft, requirement=requirement, by=editor, status="met", evidence=[foreign])
    Dossier.objects.filter(pk=draft.pk).update(status=S.SUBMITTED)
    with pytest.raises(Refused, match="can only be changed"):
        answer_save(dossier=draft, requirement=requirement, by=editor, status="met")
    answer.refresh_from_db()
    assert (answer.status, list(answer.evidence.all())) == ("met", [])


def test_answers_save_saves_all_or_nothing(draft, editor, scheme):
    first = Requirement.objects.get(scheme=scheme, ref="19.2")
    second = Requirement.objects.get(scheme=scheme, ref="19.6")
    with pytest.raises(Refused):
        answers_save(
            dossier=draft,
            by=editor,
            rows=[
                {"requirement": first, "status": "met", "justification": "", "evidence": []},
                {"requirement": second, "status": "not_met", "justification": "", "evidence": []},
            ],
        )
    assert not Answer.objects.filter(dossier=draft).exists()


# Declaration


def test_the_declaration_must_be_ticked(client, editor, draft):
    client.force_login(editor)
    response = client.post(url("dossier-declaration", draft.reference), {"listed_in_process_consent": "on"})
    assert response.status_code == 200
    assert response.context["form"].errors["declare"] == ["Tick the declaration to sign it."]
    draft.refresh_from_db()
    assert draft.declared_at is None and not draft.listed_in_process_consent
