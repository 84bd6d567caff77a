"""Every write of a surveillance audit's work by the centre the agency assigned to it, the same way as a dossier's
evaluation: the centre files its plan (each filing a new version), the audit's instructing reviewer validates it or
asks for changes; the centre then grades the requirements its plan covers (at least one, not necessarily all) and
submits its report, which the reviewer's outcome requires (registry.certificates.surveillance.outcome_refusal).

Each step is written on the certificate's dossier (registry.evaluation.events.record_step, its detail naming the
audit), so the e-mails go to the audit's reviewer and the audit's centre. Nothing changes once the outcome is recorded.
"""

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from registry.accounts import audit
from registry.accounts.permissions import actor_for
from registry.certificates.models import SurveillanceAudit
from registry.certificates.rules import audit_pending
from registry.evaluation import rules, selectors, work
from registry.evaluation.events import record_step
from registry.evaluation.models import EvaluationPlan, TechnicalReport, Verdict
from registry.evaluation.plans import service_sites
from registry.qualification.choices import DocumentKind
from registry.qualification.models import Document
from registry.qualification.workflow import Refused


def _locked(audit_id) -> SurveillanceAudit:
    # of=self: the centre and the reviewer are nullable outer joins, which PostgreSQL refuses to lock.
    return (
        SurveillanceAudit.objects.select_for_update(of=("self",))
        .select_related("certificate__service", "certificate__scheme", "certificate__dossier", "evaluation_center")
        .get(pk=audit_id)
    )


def _detail(locked, **values) -> dict:
    return {"audit_id": locked.pk, "certificate": locked.certificate.number, "sequence": locked.sequence, **values}


def _plan_dates(plan) -> dict:
    return {"version": plan.version, "starts_on": plan.starts_on.isoformat(), "ends_on": plan.ends_on.isoformat()}


_refuse = work.refuse


# --- The plan. ---


def audit_plan_file(
    *, audit_obj, by, scope: str, sites, other_locations: str, starts_on, ends_on, team: str
) -> EvaluationPlan:
    """The audit's centre files its plan: a new version, waiting for the audit's instructing reviewer."""
    with transaction.atomic():
        locked = _locked(audit_obj.pk)
        latest = (
            EvaluationPlan.objects.select_for_update()
            .filter(surveillance_audit=locked, centre_id=locked.evaluation_center_id)
            .order_by("-version")
            .first()
        )
        _refuse(
            rules.audit_plan_file_refusal(
                evaluator=selectors.evaluator_for(by),
                audit=locked,
                pending=audit_pending(locked),
                latest_state=latest.state if latest else "",
                reported=selectors.audit_reported(locked),
            )
        )
        chosen = service_sites(locked.certificate, sites)
        # Versions count over the audit's plans, whichever centre filed them (one number per audit).
        top = EvaluationPlan.objects.filter(surveillance_audit=locked).aggregate(top=Max("version"))["top"] or 0
        plan = work.plan_version(
            subject={"surveillance_audit": locked},
            centre=locked.evaluation_center,
            version=top + 1,
            by=by,
            scope=scope,
            chosen=chosen,
            other_locations=other_locations,
            starts_on=starts_on,
            ends_on=ends_on,
            team=team,
        )
        record_step(
            dossier=locked.certificate.dossier,
            action="audit_plan_file",
            by=by,
            centre=locked.evaluation_center,
            detail=_detail(locked, **_plan_dates(plan)),
            audit_obj=locked,
        )
    return plan


def _review(plan, by, comment: str, *, state, action: str) -> EvaluationPlan:
    locked_audit = _locked(plan.surveillance_audit_id)
    locked = EvaluationPlan.objects.select_for_update(of=("self",)).select_related("centre").get(pk=plan.pk)
    latest = selectors.audit_latest_plan(locked_audit)
    _refuse(
        rules.audit_plan_review_refusal(
            actor=actor_for(by),
            audit=locked_audit,
            pending=audit_pending(locked_audit),
            plan=locked,
            latest_version=latest.version if latest else 0,
            evaluates_for_centre=selectors.is_evaluator_of(by.pk, locked_audit.evaluation_center_id),
        )
    )
    work.plan_reviewed(locked, by, comment, state)
    record_step(
        dossier=locked_audit.certificate.dossier,
        action=action,
        by=by,
        centre=locked.centre,
        comment=comment,
        detail=_detail(locked_audit, **_plan_dates(locked)),
        audit_obj=locked_audit,
    )
    return locked


