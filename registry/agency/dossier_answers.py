"""The answers part of the dossier's page: the scheme's chapters as navigation, filters over the answers, and one
chapter's answers at a time with their findings.

A scheme's chapters are its requirements without a parent; the provider answers the requirements under them. One
chapter at a time keeps the page short (the whole catalogue was a 6,400 px table); the filters say at a glance where
the work is (what is unanswered or not met, which findings are open, what changed since the last request)."""

from dataclasses import dataclass, field

from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import gettext_lazy as _

from registry.catalogue.models import Requirement
from registry.evaluation import rules as evaluation_rules
from registry.evaluation.models import Verdict
from registry.qualification import rules
from registry.qualification.models import Answer, Document

# The filters of the answers part, in the order they are offered: (key, label, does the row match).
FILTERS = (
    ("unanswered", _("Unanswered"), lambda row, changed: row.answer is None or not row.answer.is_answered),
    ("not_met", _("Not met"), lambda row, changed: _status(row) == Answer.Status.NOT_MET),
    ("partially_met", _("Partially met"), lambda row, changed: _status(row) == Answer.Status.PARTIALLY_MET),
    ("not_applicable", _("Not applicable"), lambda row, changed: _status(row) == Answer.Status.NOT_APPLICABLE),
    ("findings", _("Findings open"), lambda row, changed: row.has_open_finding),
    ("changed", _("Changed since the last request"), lambda row, changed: row.requirement.pk in changed),
    ("differs", _("Differs from the centre"), lambda row, changed: row.differs),
)
FILTER_KEYS = {key for key, _label, _match in FILTERS}


def _status(row) -> str:
    return row.answer.status if row.answer is not None else ""


@dataclass
class Row:
    """One requirement of the chapter shown, the provider's answer to it (None: never answered) and, on a form sent
    back with an error, what the reviewer typed on this line."""

    requirement: Requirement
    answer: Answer | None
    change: object = None  # the review.AnswerChange since the last request, when there is one
    typed: dict | None = None
    error: str = ""
    verdict: Verdict | None = None  # the evaluation centre's verdict on the requirement, when it recorded one

    @property
    def has_open_finding(self) -> bool:
        return rules.has_open_finding(self.answer)

    @property
    def differs(self) -> bool:
        """Does the reviewer's recorded finding differ from the centre's verdict?"""
        if self.verdict is None or self.answer is None:
            return False
        return evaluation_rules.finding_differs(self.verdict.value, self.answer.finding)

    @property
    def from_verdict(self) -> bool:
        """Is the form's finding the centre's verdict, the reviewer having recorded none yet?"""
        return self.typed is None and self.verdict is not None and self.answer is not None and not self.answer.finding

    @property
    def finding_value(self) -> str:
        if self.from_verdict:
            return evaluation_rules.finding_from_verdict(self.verdict.value, self.verdict.note)[0]
        return self.typed["finding"] if self.typed is not None else self.answer.finding

    @property
    def note_value(self) -> str:
        if self.from_verdict:
            return evaluation_rules.finding_from_verdict(self.verdict.value, self.verdict.note)[1]
        return self.typed["note"] if self.typed is not None else self.answer.finding_note

    @property
    def internal_value(self) -> bool:
        return self.typed["internal"] if self.typed is not None else self.answer.finding_internal


@dataclass
class Chapter:
    requirement: Requirement
    rows: list = field(default_factory=list)
    shown: int = 0  # rows matching the filter
    open_findings: int = 0

    @property
    def ref(self) -> str:
        return self.requirement.ref


@dataclass
class AnswersPart:
    chapters: list
    current: Chapter | None
    rows: list  # the current chapter's rows that match the filter
    filter: str
    filters: list  # (key, label, count) over the whole dossier
    total: int


def answers_part(dossier, *, chapter_ref: str = "", filter_key: str = "", changes=None, typed=None, errors=None):
    """The answers part of `dossier`, on chapter `chapter_ref` (the first with a row to show when empty or unknown),
    its rows filtered by `filter_key`. `changes` is review.changes_since_request(dossier) (None: changes were never
    requested, and the "changed" filter is not offered). `typed` and `errors` (by answer id) come from a findings form
    sent back with an error: its lines keep what was typed.

    Each row carries the evaluation centre's verdict, when it recorded one: the reviewer's finding starts from it, and
    the "differs" filter (offered once there are verdicts) shows where the two part.

    Four queries whatever the dossier's size: the scheme's requirements, the dossier's answers, the centre's verdicts
    and the evidence of the answers shown."""
    changed_ids = changes.changed_requirement_ids if changes is not None else frozenset()
    answer_changes = {c.requirement_id: c for c in changes.answers} if changes is not None else {}
    model = dossier.service.service_model
    answers = {a.requirement_id: a for a in Answer.objects.filter(dossier=dossier).select_related("finding_by")}
    verdicts = {v.requirement_id: v for v in Verdict.objects.filter(dossier=dossier)}
    offers = {"changed": changes is not None, "differs": bool(verdicts)}
    filter_key = filter_key if filter_key in FILTER_KEYS and offers.get(filter_key, True) else ""
    chapters, by_id = [], {}
    for requirement in Requirement.objects.filter(scheme_id=dossier.scheme_id).order_by("position"):
        if requirement.is_chapter:
            by_id[requirement.pk] = Chapter(requirement)
            chapters.append(by_id[requirement.pk])
            continue
        answer = answers.get(requirement.pk)
        chapter = by_id.get(requirement.parent_id)
        if chapter is None or (answer is None and not requirement.applies_to(model)):
            continue  # a requirement this service never had to answer
        row = Row(requirement, answer, answer_changes.get(requirement.pk), verdict=verdicts.get(requirement.pk))
        if answer is not None:
            row.typed = (typed or {}).get(answer.pk)
            row.error = (errors or {}).get(answer.pk, "")
        chapter.rows.append(row)
    chapters = [c for c in chapters if c.rows]

    counts = dict.fromkeys(FILTER_KEYS, 0)
    matches = {key: match for key, _label, match in FILTERS}
    for chapter in chapters:
        for row in chapter.rows:
            for key, match in matches.items():
                counts[key] += match(row, changed_ids)
        chapter.shown = sum(1 for row in chapter.rows if not filter_key or matches[filter_key](row, changed_ids))
        chapter.open_findings = sum(1 for row in chapter.rows if row.has_open_finding)

    current = next((c for c in chapters if c.ref == chapter_ref), None)
    if current is None:
        current = next((c for c in chapters if c.shown), chapters[0] if chapters else None)
    rows = []
    if current is not None:
        rows = [row for row in current.rows if not filter_key or matches[filter_key](row, changed_ids)]
        prefetch_related_objects(
            [row.answer for row in rows if row.answer is not None],
            Prefetch("evidence", queryset=Document.objects.only("pk", "title", "version", "scan_status")),
        )
    offered = [(key, label, counts[key]) for key, label, _match in FILTERS if offers.get(key, True)]
    return AnswersPart(
        chapters=chapters,
        current=current,
        rows=rows,
        filter=filter_key,
        filters=offered,
        total=sum(len(c.rows) for c in chapters),
    )
