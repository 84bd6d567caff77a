"""The dossier pages of the provider portal, driven through the test client as a provider's members would: the whole
journey, starting a dossier, the overview and its submission, read-only outside the provider's hands, the timeline and
the withdrawal.

The self-assessment and the declaration, the dialogue, who may see what, and the query counts are in the
test_portal_assessment_and_declaration, test_portal_dossier_messages, test_portal_dossier_permissions and
test_portal_dossier_queries modules."""

import pytest
from django.contrib.messages import get_messages

from registry.catalogue.models import Requirement
from registry.providers.models import Site
from registry.qualification.models import Answer, Document, Dossier, DossierEvent, Message
from registry.qualification.services import dossiers as svc
from tests import factories as f
from tests.portal.dossier_pages import answer_data, url

pytestmark = pytest.mark.django_db

S = Dossier.Status


def page_messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def applicable(dossier):
    return svc.applicable_requirements(dossier)


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
        url("dossier-declaration", dossier.reference),
        {
            "declare": "on",
            "signatory_name": "Claire Martin",
            "signatory_capacity": "Chief executive officer",
            "listed_in_process_consent": "on",
        },
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
    client.post(
        url("dossier-declaration", dossier.reference),
        {
            "declare": "on",
            "signatory_name": "Claire Martin",
            "signatory_capacity": "Chief executive officer",
            "listed_in_process_consent": "on",
        },
    )
    response = client.post(url("dossier-submit", dossier.reference), {"comment": "Support operations listed."})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert (dossier.status, dossier.instructing_reviewer) == (S.IN_REVIEW, reviewer)  # back to its reviewer
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
    response = client.post(
        url("dossier-declaration", submitted.reference),
        {"declare": "on", "signatory_name": "Claire Martin", "signatory_capacity": "Chief executive officer"},
    )
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
    svc.dossier_admit(dossier=d, by=reviewer)
    f.contracted(d, provider_user=editor, reviewer=reviewer, center=center)
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
    client.post(
        url("dossier-declaration", changes_requested.reference),
        {"declare": "on", "signatory_name": "Claire Martin", "signatory_capacity": "Chief executive officer"},
    )
    response = client.post(url("dossier-submit", changes_requested.reference))
    assert response.status_code == 302
    assert any("went straight back to the reviewer who requested the changes" in m for m in page_messages(response))
    changes_requested.refresh_from_db()
    assert changes_requested.status == S.IN_REVIEW
    assert DossierEvent.objects.filter(dossier=changes_requested, action="resubmit").count() == 1


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
