"""The centre's grid of verdicts and its technical report on a dossier's page in the agency's workspace: how far the
grid is, the reports the centre submitted (each version, its conclusion and document), the verdicts counted beside
the reviewer's findings, and the requirements on which the two differ (the answers part's "differs" filter lists
them with the findings form).

Nothing here is the agency's to write: the centre records its verdicts and submits its report from its space
(registry.evaluation.grid); the reviewer's findings start from the verdicts in the answers part."""

from registry.evaluation import selectors
from registry.evaluation.grid import missing_refs
from registry.qualification import review
from registry.qualification.services.dossiers import applicable_requirements


def context(dossier, actor) -> dict:
    if dossier.evaluation_center_id is None:
        return {"report_part": False}
    requirements = applicable_requirements(dossier)
    reports = list(selectors.technical_reports(dossier))
    comparison = review.centre_and_reviewer(dossier)
    missing = missing_refs(dossier, requirements)
    return {
        "report_part": True,
        "technical_reports": reports,
        "technical_report": reports[0] if reports else None,
        "report_this_round": selectors.reported_this_round(dossier, reports),
        "grid_done": len(requirements) - len(missing),
        "grid_total": len(requirements),
        **comparison,
    }


class EvaluationReportMixin:
    """For DossierAdmin: the report part has no move of its own (the centre submits; the reviewer records findings in
    the answers part), so no URL."""

    def report_urls(self):
        return []
