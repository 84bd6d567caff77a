"""The centre's evaluation plan on the dossier's "Evaluation" part in the agency's workspace: the instructing reviewer
reads every field and validates it or asks for changes (a comment required, said in the dialogue); another reviewer,
the committee and an evaluator of the centre read it but their writes answer 403 (they never make this decision); a
refusal of the moment (a version already reviewed) comes back on the page; staff outside the agency get 403."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from registry.evaluation import plans
from registry.evaluation.models import EvaluationPlan, Evaluator
from registry.qualification.models import Message
from registry.qualification.workflow import REVIEWERS
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture
def in_evaluation(complete_draft, reviewer, center, editor):
    return f.evaluating(complete_draft, reviewer=reviewer, center=center, provider_user=editor)


@pytest.fixture
def plan(in_evaluation, center):
    evaluator = f.evaluator(center, email="eva@centre-a.test")
    return plans.plan_file(
        dossier=in_evaluation,
        by=evaluator.user,
        scope="All chapters of the compute service.",
        sites=list(in_evaluation.service.sites.all()[:1]),
        other_locations="The supplier's premises.",
        starts_on=datetime.date(2027, 3, 1),
        ends_on=datetime.date(2027, 3, 5),
        team="Eva Evaluator, lead",
    )


def signed_in(person):
    client = Client()
    f.login_with_mfa(client, person)
    return client


def page(dossier):
    return reverse("admin:registry_dossier_change", args=[dossier.pk]) + "?part=evaluation"


def validate_url(plan):
    return reverse("admin:registry_dossier_plan_validate", args=[plan.dossier_id, plan.pk])


def changes_url(plan):
    return reverse("admin:registry_dossier_plan_changes", args=[plan.dossier_id, plan.pk])


def test_the_instructing_reviewer_reads_the_plan_and_its_buttons(plan, reviewer):
    content = signed_in(reviewer).get(page(plan.dossier)).content.decode()
    assert "All chapters of the compute service." in content and "The supplier&#x27;s premises." in content
    assert "Eva Evaluator, lead" in content and "Roubaix" in content
    assert validate_url(plan) in content and changes_url(plan) in content
    assert 'for="tcr-plan-comment"' in content


def test_the_instructing_reviewer_validates_the_plan(plan, reviewer):
    response = signed_in(reviewer).post(validate_url(plan))
    assert response.status_code == 302 and response["Location"].endswith("?part=evaluation#plan")
    plan.refresh_from_db()
    assert (plan.state, plan.reviewed_by) == ("validated", reviewer)


def test_asking_for_changes_puts_the_comment_in_the_dialogue(plan, reviewer):
    client = signed_in(reviewer)
    client.post(changes_url(plan), {"comment": "Visit the storage site."})
    plan.refresh_from_db()
    assert (plan.state, plan.review_comment) == ("changes_requested", "Visit the storage site.")
    [message] = Message.objects.filter(dossier=plan.dossier)
    assert not message.internal and "Visit the storage site." in message.body
    messages = client.get(page(plan.dossier).replace("evaluation", "messages")).content.decode()
    assert "Visit the storage site." in messages


def test_asking_for_changes_without_a_comment_is_refused_on_the_page(plan, reviewer):
    client = signed_in(reviewer)
    response = client.post(changes_url(plan), {"comment": " "}, follow=True)
    assert "Say what the centre should change" in response.content.decode()
    plan.refresh_from_db()
    assert plan.state == "filed" and not Message.objects.exists()


@pytest.mark.parametrize("who", ["second_reviewer", "decision_maker", "administrator"])
def test_other_agency_members_read_the_plan_but_cannot_review_it(request, who, plan):
    client = signed_in(request.getfixturevalue(who))
    content = client.get(page(plan.dossier)).content.decode()
    assert "All chapters of the compute service." in content and validate_url(plan) not in content
    assert "Only the instructing reviewer" in content
    response = client.post(validate_url(plan))
    assert response.status_code == 403
    assert client.post(changes_url(plan), {"comment": "No."}).status_code == 403
    plan.refresh_from_db()
    assert plan.state == "filed"


def test_an_instructing_reviewer_who_evaluates_for_the_centre_is_refused(plan, center):
    both = f.user(groups=[REVIEWERS])
    Evaluator.objects.create(user=both, centre=center)
    type(plan.dossier).objects.filter(pk=plan.dossier_id).update(instructing_reviewer=both)
    client = signed_in(both)
    assert validate_url(plan) not in client.get(page(plan.dossier)).content.decode()
    assert client.post(validate_url(plan)).status_code == 403
    assert EvaluationPlan.objects.get(pk=plan.pk).state == "filed"


def test_a_version_already_reviewed_is_refused_on_the_page(plan, reviewer):
    client = signed_in(reviewer)
    client.post(validate_url(plan))
    response = client.post(changes_url(plan), {"comment": "Too late."}, follow=True)
    assert response.status_code == 200
    assert "This version of the plan is not waiting for the agency" in response.content.decode()
    assert EvaluationPlan.objects.get(pk=plan.pk).state == "validated"


def test_staff_outside_the_agency_get_403(plan):
    client = signed_in(f.user(staff=True))
    assert client.post(validate_url(plan)).status_code == 403
    assert client.post(changes_url(plan), {"comment": "x"}).status_code == 403


def test_a_plan_of_another_dossier_is_not_found(plan, reviewer, scheme):
    other = f.dossier(f.service(), scheme, status="evaluation")
    url = reverse("admin:registry_dossier_plan_validate", args=[other.pk, plan.pk])
    assert signed_in(reviewer).post(url).status_code == 404


def test_the_writes_answer_post_only(plan, reviewer):
    assert signed_in(reviewer).get(validate_url(plan)).status_code == 405
