"""The centre's evaluation grid and technical report (registry.evaluation.grid): who may record verdicts and when,
what a verdict must say, the report on a complete grid only, a new version after the committee sends the dossier back;
nobody uploads an evaluation report any more; the committee's brief and the provider's page read the centre's work."""

import datetime

import pytest
from django.urls import reverse

from registry.accounts.models import AuditEvent
from registry.evaluation import grid, plans, rules
from registry.evaluation.models import EvaluationPlan, Evaluator, TechnicalReport, Verdict
from registry.qualification import review, workflow
from registry.qualification.choices import DocumentKind
from registry.qualification.models import Answer, DossierEvent
from registry.qualification.services import dossiers as svc
from registry.qualification.services.documents import document_add
from registry.qualification.workflow import Refused
from tests import factories as f

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def in_evaluation(complete_draft, reviewer, center, editor):
    return f.evaluating(complete_draft, reviewer=reviewer, center=center, provider_user=editor)


@pytest.fixture
def evaluator(center):
    return f.evaluator(center, email="eva@centre-a.test")


def planned(dossier, evaluator, reviewer, *, validate=True):
    plan = plans.plan_file(
        dossier=dossier,
        by=evaluator.user,
        scope="All chapters.",
        sites=list(dossier.service.sites.all()[:1]),
        other_locations="",
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


def requirements(dossier):
    return svc.applicable_requirements(dossier)


def record(dossier, by, requirement=None, value="conform", **kw):
    requirement = requirement or requirements(dossier)[0]
    values = {"evidence_reviewed": "The security policy, v2; interviews."} | kw
    return grid.verdict_record(dossier=dossier, requirement=requirement, by=by, value=value, **values)


def grade_all(dossier, by, value="conform"):
    for requirement in requirements(dossier):
        record(dossier, by, requirement, value)


def submit(dossier, by, **kw):
    values = {"uploaded": f.pdf("report.pdf"), "title": "Technical report", "conclusion": "The service conforms."}
    return grid.report_submit(dossier=dossier, by=by, **(values | kw))


# --- Verdicts. ---


def test_the_centres_evaluator_records_a_verdict_then_changes_it(open_grid, evaluator, center):
    first = record(open_grid, evaluator.user, value="minor", note="Logs kept 3 months, not 6.")
    again = record(open_grid, evaluator.user, first.requirement, value="conform", note="")
    assert again.pk == first.pk and Verdict.objects.filter(dossier=open_grid).count() == 1
    assert (again.value, again.centre, again.recorded_by) == ("conform", center, evaluator.user)
    # A working draft: an audit line for each verdict, nothing on the dossier's timeline.
    assert AuditEvent.objects.filter(action="verdict.record").count() == 2
    assert not DossierEvent.objects.filter(dossier=open_grid, action__startswith="verdict").exists()


def test_it_refuses_an_evaluator_of_another_centre(open_grid):
    stranger = f.evaluator(f.evaluation_center())
    with pytest.raises(Refused, match="Only the evaluators of the dossier's evaluation centre"):
        record(open_grid, stranger.user)


def test_it_refuses_someone_who_is_not_an_evaluator(open_grid, reviewer, editor):
    for person in (reviewer, editor):
        with pytest.raises(Refused, match="Only the evaluators"):
            record(open_grid, person)


def test_a_lapsed_evaluator_or_centre_records_nothing(open_grid, evaluator, center):
    Evaluator.objects.filter(pk=evaluator.pk).update(active=False)
    with pytest.raises(Refused, match="lapsed"):
        record(open_grid, evaluator.user)
    Evaluator.objects.filter(pk=evaluator.pk).update(active=True)
    type(center).objects.filter(pk=center.pk).update(active=False)
    with pytest.raises(Refused, match="lapsed"):
        record(open_grid, evaluator.user)


def test_it_refuses_verdicts_before_the_plan_is_validated(in_evaluation, evaluator, reviewer):
    with pytest.raises(Refused, match="not validated your evaluation plan"):
        record(in_evaluation, evaluator.user)
    plan = planned(in_evaluation, evaluator, reviewer, validate=False)
    with pytest.raises(Refused, match="not validated your evaluation plan"):
        record(in_evaluation, evaluator.user)
    plans.plan_validate(plan=plan, by=reviewer)
    assert record(in_evaluation, evaluator.user).value == "conform"
    # The latest version is what counts: a new version waiting for the agency closes the grid again.
    EvaluationPlan.objects.filter(pk=plan.pk).update(state=EvaluationPlan.State.CHANGES_REQUESTED)
    planned(in_evaluation, evaluator, reviewer, validate=False)
    with pytest.raises(Refused, match="not validated your evaluation plan"):
        record(in_evaluation, evaluator.user)


def test_it_refuses_verdicts_outside_the_evaluation(open_grid, evaluator):
    type(open_grid).objects.filter(pk=open_grid.pk).update(status="decision")
    with pytest.raises(Refused, match="while the dossier is in evaluation"):
        record(open_grid, evaluator.user)


def test_it_refuses_a_requirement_that_does_not_apply_to_the_service(open_grid, evaluator):
    saas_only = open_grid.scheme.requirements.get(ref="19.9")  # the service is IaaS
    with pytest.raises(Refused, match="19.9 does not apply"):
        record(open_grid, evaluator.user, saas_only)


@pytest.mark.parametrize("value", ["minor", "major", "observation"])
def test_a_non_conformity_or_an_observation_needs_a_note(open_grid, evaluator, value):
    with pytest.raises(Refused, match="needs a note"):
        record(open_grid, evaluator.user, value=value, note="  ")
    assert record(open_grid, evaluator.user, value=value, note="What we found.").note == "What we found."


def test_a_verdict_names_the_evidence_reviewed_and_a_known_value(open_grid, evaluator):
    with pytest.raises(Refused, match="which evidence you reviewed"):
        record(open_grid, evaluator.user, evidence_reviewed=" ")
    with pytest.raises(Refused, match="Choose a verdict"):
        record(open_grid, evaluator.user, value="excellent")
    assert not Verdict.objects.exists()


def test_the_documents_reviewed_are_the_dossiers_own(open_grid, evaluator, owner):
    own = open_grid.documents.exclude(kind=DocumentKind.EVALUATION_CONTRACT).first()
    verdict = record(open_grid, evaluator.user, documents=[own])
    assert list(verdict.documents.all()) == [own]
    elsewhere = f.complete(f.dossier(f.service(open_grid.service.provider), open_grid.scheme), owner).documents.first()
    with pytest.raises(Refused, match="Only the dossier's documents"):
        record(open_grid, evaluator.user, documents=[elsewhere])


# --- The technical report. ---


def test_it_refuses_the_report_on_an_incomplete_grid(open_grid, evaluator):
    first, second = requirements(open_grid)[:2]
    record(open_grid, evaluator.user, first)
    with pytest.raises(Refused, match=f"1 requirement has no verdict \\({second.ref}\\)"):
        submit(open_grid, evaluator.user)
    assert not TechnicalReport.objects.exists() and not open_grid.documents.filter(kind="evaluation_report").exists()


def test_the_report_is_version_1_closes_the_grid_and_tells_the_parties(open_grid, evaluator, center):
    grade_all(open_grid, evaluator.user)
    record(open_grid, evaluator.user, value="observation", note="Tidy the runbooks.")
    report = submit(open_grid, evaluator.user)
    assert (report.version, report.centre, report.conclusion, report.submitted_by) == (
        1,
        center,
        "The service conforms.",
        evaluator.user,
    )
    assert report.document.kind == DocumentKind.EVALUATION_REPORT and report.document.uploaded_by == evaluator.user
    event = DossierEvent.objects.get(dossier=open_grid, action="report_submit")
    total = len(requirements(open_grid))
    assert event.detail["version"] == 1
    assert event.detail["verdicts"] == {"conform": total - 1, "minor": 0, "major": 0, "observation": 1}
    with pytest.raises(Refused, match="submitted its technical report"):
        record(open_grid, evaluator.user)
    with pytest.raises(Refused, match="submitted its technical report"):
        submit(open_grid, evaluator.user)


def test_the_report_needs_a_conclusion_a_title_and_an_accepted_file(open_grid, evaluator):
    grade_all(open_grid, evaluator.user)
    with pytest.raises(Refused, match="conclusion"):
        submit(open_grid, evaluator.user, conclusion=" ")
    with pytest.raises(Refused, match="title"):
        submit(open_grid, evaluator.user, title=" ")
    with pytest.raises(Refused, match="not accepted"):
        submit(open_grid, evaluator.user, uploaded=f.pdf("report.exe", b"MZ\x90\x00 not a pdf at all"))
    with pytest.raises(Refused, match="empty"):
        submit(open_grid, evaluator.user, uploaded=f.pdf("report.pdf", b""))
    assert not TechnicalReport.objects.exists()


def test_the_send_to_decision_waits_for_the_centres_report(open_grid, evaluator, reviewer):
    grade_all(open_grid, evaluator.user)
    assert not svc.gather_facts(open_grid).report_submitted
    problems = workflow.missing_before("report", svc.gather_facts(open_grid))
    assert "The centre has not submitted its technical report." in problems
    with pytest.raises(Refused, match="technical report"):
        svc.dossier_report(dossier=open_grid, by=reviewer, recommendation="qualify")
    submit(open_grid, evaluator.user)
    assert svc.gather_facts(open_grid).report_submitted
    assert svc.dossier_report(dossier=open_grid, by=reviewer, recommendation="qualify").status == "decision"


def test_after_the_committee_sends_it_back_the_grid_reopens_and_the_report_is_version_2(
    open_grid, evaluator, reviewer, decision_maker
):
    grade_all(open_grid, evaluator.user)
    submit(open_grid, evaluator.user)
    svc.dossier_report(dossier=open_grid, by=reviewer, recommendation="qualify")
    back = svc.dossier_send_back(dossier=open_grid, by=decision_maker, comment="Look again at 19.6.")
    assert back.status == "evaluation"
    changed = record(back, evaluator.user, requirements(back)[1], value="minor", note="Contracts name a US parent.")
    assert changed.value == "minor"
    second = submit(back, evaluator.user, conclusion="One minor non-conformity.")
    assert second.version == 2 and TechnicalReport.objects.filter(dossier=back).count() == 2
    assert second.document.version == 2 and second.document.previous.version == 1  # the same title: a new version


# --- Nobody uploads the evaluation report. ---


@pytest.mark.parametrize("who", ["reviewer", "owner", "decision_maker"])
def test_nobody_uploads_an_evaluation_report_the_centre_submits_it(request, in_evaluation, who):
    with pytest.raises(Refused, match="the centre submits it from its space"):
        document_add(
            dossier=in_evaluation,
            kind=DocumentKind.EVALUATION_REPORT,
            title="Report",
            uploaded=f.pdf(),
            by=request.getfixturevalue(who),
        )


# --- The reviewer's findings against the centre's verdicts. ---


@pytest.mark.parametrize(
    "verdict, finding, differs",
    [
        ("conform", "conform", False),
        ("observation", "conform", False),
        ("observation", "minor", True),
        ("minor", "major", True),
        ("major", "major", False),
        ("conform", "", False),  # no finding recorded yet: nothing to compare
        ("", "minor", False),  # no verdict
    ],
)
def test_a_finding_differs_from_the_verdict_unless_they_agree(verdict, finding, differs):
    assert rules.finding_differs(verdict, finding) is differs


def test_the_finding_starts_from_the_verdict_an_observation_as_conform_with_its_note():
    assert rules.finding_from_verdict("observation", "Tidy the runbooks.") == ("conform", "Tidy the runbooks.")
    assert rules.finding_from_verdict("major", "No encryption.") == ("major", "No encryption.")
    assert rules.finding_from_verdict("conform") == ("conform", "")


def test_the_committees_brief_shows_the_centres_verdicts_the_findings_and_where_they_differ(
    open_grid, evaluator, reviewer
):
    first, second = requirements(open_grid)[:2]
    grade_all(open_grid, evaluator.user)
    record(open_grid, evaluator.user, second, value="minor", note="Logs kept 3 months.")
    report = submit(open_grid, evaluator.user, conclusion="One minor non-conformity.")
    answers = {a.requirement_id: a for a in Answer.objects.filter(dossier=open_grid)}
    svc.answer_record_finding(answer=answers[first.pk], by=reviewer, finding="major", note="Worse than they say.")
    svc.answer_record_finding(answer=answers[second.pk], by=reviewer, finding="minor", note="As the centre says.")
    brief = review.decision_brief(open_grid)
    assert brief.technical_report == report and brief.evaluation_report == report.document
    verdicts = {str(label): n for label, n in brief.verdict_counts}
    findings = {str(label): n for label, n in brief.finding_counts}
    assert verdicts == {"Conform": len(requirements(open_grid)) - 1, "Minor non-conformity": 1,
                        "Major non-conformity": 0, "Observation": 0}  # fmt: skip
    assert findings == {"Conform": 0, "Minor non-conformity": 1, "Major non-conformity": 1}
    assert [(d.answer.requirement_id, d.verdict.value, d.answer.finding) for d in brief.differences] == [
        (first.pk, "conform", "major")
    ]


# --- The provider reads the verdicts once the report is submitted. ---


def test_the_provider_reads_the_verdicts_only_once_the_report_is_submitted(client, open_grid, evaluator, editor):
    client.force_login(editor)
    url = reverse("portal:dossier-evaluation", args=[open_grid.reference])
    record(open_grid, evaluator.user, value="major", note="A secret finding in progress.")
    page = client.get(url).content.decode()
    assert "A secret finding in progress." not in page and "has not submitted its technical report yet" in page
    grade_all(open_grid, evaluator.user)
    record(open_grid, evaluator.user, value="major", note="No encryption at rest.")
    report = submit(open_grid, evaluator.user, conclusion="One major non-conformity.")
    page = client.get(url).content.decode()
    assert "No encryption at rest." in page and "One major non-conformity." in page
    assert reverse("portal:document-download", args=[report.document.pk]) in page
