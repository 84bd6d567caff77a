"""The evaluation centres' rules, as pure functions: nothing here touches the database.

`actor` is a registry.qualification.workflow.Actor; `evaluator` an Evaluator (with its centre) or None.
"""

from django.utils.translation import gettext as _

from registry.qualification.choices import CLOSED_DOSSIER_STATUSES
from registry.qualification.choices import DossierStatus as S

# A centre sees a dossier once the agency admitted it for evaluation with that centre, and keeps seeing it after
# (the decision, and for a qualified one its surveillance): the states a dossier reaches from "evaluation" on.
CENTRE_VISIBLE_STATUSES = (S.EVALUATION, S.DECISION, S.QUALIFIED, S.REJECTED, S.WITHDRAWN)
# The states in which a centre holds a dossier: admitted, not yet closed.
HELD_STATUSES = tuple(s for s in CENTRE_VISIBLE_STATUSES if s not in CLOSED_DOSSIER_STATUSES)


def centre_may_take_new_work(centre) -> bool:
    """May the agency give this centre new work (a dossier to evaluate, a surveillance audit)? Only while its
    approval is in force. A centre whose approval lapsed keeps what it holds, read-only, and the agency sees it."""
    return centre is not None and centre.active


def approval_lapsed(evaluator) -> bool:
    """Is the evaluator's standing lapsed (their own account turned off, or their centre's approval)? They keep
    reading what their centre holds; a banner says why nothing new comes."""
    return not evaluator.active or not centre_may_take_new_work(evaluator.centre)


def acceptance_refusal(*, actor, is_staff: bool, evaluator, invitation_email: str, email: str) -> str:
    """Why this person may not accept an evaluator invitation; "" when they may.

    Independence: an evaluator judges a provider's service for the agency, so nobody of the agency (staff, reviewers,
    the committee, administrators) and nobody of a provider evaluates; and a person evaluates for one centre.
    """
    if email.lower() != invitation_email.lower():
        return _("This invitation was sent to %(email)s; sign in with that address to accept it.") % {
            "email": invitation_email
        }
    if is_staff or actor.groups:
        return _(
            "The agency's staff cannot evaluate for a centre: evaluation centres are independent of the agency. "
            "Accept with an account that is not the agency's."
        )
    if actor.provider_roles:
        return _(
            "Members of a provider cannot evaluate for a centre: evaluation centres are independent of the "
            "providers they evaluate. Accept with an account of your centre."
        )
    if evaluator is not None:
        return _("Your account already evaluates for %(centre)s.") % {"centre": evaluator.centre.name}
    return ""
