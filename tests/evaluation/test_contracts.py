"""The evaluation contract: after admission the provider names its approved centre and files the signed contract, the
centre confirms it, the instructing reviewer validates it; only then is the dossier "in process" in the public
registry. Each party is told what waits on them; nobody else acts on it."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.urls import reverse

from registry.evaluation import contracts
from registry.evaluation.models import EvaluationContract, Evaluator
from registry.public.selectors import in_process_dossiers, listed_in_process
from registry.qualification.models import Dossier, DossierEvent
from registry.qualification.services import dossiers as svc
from registry.qualification.workflow import REVIEWERS, Refused
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

State = EvaluationContract.State


@pytest.fixture
def admitted(complete_draft, walk, editor, reviewer):
    Dossier.objects.filter(pk=complete_draft.pk).update(listed_in_process_consent=True)
    complete_draft.refresh_from_db()
    d = walk(complete_draft, "in_review")
    return svc.dossier_admit(dossier=d, by=reviewer)


@pytest.fixture
def evaluator(center):
    return f.evaluator(center, email="eva@centre-a.test").user


def file(dossier, by, centre):
    return contracts.contract_file(dossier=dossier, by=by, centre=centre, uploaded=f.pdf("contract.pdf"))


def test_the_contract_filed_confirmed_and_validated_puts_the_dossier_in_process(
    admitted, editor, evaluator, reviewer, center
):
    assert not listed_in_process().filter(pk=admitted.pk).exists()  # admitted alone: no centre engaged yet
    contract = file(admitted, editor, center)
    admitted.refresh_from_db()
    assert (contract.state, admitted.evaluation_center) == (State.FILED, center)
    assert not listed_in_process().filter(pk=admitted.pk).exists()
    contract = contracts.contract_confirm(contract=contract, by=evaluator)
    assert (contract.state, contract.confirmed_by) == (State.CONFIRMED, evaluator)
    assert not listed_in_process().filter(pk=admitted.pk).exists()
    contract = contracts.contract_validate(contract=contract, by=reviewer)
    assert (contract.state, contract.decided_by) == (State.VALIDATED, reviewer)
    listed = in_process_dossiers().get(pk=admitted.pk)
    assert listed.entered_process_at == contract.decided_at  # in process since the validation, not the admission
    steps = DossierEvent.objects.filter(dossier=admitted, action__startswith="contract_")
    assert list(steps.values_list("action", "actor")) == [
        ("contract_file", editor.pk),
        ("contract_confirm", evaluator.pk),
        ("contract_validate", reviewer.pk),
    ]


def test_without_the_providers_consent_a_validated_contract_lists_nothing(
    admitted, editor, evaluator, reviewer, center
):
    Dossier.objects.filter(pk=admitted.pk).update(listed_in_process_consent=False)
    contract = contracts.contract_confirm(contract=file(admitted, editor, center), by=evaluator)
    contracts.contract_validate(contract=contract, by=reviewer)
    assert not listed_in_process().filter(pk=admitted.pk).exists()


def test_the_public_in_process_page_waits_for_the_validation(
    client, admitted, editor, evaluator, reviewer, center, django_capture_on_commit_callbacks
):
    url = reverse("registry:in-process")
    contract = contracts.contract_confirm(contract=file(admitted, editor, center), by=evaluator)
    assert admitted.service.name not in client.get(url).text
    with django_capture_on_commit_callbacks(execute=True):
        contracts.contract_validate(contract=contract, by=reviewer)
    assert admitted.service.name in client.get(url).text


# Who files.


def test_only_an_owner_or_editor_files_and_only_once_admitted(
    complete_draft, walk, viewer, other_owner, editor, center
):
    in_review = walk(complete_draft, "in_review")
    with pytest.raises(Refused, match="once the agency has admitted"):
        file(in_review, editor, center)
    Dossier.objects.filter(pk=in_review.pk).update(status="evaluation")
    for intruder in (viewer, other_owner):
        with pytest.raises(Refused, match="Only an owner or editor"):
            file(in_review, intruder, center)
    assert not EvaluationContract.objects.exists()


def test_a_centre_whose_approval_lapsed_cannot_be_engaged(admitted, editor):
    with pytest.raises(Refused, match="approval is not in force"):
        file(admitted, editor, f.evaluation_center(active=False))
    admitted.refresh_from_db()
    assert admitted.evaluation_center is None


def test_a_new_contract_replaces_the_one_waiting_and_the_first_centre_loses_sight(
    admitted, editor, evaluator, reviewer, center
):
    first = file(admitted, editor, center)
    other = f.evaluation_center(name="Centre B")
    second = file(admitted, editor, other)
    first.refresh_from_db()
    admitted.refresh_from_db()
    assert (first.state, second.state, admitted.evaluation_center) == (State.REPLACED, State.FILED, other)
    with pytest.raises(Refused, match="Only an evaluator of Centre B"):
        contracts.contract_confirm(contract=second, by=evaluator)
    with pytest.raises(Refused, match="no longer waiting"):
        contracts.contract_confirm(contract=first, by=evaluator)


def test_a_validated_contract_stands_changing_centre_goes_through_the_agency(
    admitted, editor, evaluator, reviewer, center
):
    contracts.contract_validate(
        contract=contracts.contract_confirm(contract=file(admitted, editor, center), by=evaluator), by=reviewer
    )
    with pytest.raises(Refused, match="validated the contract with CESTI Paris"):
        file(admitted, editor, f.evaluation_center())


# The centre's answer.


def test_only_an_active_evaluator_of_the_named_centre_confirms(admitted, editor, reviewer, center):
    contract = file(admitted, editor, center)
    for outsider in (f.evaluator().user, reviewer, editor, f.evaluator(center, active=False).user):
        with pytest.raises(Refused):
            contracts.contract_confirm(contract=contract, by=outsider)
    contract.refresh_from_db()
    assert contract.state == State.FILED


def test_the_centre_declines_with_its_reason_and_the_provider_chooses_again(admitted, editor, evaluator, center):
    contract = file(admitted, editor, center)
    with pytest.raises(Refused, match="give the reason"):
        contracts.contract_decline(contract=contract, by=evaluator, reason="  ")
    contracts.contract_decline(contract=contract, by=evaluator, reason="We did not sign this contract.")
    contract.refresh_from_db()
    admitted.refresh_from_db()
    assert (contract.state, contract.reason, admitted.evaluation_center) == (
        State.DECLINED, "We did not sign this contract.", None
    )  # fmt: skip
    assert file(admitted, editor, f.evaluation_center()).state == State.FILED


# The agency's decision.


def test_only_the_instructing_reviewer_validates_and_only_once_confirmed(
    admitted, editor, evaluator, reviewer, second_reviewer, decision_maker, center
):
    contract = file(admitted, editor, center)
    with pytest.raises(Refused, match="not confirmed this contract yet"):
        contracts.contract_validate(contract=contract, by=reviewer)
    contract = contracts.contract_confirm(contract=contract, by=evaluator)
    for other in (second_reviewer, decision_maker, editor, evaluator):
        with pytest.raises(Refused, match="Only the instructing reviewer"):
            contracts.contract_validate(contract=contract, by=other)
    assert contracts.contract_validate(contract=contract, by=reviewer).state == State.VALIDATED


def test_a_reviewer_who_evaluates_for_the_centre_never_decides_on_its_contract(admitted, editor, evaluator, center):
    both = f.user(groups=[REVIEWERS])
    Dossier.objects.filter(pk=admitted.pk).update(instructing_reviewer=both)
    Evaluator.objects.create(user=both, centre=center, active=False)  # even once their access ended
    contract = contracts.contract_confirm(contract=file(admitted, editor, center), by=evaluator)
    with pytest.raises(Refused, match="independent of the centre"):
        contracts.contract_validate(contract=contract, by=both)
    with pytest.raises(Refused, match="independent of the centre"):
        contracts.contract_refuse(contract=contract, by=both, reason="No.")


def test_the_agency_refuses_with_its_reason_and_the_centre_loses_sight(admitted, editor, evaluator, reviewer, center):
    contract = file(admitted, editor, center)
    with pytest.raises(Refused, match="give the reason"):
        contracts.contract_refuse(contract=contract, by=reviewer, reason="")
    contracts.contract_refuse(contract=contract, by=reviewer, reason="The contract does not cover the support site.")
    admitted.refresh_from_db()
    assert admitted.evaluation_center is None
    assert EvaluationContract.objects.get(pk=contract.pk).state == State.REFUSED


def test_validating_the_contract_makes_the_reviewer_an_instructor(admitted, editor, evaluator, reviewer, center):
    from registry.qualification.selectors import instructor_ids

    contracts.contract_validate(
        contract=contracts.contract_confirm(contract=file(admitted, editor, center), by=evaluator), by=reviewer
    )
    Dossier.objects.filter(pk=admitted.pk).update(instructing_reviewer=None)
    DossierEvent.objects.filter(dossier=admitted).exclude(action__startswith="contract_").delete()
    assert reviewer.pk in instructor_ids(admitted)


# Each party is told what waits on them.


def test_each_step_tells_the_party_it_waits_on(
    admitted, owner, editor, evaluator, reviewer, center, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        contract = file(admitted, editor, center)
    to_centre = [m for m in mail.outbox if m.to == [evaluator.email]]
    assert len(to_centre) == 1 and "your turn" in to_centre[0].subject
    assert "The centre confirms the contract" in to_centre[0].body
    assert [m for m in mail.outbox if m.to == [reviewer.email]]  # informed
    assert not [m for m in mail.outbox if m.to == [editor.email]]  # who filed is not told of it

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        contracts.contract_confirm(contract=contract, by=evaluator)
    to_reviewer = [m for m in mail.outbox if m.to == [reviewer.email]]
    assert len(to_reviewer) == 1 and "your turn" in to_reviewer[0].subject
    assert f"/admin/registry/dossier/{admitted.pk}/change/" in to_reviewer[0].body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        contracts.contract_validate(contract=contract, by=reviewer)
    assert "your turn" in [m for m in mail.outbox if m.to == [evaluator.email]][0].subject  # the plan is next
    to_owner = [m for m in mail.outbox if m.to == [owner.email]][0]
    assert "your turn" not in to_owner.subject and "/portal/dossiers/" in to_owner.body


def test_the_provider_reads_why_the_centre_declined(
    admitted, owner, editor, evaluator, center, django_capture_on_commit_callbacks
):
    contract = file(admitted, editor, center)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        contracts.contract_decline(contract=contract, by=evaluator, reason="Our team is fully booked until June.")
    to_owner = [m for m in mail.outbox if m.to == [owner.email]][0]
    assert "your turn" in to_owner.subject and "fully booked until June" in to_owner.body


# Dossiers admitted before contracts were filed in the portal.


def test_a_dossier_admitted_before_keeps_its_centre_as_a_validated_contract(service, scheme, reviewer, center):
    dossier = f.dossier(service, scheme, status="evaluation", evaluation_center=center)
    Dossier.objects.filter(pk=dossier.pk).update(listed_in_process_consent=True)
    DossierEvent.objects.create(
        dossier=dossier, actor=reviewer, action="admit", from_status="in_review", to_status="evaluation"
    )
    draft = f.dossier(f.service(), scheme)
    migration = importlib.import_module("registry.migrations.0033_evaluation_work")
    migration.carry_over(django_apps, None)
    contract = EvaluationContract.objects.get()
    assert (contract.dossier, contract.centre, contract.state, contract.carried_over) == (
        dossier, center, State.VALIDATED, True
    )  # fmt: skip
    assert contract.decided_by == reviewer
    assert listed_in_process().filter(pk=dossier.pk).exists()
    assert not EvaluationContract.objects.filter(dossier=draft).exists()
