"""The e-mails of the evaluation's steps (registry.evaluation.events.STEPS): each party hears what happened, and the
one the next step waits on is told so. Written to the outbox by the dossier events' task, as every dossier e-mail."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from registry.evaluation.events import INFORMED, STEPS, WAITS, done_text
from registry.notifications.emails import compose, recipients, user_recipients
from registry.notifications.outbox import Email


def _centre_recipients(centre_id) -> list:
    users = get_user_model().objects.filter(evaluator__centre_id=centre_id, evaluator__active=True, is_active=True)
    return recipients(users)


def _provider_recipients(provider_id) -> list:
    return recipients(get_user_model().objects.filter(memberships__provider_id=provider_id, is_active=True))


def _audit_links(audit_id):
    """A surveillance audit's step: its instructing reviewer (not the dossier's) and the audit's pages in each face."""
    from registry.certificates.models import SurveillanceAudit

    audit = SurveillanceAudit.objects.select_related("certificate__service__provider").get(pk=audit_id)
    certificate = audit.certificate
    provider_path = reverse("portal:certificate", args=[certificate.service.provider.slug, certificate.number])
    return audit.reviewer_id, {
        "provider": provider_path,
        "centre": reverse("centre:audit", args=[audit.pk]),
        "agency": reverse("admin:registry_surveillanceaudit_change", args=[audit.pk]),
    }


def evaluation_event_emails(event) -> list[Email]:
    step = STEPS[event.action]
    dossier = event.dossier
    detail = event.detail or {}
    done = done_text(event.action, detail)
    base = {"event": event, "dossier": dossier, "site_url": settings.SITE_URL, "done": done, "label": step.label}
    reviewer_id = dossier.instructing_reviewer_id
    links = {
        "provider": f"/portal/dossiers/{dossier.reference}/",
        "centre": f"/centre/dossiers/{dossier.reference}/",
        "agency": f"/admin/registry/dossier/{dossier.pk}/change/",
    }
    if detail.get("audit_id"):
        reviewer_id, links = _audit_links(detail["audit_id"])
    audiences = (
        (step.provider, lambda: _provider_recipients(dossier.service.provider_id), links["provider"], "provider"),
        (step.centre, lambda: _centre_recipients(detail.get("centre_id")), links["centre"], "centre"),
        (step.reviewer, lambda: user_recipients(reviewer_id) if reviewer_id else [], links["agency"], "agency"),
    )
    emails = []
    for told, who, path, audience in audiences:
        if told not in (INFORMED, WAITS):
            continue
        to = [r for r in who() if not event.actor_id or r[0] != event.actor.email]
        if not to:
            continue
        url = settings.SITE_URL + path
        context = base | {
            "comment": event.comment if audience != "provider" or step.provider == WAITS else "",
            "waits": told == WAITS,
            "next_step": step.next_step,
            "url": url,
            "audience": audience,
        }
        emails += compose(to, "evaluation_event", context)
    return emails
