"""The provider's side of a dossier's content: self-assessment answers, replies with a new document, and the progress
read that every dossier page of the portal shows.

Writes follow the project's rule: keyword-only arguments, an actor (`by`), one transaction, the dossier row locked so
that a submission cannot slip between a check and a save.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.accounts.permissions import actor_for
from registry.catalogue.models import Requirement
from registry.core import file_deletions
from registry.qualification import rules
from registry.qualification.choices import DocumentKind
from registry.qualification.models import Answer, Document, Dossier
from registry.qualification.services.declaration import void_declaration
from registry.qualification.services.document_checks import UNUSABLE
from registry.qualification.services.documents import document_add
from registry.qualification.services.dossiers import message_post
from registry.qualification.workflow import Refused


def _locked(dossier) -> Dossier:
    return Dossier.objects.select_for_update(of=("self",)).select_related("service").get(pk=dossier.pk)


def _applicable_ids(dossier) -> set[int]:
    model = dossier.service.service_model
    return {
        r.pk
        for r in Requirement.objects.filter(scheme_id=dossier.scheme_id, parent__isnull=False).only(
            "pk", "parent_id", "service_models", "retired"
        )
        if r.applies_to(model)
    }


def _checked(dossier, applicable, *, requirement, status, justification, evidence) -> tuple:
    """One row's refusals, before anything is written; returns its status, justification and evidence as stored."""
    if requirement.pk not in applicable:
        raise Refused(
            _("Requirement %(ref)s does not apply to this service under this scheme.") % {"ref": requirement.ref}
        )
    if status and status not in Answer.Status.values:
        raise Refused(_("Unknown self-assessment for requirement %(ref)s.") % {"ref": requirement.ref})
    justification = (justification or "").strip()
    if status and status != Answer.Status.MET and not justification:
        raise Refused(
            _("Requirement %(ref)s: a justification is required unless the requirement is met.")
            % {"ref": requirement.ref}
        )
    evidence = list(evidence or ())
    if any(document.dossier_id != dossier.pk for document in evidence):
        raise Refused(_("Evidence must be documents of this dossier."))
    return status or "", justification, evidence


def _save_all(dossier, actor, rows) -> list[Answer]:
    """Write the rows of a (locked) dossier in a fixed number of queries, however many there are.

    A chapter page saves up to dozens of answers at once: reading and writing each row on its own cost ten queries per
    requirement. Every row is checked before anything is written; only answers that change are written (their
    `updated_at` with them), and the declaration is voided once if any did.
    """
    applicable = _applicable_ids(dossier)
    wanted = {}
    for row in rows:
        requirement = row["requirement"]
        wanted[requirement.pk] = (
            requirement,
            *_checked(
                dossier,
                applicable,
                requirement=requirement,
                status=row.get("status", ""),
                justification=row.get("justification", ""),
                evidence=row.get("evidence", ()),
            ),
        )
    existing = {a.requirement_id: a for a in Answer.objects.filter(dossier=dossier, requirement_id__in=wanted)}
    links = Answer.evidence.through
    cited: dict[int, set[int]] = {}
    for answer_id, document_id in links.objects.filter(answer__in=existing.values()).values_list(
        "answer_id", "document_id"
    ):
        cited.setdefault(answer_id, set()).add(document_id)
    now = timezone.now()
    created, updated, relinked = [], [], []
    for requirement_id, (requirement, status, justification, evidence) in wanted.items():
        answer = existing.get(requirement_id)
        documents = {d.pk for d in evidence}
        if answer is None:
            answer = Answer(dossier=dossier, requirement=requirement, status=status, justification=justification)
            existing[requirement_id] = answer
            created.append(answer)
            relinked.append((answer, documents))
            continue
        evidence_changed = cited.get(answer.pk, set()) != documents
        if evidence_changed or (answer.status, answer.justification) != (status, justification):
            answer.status, answer.justification, answer.updated_at = status, justification, now
            updated.append(answer)
        if evidence_changed:
            relinked.append((answer, documents))
    Answer.objects.bulk_create(created)
    Answer.objects.bulk_update(updated, ["status", "justification", "updated_at"])
    if relinked:
        links.objects.filter(answer__in=[answer for answer, _documents in relinked]).delete()
        links.objects.bulk_create(
            links(answer_id=answer.pk, document_id=document) for answer, documents in relinked for document in documents
        )
    if (created or updated) and rules.change_voids_declaration(actor, dossier):
        void_declaration(dossier)
    return [existing[row["requirement"].pk] for row in rows]


def answer_save(*, dossier, requirement, by, status: str, justification: str = "", evidence=()) -> Answer:
    """Record the provider's self-assessment of one requirement (an empty status keeps a draft justification)."""
    return answers_save(
        dossier=dossier,
        by=by,
        rows=[{"requirement": requirement, "status": status, "justification": justification, "evidence": evidence}],
    )[0]


def answers_save(*, dossier, by, rows) -> list[Answer]:
    """Several answers at once (a chapter page): all saved, or none when one is refused.

    Each row is a dict with requirement, status, justification and evidence, as for answer_save.
    """
    with transaction.atomic():
        locked = _locked(dossier)
        actor = actor_for(by)
        refusal = rules.content_edit_refusal(actor, locked)
        if refusal:
            raise Refused(refusal)
        return _save_all(locked, actor, rows)


