"""The evaluation plan on the centre's dossier page (templates/centre/_plan.html) and on its own form page
(views/plans.py): the latest version and the earlier ones, whether this evaluator may file a new version (and why not),
and the form, filled in from the latest version so that a revision starts from what the agency read."""

from registry.centre.forms import EvaluationPlanForm
from registry.evaluation import rules, selectors
from registry.evaluation.models import EvaluationPlan


def versions(dossier) -> list:
    return list(
        EvaluationPlan.objects.filter(dossier=dossier)
        .select_related("filed_by", "reviewed_by")
        .prefetch_related("sites")
        .order_by("-version")
    )


def initial(plan) -> dict:
    if plan is None:
        return {}
    return {
        "scope": plan.scope,
        "sites": [site.pk for site in plan.sites.all()],
        "other_locations": plan.other_locations,
        "starts_on": plan.starts_on,
        "ends_on": plan.ends_on,
        "team": plan.team,
    }


def context(dossier, evaluator) -> dict:
    plans = versions(dossier)
    latest = plans[0] if plans else None
    refusal = rules.plan_file_refusal(
        evaluator=evaluator,
        dossier=dossier,
        contract_validated=selectors.contract_validated(dossier),
        latest_state=latest.state if latest else "",
        reported_this_round=selectors.reported_this_round(dossier),
    )
    return {
        "plan": latest,
        "plan_versions": plans[1:],
        "plan_may_file": not refusal,
        "plan_refusal": refusal,
        "plan_form": EvaluationPlanForm(service=dossier.service, initial=initial(latest)) if not refusal else None,
    }
