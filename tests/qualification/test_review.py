"""What the agency reads to review a dossier (registry.qualification.review): what changed since the change request,
the open findings and the action items given to the provider, and the committee's brief. Driven through the real
services on the database."""

from decimal import Decimal

import pytest

from registry.providers.models import Shareholder, Site
from registry.qualification import review
from registry.qualification.choices import DocumentKind
from registry.qualification.models import Answer, Dossier, DossierEvent, DossierVisit
from registry.qualification.services import dossiers as svc
from registry.qualification.services.answers import answer_save
from registry.qualification.services.documents import document_add
from registry.qualification.workflow import Refused
from tests import factories as f

S = Dossier.Status


def answer(dossier, ref) -> Answer:
    return Answer.objects.select_related("requirement").get(dossier=dossier, requirement__ref=ref)


def finding(dossier, ref, by, kind, note="", internal=False) -> Answer:
    return svc.answer_record_finding(answer=answer(dossier, ref), by=by, finding=kind, note=note, internal=internal)


@pytest.fixture
def in_review(complete_draft, walk):
    return walk(complete_draft, S.IN_REVIEW)


@pytest.fixture
def requested(in_review, reviewer):
    finding(in_review, "19.2", reviewer, "minor", "Name the backup site.")
    finding(in_review, "19.6", reviewer, "major", "Justify the ownership.")
    return svc.dossier_request_changes(dossier=in_review, by=reviewer, comment="See the action items.")


# Word diffs.


def test_a_word_diff_marks_what_went_and_what_came_and_escapes_the_rest():
    html = review.word_diff("Hosted in <Paris> only", "Hosted in <Paris> and Lyon")
    assert html == "Hosted in &lt;Paris&gt; <del>only</del><ins>and Lyon</ins>"
    # Punctuation is its own token, and the blanks around a change stay outside its marks.
    assert review.word_diff("Virtual machines.", "Virtual machines and storage.") == (
        "Virtual machines <ins>and storage</ins>."
    )


def test_a_rewritten_sentence_reads_as_what_went_then_what_came():
    # Words the two versions share by chance ("de", blanks) do not cut a rewritten clause into struck and added shreds.
    html = review.word_diff(
        "Data in the EU; no entity outside the EU controls the provider.",
        "Data in the EU. The licensor's support has no access to the data.",
    )
    assert html == (
        "Data in the EU<del>; no entity outside the EU controls the provider</del>"
        "<ins>. The licensor&#x27;s support has no access to the data</ins>."
    )
    # A long shared stretch still stands between two changes.
    assert review.word_diff("one two three four five six", "1 two three four five 6") == (
        "<del>one</del><ins>1</ins> two three four five <del>six</del><ins>6</ins>"
    )


def test_a_word_diff_keeps_line_breaks_readable():
    assert review.word_diff("a\nb", "a\nc") == "a<br><del>b</del><ins>c</ins>"


# The change request: action items and snapshot.


def test_a_change_request_keeps_every_open_finding_the_provider_may_read_as_an_action_item(in_review, reviewer):
    finding(in_review, "19.2", reviewer, "minor", "Name the backup site.")
    finding(in_review, "19.6", reviewer, "major", "Internal doubt.", internal=True)
    svc.dossier_request_changes(dossier=in_review, by=reviewer, comment="Please complete.")
    event = DossierEvent.objects.get(dossier=in_review, action="request_changes")
    assert [(i["ref"], i["finding"], i["note"]) for i in event.detail["action_items"]] == [
        ("19.2", "minor", "Name the backup site.")
    ]
    assert set(event.detail["snapshot"]) == {"answers", "documents", "organisation", "service"}
    items = review.action_items(in_review)
    assert [(i["ref"], i["title"], i["finding_label"]) for i in items] == [
        ("19.2", "Data location", "Minor non-conformity")
    ]


