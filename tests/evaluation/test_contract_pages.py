"""The evaluation contract's pages: the provider files it on its dossier's "Evaluation" page, the centre answers from its
space, the instructing reviewer decides on the dossier's page in the workspace. Each refuses whoever is not theirs."""

import pytest
from django.test import Client
from django.urls import reverse

from registry.evaluation import contracts
from registry.evaluation.models import EvaluationContract, Evaluator
from registry.qualification.services import dossiers as svc
from registry.qualification.workflow import REVIEWERS
from tests import factories as f

pytestmark = pytest.mark.django_db

State = EvaluationContract.State


@pytest.fixture
def admitted(complete_draft, walk, reviewer):
    return svc.dossier_admit(dossier=walk(complete_draft, "in_review"), by=reviewer)


@pytest.fixture
def evaluator(center):
    return f.evaluator(center, email="eva@centre-a.test").user


def signed_in(user) -> Client:
    client = Client()
    f.login_with_mfa(client, user)
    return client


def evaluation_url(dossier):
    return reverse("portal:dossier-evaluation", args=[dossier.reference])


# The provider's page.


def test_an_editor_files_the_contract_from_the_evaluation_page(client, admitted, editor, center):
    client.force_login(editor)
    page = client.get(evaluation_url(admitted))
    assert page.status_code == 200 and "File the evaluation contract" in page.text
    assert center.name in page.text
    response = client.post(evaluation_url(admitted), {"centre": center.pk, "title": "", "file": f.pdf("signed.pdf")})
    assert response.status_code == 302
    contract = EvaluationContract.objects.get(dossier=admitted)
    assert (contract.centre, contract.state, contract.document.kind) == (center, State.FILED, "evaluation_contract")
    assert contract.document.title == "Evaluation contract with CESTI Paris"
    page = client.get(response["Location"]).text
    assert "Waiting for the centre&#x27;s confirmation" in page


def test_a_contract_without_a_centre_or_a_file_is_refused_and_the_typed_title_kept(client, admitted, editor):
    client.force_login(editor)
    response = client.post(evaluation_url(admitted), {"centre": "", "title": "Contract 2026-17"})
    assert response.status_code == 200
    assert "This field is required." in response.text and 'value="Contract 2026-17"' in response.text
    assert not EvaluationContract.objects.exists()


def test_a_lapsed_centre_is_not_offered(client, admitted, editor, center):
    lapsed = f.evaluation_center(name="Lapsed Centre", active=False)
    client.force_login(editor)
    assert lapsed.name not in client.get(evaluation_url(admitted)).text
    response = client.post(evaluation_url(admitted), {"centre": lapsed.pk, "file": f.pdf()})
    assert response.status_code == 200 and "Select a valid choice" in response.text


def test_a_viewer_reads_the_page_but_cannot_file(client, admitted, viewer, center):
    client.force_login(viewer)
    page = client.get(evaluation_url(admitted))
    assert page.status_code == 200 and "File the evaluation contract" not in page.text
    assert client.post(evaluation_url(admitted), {"centre": center.pk, "file": f.pdf()}).status_code == 403
    assert not EvaluationContract.objects.exists()


def test_another_provider_and_the_agency_get_404(admitted, other_owner, reviewer, center):
    for person in (other_owner, reviewer):
        client = signed_in(person)
        assert client.get(evaluation_url(admitted)).status_code == 404
        assert client.post(evaluation_url(admitted), {"centre": center.pk, "file": f.pdf()}).status_code == 404


def test_the_evaluation_tab_appears_once_the_dossier_is_admitted(client, complete_draft, walk, editor, reviewer):
    client.force_login(editor)
    overview = reverse("portal:dossier", args=[complete_draft.reference])
    assert evaluation_url(complete_draft) not in client.get(overview).text
    svc.dossier_admit(dossier=walk(complete_draft, "in_review"), by=reviewer)
    assert evaluation_url(complete_draft) in client.get(overview).text


# The centre's space.


def test_the_centre_confirms_the_contract_from_the_dossier_page(admitted, editor, evaluator, center):
    contracts.contract_file(dossier=admitted, by=editor, centre=center, uploaded=f.pdf())
    client = signed_in(evaluator)
    page = client.get(reverse("centre:dossier", args=[admitted.reference])).text
    assert "Confirm the contract" in page and "Decline the contract" in page
    response = client.post(reverse("centre:contract-confirm", args=[admitted.reference]))
    assert response.status_code == 302
    assert EvaluationContract.objects.get().state == State.CONFIRMED
    assert "the agency validates it next" in client.get(response["Location"]).text


def test_the_centre_declines_with_a_reason_and_the_dossier_leaves_its_space(admitted, editor, evaluator, center):
    contracts.contract_file(dossier=admitted, by=editor, centre=center, uploaded=f.pdf())
    client = signed_in(evaluator)
    decline = reverse("centre:contract-decline", args=[admitted.reference])
    client.post(decline, {"reason": ""})
    assert EvaluationContract.objects.get().state == State.FILED
    assert client.post(decline, {"reason": "Not our contract."}).status_code == 302
    assert EvaluationContract.objects.get().state == State.DECLINED
    assert client.get(reverse("centre:dossier", args=[admitted.reference])).status_code == 404


