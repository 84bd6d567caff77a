"""The dossier services through the database: each move logs one event, a refused move changes nothing; the whole path
from draft to qualified, the committee's and the reviewer's decisions, admission, and the owner's withdrawal.

Opening a dossier, findings, messages and the certificate a qualification issues are in test_dossier_opening,
test_dossier_findings, test_dossier_messages and test_dossier_certificates."""

import datetime

import pytest
from django.utils import timezone

from registry.certificates.models import Certificate
from registry.evaluation import grid
from registry.qualification.models import Answer, Dossier, DossierEvent
from registry.qualification.services import dossiers as svc
from registry.qualification.workflow import Refused
from tests import factories as f
from tests.qualification.dossier_events import assert_one_new_event, event_count

pytestmark = pytest.mark.django_db

S = Dossier.Status


@pytest.fixture
def changes_requested(complete_draft, walk, reviewer):
    d = walk(complete_draft, S.IN_REVIEW)
    return svc.dossier_request_changes(dossier=d, by=reviewer, comment="Please detail 19.6.")


# Each move, one event.

MOVES = [
    # (starting state, service, who, extra arguments, target)
    (S.DRAFT, "dossier_submit", "editor", {}, S.SUBMITTED),
    (S.SUBMITTED, "dossier_take", "reviewer", {}, S.IN_REVIEW),
    (S.IN_REVIEW, "dossier_request_changes", "reviewer", {"comment": "Detail 19.6."}, S.CHANGES_REQUESTED),
    (S.IN_REVIEW, "dossier_admit", "reviewer", {}, S.EVALUATION),
    (S.IN_REVIEW, "dossier_declare_inadmissible", "reviewer", {"comment": "Out of scope."}, S.REJECTED),
    (
        S.EVALUATION,
        "dossier_report",
        "reviewer",
        {"comment": "Report attached.", "recommendation": "qualify"},
        S.DECISION,
    ),
    (S.DECISION, "dossier_reject", "decision_maker", {"comment": "Major non-conformity."}, S.REJECTED),
    (S.DECISION, "dossier_send_back", "decision_maker", {"comment": "Check 19.2 again."}, S.EVALUATION),
    (S.DECISION, "dossier_qualify", "decision_maker", {"scope": "IaaS in Roubaix."}, S.QUALIFIED),
    (S.EVALUATION, "dossier_withdraw", "owner", {"comment": "We give up."}, S.WITHDRAWN),
]


@pytest.mark.parametrize(
    ("start", "service_name", "who", "extra", "target"), MOVES, ids=[m[1] for m in MOVES]
)  # fmt: skip
def test_each_move_writes_exactly_one_event(request, complete_draft, walk, start, service_name, who, extra, target):
    d = walk(complete_draft, start)
    if service_name == "dossier_report":
        # walk has the centre evaluate only when it goes through to the decision itself.
        f.evaluated(d, reviewer=request.getfixturevalue("reviewer"))
    actor = request.getfixturevalue(who)
    kwargs = dict(extra)
    before = event_count(d)
    getattr(svc, service_name)(dossier=d, by=actor, **kwargs)
    d.refresh_from_db()
    assert d.status == target
    assert_one_new_event(
        d,
        before,
        action=service_name.removeprefix("dossier_"),
        from_status=start,
        to_status=target,
        actor=actor,
        comment=extra.get("comment", ""),
    )
    assert d.status_changed_at > timezone.now() - datetime.timedelta(minutes=1)


def test_a_change_request_withdraws_the_declaration_until_signed_again(changes_requested, editor):
    assert changes_requested.declared_at is None
    with pytest.raises(Refused, match="The declaration has not been signed."):
        svc.dossier_resubmit(dossier=changes_requested, by=editor)
    svc.dossier_declare(
        dossier=changes_requested,
        by=editor,
        signatory_name="Claire Martin",
        signatory_capacity="Chief executive officer",
        listed_in_process_consent=False,
    )
    assert svc.dossier_resubmit(dossier=changes_requested, by=editor).status == S.IN_REVIEW


def test_changing_an_answer_after_signing_asks_for_a_new_signature(complete_draft, editor):
    from registry.qualification.services.answers import answer_save

    answer = complete_draft.answers.first()
    answer_save(dossier=complete_draft, requirement=answer.requirement, by=editor, status="met")
    complete_draft.refresh_from_db()
    assert complete_draft.declared_at is not None  # saving the same answer again changes nothing
    answer_save(
        dossier=complete_draft, requirement=answer.requirement, by=editor, status="not_met", justification="Gap."
    )
    complete_draft.refresh_from_db()
    assert complete_draft.declared_at is None


