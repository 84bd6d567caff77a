"""Every write on a dossier's evaluation plan: the centre files it (each filing a new version, the earlier ones kept),
the instructing reviewer validates it or asks for changes. The request for changes is said in the dossier's dialogue,
where the provider and the centre read it; the "send to decision" move reads the latest version's validation
(selectors.plan_validated)."""

from django.db import transaction
from django.utils.translation import gettext as _

from registry.accounts.permissions import actor_for
from registry.evaluation import rules, selectors, work
from registry.evaluation.events import record_step
from registry.evaluation.models import EvaluationPlan
from registry.providers.models import Site
from registry.qualification.models import Dossier, Message
from registry.qualification.workflow import Refused


def _locked_dossier(dossier_id) -> Dossier:
    return (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("service", "evaluation_center")
        .get(pk=dossier_id)
    )


def _latest_locked(dossier) -> EvaluationPlan | None:
    return EvaluationPlan.objects.select_for_update().filter(dossier=dossier).order_by("-version").first()


def service_sites(dossier, sites) -> list[Site]:
    """The sites named, each one of the dossier's service's: a site of another service is refused, not dropped (the
    centre would believe it plans a visit the agency never sees)."""
    ids = {getattr(site, "pk", site) for site in sites}
    try:
        ids = {int(pk) for pk in ids}
    except (TypeError, ValueError) as exc:
        raise Refused(_("A site visited must be one of the service's sites.")) from exc
    found = list(Site.objects.filter(pk__in=ids, service_id=dossier.service_id))
    if len(found) != len(ids):
        raise Refused(_("A site visited must be one of the service's sites."))
    return found


def plan_file(*, dossier, by, scope: str, sites, other_locations: str, starts_on, ends_on, team: str) -> EvaluationPlan:
    """The dossier's centre files its evaluation plan: a new version, waiting for the instructing reviewer."""
    with transaction.atomic():
        locked = _locked_dossier(dossier.pk)
        latest = _latest_locked(locked)
        refusal = rules.plan_file_refusal(
            evaluator=selectors.evaluator_for(by),
            dossier=locked,
            contract_validated=selectors.contract_validated(locked),
            latest_state=latest.state if latest else "",
            reported_this_round=selectors.reported_this_round(locked),
        )
        if refusal:
            raise Refused(refusal)
        plan = work.plan_version(
            subject={"dossier": locked},
            centre=locked.evaluation_center,
            version=(latest.version + 1) if latest else 1,
            by=by,
            scope=scope,
            chosen=service_sites(locked, sites),
            other_locations=other_locations,
            starts_on=starts_on,
            ends_on=ends_on,
            team=team,
        )
        record_step(
            dossier=locked, action="plan_file", by=by, centre=locked.evaluation_center, detail={"version": plan.version}
        )
    return plan


def _review(plan, by, comment: str, *, state, action: str) -> EvaluationPlan:
    """The instructing reviewer's answer on the plan's version (plan_review_refusal): the state, who and when."""
    locked_dossier = _locked_dossier(plan.dossier_id)
    locked = EvaluationPlan.objects.select_for_update(of=("self",)).select_related("centre").get(pk=plan.pk)
    latest = EvaluationPlan.objects.filter(dossier=locked_dossier).order_by("-version").first()
    refusal = rules.plan_review_refusal(
        actor=actor_for(by),
        dossier=locked_dossier,
        plan=locked,
        latest_version=latest.version,
        evaluates_for_centre=selectors.is_evaluator_of(by.pk, locked_dossier.evaluation_center_id),
    )
    if refusal:
        raise Refused(refusal)
    work.plan_reviewed(locked, by, comment, state)
    record_step(
        dossier=locked_dossier,
        action=action,
        by=by,
        centre=locked.centre,
        comment=comment,
        detail={"version": locked.version},
    )
    return locked


def plan_validate(*, plan, by, comment: str = "") -> EvaluationPlan:
    """The instructing reviewer validates the plan: the centre evaluates and records its verdicts."""
    with transaction.atomic():
        return _review(plan, by, comment, state=EvaluationPlan.State.VALIDATED, action="plan_validate")


def plan_request_changes(*, plan, by, comment: str) -> EvaluationPlan:
    """The instructing reviewer sends the plan back with the changes to make. The comment is also said in the dossier's
    dialogue (a message the provider, the centre and the agency read); the step's e-mail tells the centre, so the
    message sends none of its own."""
    if not comment.strip():
        raise Refused(_("Say what the centre should change in its plan: the centre and the provider read it."))
    with transaction.atomic():
        reviewed = _review(plan, by, comment, state=EvaluationPlan.State.CHANGES_REQUESTED, action="plan_changes")
        Message.objects.create(
            dossier_id=reviewed.dossier_id,
            author=by,
            body=_("Changes requested to the evaluation plan (version %(version)d):") % {"version": reviewed.version}
            + "\n\n"
            + comment.strip(),
            internal=False,
        )
    return reviewed
