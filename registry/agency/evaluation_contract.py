"""The evaluation contract on a dossier's page in the agency's workspace: which centre the provider engaged, the
signed contract, the centre's confirmation; the instructing reviewer validates or refuses it
(registry.evaluation.contracts)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from registry.accounts.permissions import actor_for
from registry.evaluation import contracts, rules
from registry.evaluation.models import EvaluationContract
from registry.evaluation.selectors import is_evaluator_of, live_contract
from registry.qualification.workflow import Refused


def context(dossier, actor) -> dict:
    live = live_contract(dossier)
    waiting = live is not None and live.state in (live.State.FILED, live.State.CONFIRMED)
    refusals = {}
    if waiting:
        evaluates = is_evaluator_of(actor.user_id, live.centre_id)
        refusals = {
            validate: rules.contract_decision_refusal(
                actor=actor, dossier=dossier, contract=live, evaluates_for_centre=evaluates, validate=validate
            )
            for validate in (True, False)
        }
    return {
        "contract": live,
        "contract_history": EvaluationContract.objects.filter(dossier=dossier)
        .exclude(pk=getattr(live, "pk", None))
        .select_related("centre", "document", "filed_by", "decided_by"),
        "contract_may_validate": waiting and not refusals[True],
        "contract_validate_refusal": refusals.get(True, ""),
        "contract_may_refuse": waiting and not refusals[False],
    }


class EvaluationContractMixin:
    """For DossierAdmin, after DossierPageMixin whose _dossier and _back it uses."""

    def contract_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/contract/<int:contract_pk>/validate/",
                wrap(self.contract_validate_view),
                name="registry_dossier_contract_validate",
            ),
            path(
                "<int:pk>/contract/<int:contract_pk>/refuse/",
                wrap(self.contract_refuse_view),
                name="registry_dossier_contract_refuse",
            ),
        ]

    def _contract(self, request, pk, contract_pk):
        dossier = self._dossier(request, pk)
        contract = get_object_or_404(EvaluationContract, pk=contract_pk, dossier=dossier)
        return dossier, contract

    def contract_validate_view(self, request, pk, contract_pk):
        return require_POST(self._contract_validate)(request, pk, contract_pk)

    def _contract_validate(self, request, pk, contract_pk):
        dossier, contract = self._contract(request, pk, contract_pk)
        self._refuse_other_people(request, dossier, contract, validate=True)
        try:
            contracts.contract_validate(contract=contract, by=request.user)
        except Refused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Contract validated: the centre files its evaluation plan next."))
        return self._back(dossier, part="evaluation", fragment="contract")

    def contract_refuse_view(self, request, pk, contract_pk):
        return require_POST(self._contract_refuse)(request, pk, contract_pk)

    def _contract_refuse(self, request, pk, contract_pk):
        dossier, contract = self._contract(request, pk, contract_pk)
        self._refuse_other_people(request, dossier, contract, validate=False)
        try:
            contracts.contract_refuse(contract=contract, by=request.user, reason=request.POST.get("reason", ""))
        except Refused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Contract refused: the provider was told why."))
        return self._back(dossier, part="evaluation", fragment="contract")

    @staticmethod
    def _refuse_other_people(request, dossier, contract, *, validate: bool) -> None:
        """403 for a person who never decides on this contract (not its dossier's instructing reviewer, or an
        evaluator of its centre); a refusal of the moment (already decided) is shown on the page instead."""
        actor = actor_for(request.user)
        evaluates = is_evaluator_of(actor.user_id, contract.centre_id)
        if dossier.instructing_reviewer_id != actor.user_id or evaluates:
            raise PermissionDenied(
                rules.contract_decision_refusal(
                    actor=actor, dossier=dossier, contract=contract, evaluates_for_centre=evaluates, validate=validate
                )
            )