def test_resubmit_writes_one_event(changes_requested, editor):
    svc.dossier_declare(
        dossier=changes_requested,
        by=editor,
        signatory_name="Claire Martin",
        signatory_capacity="Chief executive officer",
        listed_in_process_consent=False,
    )
    before = event_count(changes_requested)
    svc.dossier_resubmit(dossier=changes_requested, by=editor, comment="Detailed.")
    changes_requested.refresh_from_db()
    assert changes_requested.status == S.IN_REVIEW
    assert_one_new_event(
        changes_requested,
        before,
        action="resubmit",
        from_status=S.CHANGES_REQUESTED,
        to_status=S.IN_REVIEW,
        actor=editor,
        comment="Detailed.",
    )


def test_the_comment_is_stored_without_surrounding_blanks(complete_draft, editor):
    svc.dossier_submit(dossier=complete_draft, by=editor, comment="  Here it is.\n")
    assert DossierEvent.objects.filter(dossier=complete_draft).last().comment == "Here it is."


# Refusals change nothing.


def refused_calls():
    """(starting state, service, who, arguments): calls the services must refuse."""
    return [
        (S.DRAFT, "dossier_submit", "viewer", {}),
        (S.DRAFT, "dossier_submit", "other_owner", {}),
        (S.DRAFT, "dossier_take", "reviewer", {}),
        (S.SUBMITTED, "dossier_take", "decision_maker", {}),
        (S.SUBMITTED, "dossier_withdraw", "editor", {}),
        (S.IN_REVIEW, "dossier_request_changes", "second_reviewer", {"comment": "Detail."}),
        (S.IN_REVIEW, "dossier_request_changes", "reviewer", {"comment": "  "}),
        (S.IN_REVIEW, "dossier_admit", "second_reviewer", {}),
        (S.IN_REVIEW, "dossier_declare_inadmissible", "owner", {"comment": "No."}),
        (S.EVALUATION, "dossier_report", "reviewer", {"recommendation": "qualify"}),  # no contract, plan nor report
        (S.DECISION, "dossier_qualify", "reviewer", {"scope": "IaaS."}),
        (S.DECISION, "dossier_qualify", "administrator", {"scope": "IaaS."}),
        (S.DECISION, "dossier_qualify", "decision_maker", {"scope": "   "}),
        (S.DECISION, "dossier_reject", "decision_maker", {"comment": ""}),
        (S.DECISION, "dossier_send_back", "owner", {"comment": "Again."}),
        (S.DECISION, "dossier_withdraw", "owner", {}),
    ]


@pytest.mark.parametrize(
    ("start", "service_name", "who", "kwargs"),
    refused_calls(),
    ids=[f"{c[1]}-{c[2]}-{c[0]}" for c in refused_calls()],
)
def test_a_refused_move_leaves_the_dossier_unchanged(request, service, scheme, start, service_name, who, kwargs):
    # Placed directly in its state (no evaluation report, nothing to guard against the refusal but the rule).
    d = f.dossier(service, scheme, status=start, instructing_reviewer=request.getfixturevalue("reviewer"))
    actor = request.getfixturevalue(who)
    before_events, before_status = event_count(d), d.status
    with pytest.raises(Refused):
        getattr(svc, service_name)(dossier=d, by=actor, **kwargs)
    d.refresh_from_db()
    assert d.status == before_status
    assert event_count(d) == before_events
    assert not Certificate.objects.filter(dossier=d).exists()
    assert d.decision_maker_id is None


def test_it_refuses_to_submit_an_incomplete_draft_and_says_what_is_missing(draft, editor):
    before = event_count(draft)
    with pytest.raises(Refused) as exc:
        svc.dossier_submit(dossier=draft, by=editor)
    message = str(exc.value)
    assert "2 requirements still need an answer: 19.2, 19.6." in message  # 19.9 is SaaS only; this is IaaS
    assert "Information security policy" in message
    assert "Risk analysis" in message
    assert "declaration" in message
    draft.refresh_from_db()
    assert draft.status == S.DRAFT
    assert event_count(draft) == before


