"""The centre's evaluation plan on a dossier's page in the agency's workspace: the latest version and the earlier
ones; the instructing reviewer validates it or asks for changes (registry.evaluation.plans), the request for changes
said in the dossier's dialogue as well.

The same people as the dossier's page (the agency's groups, through DossierPageMixin._dossier; 403 for other staff).
A person who never reviews this plan (not the dossier's instructing reviewer, or an evaluator of its centre) gets 403,
as for the contract (evaluation_contract._refuse_other_people); a refusal of the moment (a version already reviewed,
an earlier version) comes back on the page as a message."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from registry.accounts.permissions import actor_for
from registry.agency import plan_review
from registry.evaluation import plans, rules
from registry.evaluation.models import EvaluationPlan
from registry.evaluation.selectors import is_evaluator_of
from registry.qualification.workflow import REVIEWERS


def context(dossier, actor) -> dict:
    versions = list(
        EvaluationPlan.objects.filter(dossier=dossier)
        .select_related("centre", "filed_by", "reviewed_by")
        .prefetch_related("sites")
        .order_by("-version")
    )
    latest = versions[0] if versions else None
    refusal = ""
    if latest is not None and latest.state == EvaluationPlan.State.FILED:
        refusal = rules.plan_review_refusal(
            actor=actor,
            dossier=dossier,
            plan=latest,
            latest_version=latest.version,
            evaluates_for_centre=is_evaluator_of(actor.user_id, dossier.evaluation_center_id),
        )
    return {
        "plan": latest,
        "plan_versions": versions[1:],
        "plan_may_review": latest is not None and latest.state == EvaluationPlan.State.FILED and not refusal,
        "plan_review_refusal": refusal,
    }


class EvaluationPlanMixin:
    """For DossierAdmin, after DossierPageMixin whose _dossier and _back it uses."""

    def plan_urls(self):
        return plan_review.urls(
            self.admin_site.admin_view,
            validate_view=self.plan_validate_view,
            changes_view=self.plan_changes_view,
            name_prefix="registry_dossier",
        )

    def _plan(self, request, pk, plan_pk):
        dossier = self._dossier(request, pk)
        plan = get_object_or_404(EvaluationPlan, pk=plan_pk, dossier=dossier)
        _refuse_other_people(request, dossier, plan)
        return dossier, plan

    def plan_validate_view(self, request, pk, plan_pk):
        return plan_review.post_only(self._plan_validate, request, pk, plan_pk)

    def _plan_validate(self, request, pk, plan_pk):
        dossier, plan = self._plan(request, pk, plan_pk)
        plan_review.answer(
            request, plans.plan_validate, plan, _("Plan validated: the centre evaluates and records its verdicts.")
        )
        return self._back(dossier, part="evaluation", fragment="plan")

    def plan_changes_view(self, request, pk, plan_pk):
        return plan_review.post_only(self._plan_changes, request, pk, plan_pk)

    def _plan_changes(self, request, pk, plan_pk):
        dossier, plan = self._plan(request, pk, plan_pk)
        plan_review.answer(
            request,
            plans.plan_request_changes,
            plan,
            _("Changes requested: the centre was told, and your comment is in the dossier's dialogue."),
        )
        return self._back(dossier, part="evaluation", fragment="plan")


def _refuse_other_people(request, dossier, plan) -> None:
    """403 for a person who never reviews this plan (not its dossier's instructing reviewer, not a reviewer, or an
    evaluator of the dossier's centre); a refusal of the moment is shown on the page instead."""
    actor = actor_for(request.user)
    evaluates = is_evaluator_of(actor.user_id, dossier.evaluation_center_id)
    if not actor.in_group(REVIEWERS) or dossier.instructing_reviewer_id != actor.user_id or evaluates:
        raise PermissionDenied(
            rules.plan_review_refusal(
                actor=actor,
                dossier=dossier,
                plan=plan,
                latest_version=plan.version,
                evaluates_for_centre=evaluates,
            )
        )
