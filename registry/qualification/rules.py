"""The qualification's rules that are not moves of the workflow table, as pure functions of (actor, dossier).

The services enforce them; the portal, the agency's workspace and the templates (through their views' context) ask
them to decide what to show. None of them spells a status list or a role out again. Like the workflow table, nothing
here touches the database: `actor` is a `workflow.Actor` and the dossier any object with the fields read.
"""

from django.utils.translation import gettext as _

from registry.providers.rules import VIEWER, is_writer
from registry.qualification.choices import DocumentKind
from registry.qualification.choices import DossierStatus as S
from registry.qualification.models import Answer
from registry.qualification.workflow import REVIEWERS

# The dossier is in the provider's hands: they change its content and sign its declaration, then submit it.
PROVIDER_EDITABLE = (S.DRAFT, S.CHANGES_REQUESTED)
# The agency adds its own documents while it instructs the dossier (the evaluation report is the centre's).
AGENCY_EDITABLE = (S.IN_REVIEW, S.EVALUATION, S.DECISION)
# Findings belong to the instruction: once the committee has the dossier, they are what it decides on.
FINDINGS_OPEN = (S.IN_REVIEW, S.EVALUATION)
# Moves after which the provider signs the declaration again: what they resubmit is a new filing.
MOVES_VOIDING_THE_DECLARATION = ("request_changes",)
# Moves whose comment is written for the agency only: sending to decision carries the reviewer's rationale for the
# committee (with the recommendation in the event's detail); the provider sees that the move happened, not why.
MOVES_WITH_AN_AGENCY_COMMENT = ("report",)


def _is_agency(actor) -> bool:
    return bool(actor.groups)


def in_providers_hands(dossier) -> bool:
    """Is the dossier with the provider (a draft, or changes requested) rather than with the agency or closed?"""
    return dossier.status in PROVIDER_EDITABLE


def content_edit_refusal(actor, dossier) -> str:
    """Why this person may not change the dossier's content (answers, documents, declaration) now; "" when they may."""
    if not is_writer(actor, dossier.service.provider_id):
        return _("Only an owner or editor of the provider can change the dossier.")
    if not in_providers_hands(dossier):
        return _("The dossier can only be changed while it is a draft or changes are requested; it is %(status)s.") % {
            "status": str(S(dossier.status).label).lower()
        }
    return ""


def may_edit_content(actor, dossier) -> bool:
    """May this person change the dossier's self-assessment, add its documents and sign its declaration now?"""
    return not content_edit_refusal(actor, dossier)


def document_refusal(actor, dossier, kind: str = "") -> str:
    """Why this person may not add a document (of `kind`, when known) to the dossier now; "" when they may.

    The provider adds documents while they may edit the content; the agency's reviewers add theirs while instructing.
    Nobody uploads the evaluation report: the centre submits it with its grid of verdicts, from its space.
    """
    if kind == DocumentKind.EVALUATION_REPORT:
        return _(
            "The evaluation report is the evaluation centre's: the centre submits it from its space, with its grid "
            "of verdicts."
        )
    if _is_agency(actor):
        allowed = actor.in_group(REVIEWERS) and dossier.status in AGENCY_EDITABLE
    else:
        allowed = may_edit_content(actor, dossier)
    return "" if allowed else _("Documents cannot be added to this dossier now.")


def may_add_document(actor, dossier, kind: str = "") -> bool:
    """May this person add a document (of `kind`, when known) to the dossier now?"""
    return not document_refusal(actor, dossier, kind)


def findings_refusal(actor, dossier) -> str:
    """Why this person may not record findings on the dossier's answers now; "" when they may."""
    if not actor.in_group(REVIEWERS) or dossier.instructing_reviewer_id != actor.user_id:
        return _("Only the instructing reviewer of this dossier can record findings.")
    if dossier.status not in FINDINGS_OPEN:
        return _("Findings are recorded while the dossier is in review or in evaluation.")
    return ""


def may_record_findings(actor, dossier) -> bool:
    """May this person record the per-requirement findings of the dossier now?"""
    return not findings_refusal(actor, dossier)


def change_voids_declaration(actor, dossier, *, move: str = "") -> bool:
    """Does this change void the signed declaration? `move` names a workflow move; without it, the change is to content.

    The declaration vouches for the dossier as the provider filed it: any change of theirs asks for a new signature,
    and so does the agency's request for changes. The agency's own documents leave it standing.
    """
    if dossier.declared_at is None:
        return False
    if move:
        return move in MOVES_VOIDING_THE_DECLARATION
    return not _is_agency(actor)


# A finding still to be lifted: a non-conformity, minor or major ("conform" closes the requirement).
OPEN_FINDINGS = (Answer.Finding.MINOR, Answer.Finding.MAJOR)


def has_open_finding(answer) -> bool:
    """Does this answer carry a non-conformity still to be lifted?"""
    return answer is not None and answer.finding in OPEN_FINDINGS


def message_refusal(actor, dossier, *, internal: bool = False) -> str:
    """Why this person may not write on the dossier's thread (an internal note when `internal`); "" when they may.

    The agency writes on any dossier, internal notes included; the provider's owners and editors write messages."""
    if _is_agency(actor):
        return ""
    role = actor.provider_role(dossier.service.provider_id)
    if role is None:
        return _("Only the provider's members and the agency can write on this dossier.")
    if internal:
        return _("Only the agency can write internal notes.")
    if role == VIEWER:
        return _("Viewers cannot write messages; ask an owner or editor of your organisation.")
    return ""


def provider_reads_finding(answer) -> bool:
    """Does the provider see the reviewer's finding on this answer? Any finding but an internal one."""
    return answer is not None and bool(answer.finding) and not answer.finding_internal


def provider_reads_comment(event) -> bool:
    """May the provider read this event's comment (in the portal's timeline and in its e-mail)?

    Internal events never reach the provider at all; of the others, the report's comment is the reviewer's rationale
    to the committee and stays with the agency.
    """
    return not event.internal and event.action not in MOVES_WITH_AN_AGENCY_COMMENT