def test_an_answer_other_than_met_needs_a_justification_to_count(complete_draft, editor):
    Answer.objects.filter(dossier=complete_draft, requirement__ref="19.6").update(status="partially_met")
    with pytest.raises(Refused, match="1 requirement"):
        svc.dossier_submit(dossier=complete_draft, by=editor)
    Answer.objects.filter(dossier=complete_draft, requirement__ref="19.6").update(justification="Plan attached.")
    assert svc.dossier_submit(dossier=complete_draft, by=editor).status == S.SUBMITTED


def test_a_move_on_a_stale_copy_is_checked_against_the_fresh_row(complete_draft, editor):
    # Two browser tabs: the first submits; the second, still showing a draft, submits again.
    stale = Dossier.objects.get(pk=complete_draft.pk)
    svc.dossier_submit(dossier=complete_draft, by=editor)
    assert stale.status == S.DRAFT
    with pytest.raises(Refused, match="This dossier is already submitted."):
        svc.dossier_submit(dossier=stale, by=editor)
    assert list(DossierEvent.objects.filter(dossier=stale).values_list("action", flat=True)) == ["create", "submit"]


# The whole path.


def test_the_full_path_from_draft_to_qualified(
    complete_draft, owner, editor, reviewer, second_reviewer, decision_maker, center
):
    d = complete_draft
    svc.dossier_submit(dossier=d, by=editor)
    d = svc.dossier_take(dossier=d, by=reviewer)
    assert d.instructing_reviewer == reviewer
    svc.dossier_request_changes(dossier=d, by=reviewer, comment="Detail the 19.6 ownership.")
    svc.dossier_declare(
        dossier=d,
        by=editor,
        signatory_name="Claire Martin",
        signatory_capacity="Chief executive officer",
        listed_in_process_consent=True,
    )
    # The resubmission goes straight back to its instructing reviewer: nobody takes it again.
    d = svc.dossier_resubmit(dossier=d, by=editor, comment="Detailed.")
    assert (d.status, d.instructing_reviewer) == (S.IN_REVIEW, reviewer)
    with pytest.raises(Refused, match="instructing reviewer"):
        svc.dossier_admit(dossier=d, by=second_reviewer)
    d = svc.dossier_admit(dossier=d, by=reviewer)
    evaluator = f.centre_evaluator_user(center)
    f.contracted(d, provider_user=editor, reviewer=reviewer, center=center)
    d.refresh_from_db()
    assert d.evaluation_center == center
    f.evaluated(d, reviewer=reviewer)
    svc.dossier_report(dossier=d, by=reviewer, recommendation="qualify")
    svc.dossier_send_back(dossier=d, by=decision_maker, comment="Check the support site.")
    with pytest.raises(Refused, match="The centre has not submitted its technical report."):
        svc.dossier_report(dossier=d, by=reviewer, comment="Checked.", recommendation="qualify")
    d.refresh_from_db()
    grid.report_submit(dossier=d, by=evaluator, uploaded=f.pdf("report-2.pdf"), title="Report", conclusion="Checked.")
    svc.dossier_report(dossier=d, by=reviewer, comment="Checked.", recommendation="qualify")
    certificate = svc.dossier_qualify(dossier=d, by=decision_maker, scope="IaaS in Roubaix.", conditions="None.")

    d.refresh_from_db()
    assert d.status == S.QUALIFIED
    assert d.decision_maker == decision_maker
    assert certificate.dossier == d
    steps = list(
        DossierEvent.objects.filter(dossier=d).order_by("pk").values_list("action", "from_status", "to_status", "actor")
    )
    assert steps == [
        ("create", "", S.DRAFT, owner.pk),
        ("submit", S.DRAFT, S.SUBMITTED, editor.pk),
        ("take", S.SUBMITTED, S.IN_REVIEW, reviewer.pk),
        ("request_changes", S.IN_REVIEW, S.CHANGES_REQUESTED, reviewer.pk),
        ("declare", "", "", editor.pk),  # signing is on the timeline, not a move
        ("resubmit", S.CHANGES_REQUESTED, S.IN_REVIEW, editor.pk),
        ("admit", S.IN_REVIEW, S.EVALUATION, reviewer.pk),
        ("contract_file", "", "", editor.pk),  # the evaluation's steps are on the timeline, not moves
        ("contract_confirm", "", "", evaluator.pk),
        ("contract_validate", "", "", reviewer.pk),
        ("plan_file", "", "", evaluator.pk),
        ("plan_validate", "", "", reviewer.pk),
        ("report_submit", "", "", evaluator.pk),
        ("report", S.EVALUATION, S.DECISION, reviewer.pk),
        ("send_back", S.DECISION, S.EVALUATION, decision_maker.pk),
        ("report_submit", "", "", evaluator.pk),  # a new round: the centre's report again
        ("report", S.EVALUATION, S.DECISION, reviewer.pk),
        ("qualify", S.DECISION, S.QUALIFIED, decision_maker.pk),
    ]  # fmt: skip


