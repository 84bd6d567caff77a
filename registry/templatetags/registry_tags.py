from django import template
from django.utils.translation import gettext_lazy as _

from registry.workflow import MOVES

register = template.Library()

OTHER_ACTIONS = {"create": _("Dossier opened"), "message": _("Message")}


@register.filter
def event_label(event) -> str:
    """A person's words for a DossierEvent's action: the move's label from the workflow table."""
    move = MOVES.get(event.action)
    if move is not None:
        return str(move.label)
    return str(OTHER_ACTIONS.get(event.action, event.action))
