"""Who may use the centres' space: an evaluator of an approved centre. Every centre view asks this first."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from registry.evaluation import selectors


def evaluator_or_403(request):
    """The signed-in user's evaluator record (active or not: a lapsed one still reads), or 403: the space is the
    centres' alone."""
    evaluator = selectors.evaluator_for(request.user)
    if evaluator is None:
        raise PermissionDenied(_("This space is for the evaluators of an approved evaluation centre."))
    return evaluator