def test_another_centre_gets_404_and_a_get_changes_nothing(admitted, editor, center):
    contracts.contract_file(dossier=admitted, by=editor, centre=center, uploaded=f.pdf())
    other = signed_in(f.evaluator(email="eve@centre-b.test").user)
    for name in ("centre:contract-confirm", "centre:contract-decline"):
        assert other.post(reverse(name, args=[admitted.reference]), {"reason": "x"}).status_code == 404
    own = signed_in(f.evaluator(center, email="eva2@centre-a.test").user)
    assert own.get(reverse("centre:contract-confirm", args=[admitted.reference])).status_code == 405
    assert EvaluationContract.objects.get().state == State.FILED


def test_a_lapsed_evaluator_reads_the_contract_but_cannot_answer(admitted, editor, center):
    contracts.contract_file(dossier=admitted, by=editor, centre=center, uploaded=f.pdf())
    lapsed = signed_in(f.evaluator(center, active=False, email="gone@centre-a.test").user)
    page = lapsed.get(reverse("centre:dossier", args=[admitted.reference])).text
    assert "Confirm the contract" not in page
    lapsed.post(reverse("centre:contract-confirm", args=[admitted.reference]))
    assert EvaluationContract.objects.get().state == State.FILED


def test_a_centre_never_reads_the_contract_the_provider_signed_with_another(admitted, editor, center):
    first = contracts.contract_file(dossier=admitted, by=editor, centre=f.evaluation_center(), uploaded=f.pdf())
    contracts.contract_file(dossier=admitted, by=editor, centre=center, uploaded=f.pdf())
    client = signed_in(f.evaluator(center, email="eva3@centre-a.test").user)
    page = client.get(reverse("centre:dossier", args=[admitted.reference])).text
    assert reverse("centre:document-download", args=[first.document_id]) not in page
    assert client.get(reverse("centre:document-download", args=[first.document_id])).status_code == 404


# The agency's workspace.


def confirmed(admitted, editor, evaluator, center):
    contract = contracts.contract_file(dossier=admitted, by=editor, centre=center, uploaded=f.pdf())
    return contracts.contract_confirm(contract=contract, by=evaluator)


def validate_url(contract):
    return reverse("admin:registry_dossier_contract_validate", args=[contract.dossier_id, contract.pk])


def test_the_instructing_reviewer_validates_from_the_evaluation_part(admitted, editor, evaluator, reviewer, center):
    contract = confirmed(admitted, editor, evaluator, center)
    client = signed_in(reviewer)
    page = client.get(reverse("admin:registry_dossier_change", args=[admitted.pk]) + "?part=evaluation").text
    assert "Validate the contract" in page and center.name in page
    assert client.post(validate_url(contract)).status_code == 302
    assert EvaluationContract.objects.get().state == State.VALIDATED


def test_the_reviewer_refuses_with_a_reason(admitted, editor, evaluator, reviewer, center):
    contract = confirmed(admitted, editor, evaluator, center)
    client = signed_in(reviewer)
    refuse = reverse("admin:registry_dossier_contract_refuse", args=[admitted.pk, contract.pk])
    client.post(refuse, {"reason": " "})
    assert EvaluationContract.objects.get().state == State.CONFIRMED
    client.post(refuse, {"reason": "The scope leaves out the support site."})
    assert EvaluationContract.objects.get().state == State.REFUSED


def test_nobody_else_of_the_agency_validates(admitted, editor, evaluator, center, second_reviewer, decision_maker):
    contract = confirmed(admitted, editor, evaluator, center)
    for person in (second_reviewer, decision_maker):
        client = signed_in(person)
        page = client.get(reverse("admin:registry_dossier_change", args=[admitted.pk]) + "?part=evaluation").text
        assert "Validate the contract" not in page
        assert client.post(validate_url(contract)).status_code == 403
    assert EvaluationContract.objects.get().state == State.CONFIRMED


def test_a_reviewer_who_evaluates_for_the_centre_is_refused_with_403(admitted, editor, evaluator, center):
    both = f.user(groups=[REVIEWERS], staff=True)
    Evaluator.objects.create(user=both, centre=center, active=False)
    type(admitted).objects.filter(pk=admitted.pk).update(instructing_reviewer=both)
    contract = confirmed(admitted, editor, evaluator, center)
    assert signed_in(both).post(validate_url(contract)).status_code == 403
    assert EvaluationContract.objects.get().state == State.CONFIRMED


def test_the_centres_home_says_what_waits_on_it(admitted, editor, evaluator, reviewer, center):
    contract = contracts.contract_file(dossier=admitted, by=editor, centre=center, uploaded=f.pdf())
    client = signed_in(evaluator)
    row = client.get(reverse("centre:home")).text
    assert "Confirm or decline the evaluation contract" in row and "your turn" in row
    contracts.contract_confirm(contract=contract, by=evaluator)
    row = client.get(reverse("centre:home")).text
    assert "The agency validates the contract" in row and "your turn" not in row
    contracts.contract_validate(contract=contract, by=reviewer)
    assert "File the evaluation plan" in client.get(reverse("centre:home")).text


def test_the_read_only_banner_says_the_contract_is_still_the_providers_to_file(client, admitted, editor):
    client.force_login(editor)
    page = client.get(evaluation_url(admitted)).text
    assert "the evaluation contract is yours to file below" in page
    assert "This dossier is read-only while it is with the agency or closed." not in page
