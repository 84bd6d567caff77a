"""What the agency reads to review a dossier: what changed since its change request, its open findings and the
action items given to the provider, and the committee's brief.

Reads only, each in a fixed number of queries whatever the dossier's size. A change request keeps a compact snapshot
of the dossier (values, never HTML: request_snapshot) in its event's detail; changes_since_request compares the
dossier of today with it and renders each change as an escaped word diff (<del> what went, <ins> what came).
"""

import difflib
import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch
from django.utils.functional import lazy
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_countries.fields import Country

from registry.evaluation import rules as evaluation_rules
from registry.evaluation.models import TechnicalReport, Verdict
from registry.providers.choices import ServiceModel
from registry.providers.models import Provider, Service, Shareholder, Site, ThirdParty
from registry.qualification import choices, rules, sovereignty
from registry.qualification.choices import DocumentKind
from registry.qualification.models import Answer, Document, Dossier, DossierEvent

# A provider who says a requirement is met, or does not apply, while the automatic checks of that requirement fail.
CONTRADICTING_STATUSES = (Answer.Status.MET, Answer.Status.NOT_APPLICABLE)
# The evaluation report is the agency's own document: what changed since a request is the provider's doing.
PROVIDERS_DOCUMENTS = [
    kind
    for kind in DocumentKind.values
    if kind != DocumentKind.EVALUATION_REPORT and kind not in choices.AFTER_QUALIFICATION_DOCUMENT_KINDS
]


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str
    diff_html: SafeString  # escaped word diff with <del>/<ins>


@dataclass(frozen=True)
class AnswerChange:
    requirement_id: int
    ref: str
    title: str
    changes: list[FieldChange]


@dataclass(frozen=True)
class DocumentChange:
    document_id: int | None
    title: str
    kind_label: str
    what: str  # "added", "new version 3", "removed"


@dataclass(frozen=True)
class ChangeSet:
    requested_at: datetime
    requested_by: str
    comment: str
    answers: list[AnswerChange]
    documents: list[DocumentChange]
    organisation: list[FieldChange]
    service: list[FieldChange]
    changed_requirement_ids: frozenset[int]
    is_empty: bool


@dataclass(frozen=True)
class Recommendation:
    value: str
    label: str
    rationale: str
    proposed_conditions: str
    by: str
    at: datetime


@dataclass(frozen=True)
class Contradiction:
    answer: Answer
    checks: list  # the failing sovereignty.Result of the answer's requirement


@dataclass(frozen=True)
class Difference:
    """A requirement on which the reviewer's finding and the evaluation centre's verdict part."""

    answer: Answer
    verdict: Verdict


@dataclass(frozen=True)
class Brief:
    recommendation: Recommendation | None
    open_major: list[Answer]
    open_minor: list[Answer]
    evaluation_report: Document | None
    checks: list
    contradictions: list[Contradiction]
    # The centre's side: its latest technical report, its verdicts and the reviewer's findings counted side by side
    # ((label, count) pairs), and where they part.
    technical_report: TechnicalReport | None = None
    verdict_counts: tuple = ()
    finding_counts: tuple = ()
    differences: tuple = ()


def _title(requirement):
    """The requirement's title in the language active when it is read, not when the item was built."""
    return lazy(lambda: requirement.title, str)()


def _person(user) -> str:
    if user is None:
        return _("the registry")
    return user.get_full_name() or user.email or user.get_username()


# --- Word diffs. ---

# Words, single punctuation marks and runs of blanks: a comma added after a word is a comma, not a new word.
_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")
_EDGES = re.compile(r"^(\s*)(.*?)(\s*)$", re.DOTALL)


def _html(text: str) -> str:
    return escape(text).replace("\n", "<br>")


def _marked(tag: str, tokens) -> str:
    """A run of removed or added tokens in its tag, the blanks at its edges left outside (read as unchanged)."""
    before, text, after = _EDGES.match("".join(tokens)).groups()
    if not text:
        return _html(before + after)
    return f"{_html(before)}<{tag}>{_html(text)}</{tag}>{_html(after)}"


def _is_glue(tokens) -> bool:
    """An unchanged stretch too small to read on its own between two changes: blanks, or one short word or mark."""
    words = [t for t in tokens if not t.isspace()]
    return len(words) == 0 or (len(words) == 1 and len(words[0]) <= 3)


