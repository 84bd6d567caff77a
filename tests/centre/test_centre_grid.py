"""The evaluation grid in the centre's space: the dossier page shows a row per applicable requirement with its
verdict and the progress; the verdict's page records it and goes on to the next requirement without one; the report's
page submits the technical report once the grid is complete. Another centre's dossier is 404, anyone but an evaluator
403; a lapsed evaluator reads the verdicts, never changes them."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.catalogue.models import Requirement
from registry.evaluation import grid, plans
from registry.evaluation.models import Evaluator, TechnicalReport, Verdict
from registry.qualification.services.dossiers import applicable_requirements
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


def planned(dossier, evaluator, reviewer, *, validate=True):
    plan = plans.plan_file(
        dossier=dossier,
        by=evaluator.user,
        scope="All chapters.",
        sites=[],
        other_locations="A remote session.",
        starts_on=D(2027, 3, 1),
        ends_on=D(2027, 3, 5),
        team="Eva Evaluator, lead",
    )
    if validate:
        plans.plan_validate(plan=plan, by=reviewer)
    return plan


@pytest.fixture
def open_grid(in_evaluation, evaluator, reviewer):
    planned(in_evaluation, evaluator, reviewer)
    return in_evaluation


def page_url(dossier):
    return reverse("centre:dossier", args=[dossier.reference])


def verdict_url(dossier, requirement):
    return reverse("centre:verdict", args=[dossier.reference, requirement.pk])


def report_url(dossier):
    return reverse("centre:report-submit", args=[dossier.reference])


def grade_all(dossier, evaluator, value="conform"):
    for requirement in applicable_requirements(dossier):
        grid.verdict_record(
            dossier=dossier, requirement=requirement, by=evaluator.user, value=value, evidence_reviewed="Policy."
        )


def test_the_dossier_page_shows_the_grid_its_progress_and_a_link_per_requirement(
    evaluator_client, open_grid, evaluator
):
    first, second = applicable_requirements(open_grid)
    grid.verdict_record(dossier=open_grid, requirement=first, by=evaluator.user, value="conform", evidence_reviewed="x")
    page = evaluator_client.get(page_url(open_grid)).content.decode()
    assert 'id="grid"' in page and "1 of 2 requirements have a verdict." in page
    assert verdict_url(open_grid, first) in page and verdict_url(open_grid, second) in page
    assert "No verdict yet" in page and report_url(open_grid) not in page
    assert "1 requirement has no verdict (19.6)" in page


def test_the_grid_says_why_it_is_closed_before_the_plan_is_validated(evaluator_client, in_evaluation, evaluator):
    page = evaluator_client.get(page_url(in_evaluation)).content.decode()
    assert "not validated your evaluation plan" in page
    requirement = applicable_requirements(in_evaluation)[0]
    form = evaluator_client.get(verdict_url(in_evaluation, requirement))
    assert form.status_code == 200 and "<form" not in form.content.decode().split('id="verdict-title"')[1]
    posted = evaluator_client.post(
        verdict_url(in_evaluation, requirement), {"value": "conform", "evidence_reviewed": "x"}
    )
    assert posted.status_code == 403 and not Verdict.objects.exists()


def test_saving_a_verdict_goes_on_to_the_next_requirement_without_one_then_back_to_the_grid(
    evaluator_client, open_grid
):
    first, second = applicable_requirements(open_grid)
    form = evaluator_client.get(verdict_url(open_grid, first))
    assert form.status_code == 200 and 'name="evidence_reviewed"' in form.content.decode()
    response = evaluator_client.post(
        verdict_url(open_grid, first), {"value": "conform", "evidence_reviewed": "The policy, v2."}
    )
    assert response.status_code == 302 and response["Location"] == verdict_url(open_grid, second)
    response = evaluator_client.post(
        verdict_url(open_grid, second),
        {"value": "observation", "evidence_reviewed": "Interviews.", "note": "Tidy the runbooks."},
    )
    assert response.status_code == 302 and response["Location"] == page_url(open_grid) + "#grid"
    assert dict(Verdict.objects.values_list("requirement__ref", "value")) == {"19.2": "conform", "19.6": "observation"}
    page = evaluator_client.get(page_url(open_grid)).content.decode()
    assert "2 of 2 requirements have a verdict." in page and report_url(open_grid) in page


def test_a_verdict_form_with_a_mistake_keeps_what_was_typed(evaluator_client, open_grid):
    requirement = applicable_requirements(open_grid)[0]
    response = evaluator_client.post(
        verdict_url(open_grid, requirement), {"value": "major", "evidence_reviewed": "The key ceremony logs."}
    )
    page = response.content.decode()
    assert response.status_code == 400 and "needs a note" in page and "The key ceremony logs." in page
    assert not Verdict.objects.exists()


def test_the_verdict_page_starts_from_the_recorded_verdict(evaluator_client, open_grid, evaluator):
    requirement = applicable_requirements(open_grid)[0]
    document = open_grid.documents.first()
    grid.verdict_record(
        dossier=open_grid,
        requirement=requirement,
        by=evaluator.user,
        value="minor",
        evidence_reviewed="The backup policy.",
        note="Backups untested.",
        documents=[document],
    )
    page = evaluator_client.get(verdict_url(open_grid, requirement)).content.decode()
    assert 'value="minor" checked' in page and "Backups untested." in page and "The backup policy." in page
    assert f'value="{document.pk}" checked' in page


def test_a_requirement_that_does_not_apply_has_no_verdict_page(evaluator_client, open_grid):
    saas_only = Requirement.objects.get(scheme=open_grid.scheme, ref="19.9")
    assert evaluator_client.get(verdict_url(open_grid, saas_only)).status_code == 404


def test_another_centres_evaluator_gets_404_and_anyone_else_403(open_grid, reviewer, owner):
    requirement = applicable_requirements(open_grid)[0]
    stranger = signed_in(f.evaluator(f.evaluation_center()).user)
    for url in (verdict_url(open_grid, requirement), report_url(open_grid)):
        assert stranger.get(url).status_code == 404
        assert stranger.post(url, {"value": "conform", "evidence_reviewed": "x"}).status_code == 404
        for person in (reviewer, owner):
            assert signed_in(person).get(url).status_code == 403
    assert not Verdict.objects.exists()


def test_a_lapsed_evaluator_reads_the_verdict_but_cannot_change_it(evaluator_client, open_grid, evaluator):
    requirement = applicable_requirements(open_grid)[0]
    grid.verdict_record(
        dossier=open_grid, requirement=requirement, by=evaluator.user, value="conform", evidence_reviewed="Policy."
    )
    Evaluator.objects.filter(pk=evaluator.pk).update(active=False)
    response = evaluator_client.get(verdict_url(open_grid, requirement))
    page = response.content.decode()
    assert response.status_code == 200 and "Policy." in page and "lapsed" in page
    assert 'name="evidence_reviewed"' not in page
    posted = evaluator_client.post(
        verdict_url(open_grid, requirement), {"value": "major", "evidence_reviewed": "x", "note": "y"}
    )
    assert posted.status_code == 403 and Verdict.objects.get().value == "conform"


def test_the_report_is_submitted_from_its_page_once_the_grid_is_complete(evaluator_client, open_grid, evaluator):
    incomplete = evaluator_client.get(report_url(open_grid))
    assert incomplete.status_code == 200 and "2 requirements have no verdict" in incomplete.content.decode()
    assert evaluator_client.post(report_url(open_grid), {"title": "R", "conclusion": "C"}).status_code == 403
    grade_all(open_grid, evaluator)
    form = evaluator_client.get(report_url(open_grid))
    assert form.status_code == 200 and 'type="file"' in form.content.decode()
    response = evaluator_client.post(
        report_url(open_grid),
        {"title": "Technical report", "conclusion": "The service conforms.", "file": f.pdf("report.pdf")},
    )
    assert response.status_code == 302 and response["Location"] == page_url(open_grid) + "#grid"
    report = TechnicalReport.objects.get()
    assert (report.version, report.conclusion) == (1, "The service conforms.")
    page = evaluator_client.get(page_url(open_grid)).content.decode()
    assert "The service conforms." in page and "submitted its technical report" in page
    assert reverse("centre:document-download", args=[report.document.pk]) in page


def test_a_report_form_with_a_mistake_keeps_what_was_typed(evaluator_client, open_grid, evaluator):
    grade_all(open_grid, evaluator)
    response = evaluator_client.post(
        report_url(open_grid),
        {"title": "Technical report", "conclusion": "All conform.", "file": f.pdf("report.exe", b"MZ not a pdf")},
    )
    page = response.content.decode()
    assert response.status_code == 400 and "not accepted" in page and "All conform." in page
    missing = evaluator_client.post(report_url(open_grid), {"title": "Technical report", "conclusion": "All conform."})
    assert missing.status_code == 400 and "All conform." in missing.content.decode()
    assert not TechnicalReport.objects.exists()


def _big_grid(scheme, count):
    chapter = Requirement.objects.create(scheme=scheme, ref="20", title_en="More", title_fr="Plus", position=100)
    for i in range(count):
        Requirement.objects.create(
            scheme=scheme, ref=f"20.{i}", parent=chapter, title_en=f"R {i}", title_fr=f"R {i}", position=101 + i
        )


def _page_queries(client, dossier):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page_url(dossier)).status_code == 200
    return len(queries)


def test_the_dossier_page_reads_a_whole_grid_in_a_fixed_number_of_queries(
    evaluator_client, open_grid, evaluator, owner, django_assert_max_num_queries
):
    grade_all(open_grid, evaluator)
    grid.report_submit(
        dossier=open_grid, by=evaluator.user, uploaded=f.pdf("r.pdf"), title="Report", conclusion="Conform."
    )
    small = _page_queries(evaluator_client, open_grid)
    _big_grid(open_grid.scheme, 40)
    f.complete(open_grid, owner)  # the provider answers the new requirements
    for requirement in applicable_requirements(open_grid):
        Verdict.objects.update_or_create(
            dossier=open_grid,
            requirement=requirement,
            defaults={
                "centre": evaluator.centre,
                "value": "conform",
                "evidence_reviewed": "x",
                "recorded_by": evaluator.user,
            },
        )
    assert len(applicable_requirements(open_grid)) == 42
    assert _page_queries(evaluator_client, open_grid) == small
    with django_assert_max_num_queries(small):
        evaluator_client.get(page_url(open_grid))
