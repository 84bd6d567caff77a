"""Named reads for the evaluation centres: who evaluates for which centre, and what a centre may see.

Every page of the centre's space reads through these: a dossier, document or certificate of another centre is not in
them, so it answers 404 wherever it is asked for.
"""

from django.db.models import Q
from django.http import Http404

from registry.certificates.models import Certificate
from registry.evaluation import rules
from registry.evaluation.models import Evaluator
from registry.qualification.choices import AFTER_QUALIFICATION_DOCUMENT_KINDS
from registry.qualification.models import Document, Dossier, Message


def evaluator_for(user) -> Evaluator | None:
    """The user's evaluator record with its centre (active or not), or None."""
    if user is None or not user.is_authenticated:
        return None
    return Evaluator.objects.select_related("centre").filter(user_id=user.pk).first()


def is_evaluator_of(user_id, centre_id) -> bool:
    """Does this person evaluate (or did they evaluate) for this centre? Used by the four-eyes rule: an evaluator of a
    dossier's centre never instructs nor decides it, even once their access was turned off."""
    if user_id is None or centre_id is None:
        return False
    return Evaluator.objects.filter(user_id=user_id, centre_id=centre_id).exists()


def centre_dossiers(centre):
    """The dossiers the centre evaluates or evaluated, the latest move first."""
    return (
        Dossier.objects.filter(evaluation_center=centre, status__in=rules.CENTRE_VISIBLE_STATUSES)
        .select_related("service__provider", "scheme")
        .order_by("-status_changed_at", "-pk")
    )


def held_dossiers(centre):
    """The centre's dossiers still open (admitted, not decided): what it holds, which the agency watches when its
    approval lapses."""
    return centre_dossiers(centre).filter(status__in=rules.HELD_STATUSES)


def centre_certificates(centre):
    """The certificates whose dossier the centre evaluated (their surveillance audits come to it)."""
    return (
        Certificate.objects.filter(dossier__evaluation_center=centre)
        .select_related("service__provider", "scheme")
        .order_by("-issued_on", "-pk")
    )


def centre_dossier(centre, reference: str) -> Dossier:
    """One of the centre's dossiers by reference; 404 for any other (another centre's, not yet admitted)."""
    dossier = centre_dossiers(centre).filter(reference=reference).first()
    if dossier is None:
        raise Http404("No such dossier.")
    return dossier


def centre_documents(dossier):
    """The documents of the dossier a centre reads: its instruction documents (the provider's evidence and the
    evaluation report), never what was filed after the decision (incidents are confidential) nor an attachment of an
    agency-internal note."""
    return (
        Document.objects.filter(dossier=dossier)
        .exclude(kind__in=AFTER_QUALIFICATION_DOCUMENT_KINDS)
        .exclude(Q(messages__internal=True))
        .select_related("previous")
        .order_by("kind", "title", "-version")
        .distinct()
    )


def centre_document(centre, pk: int) -> Document:
    """A document the centre may download, or 404 (another centre's, an internal attachment, a later filing)."""
    document = Document.objects.select_related("dossier").filter(pk=pk).first()
    if document is None:
        raise Http404("No such document.")
    try:
        dossier = centre_dossiers(centre).get(pk=document.dossier_id)
    except Dossier.DoesNotExist as exc:
        raise Http404("No such document.") from exc
    if not centre_documents(dossier).filter(pk=pk).exists():
        raise Http404("No such document.")
    return document


def centre_messages(dossier):
    """The dossier's messages a centre reads: never the agency's internal notes."""
    return Message.objects.filter(dossier=dossier, internal=False).select_related("author").order_by("created_at")
