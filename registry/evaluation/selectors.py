"""Named reads for the evaluation centres: who evaluates for which centre, and what a centre may see.

Every page of the centre's space reads through these: a dossier, document or certificate of another centre is not in
them, so it answers 404 wherever it is asked for.
"""

from django.db.models import Exists, OuterRef, Q, Subquery
from django.http import Http404

from registry.certificates.models import Certificate
from registry.evaluation import rules
from registry.evaluation.models import EvaluationContract, EvaluationPlan, Evaluator, TechnicalReport, Verdict
from registry.qualification.choices import AFTER_QUALIFICATION_DOCUMENT_KINDS, DocumentKind
from registry.qualification.models import Document, Dossier, Message


def evaluator_for(user) -> Evaluator | None:
    """The user's evaluator record with its centre (active or not), or None."""
    if user is None or not user.is_authenticated:
        return None
    return Evaluator.objects.select_related("centre").filter(user_id=user.pk).first()


def is_evaluator_of(user_id, centre_id) -> bool:
    """Does this person evaluate (or did they evaluate) for this centre? Used by the four-eyes rule: an evaluator of a
    dossier's centre never instructs nor decides it, even once their access was turned off."""
    if user_id is None or centre_id is None:
        return False
    return Evaluator.objects.filter(user_id=user_id, centre_id=centre_id).exists()


def centre_dossiers(centre):
    """The dossiers the centre evaluates or evaluated, the latest move first."""
    return (
        Dossier.objects.filter(evaluation_center=centre, status__in=rules.CENTRE_VISIBLE_STATUSES)
        .select_related("service__provider", "scheme")
        .order_by("-status_changed_at", "-pk")
    )


def with_evaluation_state(dossiers):
    """The dossiers with where their evaluation stands (contract_state of the live contract, plan_state of the latest
    plan, reported), for rules.centre_next_step: three subqueries on the rows shown."""
    contract = EvaluationContract.objects.filter(
        dossier_id=OuterRef("pk"), state__in=EvaluationContract.LIVE_STATES
    ).values("state")[:1]
    plan = EvaluationPlan.objects.filter(dossier_id=OuterRef("pk")).order_by("-version").values("state")[:1]
    return dossiers.annotate(
        contract_state=Subquery(contract),
        plan_state=Subquery(plan),
        reported=Exists(TechnicalReport.objects.filter(dossier_id=OuterRef("pk"))),
    )


def held_dossiers(centre):
    """The centre's dossiers still open (admitted, not decided): what it holds, which the agency watches when its
    approval lapses."""
    return centre_dossiers(centre).filter(status__in=rules.HELD_STATUSES)


def centre_certificates(centre):
    """The certificates whose dossier the centre evaluated (their surveillance audits come to it)."""
    return (
        Certificate.objects.filter(dossier__evaluation_center=centre)
        .select_related("service__provider", "scheme")
        .order_by("-issued_on", "-pk")
    )


def centre_dossier(centre, reference: str) -> Dossier:
    """One of the centre's dossiers by reference; 404 for any other (another centre's, not yet admitted)."""
    dossier = centre_dossiers(centre).filter(reference=reference).first()
    if dossier is None:
        raise Http404("No such dossier.")
    return dossier


def centre_documents(dossier):
    """The documents of the dossier a centre reads: its instruction documents (the provider's evidence and the
    evaluation report) and its own evaluation contract, never what was filed after the decision (incidents are confidential) nor an attachment of an
    agency-internal note."""
    # An evaluation contract is between the provider and one centre: a centre reads its own, never another's.
    own_contracts = EvaluationContract.objects.filter(
        dossier=dossier, centre_id=dossier.evaluation_center_id, document__isnull=False
    )
    return (
        Document.objects.filter(dossier=dossier)
        .exclude(kind__in=AFTER_QUALIFICATION_DOCUMENT_KINDS)
        .exclude(Q(messages__internal=True))
        .exclude(Q(kind=DocumentKind.EVALUATION_CONTRACT) & ~Q(pk__in=own_contracts.values("document_id")))
        .select_related("previous")
        .order_by("kind", "title", "-version")
        .distinct()
    )