def word_diff(before: str, after: str) -> SafeString:
    """The two texts as one, word by word: removed words in <del>, added ones in <ins>, everything escaped.

    Changes separated only by blanks or one short word are read as one change (all that went, then all that came),
    as a person would mark a rewritten sentence, rather than as an alternation of struck and added words."""
    old, new = _TOKENS.findall(before), _TOKENS.findall(after)
    runs = []  # [removed tokens, added tokens] or ["equal", tokens]
    opcodes = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        between = 0 < index < len(opcodes) - 1
        if tag == "equal" and not (between and _is_glue(old[i1:i2])):
            runs.append(("equal", old[i1:i2]))
            continue
        if not runs or runs[-1][0] == "equal":
            runs.append(("change", [], []))
        runs[-1][1].extend(old[i1:i2])
        runs[-1][2].extend(new[j1:j2])
    parts = []
    for run in runs:
        if run[0] == "equal":
            parts.append(_html("".join(run[1])))
            continue
        if run[1]:
            parts.append(_marked("del", run[1]))
        if run[2]:
            parts.append(_marked("ins", run[2]))
    return mark_safe("".join(parts))  # every piece of text went through escape()  # noqa: S308  # nosec B308, B703


def _field_change(label, before: str, after: str) -> FieldChange | None:
    if before == after:
        return None
    return FieldChange(label=str(label), before=before, after=after, diff_html=word_diff(before, after))


# --- The snapshot kept with a change request: raw values, rendered in the reader's language when compared. ---


def _field(model, name):
    return model._meta.get_field(name)


def _country(code) -> str:
    return Country(code).name if code else ""


def _answers(dossier) -> list[Answer]:
    evidence = Prefetch("evidence", queryset=Document.objects.only("pk", "title", "version").order_by("title", "pk"))
    return list(Answer.objects.filter(dossier=dossier).select_related("requirement").prefetch_related(evidence))


def _answer_values(answer: Answer) -> dict:
    return {
        "status": answer.status,
        "justification": answer.justification,
        "evidence": [[d.title, d.version] for d in answer.evidence.all()],
    }


def _documents(dossier) -> list[Document]:
    fields = ("pk", "kind", "title", "version", "previous_id")
    return list(Document.objects.filter(dossier=dossier, kind__in=PROVIDERS_DOCUMENTS).only(*fields).order_by("pk"))


def _organisation(provider: Provider) -> dict:
    return {
        "legal_name": provider.legal_name,
        "registration_id": provider.registration_id,
        "registered_office_country": provider.registered_office_country.code,
        "central_administration_country": provider.central_administration_country.code,
        "principal_establishment_country": provider.principal_establishment_country.code,
        "shareholders": [
            [
                s.name,
                s.country.code,
                str(s.capital_percent),
                str(s.voting_percent),
                s.veto_right,
                s.appoints_board_majority,
            ]
            for s in sorted(provider.shareholders.all(), key=lambda s: (s.name, s.pk))
        ],
    }


def _service(service: Service) -> dict:
    return {
        "name": service.name,
        "description": service.description,
        "description_fr": service.description_fr,
        "service_model": service.service_model,
        "sites": sorted([s.role, s.country.code, s.city, s.operations] for s in service.sites.all()),
        "third_parties": sorted(
            [
                t.name,
                t.kind,
                t.country_of_control.code,
                t.technical_access_to_data,
                t.relies_on_service.name if t.relies_on_service else "",
                t.autonomy_evidence,
            ]
            for t in service.third_parties.all()
        ),
    }


def _service_and_provider(dossier) -> Service:
    """The dossier's service with its provider, shareholders, sites and third parties: four queries."""
    return (
        Service.objects.select_related("provider")
        .prefetch_related(
            "provider__shareholders",
            "sites",
            Prefetch("third_parties", ThirdParty.objects.select_related("relies_on_service")),
        )
        .get(pk=dossier.service_id)
    )


def request_snapshot(dossier) -> dict:
    """What the provider had filed when changes were requested, as JSON values: answers by requirement, documents,
    the organisation's and the service's data that the scheme weighs."""
    service = _service_and_provider(dossier)
    return {
        "answers": {str(a.requirement_id): _answer_values(a) for a in _answers(dossier)},
        "documents": {str(d.pk): {"title": d.title, "kind": d.kind, "version": d.version} for d in _documents(dossier)},
        "organisation": _organisation(service.provider),
        "service": _service(service),
    }


