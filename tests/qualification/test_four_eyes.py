"""Four eyes that nobody can walk around: whoever took, instructed, requested changes on, admitted, reported or wrote a
version of the evaluation report of a dossier never decides on it, whatever groups they belong to and whoever instructs
the dossier now. Driven through the real services on the database; the rule itself is the workflow's `instructors()`."""

import pytest

from registry.accounts.permissions import actor_for
from registry.qualification.choices import DocumentKind
from registry.qualification.models import Document, Dossier, DossierEvent
from registry.qualification.selectors import dossiers_waiting_for, instructor_ids
from registry.qualification.services import dossiers as svc
from registry.qualification.services.documents import store_document
from registry.qualification.workflow import Refused
from tests import factories as f

S = Dossier.Status
REFUSAL = "You took part in instructing this dossier"


def report(dossier, by):
    """An evaluation report the agency uploaded before centres submitted theirs (nobody uploads one now: the centre
    submits it, registry.evaluation.grid): its author still counts among the dossier's instructors."""
    return f.checked(
        store_document(
            dossier_id=dossier.pk,
            kind=DocumentKind.EVALUATION_REPORT,
            title="Evaluation report",
            uploaded=f.pdf(),
            by=by,
        )
    )


def decide(dossier, by):
    return svc.dossier_qualify(dossier=dossier, by=by, scope="IaaS in Paris and Roubaix.")


@pytest.fixture
def resubmitted_and_taken_by_another(complete_draft, editor, reviewer_in_committee, second_reviewer, center):
    """The dual-role person takes the dossier and asks for changes; the provider resubmits (back to them); the
    dossier then passes to another reviewer (the instructing reviewer is replaced in the database, as an
    administrator would), who admits it, reports and sends it to decision."""
    d = svc.dossier_submit(dossier=complete_draft, by=editor)
    d = svc.dossier_take(dossier=d, by=reviewer_in_committee)
    d = svc.dossier_request_changes(dossier=d, by=reviewer_in_committee, comment="Please justify 19.6.")
    svc.dossier_declare(
        dossier=d,
        by=editor,
        signatory_name="Claire Martin",
        signatory_capacity="Chief executive officer",
        listed_in_process_consent=False,
    )  # a new filing, signed again
    d = svc.dossier_resubmit(dossier=d, by=editor)
    assert d.instructing_reviewer_id == reviewer_in_committee.pk  # nobody took it again
    Dossier.objects.filter(pk=d.pk).update(instructing_reviewer=second_reviewer)
    d = svc.dossier_admit(dossier=d, by=second_reviewer)
    f.contracted(d, provider_user=editor, reviewer=second_reviewer, center=center)
    f.evaluated(d, reviewer=second_reviewer)
    return svc.dossier_report(dossier=d, by=second_reviewer, recommendation="qualify")


def test_who_requested_changes_before_another_took_the_dossier_is_refused_the_decision(
    resubmitted_and_taken_by_another, reviewer_in_committee, decision_maker
):
    d = resubmitted_and_taken_by_another
    assert d.instructing_reviewer != reviewer_in_committee
    for move in (decide, lambda d, by: svc.dossier_reject(dossier=d, by=by, comment="No.")):
        with pytest.raises(Refused, match=REFUSAL):
            move(d, reviewer_in_committee)
    assert Dossier.objects.get(pk=d.pk).status == S.DECISION
    assert not DossierEvent.objects.filter(dossier=d, action__in=("qualify", "reject")).exists()
    assert decide(d, decision_maker).dossier == d  # a second person decides


def test_who_wrote_the_evaluation_report_on_a_dossier_someone_else_instructs_is_refused_the_decision(
    service, scheme, reviewer_in_committee, second_reviewer, decision_maker
):
    # The report's author is in its history alone: no move of theirs, someone else instructing now.
    d = f.dossier(service, scheme, status=S.EVALUATION, instructing_reviewer=reviewer_in_committee)
    report(d, reviewer_in_committee)
    Dossier.objects.filter(pk=d.pk).update(instructing_reviewer=second_reviewer, status=S.DECISION)
    assert not DossierEvent.objects.filter(dossier=d, actor=reviewer_in_committee).exists()

    with pytest.raises(Refused, match=REFUSAL):
        decide(d, reviewer_in_committee)
    with pytest.raises(Refused, match=REFUSAL):
        svc.dossier_send_back(dossier=d, by=reviewer_in_committee, comment="Look again.")
    assert decide(d, decision_maker).dossier == d


def test_who_admitted_the_dossier_is_refused_the_decision_after_another_reviewer_took_over(
    service, scheme, reviewer_in_committee, second_reviewer, decision_maker
):
    d = f.dossier(service, scheme, status=S.DECISION, instructing_reviewer=second_reviewer)
    DossierEvent.objects.create(
        dossier=d, actor=reviewer_in_committee, action="admit", from_status=S.IN_REVIEW, to_status=S.EVALUATION
    )
    Document.objects.filter(dossier=d).delete()

    with pytest.raises(Refused, match=REFUSAL):
        decide(d, reviewer_in_committee)
    assert reviewer_in_committee.pk in instructor_ids(d)


def test_the_committee_queue_leaves_out_every_dossier_its_member_took_part_in(
    resubmitted_and_taken_by_another, reviewer_in_committee, decision_maker
):
    d = resubmitted_and_taken_by_another
    assert d not in dossiers_waiting_for(actor_for(reviewer_in_committee))
    assert d in dossiers_waiting_for(actor_for(decision_maker))


def test_the_instructing_reviewer_in_both_groups_is_refused_the_decision(
    complete_draft, walk, reviewer, decision_maker
):
    reviewer.groups.add(*decision_maker.groups.all())
    d = walk(complete_draft, S.DECISION)
    with pytest.raises(Refused, match=REFUSAL):
        decide(d, reviewer)
