# Data only: the surveillance reports reviewers uploaded before centres filed their own work (issue 19).

from django.db import migrations


def carry_over(apps, schema_editor):
    """Each current surveillance report a reviewer uploaded on an audit stands as its centre's report (carried over,
    no conclusion), so that a recorded outcome keeps the report it followed and an audit in flight is not asked for it
    again. Audits without a centre are left as they are: no centre to credit."""
    SurveillanceAudit = apps.get_model("registry", "SurveillanceAudit")
    Document = apps.get_model("registry", "Document")
    TechnicalReport = apps.get_model("registry", "TechnicalReport")
    audits = SurveillanceAudit.objects.filter(evaluation_center__isnull=False).order_by("pk")
    for audit in audits.iterator():
        if TechnicalReport.objects.filter(surveillance_audit_id=audit.pk).exists():
            continue  # already carried over (or filed by the centre): run twice, change nothing
        reports = Document.objects.filter(
            surveillance_audit_id=audit.pk, kind="surveillance_report", next_version__isnull=True
        ).order_by("uploaded_at", "pk")
        for version, document in enumerate(reports, start=1):
            report = TechnicalReport.objects.create(
                surveillance_audit_id=audit.pk,
                centre_id=audit.evaluation_center_id,
                version=version,
                document_id=document.pk,
                carried_over=True,
                conclusion="",
                submitted_by_id=document.uploaded_by_id,
            )
            # When the report came in is when it was uploaded (auto_now_add wrote today).
            TechnicalReport.objects.filter(pk=report.pk).update(submitted_at=document.uploaded_at)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0033_evaluation_work"),
    ]

    operations = [
        migrations.RunPython(carry_over, migrations.RunPython.noop),
    ]
