"""The findings on a dossier's answers: only the instructing reviewer records them, only in review or in evaluation,
and only the known ones."""

import pytest

from registry.qualification.models import Answer, Dossier
from registry.qualification.services import dossiers as svc
from registry.qualification.workflow import Refused

pytestmark = pytest.mark.django_db

S = Dossier.Status


# Findings.


@pytest.fixture
def answer(complete_draft):
    return Answer.objects.get(dossier=complete_draft, requirement__ref="19.6")


@pytest.mark.parametrize("status", [S.IN_REVIEW, S.EVALUATION])
def test_the_instructing_reviewer_records_a_finding(complete_draft, walk, reviewer, answer, status):
    walk(complete_draft, status)
    svc.answer_record_finding(answer=answer, by=reviewer, finding="minor", note=" Board minutes missing. ")
    answer.refresh_from_db()
    assert (answer.finding, answer.finding_note, answer.finding_by) == ("minor", "Board minutes missing.", reviewer)
    assert answer.finding_at is not None


@pytest.mark.parametrize("who", ["second_reviewer", "decision_maker", "owner", "administrator"])
def test_only_the_instructing_reviewer_records_findings(request, complete_draft, walk, answer, who):
    walk(complete_draft, S.EVALUATION)
    with pytest.raises(Refused, match="Only the instructing reviewer"):
        svc.answer_record_finding(answer=answer, by=request.getfixturevalue(who), finding="major")
    answer.refresh_from_db()
    assert answer.finding == ""


@pytest.mark.parametrize("status", [S.DECISION, S.SUBMITTED, S.QUALIFIED, S.CHANGES_REQUESTED])
def test_findings_are_refused_outside_review_and_evaluation(complete_draft, reviewer, answer, status):
    Dossier.objects.filter(pk=complete_draft.pk).update(status=status, instructing_reviewer=reviewer)
    with pytest.raises(Refused, match="in review or in evaluation"):
        svc.answer_record_finding(answer=answer, by=reviewer, finding="conform")
    answer.refresh_from_db()
    assert answer.finding == ""


def test_it_refuses_an_unknown_finding(complete_draft, walk, reviewer, answer):
    walk(complete_draft, S.IN_REVIEW)
    with pytest.raises(Refused, match="Unknown finding"):
        svc.answer_record_finding(answer=answer, by=reviewer, finding="catastrophic")
