"""The centre's work on a surveillance audit, on the audit's page in the agency's workspace: its plan (the audit's
instructing reviewer validates it or asks for changes, registry.evaluation.surveillance), its verdicts and its report
(downloaded through the admin's document view), before the outcome form.

The same people as the audit's page (the agency's groups; 403 for other staff). A person who never reviews this plan
(not the audit's instructing reviewer, or an evaluator of its centre) gets 403; a refusal of the moment (a version
already reviewed, the outcome recorded) comes back on the page as a message."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from registry.accounts.permissions import actor_for
from registry.agency import plan_review
from registry.certificates.rules import audit_pending
from registry.evaluation import rules, selectors
from registry.evaluation import surveillance as work
from registry.evaluation.models import EvaluationPlan, Verdict
from registry.qualification.workflow import REVIEWERS


def _review_refusal(actor, audit_obj, plan, latest_version) -> str:
    return rules.audit_plan_review_refusal(
        actor=actor,
        audit=audit_obj,
        pending=audit_pending(audit_obj),
        plan=plan,
        latest_version=latest_version,
        evaluates_for_centre=selectors.is_evaluator_of(actor.user_id, audit_obj.evaluation_center_id),
    )


def context(audit_obj, actor) -> dict:
    versions = list(selectors.audit_plans(audit_obj)) if audit_obj.evaluation_center_id else []
    latest = versions[0] if versions else None
    refusal = ""
    if latest is not None and latest.state == EvaluationPlan.State.FILED:
        refusal = _review_refusal(actor, audit_obj, latest, latest.version)
    verdicts = sorted(selectors.audit_verdicts(audit_obj).values(), key=lambda v: v.requirement.position)
    return {
        "audit_plan": latest,
        "audit_plan_versions": versions[1:],
        "audit_plan_may_review": latest is not None and latest.state == EvaluationPlan.State.FILED and not refusal,
        "audit_plan_review_refusal": refusal,
        "audit_verdicts": verdicts,
        "audit_verdict_counts": [
            (Verdict.Value(v).label, n) for v, n in selectors.verdict_counts(v.value for v in verdicts).items() if n
        ],
        "audit_reports": list(selectors.audit_reports(audit_obj)),
    }


class SurveillanceWorkMixin:
    """For SurveillanceAuditAdmin, whose _audit (the agency's groups, 404) it uses."""

    def work_urls(self):
        return plan_review.urls(
            self.admin_site.admin_view,
            validate_view=self.audit_plan_validate_view,
            changes_view=self.audit_plan_changes_view,
            name_prefix="registry_surveillanceaudit",
        )

    def _audit_plan(self, request, pk, plan_pk):
        audit_obj = self._audit(request, pk)
        plan = get_object_or_404(EvaluationPlan, pk=plan_pk, surveillance_audit=audit_obj)
        actor = actor_for(request.user)
        evaluates = selectors.is_evaluator_of(actor.user_id, audit_obj.evaluation_center_id)
        if not actor.in_group(REVIEWERS) or audit_obj.reviewer_id != actor.user_id or evaluates:
            raise PermissionDenied(_review_refusal(actor, audit_obj, plan, plan.version))
        return audit_obj, plan

    @staticmethod
    def _back_to_plan(audit_obj):
        return redirect(reverse("admin:registry_surveillanceaudit_change", args=[audit_obj.pk]) + "#tcr-audit-plan")

    def audit_plan_validate_view(self, request, pk, plan_pk):
        return plan_review.post_only(self._audit_plan_validate, request, pk, plan_pk)

    def _audit_plan_validate(self, request, pk, plan_pk):
        audit_obj, plan = self._audit_plan(request, pk, plan_pk)
        plan_review.answer(
            request,
            work.audit_plan_validate,
            plan,
            _("Plan validated: the centre audits the service and records its verdicts."),
        )
        return self._back_to_plan(audit_obj)

    def audit_plan_changes_view(self, request, pk, plan_pk):
        return plan_review.post_only(self._audit_plan_changes, request, pk, plan_pk)

    def _audit_plan_changes(self, request, pk, plan_pk):
        audit_obj, plan = self._audit_plan(request, pk, plan_pk)
        plan_review.answer(
            request,
            work.audit_plan_request_changes,
            plan,
            _("Changes requested: the centre was told, with your comment."),
        )
        return self._back_to_plan(audit_obj)
