"""Composing the e-mails that tell people about a dossier or a certificate. Called by registry.notifications.tasks and
registry.notifications.reminders, which write them to the outbox (registry.notifications.outbox sends them).

Every e-mail has a plain-text body and an HTML alternative, rendered from templates/emails/<name>.txt and .html, in the
recipient's language (registry.accounts.preferences states the rule). Recipients are grouped by language, so that a
template is rendered once per language, not once per person; a subscriber's e-mail is personal (its unsubscribe link),
so only its subject is shared.
"""

from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.utils import translation

from registry.accounts.permissions import actor_for
from registry.accounts.preferences import supported_language
from registry.certificates.selectors import event_change
from registry.evaluation.events import STEPS
from registry.notifications.outbox import Email
from registry.public import subscriptions
from registry.qualification import review, rules
from registry.qualification.workflow import COMMITTEE, REVIEWERS

# Which agency group hears of which move: the dossier's next hands.
AGENCY_RECIPIENTS = {
    "submit": (REVIEWERS,),
    "report": (COMMITTEE,),
}
# The moves only the dossier's instructing reviewer hears of: a resubmission comes back to them (nobody takes it
# again), and a withdrawal tells them to stop working on it.
INSTRUCTING_REVIEWER_HEARS = ("resubmit", "withdraw")

# (address, language)
Recipient = tuple[str, str]


def recipients(users) -> list[Recipient]:
    """The addresses of these users with the language each reads, sorted by address; users without an address are
    left out."""
    rows = users.exclude(email="").values_list("email", "preference__language").distinct()
    return sorted({(address, supported_language(language)) for address, language in rows})


def _provider_recipients(provider_id) -> list[Recipient]:
    User = get_user_model()
    return recipients(User.objects.filter(memberships__provider_id=provider_id, is_active=True))


def group_recipients(groups, exclude_user_ids=()) -> list[Recipient]:
    User = get_user_model()
    users = User.objects.filter(groups__name__in=groups, is_active=True, is_staff=True)
    if exclude_user_ids:
        users = users.exclude(pk__in=exclude_user_ids)
    return recipients(users)


def user_recipients(user_id) -> list[Recipient]:
    return recipients(get_user_model().objects.filter(pk=user_id))


def compose(to: list[Recipient], template: str, context: dict, headers=None) -> list[Email]:
    """One Email per language for these recipients, from emails/<template>_subject.txt, <template>.txt and .html."""
    by_language = defaultdict(list)
    for address, language in to:
        by_language[language].append(address)
    emails = []
    for language in sorted(by_language):
        with translation.override(language):
            emails.append(
                Email(
                    to=by_language[language],
                    subject=render_to_string(f"emails/{template}_subject.txt", context).strip(),
                    body=render_to_string(f"emails/{template}.txt", context),
                    html=render_to_string(f"emails/{template}.html", context),
                    headers=dict(headers or {}),
                    language=language,
                    kind=template,
                )
            )
    return emails


def dossier_event_emails(event) -> list[Email]:
    """The e-mails an event of a dossier's log calls for: the provider's members, and the agency's next hands.

    The provider's e-mail carries the comment only when the provider may read it (not the reviewer's rationale for
    the committee) and, for a change request, its action items; the agency's e-mail carries the recommendation.
    """
    if event.action in STEPS:
        from registry.notifications.evaluation_emails import evaluation_event_emails

        return evaluation_event_emails(event)
    dossier = event.dossier
    # A message may come from the agency or from one of the provider's own members: the e-mail must say which.
    from_agency = event.actor_id is not None and bool(actor_for(event.actor).groups)
    context = {"event": event, "dossier": dossier, "site_url": settings.SITE_URL, "from_agency": from_agency}
    emails = []
    if not event.internal:
        to = _provider_recipients(dossier.service.provider_id)
        if event.actor_id and event.action == "message":
            to = [r for r in to if r[0] != event.actor.email]
        provider_context = context | {
            "comment": event.comment if rules.provider_reads_comment(event) else "",
            "action_items": review.action_items(dossier, event=event) if event.action == "request_changes" else [],
        }
        emails += compose(to, "dossier_event", provider_context)
    if event.action == "report":
        context["recommendation"] = review.recommendation_of(event)
    groups = AGENCY_RECIPIENTS.get(event.action)
    if groups:
        to = group_recipients(groups)
    elif event.action == "message" and not event.internal and not from_agency and dossier.instructing_reviewer_id:
        # A provider's reply goes to the reviewer in charge (a colleague's message is not "from the provider").
        to = user_recipients(dossier.instructing_reviewer_id)
    elif event.action in INSTRUCTING_REVIEWER_HEARS and dossier.instructing_reviewer_id:
        to = user_recipients(dossier.instructing_reviewer_id)
    else:
        to = []
    emails += compose(to, "agency_event", context)
    return emails


def certificate_event_emails(event) -> list[Email]:
    """The provider's members, and the confirmed subscribers of the service, its provider or the whole registry.

    One e-mail per address: a member who also subscribed gets the member's e-mail only; a subscriber following the
    service and its provider gets one, naming one of the two.
    """
    certificate = event.certificate
    context = {"event": event, "certificate": certificate, "site_url": settings.SITE_URL}
    members = _provider_recipients(certificate.service.provider_id)
    emails = compose(members, "certificate_event", context)
    emails += _subscriber_emails(event, exclude={address.lower() for address, _language in members})
    return emails


def _subscriber_emails(event, exclude) -> list[Email]:
    certificate = event.certificate
    context = {
        "event": event,
        "certificate": certificate,
        "change": subscriptions.CHANGE_LABELS[event_change(event)],
        "service_url": subscriptions.service_url(certificate.service),
    }
    return follower_emails(certificate.service, "subscription_event", context, exclude=exclude)


def follower_emails(service, template: str, context: dict, *, exclude=frozenset()) -> list[Email]:
    """One e-mail per confirmed follower of the service, its provider or the whole registry (subscribers_of), but the
    addresses in `exclude` (the provider's members, who hear of it as members), each in the follower's language, with
    its own unsubscribe link. `template`: emails/<template>.txt, .html and _subject.txt."""
    followers = [s for s in subscriptions.subscribers_of(service) if s.email.lower() not in exclude]
    subjects = {}
    emails = []
    for subscription in followers:
        language = supported_language(subscription.language)
        with translation.override(language):
            if language not in subjects:
                subjects[language] = render_to_string(f"emails/{template}_subject.txt", context).strip()
            personal = context | {
                "target": subscriptions.subscription_target_label(subscription),
                "unsubscribe_url": subscriptions.unsubscribe_url(subscription),
            }
            emails.append(
                Email(
                    to=[subscription.email],
                    subject=subjects[language],
                    body=render_to_string(f"emails/{template}.txt", personal),
                    html=render_to_string(f"emails/{template}.html", personal),
                    headers=subscriptions.unsubscribe_headers(subscription),
                    language=language,
                    kind=template,
                )
            )
    return emails


__all__ = [
    "Email",
    "certificate_event_emails",
    "compose",
    "dossier_event_emails",
    "follower_emails",
    "group_recipients",
    "recipients",
    "user_recipients",
]
