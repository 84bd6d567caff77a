"""The dossier pages of the provider portal, driven through the test client as a provider's members would."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.catalogue.models import Requirement
from registry.providers.models import Site
from registry.qualification.models import Answer, Document, Dossier, DossierEvent, Message
from registry.qualification.services import dossiers as svc
from registry.qualification.services.answers import answer_save, answers_save
from registry.qualification.services.documents import document_add
from registry.qualification.workflow import Refused
from tests import factories as f

pytestmark = pytest.mark.django_db

S = Dossier.Status


def url(name, *args):
    return reverse(f"portal:{name}", args=args)


def page_messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def answer_data(requirements, status="met", justification="", evidence=()):
    data = {}
    for r in requirements:
        data[f"r{r.pk}-status"] = status
        data[f"r{r.pk}-justification"] = justification
        if evidence:
            data[f"r{r.pk}-evidence"] = [str(d.pk) for d in evidence]
    return data


def applicable(dossier):
    return svc.applicable_requirements(dossier)


@pytest.fixture
def submitted(complete_draft, editor):
    return svc.dossier_submit(dossier=complete_draft, by=editor)


@pytest.fixture
def changes_requested(submitted, reviewer):
    svc.dossier_take(dossier=submitted, by=reviewer)
    return svc.dossier_request_changes(dossier=submitted, by=reviewer, comment="Please describe the support sites.")


# The whole journey


def test_an_editor_takes_a_dossier_from_start_to_resubmission(client, editor, reviewer, service, scheme):
    client.force_login(editor)

    page = client.get(url("dossier-new", service.slug))
    assert page.status_code == 200
    assert str(scheme) in page.text
    response = client.post(url("dossier-new", service.slug), {"scheme": scheme.pk, "kind": "initial"})
    dossier = Dossier.objects.get(service=service, scheme=scheme)
    assert response.status_code == 302
    assert response["Location"] == url("dossier", dossier.reference)
    assert dossier.status == S.DRAFT and dossier.created_by == editor

    overview = client.get(url("dossier", dossier.reference))
    assert overview.status_code == 200
    assert "Still missing before the dossier can be submitted" in overview.text
    assert url("dossier-assessment", dossier.reference, "19") in overview.text

    # Documents first, so that the answers can cite them.
    for kind, title in [
        ("security_policy", "Security policy"),
        ("risk_analysis", "Risk analysis"),
        ("extra_eu_risks", "Residual risks"),
    ]:
        response = client.post(
            url("dossier-documents", dossier.reference), {"kind": kind, "title": title, "file": f.pdf(f"{kind}.pdf")}
        )
        assert response.status_code == 302, response.content
    policy = Document.objects.get(dossier=dossier, kind="security_policy")

    requirements = applicable(dossier)
    assert [r.ref for r in requirements] == ["19.2", "19.6"]  # 19.9 is for SaaS only
    chapter_page = client.get(url("dossier-assessment", dossier.reference, "19"))
    assert chapter_page.status_code == 200
    assert "19.9" not in chapter_page.text
    assert "2 left in this chapter" in chapter_page.text
    response = client.post(
        url("dossier-assessment", dossier.reference, "19"),
        answer_data(requirements, "met", "Our sites are in France.", evidence=[policy]),
    )
    assert response.status_code == 302
    answers = Answer.objects.filter(dossier=dossier)
    assert {a.status for a in answers} == {"met"}
    assert all(list(a.evidence.all()) == [policy] for a in answers)

    response = client.post(
        url("dossier-declaration", dossier.reference), {"declare": "on", "listed_in_process_consent": "on"}
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.declared_by == editor and dossier.listed_in_process_consent

    overview = client.get(url("dossier", dossier.reference))
    assert "Everything the submission needs is there." in overview.text
    response = client.post(url("dossier-submit", dossier.reference), {"comment": "First submission."})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == S.SUBMITTED

    # The agency asks for changes.
    svc.dossier_take(dossier=dossier, by=reviewer)
    svc.dossier_request_changes(dossier=dossier, by=reviewer, comment="Please list the support operations.")

    overview = client.get(url("dossier", dossier.reference))
    assert "The agency requested changes" in overview.text
    assert "Please list the support operations." in overview.text
    assert "Resubmit the dossier" in overview.text

    response = client.post(
        url("dossier-message", dossier.reference),
        {
            "body": "Here is the list of support operations.",
            "kind": "evidence",
            "title": "Support operations",
            "file": f.pdf("support.pdf"),
        },
    )
    assert response.status_code == 302
    message = Message.objects.get(dossier=dossier, author=editor)
    [attachment] = message.attachments.all()
    assert (attachment.title, attachment.original_name) == ("Support operations", "support.pdf")

    response = client.post(
        url("dossier-assessment", dossier.reference, "19"),
        answer_data(requirements[:1], "partially_met", "Support from Canada for level 1 only.")
        | answer_data(requirements[1:], "met"),
    )
    assert response.status_code == 302
    assert Answer.objects.get(dossier=dossier, requirement=requirements[0]).status == "partially_met"

    # The change request withdrew the signature: resubmitting first says so, then works once signed again.
    refused = client.post(
        url("dossier-submit", dossier.reference), {"comment": "Support operations listed."}, follow=True
    )
    assert "The declaration has not been signed." in refused.text
    client.post(url("dossier-declaration", dossier.reference), {"declare": "on", "listed_in_process_consent": "on"})
    response = client.post(url("dossier-submit", dossier.reference), {"comment": "Support operations listed."})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == S.SUBMITTED
    overview = client.get(url("dossier", dossier.reference))
    assert "Resubmitted by" in overview.text
    assert "Here is the list of support operations." in client.get(url("dossier-message", dossier.reference)).text


# Starting a dossier


def test_a_second_dossier_for_the_same_service_and_scheme_is_refused_next_to_the_scheme(
    client, editor, draft, service, scheme
):
    client.force_login(editor)
    response = client.post(url("dossier-new", service.slug), {"scheme": scheme.pk, "kind": "initial"})
    assert response.status_code == 200
    assert response.context["form"].errors["scheme"] == [
        "This service already has a dossier in progress for this scheme."
    ]
    assert 'id="error_1_id_scheme"' in response.text or "invalid-feedback" in response.text
    assert Dossier.objects.filter(service=service).count() == 1


def test_a_renewal_must_name_a_certificate(client, editor, service, scheme):
    client.force_login(editor)
    response = client.post(url("dossier-new", service.slug), {"scheme": scheme.pk, "kind": "renewal"})
    assert response.status_code == 200
    assert response.context["form"].errors["renews"] == ["Choose the certificate this dossier renews."]
    assert not Dossier.objects.exists()


def test_a_renewal_of_a_live_certificate_is_opened(client, editor, service, scheme):
    certificate = f.certificate(service, scheme)
    client.force_login(editor)
    response = client.post(
        url("dossier-new", service.slug), {"scheme": scheme.pk, "kind": "renewal", "renews": certificate.pk}
    )
    assert response.status_code == 302
    dossier = Dossier.objects.exclude(status=S.QUALIFIED).get(service=service)
    assert (dossier.kind, dossier.renews) == ("renewal", certificate)
    assert certificate.number in client.get(url("dossier", dossier.reference)).text


# The overview


def test_the_overview_shows_the_sovereignty_results_with_their_reasons_as_warnings(
    client, editor, complete_draft, service
):
    Site.objects.create(service=service, role=Site.Role.STORAGE, country="US", city="Ashburn")
    client.force_login(editor)
    page = client.get(url("dossier", complete_draft.reference))
    assert page.status_code == 200
    assert "Data storage – United States of America" in page.text  # the reason of 19.2.a-b
    assert "All three are in EU member states." in page.text  # the reason of 19.6.a
    assert "do not block the submission" in page.text
    response = client.post(url("dossier-submit", complete_draft.reference))
    assert response.status_code == 302
    complete_draft.refresh_from_db()
    assert complete_draft.status == S.SUBMITTED


def test_the_overview_counts_what_is_left_per_chapter_and_overall(client, editor, draft, scheme):
    chapter = Requirement.objects.create(scheme=scheme, ref="20", title_en="More", title_fr="Plus", position=10)
    Requirement.objects.create(scheme=scheme, ref="20.1", parent=chapter, title_en="A", title_fr="A", position=11)
    Answer.objects.create(dossier=draft, requirement=Requirement.objects.get(scheme=scheme, ref="19.2"), status="met")
    client.force_login(editor)
    page = client.get(url("dossier", draft.reference))
    progress = page.context["progress"]
    assert [(c.chapter.ref, c.left) for c in progress.chapters] == [("19", 1), ("20", 1)]
    assert (progress.answered, progress.total) == (1, 3)
    assert "1 of 3 requirements answered" in page.text


def test_a_refused_submission_says_what_is_missing_with_links_to_fix_it(client, editor, draft):
    client.force_login(editor)
    response = client.post(url("dossier-submit", draft.reference))
    assert response.status_code == 302
    assert response["Location"].endswith("#submission")
    [message] = page_messages(response)
    assert message.startswith("The dossier was not submitted.")
    assert "2 requirements still need an answer: 19.2, 19.6." in message
    page = client.get(url("dossier", draft.reference))
    requirement = Requirement.objects.get(scheme=draft.scheme, ref="19.2")
    assert f"{url('dossier-assessment', draft.reference, '19')}#req-{requirement.pk}" in page.text
    assert url("dossier-documents", draft.reference) + "#upload" in page.text
    assert "Information security policy" in page.text
    assert url("dossier-declaration", draft.reference) in page.text
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_a_double_submission_says_the_dossier_is_already_submitted(client, editor, complete_draft):
    client.force_login(editor)
    assert client.post(url("dossier-submit", complete_draft.reference)).status_code == 302
    response = client.post(url("dossier-submit", complete_draft.reference))
    assert response.status_code == 302
    assert page_messages(response)[-1] == "The dossier was not submitted. This dossier is already submitted."
    assert DossierEvent.objects.filter(dossier=complete_draft, action="submit").count() == 1


def test_submit_answers_only_to_post(client, editor, complete_draft):
    client.force_login(editor)
    assert client.get(url("dossier-submit", complete_draft.reference)).status_code == 405


# Read-only outside the provider's hands, and the timeline


def test_a_submitted_dossier_is_read_only(client, editor, submitted):
    client.force_login(editor)
    requirement = Requirement.objects.get(scheme=submitted.scheme, ref="19.2")
    before = list(Answer.objects.filter(dossier=submitted).values_list("status", "justification"))
    for name in ("dossier-assessment",):
        page = client.get(url(name, submitted.reference, "19"))
        assert "Save this chapter" not in page.text
        assert "read-only" in page.text
    for name in ("dossier-documents", "dossier-declaration"):
        page = client.get(url(name, submitted.reference))
        assert 'enctype="multipart/form-data"' not in page.text
        assert "Sign the declaration" not in page.text
    response = client.post(
        url("dossier-assessment", submitted.reference, "19"),
        {f"r{requirement.pk}-status": "not_met", f"r{requirement.pk}-justification": "Changed my mind."},
    )
    assert response.status_code == 302
    assert "can only be changed while it is a draft or changes are requested" in page_messages(response)[0]
    assert list(Answer.objects.filter(dossier=submitted).values_list("status", "justification")) == before
    response = client.post(url("dossier-declaration", submitted.reference), {"declare": "on"})
    assert response.status_code == 302
    assert "can only be changed" in page_messages(response)[0]
    response = client.post(
        url("dossier-documents", submitted.reference), {"kind": "evidence", "title": "Late", "file": f.pdf()}
    )
    assert response.status_code == 302
    assert "can only be changed while it is a draft" in page_messages(response)[-1]
    assert not Document.objects.filter(title="Late").exists()


def test_the_timeline_speaks_to_the_provider_and_hides_internal_events(
    client, editor, reviewer, complete_draft, center
):
    d = svc.dossier_submit(dossier=complete_draft, by=editor)
    svc.dossier_take(dossier=d, by=reviewer)
    svc.message_post(dossier=d, by=reviewer, body="Internal: check the shareholders again.", internal=True)
    DossierEvent.objects.create(dossier=d, actor=reviewer, action="note", comment="Secret agency note", internal=True)
    svc.dossier_admit(dossier=d, by=reviewer, evaluation_center=center)
    client.force_login(editor)
    page = client.get(url("dossier", d.reference))
    text = page.text
    editor_name = editor.get_full_name() or editor.email
    assert f"Submitted by {editor_name}." in text
    assert "Taken in review by the agency." in text
    assert "Admitted for evaluation by CESTI Paris." in text
    assert "Internal: check the shareholders again." not in text
    assert "Secret agency note" not in text
    assert reviewer.email not in text and "Rita" not in text
    assert "In evaluation" in text


def test_the_reviewers_request_is_prominent_while_changes_are_requested(client, editor, changes_requested):
    client.force_login(editor)
    for page in (
        client.get(url("dossier", changes_requested.reference)),
        client.get(url("dossier-documents", changes_requested.reference)),
        client.get(url("dossier-assessment", changes_requested.reference, "19")),
    ):
        assert "The agency requested changes" in page.text
        assert "Please describe the support sites." in page.text
    # Editable again, and resubmitted from the overview.
    assert "Save this chapter" in client.get(url("dossier-assessment", changes_requested.reference, "19")).text
    client.post(url("dossier-declaration", changes_requested.reference), {"declare": "on"})
    response = client.post(url("dossier-submit", changes_requested.reference))
    assert response.status_code == 302
    changes_requested.refresh_from_db()
    assert changes_requested.status == S.SUBMITTED
    assert DossierEvent.objects.filter(dossier=changes_requested, action="resubmit").count() == 1


# Self-assessment


def test_an_empty_justification_is_refused_next_to_its_field_and_the_other_answers_keep_what_was_typed(
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
            f"r{second.pk}-justification": "Typed but not saved yet.",
        },
    )
    assert response.status_code == 200
    forms = {form.requirement.ref: form for _r, form in response.context["rows"]}
    assert forms["19.2"].errors["justification"] == [
        "Explain your assessment: a justification is required unless the requirement is met."
    ]
    assert not forms["19.6"].errors
    assert "Typed but not saved yet." in response.text
    assert f'href="#req-{first.pk}"' in response.text  # the summary at the top links to the field to correct
    assert "nothing was saved yet" in response.text
    assert not Answer.objects.filter(dossier=draft, requirement=first).exists()
    assert Answer.objects.get(dossier=draft, requirement=second).justification == "Saved before."


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


# Withdrawal


def test_an_owner_withdraws_after_a_confirmation(client, owner, submitted):
    client.force_login(owner)
    page = client.get(url("dossier-withdraw", submitted.reference))
    assert page.status_code == 200
    assert "Yes, withdraw the dossier" in page.text
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED  # a GET changes nothing
    response = client.post(url("dossier-withdraw", submitted.reference), {"comment": "We will reapply next year."})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == S.WITHDRAWN
    assert "Withdrawn by" in client.get(url("dossier", submitted.reference)).text


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_only_an_owner_may_withdraw(client, role, request, submitted):
    client.force_login(request.getfixturevalue(role))
    assert client.get(url("dossier-withdraw", submitted.reference)).status_code == 403
    assert client.post(url("dossier-withdraw", submitted.reference)).status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED


def test_a_dossier_at_the_committee_cannot_be_withdrawn(client, owner, complete_draft, walk):
    d = walk(complete_draft, S.DECISION)
    client.force_login(owner)
    page = client.get(url("dossier-withdraw", d.reference))
    assert page.status_code == 200
    assert "not possible while the dossier is awaiting decision" in page.text
    assert "Yes, withdraw" not in page.text
    response = client.post(url("dossier-withdraw", d.reference))
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.status == S.DECISION


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


# Who may see what


ROLES = ["anonymous", "viewer", "editor", "owner", "other_owner", "reviewer"]
LOGIN = "login"

# page -> expected status per role, in ROLES order.
MATRIX = {
    "dossier-new": [LOGIN, 403, 200, 200, 404, 404],
    "dossier": [LOGIN, 200, 200, 200, 404, 404],
    "section-scope": [LOGIN, 200, 200, 200, 404, 404],
    "section-locations": [LOGIN, 200, 200, 200, 404, 404],
    "section-ownership": [LOGIN, 200, 200, 200, 404, 404],
    "assessment": [LOGIN, 200, 200, 200, 404, 404],
    "documents": [LOGIN, 200, 200, 200, 404, 404],
    "declaration": [LOGIN, 200, 200, 200, 404, 404],
    "messages": [LOGIN, 200, 200, 200, 404, 404],
    "withdraw": [LOGIN, 403, 403, 200, 404, 404],
    "submit (POST)": [LOGIN, 403, 302, 302, 404, 404],
    # The agency's staff may download evidence from the portal too (a link in an e-mail, a colleague's message).
    "document-download": [LOGIN, 200, 200, 200, 404, 200],
}


@pytest.fixture
def urls(complete_draft, service):
    ref = complete_draft.reference
    return {
        "dossier-new": url("dossier-new", service.slug),
        "dossier": url("dossier", ref),
        "section-scope": url("dossier-section", ref, "scope"),
        "section-locations": url("dossier-section", ref, "locations"),
        "section-ownership": url("dossier-section", ref, "ownership"),
        "assessment": url("dossier-assessment", ref, "19"),
        "documents": url("dossier-documents", ref),
        "declaration": url("dossier-declaration", ref),
        "messages": url("dossier-message", ref),
        "withdraw": url("dossier-withdraw", ref),
        "submit (POST)": url("dossier-submit", ref),
        "document-download": url("document-download", complete_draft.documents.first().pk),
    }


@pytest.mark.parametrize("page", MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, portal_people, urls, page, role):
    expected = MATRIX[page][ROLES.index(role)]
    if portal_people[role] is not None:
        f.login_with_mfa(client, portal_people[role])
    response = client.post(urls[page]) if page.endswith("(POST)") else client.get(urls[page])
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected


WRITES = {
    "assessment": lambda d: (url("dossier-assessment", d.reference, "19"), {}),
    "documents": lambda d: (url("dossier-documents", d.reference), {"kind": "evidence", "title": "X", "file": f.pdf()}),
    "declaration": lambda d: (url("dossier-declaration", d.reference), {"declare": "on"}),
    "messages": lambda d: (url("dossier-message", d.reference), {"body": "Hello"}),
    "submit": lambda d: (url("dossier-submit", d.reference), {}),
    "withdraw": lambda d: (url("dossier-withdraw", d.reference), {}),
}


@pytest.mark.parametrize("write", WRITES)
def test_a_viewer_cannot_write(client, viewer, complete_draft, write):
    before = (Answer.objects.count(), Document.objects.count(), Message.objects.count())
    client.force_login(viewer)
    target, data = WRITES[write](complete_draft)
    assert client.post(target, data).status_code == 403
    complete_draft.refresh_from_db()
    assert complete_draft.status == S.DRAFT
    assert (Answer.objects.count(), Document.objects.count(), Message.objects.count()) == before


@pytest.mark.parametrize("write", WRITES)
def test_another_provider_cannot_write(client, other_owner, complete_draft, write):
    client.force_login(other_owner)
    target, data = WRITES[write](complete_draft)
    assert client.post(target, data).status_code == 404


# Query counts


def populated_dossier(provider, owner, editor, *, per_chapter, documents, versions, messages):
    """A dossier with chapters of `per_chapter` requirements, `documents` documents (`versions` with a second version),
    every answer citing three documents, and `messages` messages with two attachments each."""
    scheme = f.scheme(with_requirements=False)
    position = 0
    for c, size in enumerate(per_chapter):
        position += 1
        chapter = Requirement.objects.create(
            scheme=scheme, ref=str(5 + c), title_en=f"Chapter {c}", title_fr="C", position=position
        )
        for i in range(size):
            position += 1
            Requirement.objects.create(
                scheme=scheme,
                ref=f"{5 + c}.{i + 1}",
                parent=chapter,
                title_en=f"R {i}",
                title_fr="R",
                position=position,
            )
    service = f.service(provider)
    f.eu_sites(service)
    f.third_party(service)
    f.shareholder(provider)
    d = svc.dossier_create(service=service, scheme=scheme, by=owner)
    kinds = ["security_policy", "risk_analysis", "extra_eu_risks"] + ["evidence"] * (documents - 3)
    docs = [
        document_add(dossier=d, kind=kind, title=f"Doc {i}", uploaded=f.pdf(), by=editor)
        for i, kind in enumerate(kinds)
    ]
    for i in range(versions):
        docs.append(document_add(dossier=d, kind="evidence", title=f"Doc {i + 3}", uploaded=f.pdf(), by=editor))
    for r in svc.applicable_requirements(d):
        answer = Answer.objects.create(dossier=d, requirement=r, status="partially_met", justification="Partly.")
        answer.evidence.set(docs[:3])
    for i in range(messages):
        svc.message_post(dossier=d, by=editor, body=f"Message {i}", attachments=docs[:2])
    return d


@pytest.fixture
def big_dossier(provider, owner, editor):
    return populated_dossier(provider, owner, editor, per_chapter=[40, 7, 7, 7], documents=20, versions=5, messages=10)


@pytest.fixture
def small_dossier(provider, owner, editor):
    return populated_dossier(provider, owner, editor, per_chapter=[2, 1], documents=4, versions=1, messages=1)


def _pages(d):
    return [
        url("dossier", d.reference),
        url("dossier-section", d.reference, "scope"),
        url("dossier-section", d.reference, "locations"),
        url("dossier-section", d.reference, "ownership"),
        url("dossier-assessment", d.reference, "5"),
        url("dossier-documents", d.reference),
        url("dossier-declaration", d.reference),
        url("dossier-message", d.reference),
        url("dossier-withdraw", d.reference),
    ]


# Every dossier page: session, user, the dossier (with service, provider, scheme, centre, declarant, certificate), the
# memberships (actor_for), then the progress meter: requirements, answers, current document kinds. Then each page's own:
PAGE_QUERIES = {
    # sovereignty (shareholders, third parties, sites, kinds), submission facts (requirements, answers, kinds),
    # timeline, message count
    "dossier": 7 + 9,
    "scope": 7,
    "locations": 7 + 1,  # sites
    "ownership": 7 + 2,  # shareholders, third parties
    "assessment": 7 + 2,  # evidence of the answers, current documents
    "documents": 7 + 1,  # every version with its uploader
    "declaration": 7,
    "messages": 7 + 4,  # current documents (attachments to choose), thread, attachments, members
    "withdraw": 7,
}


def test_every_dossier_page_runs_a_bounded_number_of_queries(client, owner, big_dossier, django_assert_max_num_queries):
    assert Answer.objects.filter(dossier=big_dossier).count() == 61
    assert big_dossier.documents.count() == 25
    client.force_login(owner)
    for name, page_url in zip(PAGE_QUERIES, _pages(big_dossier), strict=True):
        with django_assert_max_num_queries(PAGE_QUERIES[name]):
            assert client.get(page_url).status_code == 200


def test_the_number_of_queries_does_not_grow_with_the_dossier(client, owner, big_dossier, small_dossier):
    client.force_login(owner)
    for big_url, small_url in zip(_pages(big_dossier), _pages(small_dossier), strict=True):
        counts = []
        for page_url in (small_url, big_url):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(page_url).status_code == 200
            counts.append(len(queries))
        assert counts[1] == counts[0], (big_url, counts)
