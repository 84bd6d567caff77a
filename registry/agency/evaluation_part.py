"""The "Evaluation" part of a dossier's page in the agency's workspace: the centre's work as the instructing reviewer
follows and validates it. The evaluation contract (evaluation_contract.py), the plan (evaluation_plan.py), the grid of
verdicts and the technical report (evaluation_report.py): each module gives its part of the page and its own moves."""

from registry.agency import evaluation_contract, evaluation_plan, evaluation_report


def context(dossier, actor) -> dict:
    return {
        **evaluation_contract.context(dossier, actor),
        **evaluation_plan.context(dossier, actor),
        **evaluation_report.context(dossier, actor),
    }
