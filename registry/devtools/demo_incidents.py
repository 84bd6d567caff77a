"""The demo's closed incident (issue 15): at one qualified provider, an incident declared, updated and closed by its
final report three weeks ago, with no suspension: what a provider's owner and the agency then read. Through the
services, as a provider reports it; only the times are moved back afterwards."""

import datetime

from django.db import transaction
from django.utils import timezone

from registry.certificates.choices import CertificateStatus
from registry.certificates.incidents import incident_declare, incident_report
from registry.certificates.models import Certificate, Incident, IncidentUpdate
from registry.notifications import aftercare_incidents
from registry.notifications.models import OutgoingEmail
from registry.providers.models import Membership

# When each report was filed, in days before the seeding: declared, updated, closed.
REPORTED_DAYS_AGO = (21, 20, 18)


def seed_closed_incident(summary) -> None:
    certificate = (
        Certificate.objects.filter(status=CertificateStatus.ACTIVE)
        .select_related("service__provider")
        .order_by("-pk")
        .first()
    )
    if certificate is None:
        return
    provider = certificate.service.provider
    if Incident.objects.filter(provider=provider).exists():
        summary.existing["incidents"] += 1
        return
    owner = Membership.objects.filter(provider=provider, role=Membership.Role.OWNER).select_related("user").first()
    if owner is None:
        return
    now = timezone.now()
    declared, updated, closed = (now - datetime.timedelta(days=days) for days in REPORTED_DAYS_AGO)
    with transaction.atomic():
        incident = incident_declare(
            certificate=certificate,
            by=owner.user,
            title="Denial of service on the public API",
            detected_at=declared - datetime.timedelta(minutes=20),
            started_at=declared - datetime.timedelta(minutes=45),
            impact="Customer API calls failed or slowed for 40 minutes; no data reached.",
            body="Volumetric attack on the public endpoints; scrubbing enabled at the edge, traffic recovering.",
        )
        incident_report(
            incident=incident,
            by=owner.user,
            stage="ongoing",
            body="Attack traffic from a botnet; the scrubbing centre in Roubaix absorbed it. No access to data.",
        )
        incident_report(
            incident=incident,
            by=owner.user,
            stage="final",
            body="Closed: rate limits per tenant added, runbook updated. No customer data affected.",
            ended_at=declared - datetime.timedelta(minutes=5),
        )
        # The reports were filed over three weeks ago: their times say so (the services stamp them now).
        updates = list(incident.updates.order_by("created_at", "pk"))
        for update, moment in zip(updates, (declared, updated, closed), strict=True):
            IncidentUpdate.objects.filter(pk=update.pk).update(created_at=moment)
        Incident.objects.filter(pk=incident.pk).update(created_at=declared, updated_at=closed)
        # The demo's addresses are invented: its e-mails count as sent.
        keys = [
            key(update)
            for update in updates
            for key in (aftercare_incidents.agency_key, aftercare_incidents.receipt_key)
        ]
        OutgoingEmail.objects.filter(key__in=keys).update(sent_at=now)
    summary.created["incidents"] += 1