def test_the_reviewer_ticks_the_action_items(in_review, reviewer):
    minor = finding(in_review, "19.2", reviewer, "minor", "Backup site.")
    finding(in_review, "19.6", reviewer, "major", "Ownership.")
    svc.dossier_request_changes(dossier=in_review, by=reviewer, comment="Only one.", action_item_ids=[minor.pk])
    assert [i["ref"] for i in review.action_items(in_review)] == ["19.2"]


def test_an_internal_or_closed_finding_is_refused_as_an_action_item(in_review, reviewer):
    internal = finding(in_review, "19.2", reviewer, "minor", "Ours.", internal=True)
    conform = finding(in_review, "19.6", reviewer, "conform")
    for pk in (internal.pk, conform.pk):
        with pytest.raises(Refused, match="open findings the provider may read"):
            svc.dossier_request_changes(dossier=in_review, by=reviewer, comment="No.", action_item_ids=[pk])
    in_review.refresh_from_db()
    assert in_review.status == S.IN_REVIEW
    assert not DossierEvent.objects.filter(dossier=in_review, action="request_changes").exists()


def test_a_finding_without_a_kind_is_never_internal(in_review, reviewer):
    assert finding(in_review, "19.2", reviewer, "", internal=True).finding_internal is False
    assert finding(in_review, "19.2", reviewer, "minor", internal=True).finding_internal is True


def test_no_action_items_and_no_changes_before_any_request(in_review):
    assert review.action_items(in_review) == []
    assert review.changes_since_request(in_review) is None


# What changed since the request.


def test_nothing_changed_right_after_the_request(requested):
    changes = review.changes_since_request(requested)
    assert changes.is_empty
    assert changes.comment == "See the action items."
    assert changes.requested_by == "Rita Reviewer"


def test_changes_since_the_request_list_answers_documents_organisation_and_service(
    requested, editor, reviewer, provider, service
):
    d = requested
    answer_save(
        dossier=d, requirement=answer(d, "19.6").requirement, by=editor, status="partially_met", justification="Plan."
    )
    policy = d.documents.get(kind=DocumentKind.SECURITY_POLICY)
    document_add(dossier=d, kind=policy.kind, title=policy.title, uploaded=f.pdf(), by=editor)
    document_add(dossier=d, kind=DocumentKind.EVIDENCE, title="Audit <2026>", uploaded=f.pdf(), by=editor)
    f.shareholder(provider, name="Atlantic Holdings", country="US", capital_percent=Decimal(30))
    Site.objects.create(service=service, role=Site.Role.SUPPORT, country="DE", city="Berlin")
    service.__class__.objects.filter(pk=service.pk).update(description="Virtual machines and storage.")

    changes = review.changes_since_request(d)
    assert not changes.is_empty
    [changed] = changes.answers
    assert (changed.ref, changed.title) == ("19.6", "Extra-EU law")
    assert [(c.label, c.before, c.after) for c in changed.changes] == [
        ("self-assessment", "Met", "Partially met"),
        ("justification", "", "Plan."),
    ]
    assert changes.changed_requirement_ids == frozenset({changed.requirement_id})
    assert sorted((c.title, c.what) for c in changes.documents) == [
        ("Audit <2026>", "added"),
        ("Information security policy", "new version 2"),
    ]
    [holders] = changes.organisation
    assert holders.label == "shareholders"
    assert "<ins>Atlantic Holdings (US, 30.00 % capital, 50.00 % votes)</ins>" in holders.diff_html
    labels = {c.label: c for c in changes.service}
    assert labels["description"].diff_html == "Virtual machines <ins>and storage</ins>."
    assert "Support: Berlin, Germany" in labels["sites"].after


def test_a_french_description_written_since_the_request_is_listed(requested, service):
    """The snapshot taken at the request predates it or has it blank: either way the French text shows as added."""
    service.__class__.objects.filter(pk=service.pk).update(description_fr="Machines virtuelles.")
    labels = {c.label: c for c in review.changes_since_request(requested).service}
    assert labels["description (French)"].after == "Machines virtuelles."


