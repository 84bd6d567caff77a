"""The e-mails of an incident's reports, through the outbox, each in its recipient's language.

Every report (the declaration, an update, the final report) goes to the agency's reviewers and registry
administrators, who act on it, and as an acknowledgement to the provider's members, who then know the agency has it
and who filed it. Never to subscribers or anyone else: an incident is confidential. The e-mails name the incident and
its flags, not the report's text, which stays behind the sign-in (the portal's and the workspace's pages)."""

from django.conf import settings
from django.contrib.auth import get_user_model

from registry.notifications import outbox
from registry.notifications.emails import compose, group_recipients, recipients
from registry.qualification.workflow import ADMINISTRATORS, REVIEWERS

AGENCY_GROUPS = (REVIEWERS, ADMINISTRATORS)


def agency_key(update) -> str:
    return f"incident_agency:{update.pk}"


def receipt_key(update) -> str:
    return f"incident_receipt:{update.pk}"


def incident_reported(update) -> None:
    """Write both e-mails of this report in the caller's transaction; they are sent once it commits."""
    incident = update.incident
    context = {
        "incident": incident,
        "update": update,
        "certificate": incident.certificate,
        "service": incident.service,
        "provider": incident.provider,
        "author": update.author,
        "site_url": settings.SITE_URL,
    }
    outbox.send_on_commit(agency_key(update), compose(group_recipients(AGENCY_GROUPS), "incident_agency", context))
    members = get_user_model().objects.filter(memberships__provider_id=incident.provider_id, is_active=True)
    outbox.send_on_commit(receipt_key(update), compose(recipients(members), "incident_receipt", context))
