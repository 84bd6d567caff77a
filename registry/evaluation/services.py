"""Every write on the evaluation centres' people: invitations sent by a registry administrator, accepted by the
invitee, and withdrawn."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from registry.accounts import audit
from registry.accounts.emails import recipient_language
from registry.accounts.permissions import actor_for, forget_actor
from registry.evaluation import rules
from registry.evaluation.models import Evaluator, EvaluatorInvitation
from registry.notifications import outbox
from registry.providers.rules import is_registry_administrator
from registry.qualification.workflow import Refused


def _require_administrator(by) -> None:
    if not is_registry_administrator(actor_for(by)):
        raise Refused(_("Only a registry administrator can invite or remove a centre's evaluators."))


def evaluator_invite(*, centre, by, email: str) -> EvaluatorInvitation:
    """Invite `email` to evaluate for `centre`. Only a centre whose approval is in force gets new people."""
    _require_administrator(by)
    email = email.strip().lower()
    if not rules.centre_may_take_new_work(centre):
        raise Refused(_("This centre's approval is not in force: it cannot take new evaluators."))
    if Evaluator.objects.filter(user__email__iexact=email).exists():
        raise Refused(_("%(email)s already evaluates for a centre.") % {"email": email})
    try:
        with transaction.atomic():
            invitation = EvaluatorInvitation.objects.create(centre=centre, email=email, invited_by=by)
            _send_invitation(invitation)
            audit.record("evaluator_invitation.create", actor=by, obj=centre, email=email)
    except IntegrityError as exc:
        raise Refused(_("An invitation to %(email)s is already waiting.") % {"email": email}) from exc
    return invitation


def _send_invitation(invitation) -> None:
    """Written to the outbox with the invitation, in the invitee's language when they have an account; sent after the
    commit."""
    language = recipient_language(invitation.email)
    context = {"invitation": invitation, "site_url": settings.SITE_URL}
    with translation.override(language):
        email = outbox.Email(
            to=[invitation.email],
            subject=render_to_string("emails/evaluator_invitation_subject.txt", context).strip(),
            body=render_to_string("emails/evaluator_invitation.txt", context),
            language=language,
            kind="evaluator_invitation",
        )
    outbox.send_on_commit(f"evaluator-invitation:{invitation.pk}", [email])


def evaluator_invitation_revoke(*, invitation, by) -> None:
    _require_administrator(by)
    with transaction.atomic():
        locked = EvaluatorInvitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at:
            raise Refused(_("This invitation has already been accepted."))
        audit.record("evaluator_invitation.revoke", actor=by, obj=locked.centre, email=locked.email)
        locked.delete()


def evaluator_invitation_accept(*, invitation, by) -> Evaluator:
    """Become an evaluator of the invitation's centre: only the invited address, once, before it expires, and only
    someone independent of the agency and of the providers (rules.acceptance_refusal)."""
    with transaction.atomic():
        locked = EvaluatorInvitation.objects.select_for_update().select_related("centre").get(pk=invitation.pk)
        if locked.accepted_at:
            raise Refused(_("This invitation has already been used."))
        if locked.is_expired:
            raise Refused(_("This invitation has expired; ask the agency for a new one."))
        refusal = rules.acceptance_refusal(
            actor=actor_for(by),
            is_staff=by.is_staff or by.is_superuser,
            evaluator=Evaluator.objects.select_related("centre").filter(user=by).first(),
            invitation_email=locked.email,
            email=by.email,
        )
        if refusal:
            raise Refused(refusal)
        evaluator = Evaluator.objects.create(user=by, centre=locked.centre, invited_by=locked.invited_by)
        locked.accepted_at = timezone.now()
        locked.accepted_by = by
        locked.save(update_fields=["accepted_at", "accepted_by"])
        audit.record("evaluator_invitation.accept", actor=by, obj=locked.centre, email=locked.email)
    forget_actor(by)
    return evaluator


def evaluator_set_active(*, evaluator, by, active: bool) -> Evaluator:
    """Turn an evaluator's access to the centre's space off or on again (the record stays: four eyes reads it)."""
    _require_administrator(by)
    with transaction.atomic():
        locked = Evaluator.objects.select_for_update().get(pk=evaluator.pk)
        if locked.active != active:
            locked.active = active
            locked.save(update_fields=["active"])
            audit.record("evaluator.update", actor=by, obj=locked.centre, email=evaluator.user.email, active=active)
    return locked
