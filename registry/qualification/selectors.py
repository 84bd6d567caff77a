"""Named reads of dossiers, shared by the agency's workspace and the notifications."""

from django.db.models import Q

from registry.qualification.choices import DossierStatus as S
from registry.qualification.models import Dossier
from registry.qualification.workflow import COMMITTEE, REVIEWERS


def dossiers_waiting_for(actor, queryset=None):
    """Dossiers on which this agency member has a move to make now.

    Mirrors the agency rows of registry.qualification.workflow.MOVES in SQL; tests/agency/test_admin_dossiers.py checks
    the two agree.
    """
    qs = queryset if queryset is not None else Dossier.objects.all()
    condition = Q(pk__in=[])
    if actor.in_group(REVIEWERS):
        condition |= Q(status=S.SUBMITTED)
        condition |= Q(status__in=(S.IN_REVIEW, S.EVALUATION), instructing_reviewer_id=actor.user_id)
    if actor.in_group(COMMITTEE):
        condition |= Q(status=S.DECISION) & ~Q(instructing_reviewer_id=actor.user_id)
    return qs.filter(condition)
