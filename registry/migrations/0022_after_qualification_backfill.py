"""Certificates issued before records were kept get their version 1 (what their service's rows say now, the closest
to what was certified) and live ones their surveillance plan: an audit every scheme interval after issue, before expiry.
"""

from dateutil.relativedelta import relativedelta
from django.db import migrations
from django.utils import timezone


def _plain(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    code = getattr(value, "code", None)
    if code is not None:
        return code or ""
    return str(value)


def _rows(objects, fields, **extra):
    rows = []
    for obj in objects:
        row = {name: _plain(getattr(obj, name)) for name in fields if name not in extra}
        for name, read in extra.items():
            row[name] = read(obj)
        rows.append(row)
    return sorted(rows, key=lambda row: [str(row[name]) for name in fields])


def _capture(service, scope):
    # A copy of registry.certificates.records.capture() as it was when this migration was written: a migration must
    # not change with the code.
    provider = service.provider
    return {
        "service": {name: _plain(getattr(service, name)) for name in ("name", "slug", "service_model", "description")},
        "scope": scope,
        "provider": {
            name: _plain(getattr(provider, name))
            for name in (
                "legal_name",
                "registration_id",
                "registered_office_country",
                "central_administration_country",
                "principal_establishment_country",
            )
        },
        "shareholders": _rows(
            list(provider.shareholders.all()),
            ("name", "country", "capital_percent", "voting_percent", "veto_right", "appoints_board_majority"),
        ),
        "sites": _rows(list(service.sites.all()), ("role", "country", "city", "operations")),
        "third_parties": _rows(
            list(service.third_parties.all()),
            ("name", "kind", "country_of_control", "technical_access_to_data", "relies_on", "autonomy_evidence"),
            relies_on=lambda t: t.relies_on_service.slug if t.relies_on_service_id else None,
        ),
    }


def backfill(apps, schema_editor):
    Certificate = apps.get_model("registry", "Certificate")
    CertifiedRecord = apps.get_model("registry", "CertifiedRecord")
    SurveillanceAudit = apps.get_model("registry", "SurveillanceAudit")
    certificates = Certificate.objects.select_related("service__provider", "scheme").order_by("pk")
    for certificate in certificates.iterator(chunk_size=500):
        if not CertifiedRecord.objects.filter(certificate=certificate).exists():
            CertifiedRecord.objects.create(
                certificate=certificate,
                version=1,
                content=_capture(certificate.service, certificate.scope),
                adopted_at=timezone.now(),
            )
        if certificate.status in ("active", "suspended") and not certificate.surveillance_audits.exists():
            interval = certificate.scheme.surveillance_interval_months or 12
            sequence, due = 1, certificate.issued_on + relativedelta(months=interval)
            while due < certificate.expires_on:
                SurveillanceAudit.objects.create(certificate=certificate, sequence=sequence, due_on=due)
                sequence += 1
                due = certificate.issued_on + relativedelta(months=interval * sequence)


class Migration(migrations.Migration):
    dependencies = [("registry", "0021_pending_file_deletion")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