def test_a_second_request_compares_with_the_state_at_that_request(requested, editor, reviewer):
    d = requested
    requirement = answer(d, "19.6").requirement
    answer_save(dossier=d, requirement=requirement, by=editor, status="not_met", justification="Gap.")
    svc.dossier_declare(
        dossier=d,
        by=editor,
        signatory_name="Claire Martin",
        signatory_capacity="Chief executive officer",
        listed_in_process_consent=False,
    )
    d = svc.dossier_resubmit(dossier=d, by=editor)
    assert [a.ref for a in review.changes_since_request(d).answers] == ["19.6"]
    svc.dossier_request_changes(dossier=d, by=reviewer, comment="Again.")
    assert review.changes_since_request(d).is_empty


def test_the_changes_are_read_in_a_fixed_number_of_queries(
    requested, editor, provider, service, django_assert_max_num_queries
):
    def count():
        with django_assert_max_num_queries(10) as ctx:
            review.changes_since_request(requested)
        return len(ctx.captured_queries)

    few = count()
    for i in range(15):
        f.shareholder(provider, name=f"Holder {i}", capital_percent=Decimal(1), voting_percent=Decimal(1))
        f.third_party(service, name=f"Supplier {i}")
        document_add(dossier=requested, kind=DocumentKind.EVIDENCE, title=f"Proof {i}", uploaded=f.pdf(), by=editor)
    assert count() == few


# The committee's brief.


def test_the_brief_holds_the_recommendation_findings_report_and_checks(complete_draft, walk, reviewer):
    d = walk(complete_draft, S.EVALUATION)
    finding(d, "19.6", reviewer, "major", "Ownership.", internal=True)
    finding(d, "19.2", reviewer, "minor", "Backup site.")
    f.evaluated(d, reviewer=reviewer)
    svc.dossier_report(
        dossier=d,
        by=reviewer,
        recommendation="conditions",
        comment="Sound, save the ownership.",
        proposed_conditions="Reduce the US holding within 6 months.",
    )
    brief = review.decision_brief(d)
    assert (brief.recommendation.value, brief.recommendation.label) == ("conditions", "Qualify with conditions")
    assert brief.recommendation.rationale == "Sound, save the ownership."
    assert brief.recommendation.proposed_conditions == "Reduce the US holding within 6 months."
    assert brief.recommendation.by == "Rita Reviewer"
    assert [a.requirement.ref for a in brief.open_major] == ["19.6"]  # internal findings reach the committee
    assert [a.requirement.ref for a in brief.open_minor] == ["19.2"]
    assert brief.evaluation_report.title == "Evaluation report" and brief.technical_report.version == 1
    assert {r.rule for r in brief.checks} >= {"19.6.a", "19.6.c", "19.2.a-b"}


def test_an_answer_met_on_19_6_while_its_automatic_checks_fail_is_a_contradiction(
    complete_draft, walk, provider, service, reviewer
):
    # The example: Met on 19.6, no justification, while 19.6.b and 19.6.c fail.
    Shareholder.objects.filter(provider=provider).delete()
    f.shareholder(provider, name="Atlantic Holdings", country="US", capital_percent=Decimal(60))
    f.third_party(service, name="Overseas Ops", country_of_control="US", technical_access_to_data=True)
    d = walk(complete_draft, S.EVALUATION)
    assert answer(d, "19.6").status == "met" and not answer(d, "19.6").justification
    brief = review.decision_brief(d)
    [contradiction] = brief.contradictions
    assert contradiction.answer.requirement.ref == "19.6"
    assert {r.rule for r in contradiction.checks} == {"19.6.b-individual", "19.6.b-collective", "19.6.c"}
    # Answered honestly, it is no contradiction.
    Answer.objects.filter(pk=contradiction.answer.pk).update(status="not_met", justification="Divesting.")
    assert review.decision_brief(d).contradictions == []