def evidence_cite(*, dossier, requirement, document, by) -> Answer:
    """Cite `document` in the answer to `requirement` (kept as it is, or a draft answer if there is none yet).

    A new version of a document the answer cites takes the older version's place. Used after an upload started from
    the requirement itself, so that the provider comes back to it with the document cited.
    """
    with transaction.atomic():
        locked = _locked(dossier)
        actor = actor_for(by)
        refusal = rules.content_edit_refusal(actor, locked)
        if refusal:
            raise Refused(refusal)
        answer = Answer.objects.filter(dossier=locked, requirement=requirement).first()
        evidence = list(answer.evidence.all()) if answer is not None else []
        evidence = [d for d in evidence if d.pk not in (document.pk, document.previous_id)] + [document]
        row = {
            "requirement": requirement,
            "status": answer.status if answer is not None else "",
            "justification": answer.justification if answer is not None else "",
            "evidence": evidence,
        }
        return _save_all(locked, actor, [row])[0]


def reply_post(*, dossier, by, body: str, attachments=(), kind: str = "", title: str = "", uploaded=None):
    """A provider's message, with documents of the dossier attached and, optionally, a new one uploaded with it.

    Both or neither: a refused upload posts no message, and a refused message keeps no document (nor its file).
    """
    document = None
    try:
        with transaction.atomic():
            if uploaded is not None:
                document = document_add(dossier=dossier, kind=kind, title=title, uploaded=uploaded, by=by)
            message = message_post(
                dossier=dossier, by=by, body=body, attachments=[*attachments, *([document] if document else [])]
            )
    except Exception:
        if document is not None:
            file_deletions.discard(document.file.name)
        raise
    return message


# Reading the dossier's progress, shared by every dossier page of the portal.


@dataclass
class ChapterProgress:
    chapter: Requirement
    requirements: list = field(default_factory=list)  # applicable requirements, each with .answer (or None)

    @property
    def total(self) -> int:
        return len(self.requirements)

    @property
    def answered(self) -> int:
        return sum(1 for r in self.requirements if r.answer is not None and r.answer.is_answered)

    @property
    def left(self) -> int:
        return self.total - self.answered


@dataclass
class Progress:
    chapters: list
    required_kinds: list  # [(kind, label, present)]
    declared: bool

    @property
    def total(self) -> int:
        return sum(c.total for c in self.chapters)

    @property
    def answered(self) -> int:
        return sum(c.answered for c in self.chapters)

    @property
    def left(self) -> int:
        return self.total - self.answered

    @property
    def missing_kinds(self) -> list:
        return [label for _kind, label, present in self.required_kinds if not present]

    @property
    def steps(self) -> int:
        # What a submission needs: every answer, every required document kind, and the signed declaration.
        return self.total + len(self.required_kinds) + 1

    @property
    def steps_done(self) -> int:
        present = sum(1 for _kind, _label, p in self.required_kinds if p)
        return self.answered + present + (1 if self.declared else 0)

    @property
    def percent(self) -> int:
        return int(100 * self.steps_done / self.steps) if self.steps else 100

    @property
    def complete(self) -> bool:
        return self.steps_done == self.steps

    @property
    def next_chapter(self):
        """The first chapter with something left, or the first chapter."""
        for c in self.chapters:
            if c.left:
                return c
        return self.chapters[0] if self.chapters else None

    def chapter(self, ref):
        return next((c for c in self.chapters if c.chapter.ref == ref), None)


def dossier_progress(dossier, *, with_evidence: bool = False) -> Progress:
    """The applicable requirements grouped by chapter with their answers, and the required documents present.

    Three queries (four with the evidence) whatever the size of the catalogue.
    """
    model = dossier.service.service_model
    requirements = [
        r
        for r in Requirement.objects.filter(scheme_id=dossier.scheme_id, parent__isnull=False)
        .select_related("parent")
        .order_by("parent__position", "position")
        if r.applies_to(model)
    ]
    answers = Answer.objects.filter(dossier=dossier)
    if with_evidence:
        answers = answers.prefetch_related(
            Prefetch("evidence", queryset=Document.objects.only("pk", "dossier_id", "title", "version", "kind"))
        )
    by_requirement = {a.requirement_id: a for a in answers}
    chapters: dict[int, ChapterProgress] = {}
    for r in requirements:
        r.answer = by_requirement.get(r.pk)
        chapters.setdefault(r.parent_id, ChapterProgress(chapter=r.parent)).requirements.append(r)
    present = set(
        dossier.documents.of_instruction()
        .filter(next_version__isnull=True)
        .exclude(scan_status__in=UNUSABLE)
        .values_list("kind", flat=True)
    )  # as gather_facts counts them
    required = [
        (kind, str(DocumentKind(kind).label), kind in present) for kind in dossier.scheme.required_document_kinds
    ]
    return Progress(chapters=list(chapters.values()), required_kinds=required, declared=dossier.declared_at is not None)
