"""The evaluation contract on the centre's dossier page: the contract the provider filed with this centre, to confirm
or decline while it waits for the centre's answer."""

from registry.evaluation import rules
from registry.evaluation.selectors import live_contract


def context(dossier, evaluator) -> dict:
    contract = live_contract(dossier)
    if contract is not None and contract.centre_id != evaluator.centre_id:
        contract = None  # another centre's contract is none of this centre's business
    refusal = rules.contract_answer_refusal(evaluator=evaluator, contract=contract) if contract else ""
    return {
        "contract": contract,
        "contract_may_answer": contract is not None and not refusal,
        "contract_answer_refusal": refusal,
    }
