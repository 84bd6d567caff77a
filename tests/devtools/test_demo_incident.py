"""The demo holds one closed incident: declared, updated and closed by its final report three weeks ago, at a
qualified provider, through the services (its reference, timeline and audit lines are real); nobody is e-mailed."""

import datetime

import pytest
from django.utils import timezone

from registry.accounts.models import AuditEvent
from registry.certificates.models import Incident
from registry.notifications.models import OutgoingEmail
from tests.devtools.test_seed_demo import seed

pytestmark = pytest.mark.django_db


def test_the_demo_has_one_closed_incident_with_its_timeline(settings):
    settings.DEBUG = True
    seed()
    [incident] = Incident.objects.all()
    assert incident.stage == "final" and incident.certificate.status == "active"
    assert incident.reference == f"INC-{timezone.localdate().year}-00001"
    assert [u.stage for u in incident.updates.order_by("created_at")] == ["initial", "ongoing", "final"]
    assert incident.created_at < timezone.now() - datetime.timedelta(days=20)
    assert incident.started_at <= incident.detected_at and incident.ended_at >= incident.started_at
    assert AuditEvent.objects.filter(action__startswith="incident.").count() == 3
    assert not OutgoingEmail.objects.filter(key__startswith="incident_", sent_at__isnull=True).exists()
    seed()
    assert Incident.objects.count() == 1