def audit_plan_validate(*, plan, by, comment: str = "") -> EvaluationPlan:
    """The audit's instructing reviewer validates the plan: the centre audits and records its verdicts."""
    with transaction.atomic():
        return _review(plan, by, comment, state=EvaluationPlan.State.VALIDATED, action="audit_plan_validate")


def audit_plan_request_changes(*, plan, by, comment: str) -> EvaluationPlan:
    """The audit's instructing reviewer sends the plan back with the changes to make (the centre reads the comment
    on its plan and in the step's e-mail)."""
    if not comment.strip():
        raise Refused(_("Say what the centre should change in its plan: the centre reads it."))
    with transaction.atomic():
        return _review(plan, by, comment, state=EvaluationPlan.State.CHANGES_REQUESTED, action="audit_plan_changes")


# --- The verdicts and the report. ---


def audit_verdict_record(
    *, audit_obj, requirement, by, value: str, evidence_reviewed: str, note: str = "", documents=()
) -> Verdict:
    """Record (or change) the centre's verdict on one requirement the audit covers (of the certificate's scheme,
    applicable to its service's model). A working draft: an audit line, no step on the timeline."""
    evidence_reviewed, note = evidence_reviewed.strip(), note.strip()
    with transaction.atomic():
        locked = _locked(audit_obj.pk)
        evaluator = selectors.evaluator_for(by)
        _refuse(
            rules.audit_grid_refusal(
                evaluator=evaluator,
                audit=locked,
                pending=audit_pending(locked),
                plan_validated=selectors.audit_plan_validated(locked),
            )
        )
        if requirement.pk not in {r.pk for r in selectors.audit_requirements(locked)}:
            raise Refused(_("Requirement %(ref)s does not apply to this certificate.") % {"ref": requirement.ref})
        verdict = work.verdict_saved(
            subject={"surveillance_audit": locked},
            requirement=requirement,
            centre=evaluator.centre,
            by=by,
            value=value,
            evidence_reviewed=evidence_reviewed,
            note=note,
            documents=documents,
            readable=selectors.audit_documents(locked),
        )
        audit.record(
            "verdict.record",
            actor=by,
            obj=locked,
            certificate=locked.certificate.number,
            requirement=requirement.ref,
            value=value,
        )
    return verdict


def audit_report_submit(*, audit_obj, by, uploaded, title: str, conclusion: str) -> TechnicalReport:
    """Submit the centre's report of the audit: its document (on the certificate's dossier, linked to the audit) and
    its conclusion, a new version each time until the outcome is recorded. The reviewer is told; the provider reads
    the conclusion and the verdicts from now on."""
    conclusion = work.conclusion_written(conclusion)
    with work.files_discarded_on_failure() as stored, transaction.atomic():
        locked = _locked(audit_obj.pk)
        evaluator = selectors.evaluator_for(by)
        verdicts = list(
            Verdict.objects.filter(surveillance_audit=locked, centre_id=locked.evaluation_center_id).values_list(
                "value", flat=True
            )
        )
        _refuse(
            rules.audit_report_refusal(
                evaluator=evaluator,
                audit=locked,
                pending=audit_pending(locked),
                plan_validated=selectors.audit_plan_validated(locked),
                verdict_count=len(verdicts),
            )
        )
        report = work.report_stored(
            subject={"surveillance_audit": locked},
            dossier_id=locked.certificate.dossier_id,
            kind=DocumentKind.SURVEILLANCE_REPORT,
            versions=Document.objects.filter(surveillance_audit=locked, kind=DocumentKind.SURVEILLANCE_REPORT),
            centre=evaluator.centre,
            by=by,
            uploaded=uploaded,
            title=title,
            conclusion=conclusion,
            stored=stored,
            surveillance_audit=locked,
        )
        record_step(
            dossier=locked.certificate.dossier,
            action="audit_report_submit",
            by=by,
            centre=evaluator.centre,
            detail=_detail(locked, version=report.version, verdicts=selectors.verdict_counts(verdicts)),
            audit_obj=locked,
        )
    return report
