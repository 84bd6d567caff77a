"""The centre files its evaluation plan (registry.evaluation.plans), on a page of its own: the form is long, and a
mistake comes back with what was typed. Who may: an evaluator of the dossier's centre (another centre's dossier is
404, anyone else 403); the page says why when they may not file now (lapsed, contract not validated, a version
waiting for the agency)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from registry.centre import plan_part, work_views
from registry.centre.access import evaluator_or_403
from registry.centre.forms import EvaluationPlanForm
from registry.evaluation import plans, selectors


@login_required
@require_http_methods(["GET", "POST"])
def plan_file(request, reference):
    evaluator = evaluator_or_403(request)
    dossier = selectors.centre_dossier(evaluator.centre, reference)
    part = plan_part.context(dossier, evaluator)
    form = part["plan_form"]
    status = 200
    if request.method == "POST":
        # Not allowed now: nothing to fill in (403), the page says why.
        form = EvaluationPlanForm(request.POST, service=dossier.service) if part["plan_may_file"] else None
        response, status = work_views.post(
            request,
            form,
            lambda data: plans.plan_file(dossier=dossier, by=request.user, **data),
            lambda plan: (
                _("Version %(version)d of your evaluation plan is filed: the agency validates it or asks for changes.")
                % {"version": plan.version},
                reverse("centre:dossier", args=[dossier.reference]) + "#plan-title",
            ),
        )
        if response is not None:
            return response
    context = work_views.page(evaluator, dossier=dossier, service=dossier.service, **(part | {"plan_form": form}))
    return render(request, "centre/plan_form.html", context, status=status)
