"""The evaluation grid on the centre's dossier page: a row per applicable requirement (the provider's self-assessment
and the centre's verdict), the progress, whether the centre may record verdicts and submit its technical report
(and, when not, why), and the reports it submitted. A fixed number of queries whatever the grid's size."""

from dataclasses import dataclass

from registry.catalogue.models import Requirement
from registry.evaluation import rules, selectors
from registry.evaluation.grid import grid_state, missing_refs
from registry.evaluation.models import Verdict
from registry.qualification.models import Answer
from registry.qualification.services.dossiers import applicable_requirements


@dataclass
class GridRow:
    requirement: Requirement
    answer_status: str  # the provider's self-assessment, as its label ("" when not answered)
    verdict: Verdict | None


def rows(dossier, requirements=None, verdicts=None) -> list[GridRow]:
    requirements = requirements if requirements is not None else applicable_requirements(dossier)
    verdicts = verdicts if verdicts is not None else selectors.verdicts(dossier)
    labels = dict(Answer.Status.choices)
    statuses = dict(Answer.objects.filter(dossier=dossier).values_list("requirement_id", "status"))
    return [GridRow(r, str(labels.get(statuses.get(r.pk, ""), "")), verdicts.get(r.pk)) for r in requirements]


def context(dossier, evaluator) -> dict:
    requirements = applicable_requirements(dossier)
    verdicts = selectors.verdicts(dossier)
    reports = list(selectors.technical_reports(dossier))
    state = grid_state(dossier, reports)
    grid_rows = rows(dossier, requirements, verdicts)
    missing = missing_refs(dossier, requirements, set(verdicts))
    record_refusal = rules.grid_refusal(evaluator=evaluator, dossier=dossier, **state)
    submit_refusal = rules.report_submit_refusal(evaluator=evaluator, dossier=dossier, missing_refs=missing, **state)
    return {
        "grid_rows": grid_rows,
        "grid_done": len(grid_rows) - len(missing),
        "grid_total": len(grid_rows),
        "grid_may_record": not record_refusal,
        "grid_refusal": record_refusal,
        "grid_may_submit": not submit_refusal,
        "grid_submit_refusal": submit_refusal,
        "grid_counts": [
            (Verdict.Value(v).label, n) for v, n in selectors.verdict_counts(v.value for v in verdicts.values()).items()
        ],
        "grid_reports": reports,
    }
