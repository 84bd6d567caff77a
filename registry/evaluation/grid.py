"""Every write of the centre's evaluation grid: a verdict per applicable requirement, then the technical report.

The grid is the centre's working draft: a verdict is recorded (and changed) as often as the evaluation needs, with an
audit line each time but no step on the dossier's timeline; the report, submitted once the grid is complete, is the
step the provider and the reviewer are told of, and closes the grid until the committee sends the dossier back.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from registry.accounts import audit
from registry.evaluation import rules, selectors, work
from registry.evaluation.events import record_step
from registry.evaluation.models import TechnicalReport, Verdict
from registry.qualification.choices import DocumentKind
from registry.qualification.models import Document, Dossier
from registry.qualification.services.dossiers import applicable_requirements
from registry.qualification.workflow import Refused


def _locked(dossier_id) -> Dossier:
    return Dossier.objects.select_for_update(of=("self",)).select_related("service").get(pk=dossier_id)


def grid_state(dossier, reports=None) -> dict:
    """What the grid's rules read of the dossier's evaluation (the services under their lock, the pages to say what
    the centre may do). `reports`: the dossier's technical reports, when the caller has them already."""
    return {
        "contract_validated": selectors.contract_validated(dossier),
        "plan_validated": selectors.plan_validated(dossier),
        "reported_this_round": selectors.reported_this_round(dossier, reports),
    }


def missing_refs(dossier, requirements=None, verdict_ids=None) -> list[str]:
    """The refs of the applicable requirements without a verdict, in the referential's order."""
    requirements = requirements if requirements is not None else applicable_requirements(dossier)
    if verdict_ids is None:
        verdict_ids = set(Verdict.objects.filter(dossier=dossier).values_list("requirement_id", flat=True))
    return [r.ref for r in requirements if r.pk not in verdict_ids]


def verdict_record(
    *, dossier, requirement, by, value: str, evidence_reviewed: str, note: str = "", documents=()
) -> Verdict:
    """Record (or change) the centre's verdict on one applicable requirement of the dossier."""
    evidence_reviewed, note = evidence_reviewed.strip(), note.strip()
    with transaction.atomic():
        locked = _locked(dossier.pk)
        evaluator = selectors.evaluator_for(by)
        refusal = rules.grid_refusal(evaluator=evaluator, dossier=locked, **grid_state(locked))
        if refusal:
            raise Refused(refusal)
        if requirement.pk not in {r.pk for r in applicable_requirements(locked)}:
            raise Refused(_("Requirement %(ref)s does not apply to this dossier.") % {"ref": requirement.ref})
        verdict = work.verdict_saved(
            subject={"dossier": locked},
            requirement=requirement,
            centre=evaluator.centre,
            by=by,
            value=value,
            evidence_reviewed=evidence_reviewed,
            note=note,
            documents=documents,
            readable=selectors.centre_documents(locked),
        )
        # The grid is a working draft: an audit line for each verdict, no step on the dossier's timeline.
        audit.record("verdict.record", actor=by, obj=locked, requirement=requirement.ref, value=value)
    return verdict


def report_submit(*, dossier, by, uploaded, title: str, conclusion: str) -> TechnicalReport:
    """Submit the centre's technical report on a complete grid: its document and its conclusion, a new version each
    round. The reviewer is told; the provider reads the verdicts from now on."""
    conclusion = work.conclusion_written(conclusion)
    with work.files_discarded_on_failure() as stored, transaction.atomic():
        locked = _locked(dossier.pk)
        evaluator = selectors.evaluator_for(by)
        refusal = rules.report_submit_refusal(
            evaluator=evaluator, dossier=locked, missing_refs=missing_refs(locked), **grid_state(locked)
        )
        if refusal:
            raise Refused(refusal)
        report = work.report_stored(
            subject={"dossier": locked},
            dossier_id=locked.pk,
            kind=DocumentKind.EVALUATION_REPORT,
            versions=Document.objects.filter(dossier=locked, kind=DocumentKind.EVALUATION_REPORT),
            centre=evaluator.centre,
            by=by,
            uploaded=uploaded,
            title=title,
            conclusion=conclusion,
            stored=stored,
        )
        counts = selectors.verdict_counts(Verdict.objects.filter(dossier=locked).values_list("value", flat=True))
        record_step(
            dossier=locked,
            action="report_submit",
            by=by,
            centre=evaluator.centre,
            detail={"version": report.version, "verdicts": counts},
        )
    return report