def centre_document(centre, pk: int) -> Document:
    """A document the centre may download, or 404 (another centre's, an internal attachment, a later filing)."""
    document = Document.objects.select_related("dossier").filter(pk=pk).first()
    if document is None:
        raise Http404("No such document.")
    try:
        dossier = centre_dossiers(centre).get(pk=document.dossier_id)
    except Dossier.DoesNotExist as exc:
        raise Http404("No such document.") from exc
    if not centre_documents(dossier).filter(pk=pk).exists():
        raise Http404("No such document.")
    return document


def centre_messages(dossier):
    """The dossier's messages a centre reads: never the agency's internal notes."""
    return Message.objects.filter(dossier=dossier, internal=False).select_related("author").order_by("created_at")


# --- The evaluation's state on a dossier (what the workflow's guard for "send to decision" reads). ---


def live_contract(dossier):
    """The dossier's contract in force or on its way (filed, confirmed or validated), with its centre; or None."""
    return (
        EvaluationContract.objects.filter(dossier=dossier, state__in=EvaluationContract.LIVE_STATES)
        .select_related("centre", "document")
        .first()
    )


def contract_validated(dossier) -> bool:
    return EvaluationContract.objects.filter(dossier=dossier, state=EvaluationContract.State.VALIDATED).exists()


def latest_plan(dossier):
    """The latest version of the dossier's evaluation plan, or None."""
    return EvaluationPlan.objects.filter(dossier=dossier).order_by("-version").first()


def plan_validated(dossier) -> bool:
    plan = latest_plan(dossier)
    return plan is not None and plan.state == plan.State.VALIDATED


def report_submitted(dossier) -> bool:
    return TechnicalReport.objects.filter(dossier=dossier).exists()


# --- The centre's grid of verdicts and its technical reports (registry.evaluation.grid writes them). ---


def verdicts(dossier) -> dict:
    """The centre's verdicts on the dossier, by requirement id."""
    return {v.requirement_id: v for v in Verdict.objects.filter(dossier=dossier).select_related("recorded_by")}


def verdict_counts(verdict_values) -> dict:
    """How many verdicts of each value, every value named (zero included), in the grid's order."""
    counts = dict.fromkeys(Verdict.Value.values, 0)
    for value in verdict_values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def technical_reports(dossier):
    """The centre's technical reports on the dossier, the latest version first, with their documents."""
    return TechnicalReport.objects.filter(dossier=dossier).select_related("document", "submitted_by", "centre")


def reported_this_round(dossier, reports=None) -> bool:
    """Has the centre submitted a report since the dossier last entered evaluation? The committee sending the dossier
    back starts a new round: the grid reopens and a new version of the report is due."""
    if dossier.status != Dossier.Status.EVALUATION:
        return report_submitted(dossier)
    if reports is not None:
        return any(r.submitted_at >= dossier.status_changed_at for r in reports)
    return TechnicalReport.objects.filter(dossier=dossier, submitted_at__gte=dossier.status_changed_at).exists()


# --- Surveillance audits filed by the audit's centre (registry.evaluation.surveillance writes them). ---
#
# An audit's plan, verdicts and reports count for the centre the agency assigned to it: were the agency to give the
# audit to another centre, the first centre's work stays on record but the new centre starts afresh.


def _audit_work(model, audit):
    return model.objects.filter(surveillance_audit_id=audit.pk, centre_id=audit.evaluation_center_id)


def audit_plans(audit):
    """The versions of the audit's plan by its centre, the latest first, with their sites."""
    return (
        _audit_work(EvaluationPlan, audit)
        .select_related("centre", "filed_by", "reviewed_by")
        .prefetch_related("sites")
        .order_by("-version")
    )


def audit_latest_plan(audit):
    return _audit_work(EvaluationPlan, audit).order_by("-version").first()


def audit_plan_validated(audit) -> bool:
    plan = audit_latest_plan(audit)
    return plan is not None and plan.state == EvaluationPlan.State.VALIDATED