def test_a_decision_maker_who_instructed_the_dossier_cannot_qualify_it(
    complete_draft, editor, reviewer_in_committee, center
):
    d = f.walk(complete_draft, S.DECISION, provider_user=editor, reviewer=reviewer_in_committee, center=center)
    with pytest.raises(Refused, match="You took part in instructing this dossier"):
        svc.dossier_qualify(dossier=d, by=reviewer_in_committee, scope="IaaS.")
    d.refresh_from_db()
    assert d.status == S.DECISION
    assert not Certificate.objects.exists()


def test_rejection_by_the_committee(complete_draft, walk, decision_maker, owner, service, scheme):
    d = walk(complete_draft, S.DECISION)
    d = svc.dossier_reject(dossier=d, by=decision_maker, comment="Support from outside the EU.")
    d.refresh_from_db()
    assert d.status == S.REJECTED
    assert d.decision_maker == decision_maker
    assert not Certificate.objects.filter(dossier=d).exists()
    # The dossier is over: the provider may apply again.
    assert svc.dossier_create(service=service, scheme=scheme, by=owner).status == S.DRAFT


def test_inadmissibility_by_the_instructing_reviewer(complete_draft, walk, reviewer):
    d = walk(complete_draft, S.IN_REVIEW)
    svc.dossier_declare_inadmissible(dossier=d, by=reviewer, comment="The service is not a cloud service.")
    d.refresh_from_db()
    assert d.status == S.REJECTED
    assert d.decision_maker_id is None
    assert DossierEvent.objects.filter(dossier=d).last().comment == "The service is not a cloud service."


def test_admission_names_no_centre_the_provider_does_in_its_contract(complete_draft, walk, reviewer):
    d = svc.dossier_admit(dossier=walk(complete_draft, S.IN_REVIEW), by=reviewer)
    d.refresh_from_db()
    assert (d.status, d.evaluation_center_id) == (S.EVALUATION, None)


# Withdrawal.

WITHDRAWABLE = [S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.CHANGES_REQUESTED, S.EVALUATION]


@pytest.mark.parametrize("start", WITHDRAWABLE)
def test_the_owner_may_withdraw_before_the_decision(complete_draft, walk, reviewer, owner, start):
    if start == S.CHANGES_REQUESTED:
        d = svc.dossier_request_changes(dossier=walk(complete_draft, S.IN_REVIEW), by=reviewer, comment="More.")
    else:
        d = walk(complete_draft, start)
    before = event_count(d)
    svc.dossier_withdraw(dossier=d, by=owner, comment="Not ready.")
    d.refresh_from_db()
    assert d.status == S.WITHDRAWN
    assert_one_new_event(
        d, before, action="withdraw", from_status=start, to_status=S.WITHDRAWN, actor=owner, comment="Not ready."
    )


@pytest.mark.parametrize("start", WITHDRAWABLE)
def test_an_editor_may_not_withdraw(complete_draft, walk, reviewer, editor, start):
    if start == S.CHANGES_REQUESTED:
        d = svc.dossier_request_changes(dossier=walk(complete_draft, S.IN_REVIEW), by=reviewer, comment="More.")
    else:
        d = walk(complete_draft, start)
    before = event_count(d)
    with pytest.raises(Refused, match="Only an owner"):
        svc.dossier_withdraw(dossier=d, by=editor)
    d.refresh_from_db()
    assert d.status == start
    assert event_count(d) == before


def test_the_owner_may_not_withdraw_once_the_dossier_awaits_the_decision(complete_draft, walk, owner, decision_maker):
    d = walk(complete_draft, S.DECISION)
    with pytest.raises(Refused, match="not possible while the dossier is awaiting decision"):
        svc.dossier_withdraw(dossier=d, by=owner)
    svc.dossier_qualify(dossier=d, by=decision_maker, scope="IaaS.")
    with pytest.raises(Refused, match="not possible while the dossier is qualified"):
        svc.dossier_withdraw(dossier=d, by=owner)
    d.refresh_from_db()
    assert d.status == S.QUALIFIED
