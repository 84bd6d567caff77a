"""What the provider reads of the evaluation on its dossier's "Evaluation" page: the contract it files (and its state),
the centre's plan, the centre's technical report and verdicts once submitted."""

from registry.evaluation import rules, selectors
from registry.evaluation.models import EvaluationContract, EvaluationPlan, Verdict


def context(dossier, actor) -> dict:
    return {**contract(dossier, actor), **plan(dossier, actor), **report(dossier, actor)}


def contract(dossier, actor) -> dict:
    live = selectors.live_contract(dossier)
    refusal = rules.contract_file_refusal(actor=actor, dossier=dossier, live_contract=live)
    return {
        "contract": live,
        "contract_history": EvaluationContract.objects.filter(dossier=dossier)
        .exclude(pk=getattr(live, "pk", None))
        .select_related("centre"),
        "contract_may_file": not refusal,
        "contract_file_refusal": refusal,
    }


def plan(dossier, actor) -> dict:
    """The centre's plan, every version of it: the provider prepares the visits (sites, dates, team) and follows the
    agency's review (its comment when it asked for changes is also in the dialogue)."""
    versions = list(
        EvaluationPlan.objects.filter(dossier=dossier)
        .select_related("centre")
        .prefetch_related("sites")
        .order_by("-version")
    )
    return {"plan": versions[0] if versions else None, "plan_versions": versions[1:]}


def report(dossier, actor) -> dict:
    """The centre's technical report and its verdicts, once submitted: until then the grid is the centre's working
    draft, and so it is again while the committee has sent the dossier back to evaluation (the last report stays
    shown, its verdicts come back with the next one)."""
    reports = list(selectors.technical_reports(dossier))
    shown = bool(reports) and selectors.reported_this_round(dossier, reports)
    verdicts = list(Verdict.objects.filter(dossier=dossier).select_related("requirement")) if shown else []
    counts = selectors.verdict_counts(v.value for v in verdicts)
    return {
        "technical_report": reports[0] if reports else None,
        "technical_reports": reports,
        "verdicts_shown": shown,
        "verdicts": verdicts,
        "verdict_counts": [(Verdict.Value(value).label, n) for value, n in counts.items()],
    }