def audit_verdicts(audit) -> dict:
    """The centre's verdicts on the audit, by requirement id."""
    return {
        v.requirement_id: v
        for v in _audit_work(Verdict, audit).select_related("recorded_by", "requirement").prefetch_related("documents")
    }


def audit_reports(audit):
    """The centre's reports on the audit (carried-over uploads of the agency included), the latest first."""
    return _audit_work(TechnicalReport, audit).select_related("document", "submitted_by", "centre").order_by("-version")


def audit_reported(audit) -> bool:
    """Has the audit's centre submitted its report (what the outcome requires)?"""
    return _audit_work(TechnicalReport, audit).exists()


def audit_requirements(audit) -> list:
    """The requirements of the certificate's scheme that apply to its service's model, in the referential's order:
    what an audit may grade."""
    from registry.catalogue.models import Requirement

    certificate = audit.certificate
    model = certificate.service.service_model
    return [
        r
        for r in Requirement.objects.filter(
            scheme_id=certificate.scheme_id, parent__isnull=False, retired=False
        ).order_by("position")
        if r.applies_to(model)
    ]


def audit_documents(audit):
    """The documents of the certificate's dossier the audit's centre may name as evidence: those it reads of the
    dossier it evaluated (centre_documents: never incidents nor internal attachments); none when another centre
    evaluated the dossier."""
    dossier = audit.certificate.dossier
    if dossier.evaluation_center_id != audit.evaluation_center_id:
        return Document.objects.none()
    return centre_documents(dossier)


def centre_audits(centre):
    """The surveillance audits the agency assigned to the centre, the next due first, each with what the centre's
    list shows: its latest plan's state (`plan_state`, "" without one), its verdicts (`verdict_count`) and whether its
    report is in (`reported`), read in the same query."""
    from django.db.models import Count, Exists, F, OuterRef, Subquery

    from registry.certificates.models import SurveillanceAudit

    own = {"surveillance_audit": OuterRef("pk"), "centre_id": centre.pk}
    return (
        SurveillanceAudit.objects.filter(evaluation_center=centre)
        .select_related("certificate__service__provider", "certificate__scheme")
        .annotate(
            plan_state=Subquery(EvaluationPlan.objects.filter(**own).order_by("-version").values("state")[:1]),
            verdict_count=Subquery(
                Verdict.objects.filter(**own).values("surveillance_audit").annotate(n=Count("pk")).values("n")[:1]
            ),
            reported=Exists(TechnicalReport.objects.filter(**own)),
        )
        .order_by(F("recorded_at").desc(nulls_first=True), "due_on", "pk")
    )


def centre_audit(centre, pk: int):
    """One of the audits assigned to the centre; 404 for any other."""
    audit = centre_audits(centre).filter(pk=pk).first()
    if audit is None:
        raise Http404("No such audit.")
    return audit


def readable_reports():
    """The technical reports whose document can be read: one refused, infected or whose check failed is as good as
    absent (the centre submits a new version), as for every document the workflow reads."""
    unusable = (Document.ScanStatus.REFUSED, Document.ScanStatus.INFECTED, Document.ScanStatus.FAILED)
    return TechnicalReport.objects.exclude(document__scan_status__in=unusable)


def evaluation_facts(dossier) -> dict:
    """What the workflow's guard of "send to decision" reads of the evaluation, in one query: the contract validated,
    the latest plan validated, the centre's report submitted this round (since the dossier last entered evaluation)."""
    plan = EvaluationPlan.objects.filter(dossier_id=OuterRef("pk")).order_by("-version").values("state")[:1]
    validated = EvaluationContract.objects.filter(dossier_id=OuterRef("pk"), state=EvaluationContract.State.VALIDATED)
    this_round = readable_reports().filter(dossier_id=OuterRef("pk"), submitted_at__gte=OuterRef("status_changed_at"))
    row = (
        Dossier.objects.filter(pk=dossier.pk)
        .annotate(contract=Exists(validated), plan=Subquery(plan), reported=Exists(this_round))
        .values("contract", "plan", "reported")
        .get()
    )
    return {
        "contract_validated": row["contract"],
        "plan_validated": row["plan"] == EvaluationPlan.State.VALIDATED,
        "report_submitted": row["reported"],
    }
