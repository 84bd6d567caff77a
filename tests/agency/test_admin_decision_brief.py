"""The move pages say what is missing before anything is typed, and the committee qualifies over an open major
non-conformity only by confirming it, which the decision's event keeps."""

import pytest
from django.urls import reverse

from registry.qualification.models import Answer, Dossier, DossierEvent
from registry.qualification.services import dossiers as svc
from registry.qualification.workflow import Refused
from tests import factories as f

S = Dossier.Status


def move_url(d, action):
    return reverse("admin:registry_dossier_move", args=[d.pk, action])


@pytest.fixture
def in_evaluation(complete_draft, walk):
    return walk(complete_draft, S.EVALUATION)


@pytest.fixture
def at_decision(complete_draft, walk):
    return walk(complete_draft, S.DECISION)


def a_major_finding(dossier, reviewer, ref_index=0):
    answer = Answer.objects.filter(dossier=dossier).order_by("requirement__position")[ref_index]
    Answer.objects.filter(pk=answer.pk).update(finding=Answer.Finding.MAJOR, finding_by=reviewer)
    return answer.requirement.ref


def test_send_to_decision_without_a_report_says_so_before_anything_is_typed(client, in_evaluation, reviewer):
    f.login_with_mfa(client, reviewer)
    page = client.get(move_url(in_evaluation, "report"))
    assert page.status_code == 200
    assert "The centre has not submitted its technical report." in page.text
    assert 'name="comment"' not in page.text  # no form to fill in for nothing

    client.post(move_url(in_evaluation, "report"), {"comment": "Done."})
    assert Dossier.objects.get(pk=in_evaluation.pk).status == S.EVALUATION

    f.evaluated(in_evaluation, reviewer=reviewer)
    page = client.get(move_url(in_evaluation, "report"))
    assert 'name="comment"' in page.text and "See the centre's evaluation" not in page.text


def test_qualifying_over_an_open_major_finding_needs_a_confirmation_kept_in_the_event(
    at_decision, reviewer, decision_maker
):
    ref = a_major_finding(at_decision, reviewer)
    with pytest.raises(Refused, match=f"1 major non-conformity is open \\({ref}\\)"):
        svc.dossier_qualify(dossier=at_decision, by=decision_maker, scope="Compute.")
    assert Dossier.objects.get(pk=at_decision.pk).status == S.DECISION

    certificate = svc.dossier_qualify(
        dossier=at_decision, by=decision_maker, scope="Compute.", conditions="Lift 5.1 within three months.",
        confirm_major_findings=True,
    )  # fmt: skip
    assert certificate.dossier == at_decision
    event = DossierEvent.objects.get(dossier=at_decision, action="qualify")
    assert event.detail == {"qualified_over_major_findings": [ref]}


def test_the_qualify_page_lists_the_open_majors_and_asks_for_the_confirmation(
    client, at_decision, reviewer, decision_maker
):
    f.login_with_mfa(client, decision_maker)
    assert "confirm_major_findings" not in client.get(move_url(at_decision, "qualify")).text

    ref = a_major_finding(at_decision, reviewer)
    page = client.get(move_url(at_decision, "qualify"))
    assert "confirm_major_findings" in page.text and f"1 major non-conformity is open: {ref}." in page.text

    refused = client.post(move_url(at_decision, "qualify"), {"scope": "Compute."})
    assert refused.status_code == 200 and "confirm that you qualify the service all the same" in refused.text
    assert (
        client.post(move_url(at_decision, "qualify"), {"scope": "Compute.", "confirm_major_findings": "on"}).status_code
        == 302
    )
    assert Dossier.objects.get(pk=at_decision.pk).status == S.QUALIFIED
