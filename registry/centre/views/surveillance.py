"""The surveillance audits the agency assigned to the centre: the audit's page, then its plan, a verdict and its report
each on a page of their own (registry.evaluation.surveillance writes them). Who may: an evaluator of the audit's
centre (another centre's audit is 404, anyone else 403); a lapsed one, or anyone once the outcome is recorded, reads
and is told why nothing can change."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from registry.centre import audit_part, work_views
from registry.centre.access import evaluator_or_403
from registry.centre.forms import EvaluationPlanForm
from registry.certificates.rules import audit_pending
from registry.evaluation import rules, selectors
from registry.evaluation import surveillance as work
from registry.qualification.files import audited_document_response


def _audit(request, pk):
    evaluator = evaluator_or_403(request)
    return evaluator, selectors.centre_audit(evaluator.centre, pk)


def _page(evaluator, audit, **values) -> dict:
    certificate = audit.certificate
    return work_views.page(evaluator, audit=audit, certificate=certificate, service=certificate.service, **values)


def _audit_url(audit, fragment="") -> str:
    return reverse("centre:audit", args=[audit.pk]) + (f"#{fragment}" if fragment else "")


@login_required
@require_safe
def audit_detail(request, pk):
    evaluator, audit = _audit(request, pk)
    return render(request, "centre/audit.html", _page(evaluator, audit, **audit_part.context(audit, evaluator)))


@login_required
@require_http_methods(["GET", "POST"])
def audit_plan(request, pk):
    evaluator, audit = _audit(request, pk)
    part = audit_part.plan_context(audit, evaluator)
    form = part["plan_form"]
    status = 200
    if request.method == "POST":
        # Not allowed now: nothing to fill in (403), the page says why.
        form = EvaluationPlanForm(request.POST, service=audit.certificate.service) if part["plan_may_file"] else None
        response, status = work_views.post(
            request,
            form,
            lambda data: work.audit_plan_file(audit_obj=audit, by=request.user, **data),
            lambda plan: (
                _("Version %(version)d of your audit plan is filed: the agency validates it or asks for changes.")
                % {"version": plan.version},
                _audit_url(audit, "plan-title"),
            ),
        )
        if response is not None:
            return response
    return render(
        request, "centre/audit_plan.html", _page(evaluator, audit, **(part | {"plan_form": form})), status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def audit_verdict(request, pk, requirement):
    evaluator, audit = _audit(request, pk)
    current = next((r for r in selectors.audit_requirements(audit) if r.pk == requirement), None)
    if current is None:
        raise Http404("No such requirement in this audit's grid.")
    existing = selectors.audit_verdicts(audit).get(current.pk)
    refusal = rules.audit_grid_refusal(
        evaluator=evaluator,
        audit=audit,
        pending=audit_pending(audit),
        plan_validated=selectors.audit_plan_validated(audit),
    )
    form = work_views.verdict_form(
        request.POST or None, refusal=refusal, existing=existing, documents=selectors.audit_documents(audit)
    )
    status = 200
    if request.method == "POST":
        response, status = work_views.post(
            request,
            form,
            lambda data: work.audit_verdict_record(
                audit_obj=audit, requirement=current, by=request.user, **work_views.verdict_fields(data)
            ),
            lambda _verdict: (_("Verdict on %(ref)s saved.") % {"ref": current.ref}, _audit_url(audit, "grid")),
        )
        if response is not None:
            return response
    context = _page(evaluator, audit, requirement=current, verdict=existing, verdict_form=form, grid_refusal=refusal)
    return render(request, "centre/audit_verdict.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def audit_report(request, pk):
    evaluator, audit = _audit(request, pk)
    part = audit_part.context(audit, evaluator)
    form = None
    if part["grid_may_submit"]:
        form = audit_part.report_form(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        response, status = work_views.post(
            request,
            form,
            lambda data: work.audit_report_submit(audit_obj=audit, by=request.user, **work_views.report_fields(data)),
            lambda report: (
                _("Version %(version)d of your audit report is submitted: the instructing reviewer is told.")
                % {"version": report.version},
                _audit_url(audit, "report"),
            ),
        )
        if response is not None:
            return response
    return render(request, "centre/audit_report.html", _page(evaluator, audit, **part, report_form=form), status=status)


@login_required
@require_safe
def audit_report_download(request, pk, report):
    """The document of one of the audit's reports (the centre's own, or one the agency uploaded before centres filed
    theirs): never any other document of the certificate."""
    evaluator, audit = _audit(request, pk)
    found = next((r for r in selectors.audit_reports(audit) if r.pk == report and r.document_id), None)
    if found is None:
        raise Http404("No such report.")
    return audited_document_response(request, found.document)
