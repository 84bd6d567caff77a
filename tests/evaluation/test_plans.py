"""The evaluation plan (issue 19, item 3): the dossier's centre files it once the contract is validated, each filing a
new version; the instructing reviewer alone validates it or asks for changes, the request said in the dossier's
dialogue and told to the centre by e-mail; the "send to decision" move waits for the latest version's validation."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from registry.accounts.models import AuditEvent
from registry.evaluation import plans
from registry.evaluation.models import EvaluationContract, EvaluationPlan, Evaluator, TechnicalReport
from registry.qualification import workflow
from registry.qualification.models import DossierEvent, Message
from registry.qualification.services.dossiers import gather_facts
from registry.qualification.workflow import COMMITTEE, REVIEWERS, Refused
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

D = datetime.date


@pytest.fixture
def in_evaluation(complete_draft, reviewer, center, editor):
    return f.evaluating(complete_draft, reviewer=reviewer, center=center, provider_user=editor)


@pytest.fixture
def evaluator(center):
    return f.evaluator(center, email="eva@centre-a.test")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs what the step's commit would (the outbox's sending): the tests' transaction never
    commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def file(dossier, by, **changes):
    values = {
        "scope": "The compute service, all chapters.",
        "sites": list(dossier.service.sites.all()[:2]),
        "other_locations": "",
        "starts_on": D(2027, 3, 1),
        "ends_on": D(2027, 3, 5),
        "team": "Eva Evaluator, lead\nPaul Pentester, tests",
    }
    return plans.plan_file(dossier=dossier, by=by, **(values | changes))


# --- Filing. ---


def test_the_centres_evaluator_files_version_1_waiting_for_the_agency(in_evaluation, evaluator, center):
    plan = file(in_evaluation, evaluator.user)
    assert (plan.version, plan.state, plan.centre, plan.filed_by) == (1, "filed", center, evaluator.user)
    assert plan.sites.count() == 2
    event = DossierEvent.objects.get(dossier=in_evaluation, action="plan_file")
    assert event.detail["version"] == 1 and event.actor == evaluator.user
    assert AuditEvent.objects.filter(action="dossier.plan_file", actor=evaluator.user).exists()


def test_it_refuses_a_plan_before_the_contract_is_validated(in_evaluation, evaluator):
    EvaluationContract.objects.filter(dossier=in_evaluation).update(state=EvaluationContract.State.CONFIRMED)
    with pytest.raises(Refused, match="has not validated the evaluation contract"):
        file(in_evaluation, evaluator.user)


def test_it_refuses_an_evaluator_of_another_centre(in_evaluation):
    stranger = f.evaluator(f.evaluation_center())
    with pytest.raises(Refused, match="Only the evaluators of the dossier's evaluation centre"):
        file(in_evaluation, stranger.user)


def test_it_refuses_someone_who_is_not_an_evaluator(in_evaluation, editor, reviewer):
    for person in (editor, reviewer):
        with pytest.raises(Refused, match="Only the evaluators"):
            file(in_evaluation, person)


def test_it_refuses_an_evaluator_whose_access_or_centres_approval_lapsed(in_evaluation, evaluator, center):
    Evaluator.objects.filter(pk=evaluator.pk).update(active=False)
    with pytest.raises(Refused, match="lapsed"):
        file(in_evaluation, evaluator.user)
    Evaluator.objects.filter(pk=evaluator.pk).update(active=True)
    center.active = False
    center.save()
    with pytest.raises(Refused, match="lapsed"):
        file(in_evaluation, evaluator.user)


def test_it_refuses_bad_dates_an_empty_scope_or_team_and_nowhere_to_go(in_evaluation, evaluator):
    with pytest.raises(Refused, match="cannot be before its first day"):
        file(in_evaluation, evaluator.user, starts_on=D(2027, 3, 5), ends_on=D(2027, 3, 1))
    with pytest.raises(Refused, match="scope"):
        file(in_evaluation, evaluator.user, scope="  ")
    with pytest.raises(Refused, match="team"):
        file(in_evaluation, evaluator.user, team="")
    with pytest.raises(Refused, match="at least one of the service's sites"):
        file(in_evaluation, evaluator.user, sites=[], other_locations=" ")
    assert not EvaluationPlan.objects.exists()


def test_another_place_is_enough_without_a_site(in_evaluation, evaluator):
    plan = file(in_evaluation, evaluator.user, sites=[], other_locations="The supplier's premises in Lyon.")
    assert plan.other_locations == "The supplier's premises in Lyon." and not plan.sites.exists()


def test_it_refuses_a_site_of_another_service(in_evaluation, evaluator):
    elsewhere = f.service()
    f.eu_sites(elsewhere)
    foreign = elsewhere.sites.first()
    with pytest.raises(Refused, match="one of the service's sites"):
        file(in_evaluation, evaluator.user, sites=[foreign])
    with pytest.raises(Refused, match="one of the service's sites"):
        file(in_evaluation, evaluator.user, sites=[foreign.pk])
    assert not EvaluationPlan.objects.exists()


def test_sites_are_taken_by_id_too(in_evaluation, evaluator):
    ids = list(in_evaluation.service.sites.values_list("pk", flat=True)[:1])
    assert list(file(in_evaluation, evaluator.user, sites=ids).sites.values_list("pk", flat=True)) == ids


def test_it_refuses_a_new_version_while_one_waits_for_the_agency(in_evaluation, evaluator):
    file(in_evaluation, evaluator.user)
    with pytest.raises(Refused, match="waiting for the agency's validation"):
        file(in_evaluation, evaluator.user)


def test_a_new_version_after_changes_requested_goes_back_to_the_agency(in_evaluation, evaluator, reviewer):
    first = file(in_evaluation, evaluator.user)
    plans.plan_request_changes(plan=first, by=reviewer, comment="Visit the storage site too.")
    second = file(in_evaluation, evaluator.user, scope="Everything, storage site included.")
    assert (second.version, second.state) == (2, "filed")
    first.refresh_from_db()
    assert first.state == "changes_requested"  # the earlier version is kept as it was reviewed


def test_a_validated_plan_is_revised_until_the_report_is_submitted(in_evaluation, evaluator, reviewer, center):
    plans.plan_validate(plan=file(in_evaluation, evaluator.user), by=reviewer)
    second = file(in_evaluation, evaluator.user)
    assert (second.version, second.state) == (2, "filed")
    plans.plan_validate(plan=second, by=reviewer)
    TechnicalReport.objects.create(
        dossier=in_evaluation, centre=center, conclusion="Conform.", submitted_by=evaluator.user
    )
    with pytest.raises(Refused, match="submitted its technical report"):
        file(in_evaluation, evaluator.user)


def test_a_plan_is_revised_again_once_the_committee_sends_the_dossier_back(in_evaluation, evaluator, reviewer, center):
    plans.plan_validate(plan=file(in_evaluation, evaluator.user), by=reviewer)
    TechnicalReport.objects.create(
        dossier=in_evaluation, centre=center, conclusion="Conform.", submitted_by=evaluator.user
    )
    # The committee sends it back (the move sets the dossier's status time): the report was last round's.
    type(in_evaluation).objects.filter(pk=in_evaluation.pk).update(status_changed_at=timezone.now())
    in_evaluation.refresh_from_db()
    revised = file(in_evaluation, evaluator.user)
    assert (revised.version, revised.state) == (2, "filed")


def test_it_refuses_a_plan_on_a_dossier_no_longer_in_evaluation(in_evaluation, evaluator):
    type(in_evaluation).objects.filter(pk=in_evaluation.pk).update(status="decision")
    with pytest.raises(Refused, match="while the dossier is in evaluation"):
        file(in_evaluation, evaluator.user)


# --- The agency's review. ---


def test_the_instructing_reviewer_validates_the_plan(in_evaluation, evaluator, reviewer, committed):
    plan = file(in_evaluation, evaluator.user)
    mail.outbox.clear()
    with committed():
        validated = plans.plan_validate(plan=plan, by=reviewer, comment="Fine.")
    assert (validated.state, validated.reviewed_by, validated.review_comment) == ("validated", reviewer, "Fine.")
    assert validated.reviewed_at is not None
    assert DossierEvent.objects.filter(dossier=in_evaluation, action="plan_validate", actor=reviewer).exists()
    assert "eva@centre-a.test" in {address for message in mail.outbox for address in message.to}


def test_another_reviewer_the_committee_and_the_centre_cannot_review(
    in_evaluation, evaluator, second_reviewer, decision_maker
):
    plan = file(in_evaluation, evaluator.user)
    for person in (second_reviewer, decision_maker, evaluator.user):
        with pytest.raises(Refused, match="Only the instructing reviewer"):
            plans.plan_validate(plan=plan, by=person)
        with pytest.raises(Refused, match="Only the instructing reviewer"):
            plans.plan_request_changes(plan=plan, by=person, comment="No.")
    plan.refresh_from_db()
    assert plan.state == "filed"


def test_an_instructing_reviewer_who_evaluates_for_the_centre_cannot_review(in_evaluation, center, evaluator):
    both = f.user(groups=[REVIEWERS, COMMITTEE])
    Evaluator.objects.create(user=both, centre=center)  # written directly: accepting refuses the agency's people
    type(in_evaluation).objects.filter(pk=in_evaluation.pk).update(instructing_reviewer=both)
    plan = file(in_evaluation, evaluator.user)
    with pytest.raises(Refused, match="You evaluate for this dossier's evaluation centre"):
        plans.plan_validate(plan=plan, by=both)
    with pytest.raises(Refused, match="You evaluate for this dossier's evaluation centre"):
        plans.plan_request_changes(plan=plan, by=both, comment="Change it.")


def test_a_version_is_reviewed_once(in_evaluation, evaluator, reviewer):
    plan = file(in_evaluation, evaluator.user)
    plans.plan_validate(plan=plan, by=reviewer)
    with pytest.raises(Refused, match="not waiting for the agency's review"):
        plans.plan_request_changes(plan=plan, by=reviewer, comment="Too late.")


def test_an_earlier_version_is_not_reviewed(in_evaluation, evaluator, reviewer):
    first = file(in_evaluation, evaluator.user)
    plans.plan_request_changes(plan=first, by=reviewer, comment="Add the support site.")
    file(in_evaluation, evaluator.user)
    EvaluationPlan.objects.filter(pk=first.pk).update(state="filed")  # as if a stale page still offered it
    with pytest.raises(Refused, match="newer version"):
        plans.plan_validate(plan=first, by=reviewer)


def test_asking_for_changes_needs_a_comment(in_evaluation, evaluator, reviewer):
    plan = file(in_evaluation, evaluator.user)
    with pytest.raises(Refused, match="Say what the centre should change"):
        plans.plan_request_changes(plan=plan, by=reviewer, comment="   ")
    assert not Message.objects.filter(dossier=in_evaluation).exists()


def test_the_changes_are_said_in_the_dialogue_and_the_centre_is_told_by_email(
    in_evaluation, evaluator, reviewer, committed
):
    plan = file(in_evaluation, evaluator.user)
    mail.outbox.clear()
    with committed():
        changed = plans.plan_request_changes(plan=plan, by=reviewer, comment="Visit the storage site in Roubaix.")
    assert (changed.state, changed.review_comment) == ("changes_requested", "Visit the storage site in Roubaix.")
    [message] = Message.objects.filter(dossier=in_evaluation)
    assert message.author == reviewer and not message.internal
    assert "Visit the storage site in Roubaix." in message.body and "version 1" in message.body
    event = DossierEvent.objects.get(dossier=in_evaluation, action="plan_changes")
    assert event.comment == "Visit the storage site in Roubaix."
    to_centre = [m for m in mail.outbox if m.to == ["eva@centre-a.test"]]
    assert len(to_centre) == 1 and "Visit the storage site in Roubaix." in to_centre[0].body
    # One e-mail for the step, none for the message: the message posts no "message" event of its own.
    assert not DossierEvent.objects.filter(dossier=in_evaluation, action="message").exists()


# --- What the workflow reads. ---


def test_sending_to_decision_waits_for_the_latest_versions_validation(in_evaluation, evaluator, reviewer):
    waiting = "The centre's evaluation plan has not been validated."
    assert waiting in workflow.missing_before("report", gather_facts(in_evaluation))
    first = file(in_evaluation, evaluator.user)
    assert waiting in workflow.missing_before("report", gather_facts(in_evaluation))
    plans.plan_validate(plan=first, by=reviewer)
    assert waiting not in workflow.missing_before("report", gather_facts(in_evaluation))
    file(in_evaluation, evaluator.user)  # a revision waits for the agency again
    assert waiting in workflow.missing_before("report", gather_facts(in_evaluation))


# --- What the provider reads. ---


def test_the_provider_reads_every_version_of_the_plan(in_evaluation, evaluator, reviewer, editor):
    from django.template.loader import render_to_string

    from registry.accounts.permissions import actor_for
    from registry.portal import evaluation_context

    assert evaluation_context.plan(in_evaluation, actor_for(editor)) == {"plan": None, "plan_versions": []}
    plans.plan_request_changes(plan=file(in_evaluation, evaluator.user), by=reviewer, comment="Add Lyon.")
    second = file(in_evaluation, evaluator.user, other_locations="Lyon office.")
    context = evaluation_context.plan(in_evaluation, actor_for(editor))
    assert context["plan"] == second and [p.version for p in context["plan_versions"]] == [1]
    html = render_to_string("portal/_evaluation_plan.html", {"dossier": in_evaluation, **context})
    assert "Lyon office." in html and "Paul Pentester, tests" in html and "Add Lyon." in html
