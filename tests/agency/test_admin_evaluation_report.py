"""The centre's grid and technical report in the agency's workspace: the "Evaluation" part shows the reports, the
verdicts counted beside the findings and where they differ; the answers part shows each verdict beside the finding,
pre-fills the finding from it and marks a finding that differs; the committee's brief shows both. The reviewer no
longer uploads the evaluation report: the centre submits it."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from registry.evaluation import grid, plans
from registry.qualification.models import Answer, Document
from registry.qualification.services import dossiers as svc
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture
def in_evaluation(complete_draft, reviewer, center, editor):
    return f.evaluating(complete_draft, reviewer=reviewer, center=center, provider_user=editor)


@pytest.fixture
def evaluator(center):
    return f.evaluator(center, email="eva@centre-a.test")


@pytest.fixture
def graded(in_evaluation, evaluator, reviewer):
    """The plan validated; 19.2 conform, 19.6 an observation; no report yet."""
    plan = plans.plan_file(
        dossier=in_evaluation,
        by=evaluator.user,
        scope="All chapters.",
        sites=[],
        other_locations="A remote session.",
        starts_on=datetime.date(2027, 3, 1),
        ends_on=datetime.date(2027, 3, 5),
        team="Eva Evaluator, lead",
    )
    plans.plan_validate(plan=plan, by=reviewer)
    first, second = svc.applicable_requirements(in_evaluation)
    for requirement, value, note in ((first, "conform", ""), (second, "observation", "Tidy the runbooks.")):
        grid.verdict_record(
            dossier=in_evaluation,
            requirement=requirement,
            by=evaluator.user,
            value=value,
            note=note,
            evidence_reviewed=f"Evidence for {requirement.ref}.",
        )
    return in_evaluation


def submitted(dossier, evaluator):
    report = grid.report_submit(
        dossier=dossier,
        by=evaluator.user,
        uploaded=f.pdf("report.pdf"),
        title="Technical report",
        conclusion="The service conforms, with one observation.",
    )
    f.checked(report.document)
    return report


def signed_in(person):
    client = Client()
    f.login_with_mfa(client, person)
    return client


def page(dossier, part, **query):
    url = reverse("admin:registry_dossier_change", args=[dossier.pk]) + f"?part={part}"
    return url + "".join(f"&{k}={v}" for k, v in query.items())


def answer(dossier, ref):
    return Answer.objects.get(dossier=dossier, requirement__ref=ref)


def test_the_evaluation_part_shows_the_report_the_counts_and_the_differences(graded, evaluator, reviewer):
    client = signed_in(reviewer)
    before = client.get(page(graded, "evaluation")).content.decode()
    assert "The centre recorded 2 verdicts of 2." in before and "has not submitted its technical report yet" in before
    report = submitted(graded, evaluator)
    svc.answer_record_finding(answer=answer(graded, "19.6"), by=reviewer, finding="minor", note="Worse.")
    content = client.get(page(graded, "evaluation")).content.decode()
    assert "Technical report, version 1" in content and "The service conforms, with one observation." in content
    assert reverse("admin:registry_document_download", args=[report.document.pk]) in content
    assert "differs from the centre's verdict" in content and "(1)" in content
    assert f"#answer-{answer(graded, '19.6').pk}" in content


def test_the_finding_form_starts_from_the_centres_verdict(graded, reviewer):
    content = signed_in(reviewer).get(page(graded, "answers", chapter="19")).content.decode()
    first, second = answer(graded, "19.2"), answer(graded, "19.6")
    assert "The centre's verdict:" in content and "Evidence for 19.6." in content
    # Conform stays conform; an observation is conform with its remark in the note.
    assert f'id="finding-{first.pk}"' in content
    for row in (first, second):
        select = content.split(f'id="finding-{row.pk}"')[1].split("</select>")[0]
        assert '<option value="conform" selected>' in select
    note = content.split(f'id="note-{second.pk}"')[1].split("</textarea>")[0]
    assert "Tidy the runbooks." in note
    assert "starts from the centre's verdict" in content


def test_saving_the_prefilled_form_records_the_findings_and_marks_where_they_differ(graded, reviewer):
    client = signed_in(reviewer)
    first, second = answer(graded, "19.2"), answer(graded, "19.6")
    response = client.post(
        reverse("admin:registry_dossier_findings", args=[graded.pk]),
        {
            "chapter": "19",
            "filter": "",
            f"finding-{first.pk}": "major",
            f"note-{first.pk}": "Nothing backs this up.",
            f"finding-{second.pk}": "conform",
            f"note-{second.pk}": "Tidy the runbooks.",
        },
    )
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.finding, second.finding) == ("major", "conform")
    content = client.get(page(graded, "answers", chapter="19")).content.decode()
    assert content.count('class="tcr-differs"') == 1
    filtered = client.get(page(graded, "answers", chapter="19", filter="differs")).content.decode()
    assert "Differs from the centre" in filtered and f'id="answer-{first.pk}"' in filtered
    assert f'id="answer-{second.pk}"' not in filtered


def test_the_differs_filter_is_offered_once_the_centre_recorded_verdicts(in_evaluation, reviewer):
    content = signed_in(reviewer).get(page(in_evaluation, "answers")).content.decode()
    assert "filter=differs" not in content


def test_the_committees_brief_shows_the_centres_report_and_both_counts(graded, evaluator, reviewer, decision_maker):
    submitted(graded, evaluator)
    svc.answer_record_finding(answer=answer(graded, "19.2"), by=reviewer, finding="minor", note="Logs.")
    svc.dossier_report(dossier=graded, by=reviewer, recommendation="qualify")
    content = (
        signed_in(decision_maker)
        .get(reverse("admin:registry_dossier_move", args=[graded.pk, "qualify"]))
        .content.decode()
    )
    assert "The evaluation centre's technical report" in content
    assert "The service conforms, with one observation." in content
    assert "The centre's verdicts" in content and "The reviewer's findings" in content
    differences = content.split("differs from the centre's verdict")[1]
    assert "(1)" in differences.split("</h4>")[0] and "19.2" in differences


def test_the_reviewer_can_no_longer_upload_an_evaluation_report(graded, reviewer):
    client = signed_in(reviewer)
    overview = client.get(page(graded, "overview")).content.decode()
    assert "Upload the evaluation report" not in overview and 'value="evaluation_report"' not in overview
    assert "See the centre's evaluation" in overview  # beside "Send to decision", what it waits for
    documents = client.get(page(graded, "documents")).content.decode()
    assert 'value="evaluation_report"' not in documents
    client.post(
        reverse("admin:registry_dossier_upload", args=[graded.pk]),
        {"part": "documents", "kind": "evaluation_report", "title": "Report", "file": f.pdf("report.pdf")},
    )
    assert not Document.objects.filter(dossier=graded, kind="evaluation_report").exists()
