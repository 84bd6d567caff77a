"""What the provider reads of its certificate's surveillance audits, filed by the audit's centre: the latest version of
the centre's plan (its dates and the sites it visits) and, once submitted, the report's conclusion and the centre's
verdicts. Read in a fixed number of queries for all the certificate's audits; never the agency's notes."""

from registry.evaluation.models import EvaluationPlan, TechnicalReport, Verdict


def attach(audits) -> None:
    """Set `centre_plan`, `centre_report` and `centre_verdicts` on each audit (of one certificate): the work of the
    centre the agency assigned to it."""
    ids = [audit.pk for audit in audits]
    plans, reports, verdicts = {}, {}, {}
    for plan in (
        EvaluationPlan.objects.filter(surveillance_audit_id__in=ids).prefetch_related("sites").order_by("-version")
    ):
        plans.setdefault((plan.surveillance_audit_id, plan.centre_id), plan)
    for report in TechnicalReport.objects.filter(surveillance_audit_id__in=ids).order_by("-version"):
        reports.setdefault((report.surveillance_audit_id, report.centre_id), report)
    for verdict in (
        Verdict.objects.filter(surveillance_audit_id__in=ids)
        .select_related("requirement")
        .order_by("requirement__position")
    ):
        verdicts.setdefault((verdict.surveillance_audit_id, verdict.centre_id), []).append(verdict)
    for audit in audits:
        key = (audit.pk, audit.evaluation_center_id)
        audit.centre_plan = plans.get(key)
        audit.centre_report = reports.get(key)
        # The verdicts are the provider's to read once the centre has reported, as for a dossier's evaluation.
        audit.centre_verdicts = verdicts.get(key, []) if audit.centre_report else []
