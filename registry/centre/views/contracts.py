"""The centre's answer to an evaluation contract: confirm it (the agency then validates it) or decline it with the
reason (the provider chooses again). Evaluators of the contract's centre only; another centre's dossier is 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from registry.centre.access import evaluator_or_403
from registry.evaluation import contracts, selectors
from registry.qualification.workflow import Refused


def _contract(request, reference):
    evaluator = evaluator_or_403(request)
    dossier = selectors.centre_dossier(evaluator.centre, reference)
    contract = selectors.live_contract(dossier)
    if contract is None or contract.centre_id != evaluator.centre_id:
        raise Http404("No contract of this centre on this dossier.")
    return dossier, contract


def _back(dossier):
    return redirect(reverse("centre:dossier", args=[dossier.reference]) + "#contract")


@login_required
@require_POST
def contract_confirm(request, reference):
    dossier, contract = _contract(request, reference)
    try:
        contracts.contract_confirm(contract=contract, by=request.user)
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Contract confirmed: the agency validates it next; you will be told."))
    return _back(dossier)


@login_required
@require_POST
def contract_decline(request, reference):
    dossier, contract = _contract(request, reference)
    try:
        contracts.contract_decline(contract=contract, by=request.user, reason=request.POST.get("reason", ""))
    except Refused as exc:
        messages.error(request, str(exc))
        return _back(dossier)
    messages.success(request, _("Contract declined: the provider was told why. The dossier leaves your space."))
    return redirect("centre:home")
