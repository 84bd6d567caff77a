"""The writes a dossier's evaluation (plans.py, grid.py) and a surveillance audit's (surveillance.py) share, once their
own rules have said yes under their own lock: a plan's version, the review of a plan, a verdict, a technical report.
`subject` names what the row belongs to: {"dossier": locked} or {"surveillance_audit": locked}. Private to the
evaluation's services: the caller holds the transaction and writes its own step."""

from contextlib import contextmanager

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.core import file_deletions
from registry.evaluation import rules
from registry.evaluation.models import EvaluationPlan, TechnicalReport, Verdict
from registry.qualification.services.documents import store_document
from registry.qualification.workflow import Refused


def refuse(refusal: str) -> None:
    if refusal:
        raise Refused(refusal)


def plan_version(
    *, subject: dict, centre, version: int, by, scope: str, chosen, other_locations: str, starts_on, ends_on, team
) -> EvaluationPlan:
    """A new version of the plan visiting the `chosen` sites (plans.service_sites), its content checked first
    (plan_content_refusal)."""
    refuse(
        rules.plan_content_refusal(
            scope=scope,
            team=team,
            starts_on=starts_on,
            ends_on=ends_on,
            site_count=len(chosen),
            other_locations=other_locations,
        )
    )
    plan = EvaluationPlan.objects.create(
        **subject,
        centre=centre,
        version=version,
        scope=scope.strip(),
        other_locations=other_locations.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        team=team.strip(),
        filed_by=by,
    )
    plan.sites.set(chosen)
    return plan


def plan_reviewed(locked, by, comment: str, state) -> EvaluationPlan:
    """The reviewer's answer written on the (locked) plan's version: the state, who, when and the comment."""
    locked.state = state
    locked.reviewed_by = by
    locked.reviewed_at = timezone.now()
    locked.review_comment = comment.strip()
    locked.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_comment"])
    return locked


def verdict_saved(
    *, subject: dict, requirement, centre, by, value: str, evidence_reviewed: str, note: str, documents, readable
) -> Verdict:
    """Record (or change) the verdict once the grid is open to the evaluator: its content checked (verdict_refusal)
    and the documents named among `readable` (a queryset of those the centre may read). Strings already stripped."""
    refuse(
        rules.verdict_refusal(
            value=value, evidence_reviewed=evidence_reviewed, note=note, valid_values=Verdict.Value.values
        )
    )
    wanted = {d.pk for d in documents}
    if wanted - set(readable.filter(pk__in=wanted).values_list("pk", flat=True)):
        raise Refused(_("Only the dossier's documents can be named as evidence reviewed."))
    verdict, _created = Verdict.objects.update_or_create(
        **subject,
        requirement=requirement,
        defaults={
            "centre": centre,
            "value": value,
            "note": note,
            "evidence_reviewed": evidence_reviewed,
            "recorded_by": by,
        },
    )
    verdict.documents.set(sorted(wanted))
    return verdict


def conclusion_written(conclusion: str) -> str:
    conclusion = conclusion.strip()
    if not conclusion:
        raise Refused(_("Write the report's conclusion."))
    return conclusion


@contextmanager
def files_discarded_on_failure():
    """Around the transaction that stores a report: a file stored for a row that was not committed must not stay an
    orphan. Yields the list report_stored adds its document to."""
    documents = []
    try:
        yield documents
    except Exception:
        for document in documents:
            file_deletions.discard(document.file.name)
        raise


def report_stored(
    *,
    subject: dict,
    dossier_id,
    kind,
    versions,
    centre,
    by,
    uploaded,
    title: str,
    conclusion: str,
    stored: list,
    **link,
) -> TechnicalReport:
    """The report's document (on `dossier_id`, a new version among `versions`; `link` ties it to an audit) and its
    row, the next version of the subject's reports."""
    document = store_document(
        dossier_id=dossier_id, kind=kind, title=title, uploaded=uploaded, by=by, versions=versions, **link
    )
    stored.append(document)
    top = TechnicalReport.objects.filter(**subject).aggregate(top=Max("version"))["top"]
    return TechnicalReport.objects.create(
        **subject,
        centre=centre,
        version=(top or 0) + 1,
        document=document,
        conclusion=conclusion,
        submitted_by=by,
    )
