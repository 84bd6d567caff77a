"""The reviewers' workspace and the services ask the same named rules: the admin offers a form exactly to the people
the service accepts, and refuses the others with the service's sentence."""

import pytest
from django.urls import reverse

from registry.accounts.permissions import actor_for
from registry.qualification import rules
from registry.qualification.models import Dossier
from registry.qualification.services import dossiers as svc
from registry.qualification.services.documents import document_add
from registry.qualification.workflow import Refused
from tests import factories as f

pytestmark = pytest.mark.django_db

S = Dossier.Status


def change_url(d, part="overview"):
    return reverse("admin:registry_dossier_change", args=[d.pk]) + f"?part={part}"


def service_refusal(call) -> str:
    try:
        call()
    except Refused as exc:
        return str(exc)
    return ""


@pytest.fixture
def in_evaluation(complete_draft, walk):
    return walk(complete_draft, S.EVALUATION)


@pytest.mark.parametrize("who", ["reviewer", "second_reviewer", "decision_maker", "administrator"])
def test_the_findings_form_is_offered_and_refused_to_the_people_the_service_refuses(
    client, request, who, in_evaluation
):
    person = request.getfixturevalue(who)
    answer = in_evaluation.answers.first()
    f.login_with_mfa(client, person)
    offered = client.get(change_url(in_evaluation, "answers")).context["findings_open"]
    # An unchanged form: the admin used to answer "0 findings saved" without asking anyone.
    response = client.post(reverse("admin:registry_dossier_findings", args=[in_evaluation.pk]), {})
    refusal = service_refusal(lambda: svc.answer_record_finding(answer=answer, by=person, finding="minor"))
    assert refusal == rules.findings_refusal(actor_for(person), in_evaluation)
    if who == "reviewer":
        assert (offered, response.status_code, refusal) == (True, 302, "")
    else:
        assert (offered, response.status_code) == (False, 403)
        assert refusal == "Only the instructing reviewer of this dossier can record findings."
        assert refusal in response.text


def test_the_instructing_reviewer_is_refused_findings_once_the_committee_has_the_dossier(
    client, reviewer, in_evaluation
):
    f.evaluated(in_evaluation, reviewer=reviewer)
    at_decision = svc.dossier_report(dossier=in_evaluation, by=reviewer, recommendation="qualify")
    answer = at_decision.answers.first()
    f.login_with_mfa(client, reviewer)
    assert client.get(change_url(at_decision, "answers")).context["findings_open"] is False
    response = client.post(reverse("admin:registry_dossier_findings", args=[at_decision.pk]), {})
    refusal = service_refusal(lambda: svc.answer_record_finding(answer=answer, by=reviewer, finding="minor"))
    assert refusal == "Findings are recorded while the dossier is in review or in evaluation."
    assert response.status_code == 403 and refusal in response.text


@pytest.mark.parametrize("who", ["reviewer", "decision_maker", "administrator"])
def test_the_agency_upload_form_shows_exactly_when_the_service_accepts_the_document(
    client, request, who, in_evaluation
):
    person = request.getfixturevalue(who)
    f.login_with_mfa(client, person)
    offered = client.get(change_url(in_evaluation, "documents")).context["may_upload"]
    refusal = service_refusal(
        lambda: document_add(dossier=in_evaluation, kind="other", title="Minutes", uploaded=f.pdf(), by=person)
    )
    assert offered is (refusal == "") is (who == "reviewer")
