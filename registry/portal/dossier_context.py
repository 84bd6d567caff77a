"""What every dossier page of the portal shares: finding the dossier for a member, the frame (progress, steps, the
reviewer's request) and the status timeline in the words a provider reads."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from registry.accounts.permissions import actor_for, with_membership
from registry.evaluation.events import STEPS, done_text
from registry.qualification import review, rules
from registry.qualification.models import Dossier, DossierEvent
from registry.qualification.services import answers

S = Dossier.Status
STATUS_HELP = {
    S.DRAFT: gettext_lazy("Draft: complete the steps below, then submit the dossier to the agency."),
    S.SUBMITTED: gettext_lazy("Submitted: waiting for a reviewer of the agency to take it."),
    S.IN_REVIEW: gettext_lazy("In review: the agency checks that the dossier is complete and admissible."),
    S.CHANGES_REQUESTED: gettext_lazy(
        "Changes requested: make the changes asked for, then resubmit the dossier; it goes straight back to the "
        "reviewer who asked for them."
    ),
    S.EVALUATION: gettext_lazy("In evaluation: the approved evaluation centre is auditing the service."),
    S.DECISION: gettext_lazy("Awaiting the decision of the qualification committee."),
    S.QUALIFIED: gettext_lazy("Qualified: the certificate is published in the registry."),
    S.REJECTED: gettext_lazy("Not qualified: the dossier is closed."),
    S.WITHDRAWN: gettext_lazy("Withdrawn: the dossier is closed."),
}


def member_dossier(user, reference) -> Dossier:
    """The dossier `reference` if the user is a member of its provider; 404 for anyone else, the agency included.

    The agency works on dossiers in its own workspace (/admin/); the portal is the provider's. The provider gets the
    user's role and what it allows (registry.accounts.permissions.with_membership), as provider_for does for the other
    portal pages.
    """
    if not user.is_authenticated:
        raise Http404("No such dossier.")
    dossier = (
        Dossier.objects.filter(reference=reference, service__provider__memberships__user=user)
        .select_related("service__provider", "scheme", "evaluation_center", "declared_by", "renews")
        .first()
    )
    if dossier is None:
        raise Http404("No such dossier.")
    with_membership(dossier.service.provider, user)
    return dossier


def require_writer(dossier) -> None:
    """403 for a viewer: they read the dossier, they never write on it."""
    if not dossier.service.provider.may_write:
        raise PermissionDenied(_("Your role in this organisation is read-only."))


def finish(request, url):
    """Redirect after a successful POST; an upload sent by static/js/upload.js is told where to go instead."""
    if request.headers.get("x-requested-with") == "XMLHttpRequest":
        return JsonResponse({"redirect": url})
    return redirect(url)


def frame(request, dossier, *, active: str, progress=None) -> dict:
    """The context every dossier template expects (portal/dossier_base.html).

    While changes are requested, every page recalls the reviewer's request; the overview lists its action items too
    (the findings the provider may read, each linked to its requirement)."""
    actor = actor_for(request.user)
    provider = dossier.service.provider
    change_request, action_items = None, []
    if dossier.status == Dossier.Status.CHANGES_REQUESTED:
        change_request = (
            dossier.events.filter(action="request_changes", internal=False).order_by("-created_at", "-pk").first()
        )
        if change_request is not None and active == "overview":
            action_items = review.action_items(dossier, event=change_request)
    return {
        "dossier": dossier,
        "provider": provider,
        "service": dossier.service,
        "progress": progress if progress is not None else answers.dossier_progress(dossier),
        "may_edit": rules.may_edit_content(actor, dossier),
        "edit_refusal": rules.content_edit_refusal(actor, dossier),
        "may_write": provider.may_write,
        "in_providers_hands": rules.in_providers_hands(dossier),
        "active": active,
        "upload_limit": settings.DOCUMENT_MAX_UPLOAD_BYTES,
        "status_help": STATUS_HELP.get(dossier.status, ""),
        "change_request": change_request,
        "action_items": action_items,
        # The evaluation's page, once the dossier was admitted (its contract, the centre's plan and report).
        "shows_evaluation": dossier.status in (S.EVALUATION, S.DECISION) or dossier.evaluation_center_id is not None,
    }


@dataclass
class Entry:
    when: object
    sentence: str
    comment: str
    tone: str  # "agency" or "provider"


def _name(user) -> str:
    if user is None:
        return _("the registry")
    return user.get_full_name() or user.email or user.get_username()


def _sentence(event, dossier) -> tuple[str, str]:
    name = _name(event.actor)
    action = event.action
    if action == "create":
        return _("Dossier opened by %(name)s.") % {"name": name}, "provider"
    if action == "submit":
        return _("Submitted by %(name)s.") % {"name": name}, "provider"
    if action == "resubmit":
        return _("Resubmitted by %(name)s.") % {"name": name}, "provider"
    if action == "withdraw":
        return _("Withdrawn by %(name)s.") % {"name": name}, "provider"
    if action == "declare":
        detail = event.detail or {}
        words = {"signatory": detail.get("signatory", ""), "capacity": detail.get("capacity", ""), "name": name}
        if words["signatory"] == name:  # signed from the signatory's own account
            return _("Declaration signed by %(signatory)s, %(capacity)s.") % words, "provider"
        return _("Declaration signed by %(signatory)s, %(capacity)s (account of %(name)s).") % words, "provider"
    if action == "oscal_import":
        count = (event.detail or {}).get("mapped", 0)
        return ngettext(
            "%(count)d answer imported from an OSCAL file by %(name)s.",
            "%(count)d answers imported from an OSCAL file by %(name)s.",
            count,
        ) % {"count": count, "name": name}, "provider"
    if action == "take":
        return _("Taken in review by the agency."), "agency"
    if action == "request_changes":
        return _("The agency requested changes:"), "agency"
    if action == "admit":
        if dossier.evaluation_center is not None:
            return _("Admitted for evaluation by %(centre)s.") % {"centre": dossier.evaluation_center.name}, "agency"
        return _("Admitted for evaluation."), "agency"
    if action == "report":
        return _("Evaluation completed; the dossier went to the qualification committee."), "agency"
    if action == "send_back":
        return _("The qualification committee sent the dossier back to evaluation."), "agency"
    if action == "qualify":
        return _("Qualified by the qualification committee."), "agency"
    if action == "reject":
        return _("The qualification committee refused the qualification."), "agency"
    if action == "declare_inadmissible":
        return _("The agency declared the dossier inadmissible."), "agency"
    step = STEPS.get(action)
    if step is not None:  # the evaluation's steps: the provider's, the centre's or the agency's
        tone = "agency" if action in AGENCY_STEPS else "provider"
        return done_text(action, event.detail), tone
    return _("Status: %(status)s.") % {"status": event.get_to_status_display() or action}, "agency"


# The evaluation's steps the agency takes (the others are the provider's or the centre's).
AGENCY_STEPS = (
    "contract_validate",
    "contract_refuse",
    "plan_validate",
    "plan_changes",
    "audit_plan_validate",
    "audit_plan_changes",
)


def timeline(dossier) -> list[Entry]:
    """The dossier's history as the provider may read it: internal events never; messages live in the dialogue."""
    events = (
        DossierEvent.objects.filter(dossier=dossier, internal=False)
        .exclude(action="message")
        .select_related("actor")
        .order_by("created_at", "pk")
    )
    entries = []
    for event in events:
        sentence, tone = _sentence(event, dossier)
        comment = event.comment if rules.provider_reads_comment(event) else ""
        entries.append(Entry(when=event.created_at, sentence=sentence, comment=comment, tone=tone))
    return entries