# How each value of the snapshot reads, and under which label.


def _lines(rows, line) -> str:
    return "\n".join(line(*row) for row in rows)


def _shareholder_line(name, country, capital, votes, veto, board) -> str:
    text = _("%(name)s (%(country)s, %(capital)s %% capital, %(votes)s %% votes)") % {
        "name": name,
        "country": country,
        "capital": sovereignty.pct(capital),
        "votes": sovereignty.pct(votes),
    }
    flags = [
        str(field.verbose_name)
        for field, on in (
            (_field(Shareholder, "veto_right"), veto),
            (_field(Shareholder, "appoints_board_majority"), board),
        )
        if on
    ]
    return "; ".join([text, *flags])


def _site_line(role, country, city, operations) -> str:
    text = str(Site(role=role, country=country, city=city))
    if operations:
        text += f" – {operations}"
    return text


def _third_party_line(name, kind, country, access, relies_on, autonomy) -> str:
    parts = [f"{name} ({ThirdParty.Kind(kind).label}, {_country(country)})"]
    if access:
        parts.append(str(_field(ThirdParty, "technical_access_to_data").verbose_name))
    if relies_on:
        parts.append(_labelled(_field(ThirdParty, "relies_on_service").verbose_name, relies_on))
    if autonomy:
        parts.append(_labelled(_field(ThirdParty, "autonomy_evidence").verbose_name, autonomy))
    return "; ".join(parts)


def _labelled(label, value) -> str:
    return _("%(label)s: %(value)s") % {"label": label, "value": value}


def _model_label(value) -> str:
    return str(ServiceModel(value).label) if value in ServiceModel.values else value


# (key in the snapshot, label, how its value reads); labels are the models' own (lazy: read in the reader's language).
ORGANISATION_FIELDS = (
    ("legal_name", _field(Provider, "legal_name").verbose_name, str),
    ("registration_id", _field(Provider, "registration_id").verbose_name, str),
    ("registered_office_country", _field(Provider, "registered_office_country").verbose_name, _country),
    ("central_administration_country", _field(Provider, "central_administration_country").verbose_name, _country),
    ("principal_establishment_country", _field(Provider, "principal_establishment_country").verbose_name, _country),
    ("shareholders", Shareholder._meta.verbose_name_plural, lambda rows: _lines(rows, _shareholder_line)),
)
SERVICE_FIELDS = (
    ("name", _field(Service, "name").verbose_name, str),
    ("description", _field(Service, "description").verbose_name, str),
    ("description_fr", _field(Service, "description_fr").verbose_name, str),
    ("service_model", _field(Service, "service_model").verbose_name, _model_label),
    ("sites", Site._meta.verbose_name_plural, lambda rows: _lines(rows, _site_line)),
    ("third_parties", ThirdParty._meta.verbose_name_plural, lambda rows: _lines(rows, _third_party_line)),
)


def _compare(fields, before: dict, after: dict) -> list[FieldChange]:
    changes = []
    for key, label, render in fields:
        # A key missing from the snapshot reads as nothing of the same shape.
        missing = [] if isinstance(after[key], list) else ""
        change = _field_change(label, render(before.get(key, missing)), render(after[key]))
        if change:
            changes.append(change)
    return changes


def _evidence(rows) -> str:
    return "\n".join(
        _("%(title)s, version %(version)s") % {"title": title, "version": version} for title, version in rows
    )


def _status_label(value) -> str:
    return str(Answer.Status(value).label) if value in Answer.Status.values else ""


def _answer_changes(snapshot: dict, answers: list[Answer]) -> list[AnswerChange]:
    empty = {"status": "", "justification": "", "evidence": []}
    labels = (
        (_field(Answer, "status").verbose_name, "status", _status_label),
        (_field(Answer, "justification").verbose_name, "justification", str),
        (_field(Answer, "evidence").verbose_name, "evidence", _evidence),
    )
    result = []
    for answer in sorted(answers, key=lambda a: a.requirement.position):
        before = snapshot.get(str(answer.requirement_id), empty)
        after = _answer_values(answer)
        changes = [
            change
            for label, key, render in labels
            if (change := _field_change(label, render(before.get(key, empty[key])), render(after[key])))
        ]
        if changes:
            requirement = answer.requirement
            result.append(AnswerChange(requirement.pk, requirement.ref, requirement.title, changes))
    return result


