"""A surveillance audit as its centre reads it (views/surveillance.py, templates/centre/audit*.html): the certificate
and what it certifies (the certified record: scope and sites), the centre's plan (its versions, whether this evaluator
may file a new one and why not, the form), its grid (the requirements of the certificate's scheme that apply to the
service, with the centre's verdicts) and its reports. Never the certificate's incidents nor the agency's notes: only
the audit's own rows and the certified record are read. A fixed number of queries whatever the grid's size."""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from registry.catalogue.models import Requirement
from registry.centre.forms import EvaluationPlanForm, TechnicalReportForm
from registry.centre.plan_part import initial as plan_initial
from registry.certificates import records
from registry.certificates.rules import audit_pending
from registry.evaluation import rules, selectors
from registry.evaluation.models import EvaluationPlan, Verdict
from registry.providers.models import Site

STATES = {
    "plan": gettext_lazy("Plan to file"),
    "plan_waiting": gettext_lazy("Plan waiting for the agency"),
    "grade": gettext_lazy("To grade"),
    "reported": gettext_lazy("Report submitted"),
    "recorded": gettext_lazy("Outcome recorded"),
    "closed": gettext_lazy("Closed without an outcome"),
}


def state_of(audit) -> str:
    """The key of STATES for an audit of selectors.centre_audits (annotated with plan_state and reported)."""
    return rules.audit_centre_state(
        recorded=audit.recorded_at is not None,
        pending=audit_pending(audit),
        plan_state=audit.plan_state or "",
        reported=audit.reported,
    )


def label(audits) -> list:
    """The audits of a page of the centre's list, each with its state's label and whether it waits on the centre."""
    audits = list(audits)
    for audit in audits:
        key = state_of(audit)
        audit.centre_state = STATES[key]
        audit.waits_on_centre = key in rules.AUDIT_WAITS_ON_CENTRE
    return audits


@dataclass
class AuditRow:
    requirement: Requirement
    verdict: Verdict | None


def certified(certificate) -> dict:
    """What the certificate covers, from its certified record (the provider's rows, for one issued before records were
    kept): its scope and its sites, as the centre plans its visits."""
    record = records.current(certificate)
    if record is not None:
        content = records.upgraded(record.content)
        roles = dict(Site.Role.choices)
        sites = [
            {
                "role": roles.get(site.get("role"), site.get("role", "")),
                "country": countries.name(site.get("country", "")) or site.get("country", ""),
                "city": site.get("city", ""),
            }
            for site in content.get("sites", [])
        ]
        return {"certified_scope": content.get("scope") or certificate.scope, "certified_sites": sites}
    sites = [
        {"role": site.get_role_display(), "country": site.country.name, "city": site.city}
        for site in certificate.service.sites.all()
    ]
    return {"certified_scope": certificate.scope, "certified_sites": sites}


def plan_context(audit, evaluator, versions=None, reported=None) -> dict:
    versions = versions if versions is not None else list(selectors.audit_plans(audit))
    latest = versions[0] if versions else None
    reported = reported if reported is not None else selectors.audit_reported(audit)
    refusal = rules.audit_plan_file_refusal(
        evaluator=evaluator,
        audit=audit,
        pending=audit_pending(audit),
        latest_state=latest.state if latest else "",
        reported=reported,
    )
    return {
        "plan": latest,
        "plan_versions": versions[1:],
        "plan_may_file": not refusal,
        "plan_refusal": refusal,
        "plan_form": None
        if refusal
        else EvaluationPlanForm(service=audit.certificate.service, initial=plan_initial(latest)),
    }


def context(audit, evaluator) -> dict:
    """Everything the audit's page shows."""
    versions = list(selectors.audit_plans(audit))
    reports = list(selectors.audit_reports(audit))
    verdicts = selectors.audit_verdicts(audit)
    requirements = selectors.audit_requirements(audit)
    pending = audit_pending(audit)
    plan_validated = bool(versions) and versions[0].state == EvaluationPlan.State.VALIDATED
    grid_refusal = rules.audit_grid_refusal(
        evaluator=evaluator, audit=audit, pending=pending, plan_validated=plan_validated
    )
    submit_refusal = rules.audit_report_refusal(
        evaluator=evaluator, audit=audit, pending=pending, plan_validated=plan_validated, verdict_count=len(verdicts)
    )
    return {
        **certified(audit.certificate),
        **plan_context(audit, evaluator, versions, bool(reports)),
        "grid_rows": [AuditRow(r, verdicts.get(r.pk)) for r in requirements],
        "grid_done": len(verdicts),
        "grid_may_record": not grid_refusal,
        "grid_refusal": grid_refusal,
        "grid_may_submit": not submit_refusal,
        "grid_submit_refusal": submit_refusal,
        "grid_counts": [
            (Verdict.Value(v).label, n) for v, n in selectors.verdict_counts(v.value for v in verdicts.values()).items()
        ],
        "audit_reports": reports,
    }


def report_form(data=None, files=None) -> TechnicalReportForm:
    return TechnicalReportForm(data, files, initial={"title": _("Surveillance audit report")})
