"""The e-mails of a change notice's steps, through the outbox, each in its recipient's language.

Filed: the reviewers, who take it. Acceptance proposed on a transformative change: the agency, less the proposer, one
of whom confirms. Withdrawn: its reviewer (the reviewers while nobody took it). Taken and every decision: the
provider's members. The e-mails name the notice and its step; the record's details stay behind the sign-in."""

from django.conf import settings
from django.contrib.auth import get_user_model

from registry.notifications import outbox
from registry.notifications.emails import compose, follower_emails, group_recipients, recipients, user_recipients
from registry.qualification.workflow import AGENCY_GROUPS, REVIEWERS

TO_PROVIDER = ("taken", "accepted", "reevaluation", "refused")


def key(notice, step: str) -> str:
    return f"change_notice:{notice.pk}:{step}"


def _recipients(notice, step: str):
    if step == "filed":
        return group_recipients((REVIEWERS,))
    if step == "acceptance_proposed":
        return group_recipients(AGENCY_GROUPS, exclude_user_ids=[notice.acceptance_proposed_by_id])
    if step == "withdrawn":
        return user_recipients(notice.reviewer_id) if notice.reviewer_id else group_recipients((REVIEWERS,))
    members = get_user_model().objects.filter(memberships__provider_id=notice.provider_id, is_active=True)
    return recipients(members)


def notify_on_commit(notice, step: str) -> None:
    """Write this step's e-mails in the caller's transaction; they are sent once it commits (once: keyed by step)."""
    context = {
        "notice": notice,
        "step": step,
        "to_provider": step in TO_PROVIDER,
        "provider": notice.provider,
        "service": notice.service,
        "site_url": settings.SITE_URL,
    }
    outbox.send_on_commit(key(notice, step), compose(_recipients(notice, step), "change_notice", context))


def notify_followers_on_commit(notice, certificates) -> None:
    """An accepted change is public: the followers of each certified service concerned (the service, its provider or
    the whole registry) hear of it as the public history tells it, its kind and the agency's public summary, never the
    provider's description. The provider's members are told by the "accepted" step instead."""
    from registry.public import subscriptions

    members = get_user_model().objects.filter(memberships__provider_id=notice.provider_id, is_active=True)
    exclude = {address.lower() for address, _language in recipients(members)}
    for certificate in certificates:
        context = {
            "notice": notice,
            "certificate": certificate,
            "service_url": subscriptions.service_url(certificate.service),
        }
        emails = follower_emails(certificate.service, "subscription_change", context, exclude=exclude)
        outbox.send_on_commit(f"change_notice:{notice.pk}:followers:{certificate.pk}", emails)
