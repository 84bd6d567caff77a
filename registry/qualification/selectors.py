"""Named reads of dossiers, shared by the agency's workspace and the notifications."""

from django.db.models import Exists, OuterRef, Q

from registry.qualification.choices import DocumentKind
from registry.qualification.choices import DossierStatus as S
from registry.qualification.models import Document, Dossier, DossierEvent
from registry.qualification.workflow import COMMITTEE, INSTRUCTION_MOVES, REVIEWERS


def instructor_ids(dossier) -> frozenset:
    """Everyone the dossier's history names as having instructed it: the actors of its instruction moves and the
    authors of every version of its evaluation report (registry.qualification.workflow.instructors adds the current
    instructing reviewer)."""
    movers = DossierEvent.objects.filter(dossier=dossier, action__in=INSTRUCTION_MOVES, actor__isnull=False)
    authors = Document.objects.filter(dossier=dossier, kind=DocumentKind.EVALUATION_REPORT, uploaded_by__isnull=False)
    # One query for both: a dossier page or a move reads them once.
    return frozenset(
        movers.order_by()
        .values_list("actor_id", flat=True)
        .union(authors.order_by().values_list("uploaded_by_id", flat=True))
    )


def with_instructors(dossier):
    """The dossier, with its instructors read from its history: what the four-eyes rule of the workflow asks."""
    dossier.instructor_ids = instructor_ids(dossier)
    return dossier


def instructed_by(user_id) -> Q:
    """instructors() in SQL: the dossiers this person took part in instructing."""
    moved = DossierEvent.objects.filter(dossier=OuterRef("pk"), action__in=INSTRUCTION_MOVES, actor_id=user_id)
    wrote = Document.objects.filter(dossier=OuterRef("pk"), kind=DocumentKind.EVALUATION_REPORT, uploaded_by_id=user_id)
    return Q(instructing_reviewer_id=user_id) | Q(Exists(moved)) | Q(Exists(wrote))


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
        condition |= Q(status=S.DECISION) & ~instructed_by(actor.user_id)
    return qs.filter(condition)
