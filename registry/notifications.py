"""Composing the e-mails that tell people about a dossier or a certificate. Sending happens in registry.tasks."""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.utils import translation

from registry.permissions import actor_for
from registry.services import subscriptions
from registry.workflow import COMMITTEE, REVIEWERS

# Which agency group hears of which move: the dossier's next hands.
AGENCY_RECIPIENTS = {
    "submit": (REVIEWERS,),
    "resubmit": (REVIEWERS,),
    "report": (COMMITTEE,),
}


@dataclass
class Email:
    to: list[str]
    subject: str
    body: str
    headers: dict[str, str] = field(default_factory=dict)


def _provider_addresses(provider_id) -> list[str]:
    User = get_user_model()
    return sorted(
        User.objects.filter(memberships__provider_id=provider_id, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )


def _group_addresses(groups) -> list[str]:
    User = get_user_model()
    return sorted(
        User.objects.filter(groups__name__in=groups, is_active=True, is_staff=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )


def dossier_event_emails(event) -> list[Email]:
    """The e-mails an event of a dossier's log calls for: the provider's members, and the agency's next hands."""
    dossier = event.dossier
    # A message may come from the agency or from one of the provider's own members: the e-mail must say which.
    from_agency = event.actor_id is not None and bool(actor_for(event.actor).groups)
    context = {"event": event, "dossier": dossier, "site_url": settings.SITE_URL, "from_agency": from_agency}
    emails = []
    with translation.override(settings.LANGUAGE_CODE):
        if not event.internal:
            to = _provider_addresses(dossier.service.provider_id)
            if event.actor_id:
                to = [a for a in to if a != event.actor.email] if event.action == "message" else to
            if to:
                emails.append(
                    Email(
                        to=to,
                        subject=render_to_string("emails/dossier_event_subject.txt", context).strip(),
                        body=render_to_string("emails/dossier_event.txt", context),
                    )
                )
        groups = AGENCY_RECIPIENTS.get(event.action)
        if groups:
            to = _group_addresses(groups)
        elif event.action == "message" and not event.internal and not from_agency and dossier.instructing_reviewer_id:
            # A provider's reply goes to the reviewer in charge (a colleague's message is not "from the provider").
            to = [dossier.instructing_reviewer.email]
        elif event.action == "withdraw" and dossier.instructing_reviewer_id:
            # The reviewer instructing the dossier must know it stopped, so that no more work goes into it.
            to = [dossier.instructing_reviewer.email]
        else:
            to = []
        to = [a for a in to if a]
        if to:
            emails.append(
                Email(
                    to=to,
                    subject=render_to_string("emails/agency_event_subject.txt", context).strip(),
                    body=render_to_string("emails/agency_event.txt", context),
                )
            )
    return emails


def certificate_event_emails(event) -> list[Email]:
    """The provider's members, and the confirmed subscribers of the service, its provider or the whole registry.

    One e-mail per address: a member who also subscribed gets the member's e-mail only; a subscriber following the
    service and its provider gets one, naming one of the two.
    """
    certificate = event.certificate
    context = {"event": event, "certificate": certificate, "site_url": settings.SITE_URL}
    emails = []
    with translation.override(settings.LANGUAGE_CODE):
        members = _provider_addresses(certificate.service.provider_id)
        if members:
            emails.append(
                Email(
                    to=members,
                    subject=render_to_string("emails/certificate_event_subject.txt", context).strip(),
                    body=render_to_string("emails/certificate_event.txt", context),
                )
            )
        emails += _subscriber_emails(event, exclude={address.lower() for address in members})
    return emails


def _subscriber_emails(event, exclude) -> list[Email]:
    certificate = event.certificate
    followers = [s for s in subscriptions.subscribers_of(certificate.service) if s.email.lower() not in exclude]
    if not followers:
        return []
    context = {
        "event": event,
        "certificate": certificate,
        "change": subscriptions.CHANGE_LABELS[subscriptions.event_change(event)],
        "service_url": subscriptions.service_url(certificate.service),
    }
    subject = render_to_string("emails/subscription_event_subject.txt", context).strip()
    emails = []
    for subscription in followers:
        personal = context | {
            "target": subscriptions.subscription_target_label(subscription),
            "unsubscribe_url": subscriptions.unsubscribe_url(subscription),
        }
        emails.append(
            Email(
                to=[subscription.email],
                subject=subject,
                body=render_to_string("emails/subscription_event.txt", personal),
                headers=subscriptions.unsubscribe_headers(subscription),
            )
        )
    return emails


__all__ = ["Email", "certificate_event_emails", "dossier_event_emails"]
