"""The demo shows a certificate's life after its decision: surveillance audits already due are recorded but one,
overdue past its grace; one open condition from a surveillance outcome (the incident: test_demo_incident.py). A second
run adds nothing."""

import pytest
from django.utils import timezone

from registry.certificates import rules
from registry.certificates.models import Condition, SurveillanceAudit
from tests.devtools.test_seed_demo import seed

pytestmark = pytest.mark.django_db


def test_the_demo_has_one_audit_overdue_past_grace_and_one_open_condition(settings):
    settings.DEBUG = True
    seed()
    today = timezone.localdate()
    due = SurveillanceAudit.objects.filter(due_on__lt=today).select_related("certificate__scheme")
    waiting = [a for a in due if a.recorded_at is None]
    assert len(waiting) == 1 and rules.audit_past_grace(waiting[0], today)
    assert all(a.outcome for a in due if a.recorded_at is not None) and len(due) > 1
    [condition] = Condition.objects.all()
    assert condition.state == Condition.State.OPEN and condition.due_on > today
    seed()
    assert Condition.objects.count() == 1
    assert SurveillanceAudit.objects.filter(due_on__lt=today, recorded_at__isnull=True).count() == 1
