"""The centre's evaluation grid: its verdict on one requirement, then its technical report, each on a page of its own
(registry.evaluation.grid writes them). Who may: an evaluator of the dossier's centre (another centre's dossier is
404, anyone else 403); a lapsed one, or anyone once the grid is closed, reads the verdict and is told why it cannot
change it."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from registry.centre import grid_part, work_views
from registry.centre.access import evaluator_or_403
from registry.centre.forms import TechnicalReportForm
from registry.evaluation import grid, rules, selectors
from registry.evaluation.models import Verdict
from registry.qualification.models import Answer
from registry.qualification.services.dossiers import applicable_requirements


def _page(evaluator, dossier, **values) -> dict:
    return work_views.page(evaluator, dossier=dossier, service=dossier.service, **values)


def _dossier_url(dossier, fragment="grid") -> str:
    return reverse("centre:dossier", args=[dossier.reference]) + f"#{fragment}"


def _next_without_verdict(dossier, requirements, after):
    """The next applicable requirement without a verdict after `after` (wrapping round), or None: where the
    evaluator goes once a verdict is saved."""
    done = set(Verdict.objects.filter(dossier=dossier).values_list("requirement_id", flat=True))
    position = next(i for i, r in enumerate(requirements) if r.pk == after.pk)
    for requirement in requirements[position + 1 :] + requirements[:position]:
        if requirement.pk not in done:
            return requirement
    return None


@login_required
@require_http_methods(["GET", "POST"])
def verdict(request, reference, requirement):
    evaluator = evaluator_or_403(request)
    dossier = selectors.centre_dossier(evaluator.centre, reference)
    requirements = applicable_requirements(dossier)
    current = next((r for r in requirements if r.pk == requirement), None)
    if current is None:
        raise Http404("No such requirement in this dossier's grid.")
    existing = Verdict.objects.filter(dossier=dossier, requirement=current).prefetch_related("documents").first()
    refusal = rules.grid_refusal(evaluator=evaluator, dossier=dossier, **grid.grid_state(dossier))
    form = work_views.verdict_form(
        request.POST or None, refusal=refusal, existing=existing, documents=selectors.centre_documents(dossier)
    )
    status = 200
    if request.method == "POST":

        def saved(_verdict):
            following = _next_without_verdict(dossier, requirements, current)
            if following is None:
                url = _dossier_url(dossier)
            else:
                url = reverse("centre:verdict", kwargs={"reference": dossier.reference, "requirement": following.pk})
            return _("Verdict on %(ref)s saved.") % {"ref": current.ref}, url

        response, status = work_views.post(
            request,
            form,
            lambda data: grid.verdict_record(
                dossier=dossier, requirement=current, by=request.user, **work_views.verdict_fields(data)
            ),
            saved,
        )
        if response is not None:
            return response
    answer = Answer.objects.filter(dossier=dossier, requirement=current).prefetch_related("evidence").first()
    context = _page(
        evaluator,
        dossier,
        requirement=current,
        answer=answer,
        verdict=existing,
        verdict_form=form,
        grid_refusal=refusal,
    )
    return render(request, "centre/verdict_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def report_submit(request, reference):
    evaluator = evaluator_or_403(request)
    dossier = selectors.centre_dossier(evaluator.centre, reference)
    part = grid_part.context(dossier, evaluator)
    form = TechnicalReportForm(request.POST or None, request.FILES or None) if part["grid_may_submit"] else None
    status = 200
    if request.method == "POST":
        response, status = work_views.post(
            request,
            form,
            lambda data: grid.report_submit(dossier=dossier, by=request.user, **work_views.report_fields(data)),
            lambda report: (
                _("Version %(version)d of your technical report is submitted: the instructing reviewer is told.")
                % {"version": report.version},
                _dossier_url(dossier),
            ),
        )
        if response is not None:
            return response
    return render(
        request, "centre/report_form.html", _page(evaluator, dossier, **part, report_form=form), status=status
    )
