"""Named reads of incidents for the agency's workspace (never for a public read: incidents are confidential)."""

from django.db.models import Count, Min, Q

from registry.certificates.choices import IncidentStage
from registry.certificates.models import Incident

OPEN = ~Q(stage=IncidentStage.FINAL)


def open_incidents() -> dict:
    """{"count": open incidents, "sovereignty": how many of them with sovereignty affected, "since": the earliest
    declaration among them}. One query, whatever the number of incidents."""
    row = Incident.objects.filter(OPEN).aggregate(
        count=Count("pk"), sovereignty=Count("pk", filter=Q(sovereignty_affected=True)), since=Min("created_at")
    )
    return row
