"""What a certificate's life leaves behind: each move in its public history and in the audit log, with who and why;
no simple-history records (its fields never change after issue, so they would only repeat those two)."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection

from registry.accounts.models import AuditEvent
from registry.certificates import services
from registry.certificates.models import Certificate
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_certificate_keeps_no_field_history():
    assert not hasattr(Certificate, "history")
    assert "registry_historicalcertificate" not in connection.introspection.table_names()
    # The migration that dropped the table took the groups' permissions on it too.
    assert not Permission.objects.filter(codename__endswith="_historicalcertificate").exists()


def test_each_move_is_in_the_public_history_and_the_audit_log_with_who_and_why(service, administrator):
    certificate = f.certificate(service)

    services.certificate_suspend(
        review_on=f.review_date(), certificate=certificate, by=administrator, reason="Incident under review."
    )
    services.certificate_reinstate(certificate=certificate, by=administrator, reason="Incident closed.")

    public = [(e.status, e.actor, e.reason) for e in certificate.events.order_by("created_at", "pk")]
    assert public == [
        ("suspended", administrator, "Incident under review."),
        ("active", administrator, "Incident closed."),
    ]
    audit = AuditEvent.objects.filter(object_type="certificate", object_id=str(certificate.pk)).order_by("pk")
    assert [(a.action, a.actor, a.detail["to_status"], a.detail["reason"]) for a in audit] == [
        ("certificate.suspend", administrator, "suspended", "Incident under review."),
        ("certificate.reinstate", administrator, "active", "Incident closed."),
    ]
