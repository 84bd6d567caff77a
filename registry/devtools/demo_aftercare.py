"""The demo's certificates after their decision (issue 15), through the services as the agency and the providers act:
the surveillance audits already due recorded (the centre's plan, verdicts and report filed in its space, the
certificate maintained), except one left overdue past its grace; one open condition from a surveillance "maintained
with conditions". The change notice is demo_changes.py's, the incident demo_incidents.py's."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from registry.certificates import surveillance
from registry.certificates.choices import LIVE_CERTIFICATE_STATUSES, SurveillanceOutcome
from registry.certificates.models import Certificate, Condition, SurveillanceAudit
from registry.evaluation import selectors as evaluation_selectors
from registry.evaluation import surveillance as audit_work
from registry.evaluation.models import Evaluator
from registry.notifications.models import OutgoingEmail

CONDITION = (
    "Provide the report of the penetration test of the administration network planned for this quarter, with the "
    "plan that corrects its findings."
)
FINDINGS = "No non-conformity. The access reviews of the administrators are now quarterly, as recommended last year."
FINDINGS_WITH_CONDITION = (
    "One minor non-conformity: the penetration test of the administration network is overdue (requirement 18.2)."
)


def replan(certificate) -> None:
    """A backdated certificate's plan, counted again from its issue day (the demo moves issue days into the past)."""
    from registry.certificates import rules

    SurveillanceAudit.objects.filter(certificate=certificate, recorded_at__isnull=True).delete()
    due_dates = rules.surveillance_due_dates(
        certificate.issued_on, certificate.expires_on, certificate.scheme.surveillance_interval_months
    )
    SurveillanceAudit.objects.bulk_create(
        SurveillanceAudit(certificate=certificate, sequence=sequence, due_on=due)
        for sequence, due in enumerate(due_dates, start=1)
    )


def _report(audit_obj) -> SimpleUploadedFile:
    from registry.devtools.demo import demo_pdf

    certificate = audit_obj.certificate
    content = demo_pdf(
        f"Rapport d'audit de surveillance n° {audit_obj.sequence}",
        [f"{certificate.number} – {certificate.service.name}", "Document de démonstration : contenu fictif."],
    )
    return SimpleUploadedFile("surveillance-report.pdf", content, content_type="application/pdf")


def _record(audit_obj, *, reviewer, centre, outcome=SurveillanceOutcome.MAINTAINED, conditions=()) -> None:
    """The audit as the agency and the centre work it: assigned to the centre that evaluated the certificate's dossier,
    its plan filed by the centre and validated by the reviewer, two requirements graded, the centre's report submitted,
    then the outcome recorded."""
    own = audit_obj.certificate.dossier.evaluation_center
    centre = own if own is not None and own.active else centre
    audit_obj = surveillance.audit_assign(audit_obj=audit_obj, by=reviewer, evaluation_center=centre, reviewer=reviewer)
    evaluator = Evaluator.objects.filter(centre=centre, active=True).select_related("user").earliest("pk").user
    performed_on = max(audit_obj.due_on - datetime.timedelta(days=9), audit_obj.certificate.issued_on)
    plan = audit_work.audit_plan_file(
        audit_obj=audit_obj,
        by=evaluator,
        scope="Access management, logging and the changes of the year.",
        sites=list(audit_obj.certificate.service.sites.all()),
        other_locations="",
        starts_on=performed_on,
        ends_on=performed_on + datetime.timedelta(days=1),
        team=f"{evaluator.get_full_name() or evaluator.email}, lead",
    )
    audit_work.audit_plan_validate(plan=plan, by=reviewer)
    for position, requirement in enumerate(evaluation_selectors.audit_requirements(audit_obj)[:2]):
        minor = bool(conditions) and position == 0
        audit_work.audit_verdict_record(
            audit_obj=audit_obj,
            requirement=requirement,
            by=evaluator,
            value="minor" if minor else "conform",
            evidence_reviewed="Interviews, the access reviews and the logs of the last quarter.",
            note=FINDINGS_WITH_CONDITION if minor else "",
        )
    audit_work.audit_report_submit(
        audit_obj=audit_obj,
        by=evaluator,
        uploaded=_report(audit_obj),
        title=f"Surveillance audit report {audit_obj.sequence}",
        conclusion=FINDINGS_WITH_CONDITION if conditions else FINDINGS,
    )
    surveillance.audit_record_outcome(
        audit_obj=audit_obj,
        by=reviewer,
        performed_on=performed_on,
        outcome=outcome,
        findings=FINDINGS_WITH_CONDITION if conditions else FINDINGS,
        conditions=conditions,
    )


def seed_after_qualification(summary, *, reviewer, centre) -> None:
    if SurveillanceAudit.objects.filter(recorded_at__isnull=False).exists():
        summary.existing["surveillance records"] += 1
        return
    started = timezone.now()
    today = timezone.localdate()
    live = list(
        Certificate.objects.filter(status__in=LIVE_CERTIFICATE_STATUSES)
        .select_related("service__provider", "scheme")
        .order_by("issued_on", "pk")
    )
    due = {
        certificate.pk: list(certificate.surveillance_audits.filter(due_on__lt=today).order_by("sequence"))
        for certificate in live
    }
    # Left overdue: the most recent audit gone past its grace (the provider and the reviewers are reminded of it).
    past_grace = [
        audits[-1]
        for certificate in live
        if (audits := due[certificate.pk])
        and (today - audits[-1].due_on).days > certificate.scheme.surveillance_grace_days
    ]
    overdue = max(past_grace, key=lambda a: a.due_on, default=None)
    with_condition = None
    with transaction.atomic():
        for certificate in live:
            for audit_obj in due[certificate.pk]:
                if overdue is not None and audit_obj.pk == overdue.pk:
                    continue
                if with_condition is None and certificate.status == "active" and audit_obj == due[certificate.pk][-1]:
                    with_condition = audit_obj
                    _record(
                        audit_obj,
                        reviewer=reviewer,
                        centre=centre,
                        outcome=SurveillanceOutcome.MAINTAINED_WITH_CONDITIONS,
                        conditions=[(CONDITION, today + datetime.timedelta(days=45))],
                    )
                else:
                    _record(audit_obj, reviewer=reviewer, centre=centre)
                summary.created["surveillance audits recorded"] += 1
        summary.created["conditions"] += Condition.objects.count()
    # The demo's addresses are invented: its e-mails count as sent.
    OutgoingEmail.objects.filter(created_at__gte=started, sent_at__isnull=True).update(sent_at=timezone.now())