def test_the_brief_without_a_recommendation_or_report(complete_draft, walk):
    brief = review.decision_brief(walk(complete_draft, S.IN_REVIEW))
    assert brief.recommendation is None and brief.evaluation_report is None
    assert brief.open_major == brief.open_minor == brief.contradictions == []


def test_the_brief_is_read_in_a_fixed_number_of_queries(
    complete_draft, walk, provider, service, reviewer, django_assert_max_num_queries
):
    f.third_party(service, name="Overseas Ops", country_of_control="US", technical_access_to_data=True)
    d = walk(complete_draft, S.DECISION)

    def count():
        with django_assert_max_num_queries(12) as ctx:
            review.decision_brief(d)
        return len(ctx.captured_queries)

    few = count()
    for i in range(15):
        f.shareholder(provider, name=f"Holder {i}", country="US", capital_percent=Decimal(1), voting_percent=Decimal(1))
        f.third_party(service, name=f"Supplier {i}", country_of_control="US", technical_access_to_data=True)
    Answer.objects.filter(dossier=d).update(finding="major")
    assert count() == few


# Sending to decision.


@pytest.fixture
def reportable(complete_draft, walk, reviewer):
    d = walk(complete_draft, S.EVALUATION)
    f.evaluated(d, reviewer=reviewer)
    return d


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"recommendation": ""}, "Give your recommendation to the committee"),
        ({"recommendation": "maybe"}, "Give your recommendation to the committee"),
        ({"recommendation": "conditions", "proposed_conditions": "  "}, "propose the conditions"),
    ],
)
def test_sending_to_decision_needs_a_recommendation_and_its_conditions(reportable, reviewer, kwargs, reason):
    with pytest.raises(Refused, match=reason):
        svc.dossier_report(dossier=reportable, by=reviewer, **kwargs)
    reportable.refresh_from_db()
    assert reportable.status == S.EVALUATION


def test_the_recommendation_is_kept_in_the_event(reportable, reviewer):
    svc.dossier_report(dossier=reportable, by=reviewer, recommendation="refuse", proposed_conditions="Ignored.")
    event = DossierEvent.objects.get(dossier=reportable, action="report")
    assert event.detail == {"recommendation": "refuse", "proposed_conditions": ""}


def test_the_person_is_refused_before_the_recommendation_is_judged(reportable, second_reviewer):
    with pytest.raises(Refused, match="Only the instructing reviewer"):
        svc.dossier_report(dossier=reportable, by=second_reviewer, recommendation="")


# Dossier visits.


def test_opening_a_dossier_marks_it_seen_for_the_agency_member_only(in_review, reviewer, editor):
    svc.dossier_mark_seen(dossier=in_review, by=reviewer)
    first = DossierVisit.objects.get(user=reviewer, dossier=in_review).seen_at
    svc.dossier_mark_seen(dossier=in_review, by=reviewer)
    assert DossierVisit.objects.filter(user=reviewer, dossier=in_review).count() == 1
    assert DossierVisit.objects.get(user=reviewer, dossier=in_review).seen_at >= first
    svc.dossier_mark_seen(dossier=in_review, by=editor)
    assert not DossierVisit.objects.filter(user=editor).exists()


# Resubmission.


def test_a_resubmission_returns_to_the_instructing_reviewer_without_a_second_take(requested, editor, reviewer):
    svc.dossier_declare(
        dossier=requested,
        by=editor,
        signatory_name="Claire Martin",
        signatory_capacity="Chief executive officer",
        listed_in_process_consent=False,
    )
    d = svc.dossier_resubmit(dossier=requested, by=editor)
    assert (d.status, d.instructing_reviewer_id) == (S.IN_REVIEW, reviewer.pk)
    svc.dossier_admit(dossier=d, by=reviewer)
