"""Every write on an evaluation contract: the provider files it with the centre it chose, the centre confirms or
declines it, the instructing reviewer validates or refuses it. Only a validated contract puts the dossier "in process"
in the public registry (registry.public.selectors.listed_in_process), so its validation and its refusal publish."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.accounts.permissions import actor_for
from registry.evaluation import rules
from registry.evaluation.events import record_step
from registry.evaluation.models import EvaluationContract
from registry.evaluation.selectors import evaluator_for, is_evaluator_of
from registry.public.publication import publish_on_commit
from registry.qualification.choices import DocumentKind
from registry.qualification.models import Dossier
from registry.qualification.services.documents import store_document
from registry.qualification.workflow import Refused


def _locked_dossier(dossier_id) -> Dossier:
    return Dossier.objects.select_for_update(of=("self",)).select_related("service").get(pk=dossier_id)


def _locked_contract(contract_id) -> EvaluationContract:
    return EvaluationContract.objects.select_for_update(of=("self",)).select_related("centre").get(pk=contract_id)


def _live(dossier) -> EvaluationContract | None:
    return (
        EvaluationContract.objects.select_for_update(of=("self",))
        .select_related("centre")
        .filter(dossier=dossier, state__in=EvaluationContract.LIVE_STATES)
        .first()
    )


def contract_file(*, dossier, by, centre, uploaded, title: str = "") -> EvaluationContract:
    """The provider names its approved centre and files the signed contract. A contract still waiting is replaced
    (the centre it named no longer sees the dossier); the centre named now is told to confirm."""
    if centre is None:
        raise Refused(_("Choose the approved evaluation centre you signed the contract with."))
    with transaction.atomic():
        locked = _locked_dossier(dossier.pk)
        live = _live(locked)
        refusal = rules.contract_file_refusal(actor=actor_for(by), dossier=locked, live_contract=live, centre=centre)
        if refusal:
            raise Refused(refusal)
        document = store_document(
            dossier_id=locked.pk,
            kind=DocumentKind.EVALUATION_CONTRACT,
            title=title.strip() or _("Evaluation contract with %(centre)s") % {"centre": centre.name},
            uploaded=uploaded,
            by=by,
            versions=None,  # each contract its own document: one centre's contract is never a version of another's
        )
        if live is not None:
            live.state = EvaluationContract.State.REPLACED
            live.save(update_fields=["state"])
        contract = EvaluationContract.objects.create(dossier=locked, centre=centre, document=document, filed_by=by)
        locked.evaluation_center = centre
        locked.save(update_fields=["evaluation_center"])
        record_step(
            dossier=locked,
            action="contract_file",
            by=by,
            centre=centre,
            detail={"replaced": live.centre.name if live is not None else ""},
        )
    return contract


def contract_confirm(*, contract, by) -> EvaluationContract:
    """The centre confirms it signed the contract and takes the evaluation; the instructing reviewer validates next."""
    with transaction.atomic():
        locked = _locked_contract(contract.pk)
        refusal = rules.contract_answer_refusal(evaluator=evaluator_for(by), contract=locked)
        if refusal:
            raise Refused(refusal)
        locked.state = EvaluationContract.State.CONFIRMED
        locked.confirmed_by = by
        locked.confirmed_at = timezone.now()
        locked.save(update_fields=["state", "confirmed_by", "confirmed_at"])
        record_step(dossier=locked.dossier, action="contract_confirm", by=by, centre=locked.centre)
    return locked


def contract_decline(*, contract, by, reason: str) -> EvaluationContract:
    """The centre declines the contract (it did not sign it, or cannot take the work): the provider chooses again."""
    if not reason.strip():
        raise Refused(_("Please give the reason; the provider will read it."))
    with transaction.atomic():
        locked_dossier = _locked_dossier(contract.dossier_id)
        locked = _locked_contract(contract.pk)
        refusal = rules.contract_answer_refusal(evaluator=evaluator_for(by), contract=locked)
        if refusal:
            raise Refused(refusal)
        _close(locked, locked_dossier, state=EvaluationContract.State.DECLINED, by=by, reason=reason)
        record_step(
            dossier=locked_dossier, action="contract_decline", by=by, centre=locked.centre, comment=reason.strip()
        )
    return locked


def contract_validate(*, contract, by) -> EvaluationContract:
    """The instructing reviewer validates the confirmed contract: the evaluation starts, and the dossier is listed in
    process when the provider consented."""
    with transaction.atomic():
        locked_dossier = _locked_dossier(contract.dossier_id)
        locked = _locked_contract(contract.pk)
        _decision_check(locked, locked_dossier, by, validate=True)
        locked.state = EvaluationContract.State.VALIDATED
        locked.decided_by = by
        locked.decided_at = timezone.now()
        locked.save(update_fields=["state", "decided_by", "decided_at"])
        record_step(dossier=locked_dossier, action="contract_validate", by=by, centre=locked.centre)
        publish_on_commit()
    return locked


def contract_refuse(*, contract, by, reason: str) -> EvaluationContract:
    """The instructing reviewer refuses the contract (a centre not approved for this kind of service, a contract
    that does not cover the scope…): the provider files another."""
    if not reason.strip():
        raise Refused(_("Please give the reason; the provider will read it."))
    with transaction.atomic():
        locked_dossier = _locked_dossier(contract.dossier_id)
        locked = _locked_contract(contract.pk)
        _decision_check(locked, locked_dossier, by, validate=False)
        _close(locked, locked_dossier, state=EvaluationContract.State.REFUSED, by=by, reason=reason)
        record_step(
            dossier=locked_dossier, action="contract_refuse", by=by, centre=locked.centre, comment=reason.strip()
        )
    return locked


def _decision_check(contract, dossier, by, *, validate: bool) -> None:
    refusal = rules.contract_decision_refusal(
        actor=actor_for(by),
        dossier=dossier,
        contract=contract,
        evaluates_for_centre=is_evaluator_of(by.pk, contract.centre_id),
        validate=validate,
    )
    if refusal:
        raise Refused(refusal)


def _close(contract, dossier, *, state, by, reason: str) -> None:
    """End a contract that will not be validated: the dossier names no centre until the provider files another."""
    contract.state = state
    contract.reason = reason.strip()
    contract.decided_by = by
    contract.decided_at = timezone.now()
    contract.save(update_fields=["state", "reason", "decided_by", "decided_at"])
    if dossier.evaluation_center_id == contract.centre_id:
        dossier.evaluation_center = None
        dossier.save(update_fields=["evaluation_center"])
