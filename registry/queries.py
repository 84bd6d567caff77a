"""Named read queries shared by pages, the admin, the API and exports."""

from django.db.models import Q

from registry.models import Dossier
from registry.models.choices import DossierStatus as S
from registry.workflow import COMMITTEE, REVIEWERS


def dossiers_waiting_for(actor, queryset=None):
    """Dossiers on which this agency member has a move to make now.

    Mirrors the agency rows of registry.workflow.MOVES in SQL; tests/test_admin_dossiers.py checks the two agree.
    """
    qs = queryset if queryset is not None else Dossier.objects.all()
    condition = Q(pk__in=[])
    if actor.in_group(REVIEWERS):
        condition |= Q(status=S.SUBMITTED)
        condition |= Q(status__in=(S.IN_REVIEW, S.EVALUATION), instructing_reviewer_id=actor.user_id)
    if actor.in_group(COMMITTEE):
        condition |= Q(status=S.DECISION) & ~Q(instructing_reviewer_id=actor.user_id)
    return qs.filter(condition)