def _document_changes(snapshot: dict, documents: list[Document]) -> list[DocumentChange]:
    """Each current document against the request's: added, or a new version of one then filed; and those gone."""
    by_id = {d.pk: d for d in documents}
    superseded = {d.previous_id for d in documents}
    current = [d for d in documents if d.pk not in superseded]
    known = {int(pk) for pk in snapshot}
    changes, accounted = [], set()
    for document in current:
        ancestor = document
        while ancestor is not None and ancestor.pk not in known:
            ancestor = by_id.get(ancestor.previous_id)
        label = str(DocumentKind(document.kind).label)
        if ancestor is None:
            changes.append(DocumentChange(document.pk, document.title, label, _("added")))
            continue
        accounted.add(ancestor.pk)
        if ancestor.pk != document.pk:
            what = _("new version %(version)s") % {"version": document.version}
            changes.append(DocumentChange(document.pk, document.title, label, what))
    for pk in sorted(known - accounted):
        filed = snapshot[str(pk)]
        kind = filed.get("kind", "")
        label = str(DocumentKind(kind).label) if kind in DocumentKind.values else ""
        document_id = pk if pk in by_id else None
        changes.append(DocumentChange(document_id, filed.get("title", ""), label, _("removed")))
    return changes


def _latest(dossier, action) -> DossierEvent | None:
    return (
        DossierEvent.objects.filter(dossier=dossier, action=action, internal=False)
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )


def changes_since_request(dossier) -> ChangeSet | None:
    """What the provider changed since the latest change request: answers, documents, organisation and service data.

    None when changes were never requested on this dossier (or the request was made before requests kept a
    snapshot: there is nothing to compare with).
    """
    event = _latest(dossier, "request_changes")
    if event is None or "snapshot" not in event.detail:
        return None
    snapshot = event.detail["snapshot"]
    service = _service_and_provider(dossier)
    answers = _answer_changes(snapshot.get("answers", {}), _answers(dossier))
    documents = _document_changes(snapshot.get("documents", {}), _documents(dossier))
    organisation = _compare(ORGANISATION_FIELDS, snapshot.get("organisation", {}), _organisation(service.provider))
    service_changes = _compare(SERVICE_FIELDS, snapshot.get("service", {}), _service(service))
    return ChangeSet(
        requested_at=event.created_at,
        requested_by=_person(event.actor),
        comment=event.comment,
        answers=answers,
        documents=documents,
        organisation=organisation,
        service=service_changes,
        changed_requirement_ids=frozenset(a.requirement_id for a in answers),
        is_empty=not (answers or documents or organisation or service_changes),
    )


# --- Findings and action items. ---


def open_findings(dossier, *, include_internal: bool = True) -> list[Answer]:
    """The answers with an open finding (minor or major non-conformity), in the referential's order; without the
    agency's internal ones when the list is for the provider."""
    answers = Answer.objects.filter(dossier=dossier, finding__in=rules.OPEN_FINDINGS).select_related("requirement")
    if not include_internal:
        answers = answers.filter(finding_internal=False)
    return list(answers.order_by("requirement__position"))


def action_items(dossier, *, event: DossierEvent | None = None) -> list[dict]:
    """The action items of the latest change request (or of `event`, one of them), as the provider reads them: ref,
    title, finding, finding_label and note, with requirement_id and chapter_ref to link to the requirement.

    The title and the label are read in the language active when they are shown (an e-mail is rendered once per
    language from the same items)."""
    if event is None:
        event = _latest(dossier, "request_changes")
    items = event.detail.get("action_items", []) if event is not None else []
    if not items:
        return []
    answers = {
        a.pk: a
        for a in Answer.objects.filter(dossier=dossier, pk__in=[item["answer_id"] for item in items]).select_related(
            "requirement__parent"
        )
    }
    result = []
    for item in items:
        answer = answers.get(item["answer_id"])
        requirement = answer.requirement if answer is not None else None
        finding = item.get("finding", "")
        result.append(
            {
                "answer_id": item["answer_id"],
                "ref": item.get("ref", ""),
                "title": _title(requirement) if requirement is not None else item.get("title", ""),
                "finding": finding,
                "finding_label": Answer.Finding(finding).label if finding in Answer.Finding.values else "",
                "note": item.get("note", ""),
                "requirement_id": requirement.pk if requirement is not None else None,
                "chapter_ref": requirement.parent.ref if requirement is not None and requirement.parent else "",
            }
        )
    return result


