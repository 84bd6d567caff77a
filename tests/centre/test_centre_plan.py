"""The evaluation plan in the centre's space: the dossier page shows it (every field, its state, the agency's comment,
the earlier versions) with a link to file or revise it; the form's page files it, a mistake coming back with what was
typed. Another centre's dossier is 404, anyone but an evaluator 403; a lapsed evaluator reads the reason, no form."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.evaluation import plans
from registry.evaluation.models import EvaluationContract, EvaluationPlan
from tests import factories as f

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def in_evaluation(complete_draft, reviewer, center, editor):
    return f.evaluating(complete_draft, reviewer=reviewer, center=center, provider_user=editor)


@pytest.fixture
def evaluator(center):
    return f.evaluator(center, email="eva@centre-a.test")


def signed_in(person):
    client = Client()
    f.login_with_mfa(client, person)
    return client


@pytest.fixture
def evaluator_client(evaluator):
    return signed_in(evaluator.user)


def url(dossier):
    return reverse("centre:plan-file", args=[dossier.reference])


def typed(dossier, **changes):
    sites = list(dossier.service.sites.values_list("pk", flat=True)[:2])
    return {
        "scope": "All chapters of the compute service.",
        "sites": sites,
        "other_locations": "",
        "starts_on": "2027-03-01",
        "ends_on": "2027-03-05",
        "team": "Eva Evaluator, lead",
    } | changes


def filed(dossier, evaluator, **changes):
    values = {
        "scope": "All chapters of the compute service.",
        "sites": list(dossier.service.sites.all()[:1]),
        "other_locations": "A remote session.",
        "starts_on": D(2027, 3, 1),
        "ends_on": D(2027, 3, 5),
        "team": "Eva Evaluator, lead",
    }
    return plans.plan_file(dossier=dossier, by=evaluator.user, **(values | changes))


def test_the_evaluator_files_the_plan_from_its_page(evaluator_client, in_evaluation, evaluator):
    page = evaluator_client.get(reverse("centre:dossier", args=[in_evaluation.reference])).content.decode()
    assert url(in_evaluation) in page and "File the evaluation plan" in page
    form = evaluator_client.get(url(in_evaluation))
    assert form.status_code == 200 and 'type="date"' in form.content.decode()
    response = evaluator_client.post(url(in_evaluation), typed(in_evaluation))
    assert response.status_code == 302
    assert response["Location"] == reverse("centre:dossier", args=[in_evaluation.reference]) + "#plan-title"
    plan = EvaluationPlan.objects.get(dossier=in_evaluation)
    assert (plan.version, plan.state, plan.filed_by, plan.sites.count()) == (1, "filed", evaluator.user, 2)


def test_the_form_offers_only_the_services_sites(evaluator_client, in_evaluation):
    elsewhere = f.service()
    f.eu_sites(elsewhere)
    page = evaluator_client.get(url(in_evaluation)).content.decode()
    for site in in_evaluation.service.sites.all():
        assert f'value="{site.pk}"' in page
    for site in elsewhere.sites.all():
        assert f'value="{site.pk}"' not in page
    response = evaluator_client.post(url(in_evaluation), typed(in_evaluation, sites=[elsewhere.sites.first().pk]))
    assert response.status_code == 400 and not EvaluationPlan.objects.exists()


def test_bad_dates_and_an_empty_scope_come_back_with_what_was_typed(evaluator_client, in_evaluation):
    response = evaluator_client.post(
        url(in_evaluation),
        typed(in_evaluation, scope="", ends_on="2027-02-01", team="Eva Evaluator, lead\nPaul, tests"),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "The last day cannot be before the first day." in page and "This field is required." in page
    assert "Eva Evaluator, lead\nPaul, tests" in page and 'value="2027-02-01"' in page
    assert not EvaluationPlan.objects.exists()


def test_nowhere_to_go_is_an_error(evaluator_client, in_evaluation):
    response = evaluator_client.post(url(in_evaluation), typed(in_evaluation, sites=[], other_locations=""))
    assert response.status_code == 400 and "Choose at least one site" in response.content.decode()


def test_a_revision_starts_from_the_latest_version_and_shows_the_agencys_comment(
    evaluator_client, in_evaluation, evaluator, reviewer
):
    plans.plan_request_changes(plan=filed(in_evaluation, evaluator), by=reviewer, comment="Add the support site.")
    page = evaluator_client.get(url(in_evaluation)).content.decode()
    assert "Add the support site." in page and "A remote session." in page and 'value="2027-03-01"' in page
    evaluator_client.post(url(in_evaluation), typed(in_evaluation))
    assert list(EvaluationPlan.objects.values_list("version", "state")) == [(2, "filed"), (1, "changes_requested")]


def test_the_dossier_page_shows_the_plan_its_comment_and_earlier_versions(
    evaluator_client, in_evaluation, evaluator, reviewer
):
    plans.plan_request_changes(plan=filed(in_evaluation, evaluator), by=reviewer, comment="Add the support site.")
    filed(in_evaluation, evaluator, scope="Everything, support site included.")
    page = evaluator_client.get(reverse("centre:dossier", args=[in_evaluation.reference])).content.decode()
    assert "Everything, support site included." in page and "Waiting for the agency&#x27;s validation" in page
    assert "1 earlier version" in page and "Add the support site." in page and "Changes requested" in page
    assert "File a new version" not in page  # a version waits for the agency


def test_the_plan_cannot_be_filed_before_the_contract_is_validated(evaluator_client, in_evaluation):
    EvaluationContract.objects.filter(dossier=in_evaluation).update(state=EvaluationContract.State.CONFIRMED)
    page = evaluator_client.get(url(in_evaluation)).content.decode()
    assert "has not validated the evaluation contract" in page and 'name="scope"' not in page
    response = evaluator_client.post(url(in_evaluation), typed(in_evaluation))
    assert response.status_code == 403 and not EvaluationPlan.objects.exists()


def test_a_lapsed_centre_reads_why_and_gets_no_form(evaluator_client, in_evaluation, center):
    center.active = False
    center.save()
    page = evaluator_client.get(url(in_evaluation)).content.decode()
    assert "lapsed" in page and 'name="scope"' not in page
    dossier_page = evaluator_client.get(reverse("centre:dossier", args=[in_evaluation.reference])).content.decode()
    assert url(in_evaluation) not in dossier_page
    assert evaluator_client.post(url(in_evaluation), typed(in_evaluation)).status_code == 403
    assert not EvaluationPlan.objects.exists()


def test_another_centres_evaluator_gets_404(in_evaluation):
    client = signed_in(f.evaluator(f.evaluation_center()).user)
    assert client.get(url(in_evaluation)).status_code == 404
    assert client.post(url(in_evaluation), typed(in_evaluation)).status_code == 404
    assert not EvaluationPlan.objects.exists()


@pytest.mark.parametrize("who", ["owner", "reviewer"])
def test_anyone_but_an_evaluator_gets_403(request, who, in_evaluation):
    client = signed_in(request.getfixturevalue(who))
    assert client.get(url(in_evaluation)).status_code == 403
    assert client.post(url(in_evaluation), typed(in_evaluation)).status_code == 403
    assert not EvaluationPlan.objects.exists()


def test_the_dossier_page_reads_its_plan_versions_in_a_fixed_number_of_queries(
    evaluator_client, in_evaluation, evaluator, reviewer, django_assert_max_num_queries
):
    page = reverse("centre:dossier", args=[in_evaluation.reference])

    def one_more_version():
        plans.plan_request_changes(plan=filed(in_evaluation, evaluator), by=reviewer, comment="Again.")

    one_more_version()
    evaluator_client.get(page)  # the session's first reads out of the way
    with CaptureQueriesContext(connection) as one:
        evaluator_client.get(page)
    for _ in range(3):
        one_more_version()
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert "3 earlier versions" in evaluator_client.get(page).content.decode()