# --- The committee's brief. ---


def recommendation_of(event: DossierEvent | None) -> Recommendation | None:
    """The recommendation a "report" event carries; None for an event without one."""
    value = event.detail.get("recommendation", "") if event is not None else ""
    if value not in choices.Recommendation.values:
        return None
    return Recommendation(
        value=value,
        label=str(choices.Recommendation(value).label),
        rationale=event.comment,
        proposed_conditions=event.detail.get("proposed_conditions", ""),
        by=_person(event.actor),
        at=event.created_at,
    )


def contradictions(answers, checks) -> list[Contradiction]:
    """The answers that say a requirement is met (or does not apply) while its automatic checks fail."""
    failing = {}
    for result in checks:
        if result.outcome == sovereignty.FAIL:
            failing.setdefault(sovereignty.requirement_ref(result.rule), []).append(result)
    return [
        Contradiction(answer=answer, checks=failing[answer.requirement.ref])
        for answer in answers
        if answer.requirement.ref in failing and answer.status in CONTRADICTING_STATUSES
    ]


def centre_and_reviewer(dossier) -> dict:
    """The centre's verdicts and the reviewer's findings side by side: each counted ((label, count) pairs, every value
    named), and the requirements on which they differ (an observation counts as conform). Two queries."""
    verdicts = {v.requirement_id: v for v in Verdict.objects.filter(dossier=dossier)}
    answers = list(
        Answer.objects.filter(dossier=dossier).select_related("requirement__parent").order_by("requirement__position")
    )
    verdict_counts = dict.fromkeys(Verdict.Value.values, 0)
    for verdict in verdicts.values():
        verdict_counts[verdict.value] += 1
    finding_counts = dict.fromkeys(Answer.Finding.values, 0)
    for answer in answers:
        if answer.finding in finding_counts:
            finding_counts[answer.finding] += 1
    differences = tuple(
        Difference(answer=answer, verdict=verdicts[answer.requirement_id])
        for answer in answers
        if answer.requirement_id in verdicts
        and evaluation_rules.finding_differs(verdicts[answer.requirement_id].value, answer.finding)
    )
    return {
        "verdict_counts": tuple((Verdict.Value(v).label, n) for v, n in verdict_counts.items()),
        "finding_counts": tuple((Answer.Finding(v).label, n) for v, n in finding_counts.items()),
        "differences": differences,
    }


def decision_brief(dossier) -> Brief:
    """Everything the committee decides from, on one page: the reviewer's recommendation, the open findings (internal
    ones included), the evaluation report, the automatic checks and the answers that contradict them; and the centre's
    side: its technical report, its verdicts and the reviewer's findings counted side by side, and where they part."""
    dossier = Dossier.objects.select_related("service__provider", "scheme").get(pk=dossier.pk)
    findings = open_findings(dossier)
    checks = sovereignty.evaluate(dossier)
    refs = {sovereignty.requirement_ref(r.rule) for r in checks if r.outcome == sovereignty.FAIL}
    answers = (
        Answer.objects.filter(dossier=dossier, requirement__ref__in=refs, status__in=CONTRADICTING_STATUSES)
        .select_related("requirement")
        .order_by("requirement__position")
    )
    report = (
        Document.objects.filter(dossier=dossier, kind=DocumentKind.EVALUATION_REPORT, next_version__isnull=True)
        .select_related("uploaded_by")
        .first()
    )
    return Brief(
        recommendation=recommendation_of(_latest(dossier, "report")),
        open_major=[a for a in findings if a.finding == Answer.Finding.MAJOR],
        open_minor=[a for a in findings if a.finding == Answer.Finding.MINOR],
        evaluation_report=report,
        checks=checks,
        contradictions=contradictions(list(answers) if refs else [], checks),
        technical_report=TechnicalReport.objects.filter(dossier=dossier).select_related("document", "centre").first(),
        **centre_and_reviewer(dossier),
    )
