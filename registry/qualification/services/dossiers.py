"""Every write on a dossier. Each status change: lock the row, ask the workflow, save, log one event, notify on commit."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registry.accounts import audit
from registry.accounts.permissions import actor_for
from registry.catalogue.models import Requirement
from registry.certificates.models import Certificate
from registry.core import bilingual
from registry.core.models import Counter
from registry.evaluation import selectors as evaluation_selectors
from registry.evaluation.selectors import is_evaluator_of
from registry.notifications.outbox import notify_dossier_event_on_commit
from registry.providers.rules import is_writer
from registry.public.publication import publish_on_commit
from registry.qualification import review, rules, workflow
from registry.qualification.choices import CLOSED_DOSSIER_STATUSES, DocumentKind, Recommendation
from registry.qualification.models import Answer, Dossier, DossierEvent, DossierVisit, Message
from registry.qualification.selectors import with_instructors
from registry.qualification.services.declaration import DECLARATION_FIELDS, void_declaration
from registry.qualification.services.document_checks import UNUSABLE
from registry.qualification.workflow import Facts, Refused


def applicable_requirements(dossier):
    """The requirements of the dossier's scheme that its service must answer."""
    model = dossier.service.service_model
    return [
        r
        for r in Requirement.objects.filter(scheme_id=dossier.scheme_id, parent__isnull=False, retired=False).order_by(
            "position"
        )
        if r.applies_to(model)
    ]


def current_documents(dossier):
    """The latest version of each of the dossier's own documents (not those filed after its decision)."""
    return dossier.documents.of_instruction().filter(next_version__isnull=True)


def gather_facts(dossier, *, comment: str = "", by=None) -> Facts:
    answered = {
        a.requirement_id
        for a in Answer.objects.filter(dossier=dossier).only("status", "justification", "requirement_id")
        if a.is_answered
    }
    unanswered = tuple(r.ref for r in applicable_requirements(dossier) if r.pk not in answered)
    # A refused, infected or unchecked document is as good as absent: nobody can read it. One being checked counts.
    present = set(current_documents(dossier).exclude(scan_status__in=UNUSABLE).values_list("kind", flat=True))
    missing = tuple(
        str(DocumentKind(kind).label) for kind in dossier.scheme.required_document_kinds if kind not in present
    )
    return Facts(
        unanswered=unanswered,
        missing_document_kinds=missing,
        declared=dossier.declared_at is not None,
        **evaluation_selectors.evaluation_facts(dossier),
        comment=comment,
        actor_evaluates_for_centre=is_evaluator_of(getattr(by, "pk", None), dossier.evaluation_center_id),
    )


def _locked(dossier_id) -> Dossier:
    locked = Dossier.objects.select_for_update(of=("self",)).select_related("service", "scheme").get(pk=dossier_id)
    return with_instructors(locked)  # read under the lock: the four-eyes rule judges what happened


def _move(dossier, action, by, *, comment="", apply=None, detail=None) -> Dossier:
    """Carry out one move of the table on a locked, fresh copy of the dossier. Must run inside transaction.atomic.

    `detail` is what the event keeps of the move: a dict, or a function of the locked dossier called once the move is
    allowed (it may refuse too, after the workflow's clearer reasons, and it reads the dossier as it was before)."""
    locked = _locked(dossier.pk)
    actor = actor_for(by)
    workflow.check(actor, locked, action)  # status and person first: cheap, and the clearest reason
    workflow.check(actor, locked, action, gather_facts(locked, comment=comment, by=by))
    if callable(detail):
        detail = detail(locked)
    from_status = locked.status
    locked.status = workflow.target_of(action)
    locked.status_changed_at = timezone.now()
    fields = ["status", "status_changed_at"]
    if apply is not None:
        fields += apply(locked)
    locked.save(update_fields=fields)
    event = DossierEvent.objects.create(
        dossier=locked,
        actor=by,
        action=action,
        from_status=from_status,
        to_status=locked.status,
        comment=comment.strip(),
        detail=detail or {},
    )
    audit.record(f"dossier.{action}", actor=by, obj=locked, from_status=from_status, to_status=locked.status)
    notify_dossier_event_on_commit(event.pk)
    return locked


def dossier_create(*, service, scheme, by, kind=Dossier.Kind.INITIAL, renews=None) -> Dossier:
    if not is_writer(actor_for(by), service.provider_id):
        raise Refused(_("Only an owner or editor of the provider can open a dossier."))
    if not scheme.active:
        raise Refused(_("This scheme no longer accepts applications."))
    if kind == Dossier.Kind.RENEWAL:
        if renews is None or renews.service_id != service.pk or renews.scheme_id != scheme.pk:
            raise Refused(_("A renewal must name a certificate of this service under this scheme."))
    else:
        renews = None
    in_progress = _("This service already has a dossier in progress for this scheme.")
    try:
        with transaction.atomic():
            if (
                Dossier.objects.filter(service=service, scheme=scheme)
                .exclude(status__in=CLOSED_DOSSIER_STATUSES)
                .exists()
            ):
                raise Refused(in_progress)
            # The agency's calendar year, as for certificate numbers: one clock for every number it hands out.
            year = timezone.localdate().year
            reference = f"DOS-{year}-{Counter.next(f'DOS-{year}'):05d}"
            dossier = Dossier.objects.create(
                reference=reference, service=service, scheme=scheme, kind=kind, renews=renews, created_by=by
            )
            # Opening a draft concerns nobody else yet: the event is born notified.
            DossierEvent.objects.create(
                dossier=dossier, actor=by, action="create", to_status=dossier.status, notified_at=timezone.now()
            )
    except IntegrityError as exc:  # a concurrent request opened one first (dossier_one_open_per_service_and_scheme)
        raise Refused(in_progress) from exc
    return dossier


def dossier_open_change(*, certificate, by) -> Dossier:
    """The re-evaluation a reviewer asks for on a change notice: a dossier of kind "change" renewing `certificate`,
    opened as a draft that the provider completes and submits; then the usual workflow. The portal never opens one."""
    if not actor_for(by).in_group(workflow.REVIEWERS):
        raise Refused(_("Only a reviewer asks for a re-evaluation."))
    in_progress = _("This service already has a dossier in progress for this scheme.")
    try:
        with transaction.atomic():
            if (
                Dossier.objects.filter(service_id=certificate.service_id, scheme_id=certificate.scheme_id)
                .exclude(status__in=CLOSED_DOSSIER_STATUSES)
                .exists()
            ):
                raise Refused(in_progress)
            year = timezone.localdate().year
            dossier = Dossier.objects.create(
                reference=f"DOS-{year}-{Counter.next(f'DOS-{year}'):05d}",
                service_id=certificate.service_id,
                scheme_id=certificate.scheme_id,
                kind=Dossier.Kind.CHANGE,
                renews=certificate,
                created_by=by,
            )
            DossierEvent.objects.create(
                dossier=dossier, actor=by, action="create", to_status=dossier.status, notified_at=timezone.now()
            )
            audit.record("dossier.open_change", actor=by, obj=dossier, certificate=certificate.number)
    except IntegrityError as exc:
        raise Refused(in_progress) from exc
    return dossier


def dossier_declare(
    *, dossier, by, signatory_name: str, signatory_capacity: str, listed_in_process_consent: bool
) -> Dossier:
    """Sign the declaration (required before submission) and record the consent to be listed as in process.

    The signatory is a person who may commit the provider, named with their capacity ("Chief executive officer"): both
    are required, kept with the time and the account that signed, in the audit log and on the dossier's timeline."""
    name, capacity = " ".join(signatory_name.split()), " ".join(signatory_capacity.split())
    if not name or not capacity:
        raise Refused(_("Give the full name and the capacity of the person who signs for the provider."))
    with transaction.atomic():
        locked = _locked(dossier.pk)
        refusal = rules.content_edit_refusal(actor_for(by), locked)
        if refusal:
            raise Refused(refusal)
        locked.declared_by = by
        locked.declared_at = timezone.now()
        locked.declared_by_name = name
        locked.declared_by_capacity = capacity
        locked.listed_in_process_consent = listed_in_process_consent
        locked.save(update_fields=[*DECLARATION_FIELDS, "listed_in_process_consent"])
        # On the timeline of both sides; nothing to send (notified_at set): signing is not a move.
        DossierEvent.objects.create(
            dossier=locked,
            actor=by,
            action="declare",
            detail={"signatory": name, "capacity": capacity, "listed_in_process": listed_in_process_consent},
            created_at=locked.declared_at,
            notified_at=locked.declared_at,
        )
        audit.record(
            "dossier.declare",
            actor=by,
            obj=locked,
            signatory=name,
            capacity=capacity,
            listed_in_process=listed_in_process_consent,
        )
    return locked


def dossier_submit(*, dossier, by, comment="") -> Dossier:
    with transaction.atomic():
        return _move(dossier, "submit", by, comment=comment)


def dossier_resubmit(*, dossier, by, comment="") -> Dossier:
    with transaction.atomic():
        return _move(dossier, "resubmit", by, comment=comment)


def dossier_take(*, dossier, by, comment="") -> Dossier:
    def apply(d):
        d.instructing_reviewer = by
        return ["instructing_reviewer"]

    with transaction.atomic():
        return _move(dossier, "take", by, comment=comment, apply=apply)


def dossier_request_changes(*, dossier, by, comment, action_item_ids: list[int] | None = None) -> Dossier:
    """Send the dossier back to the provider with the changes to make.

    The action items are answers with an open finding the provider may read (minor or major, not internal): those
    ticked in `action_item_ids`, or all of them when it is None. The event keeps them, for the provider's page and
    e-mail, and a snapshot of the dossier, from which the reviewer later reads what changed since the request.
    """

    def detail(d):
        open_items = {a.pk: a for a in review.open_findings(d, include_internal=False)}
        chosen = set(open_items) if action_item_ids is None else {int(pk) for pk in action_item_ids}
        unknown = [pk for pk in chosen if pk not in open_items]
        if unknown:
            raise Refused(_("Only the open findings the provider may read can be action items of a change request."))
        items = [
            {
                "answer_id": a.pk,
                "ref": a.requirement.ref,
                "title": a.requirement.title,
                "finding": a.finding,
                "note": a.finding_note,
            }
            for pk, a in open_items.items()
            if pk in chosen
        ]
        return {"action_items": items, "snapshot": review.request_snapshot(d)}

    def apply(d):
        if rules.change_voids_declaration(actor_for(by), d, move="request_changes"):
            return void_declaration(d, save=False)
        return []

    with transaction.atomic():
        return _move(dossier, "request_changes", by, comment=comment, apply=apply, detail=detail)


def dossier_admit(*, dossier, by, comment="") -> Dossier:
    """Admit the dossier for evaluation. The provider then names its approved centre in an evaluation contract
    (registry.evaluation.contracts): the dossier is public "in process" only once the agency validated it."""
    with transaction.atomic():
        return _move(dossier, "admit", by, comment=comment)


def dossier_report(*, dossier, by, recommendation: str, comment: str = "", proposed_conditions: str = "") -> Dossier:
    """Send the dossier to decision with the reviewer's recommendation to the committee; the comment is its rationale.

    The recommendation, the proposed conditions and the rationale are the agency's: the provider never reads them.
    """

    def detail(_d):
        if recommendation not in Recommendation.values:
            raise Refused(_("Give your recommendation to the committee: qualify, qualify with conditions or refuse."))
        if recommendation == Recommendation.CONDITIONS and not proposed_conditions.strip():
            raise Refused(_("Please propose the conditions of the qualification you recommend."))
        conditions = proposed_conditions.strip() if recommendation == Recommendation.CONDITIONS else ""
        return {"recommendation": recommendation, "proposed_conditions": conditions}

    with transaction.atomic():
        publish_on_commit()  # the public in-process list may change; dropped if the move fails
        return _move(dossier, "report", by, comment=comment, detail=detail)


def dossier_reject(*, dossier, by, comment) -> Dossier:
    def apply(d):
        d.decision_maker = by
        return ["decision_maker"]

    with transaction.atomic():
        publish_on_commit()  # the public in-process list may change; dropped if the move fails
        return _move(dossier, "reject", by, comment=comment, apply=apply)


def dossier_send_back(*, dossier, by, comment) -> Dossier:
    with transaction.atomic():
        publish_on_commit()  # the public in-process list may change; dropped if the move fails
        return _move(dossier, "send_back", by, comment=comment)


def dossier_declare_inadmissible(*, dossier, by, comment) -> Dossier:
    with transaction.atomic():
        return _move(dossier, "declare_inadmissible", by, comment=comment)


def dossier_withdraw(*, dossier, by, comment="") -> Dossier:
    with transaction.atomic():
        publish_on_commit()  # the public in-process list may change; dropped if the move fails
        return _move(dossier, "withdraw", by, comment=comment)


def open_major_findings(dossier) -> list[str]:
    """The requirements on which the instruction left a major non-conformity, by reference."""
    majors = Answer.objects.filter(dossier=dossier, finding=Answer.Finding.MAJOR).order_by("requirement__position")
    return list(majors.values_list("requirement__ref", flat=True))


def dossier_qualify(
    *,
    dossier,
    by,
    scope: str,
    conditions: str = "",
    comment: str = "",
    confirm_major_findings: bool = False,
    scope_fr: str = "",
    conditions_fr: str = "",
) -> Certificate:
    """The committee's positive decision: issues the certificate and supersedes the one a renewal replaces.

    Qualifying over open major non-conformities is possible (the conditions say how they are to be lifted) but only
    when the committee member confirms it explicitly; the event keeps which ones it was."""
    from registry.certificates.services import certificate_issue

    if bilingual.missing(scope, scope_fr):  # in English, French or both
        raise Refused(_("Please describe the scope of the qualification; it is printed on the certificate."))

    def apply(d):
        d.decision_maker = by
        return ["decision_maker"]

    with transaction.atomic():
        majors = open_major_findings(dossier)
        if majors and not confirm_major_findings:
            raise Refused(
                ngettext(
                    "%(count)d major non-conformity is open (%(refs)s): confirm that you qualify the service all the "
                    "same.",
                    "%(count)d major non-conformities are open (%(refs)s): confirm that you qualify the service all "
                    "the same.",
                    len(majors),
                )
                % {"count": len(majors), "refs": ", ".join(majors)}
            )
        detail = {"qualified_over_major_findings": majors} if majors else None
        qualified = _move(dossier, "qualify", by, comment=comment, apply=apply, detail=detail)
        if qualified.kind == Dossier.Kind.CHANGE:
            from registry.certificates.changes import apply_reevaluated

            # The change notice's record first: the new certificate's version 1 is the changed record.
            apply_reevaluated(dossier=qualified, by=by)
        return certificate_issue(
            dossier=qualified,
            scope=scope.strip(),
            scope_fr=scope_fr.strip(),
            conditions=conditions.strip(),
            conditions_fr=conditions_fr.strip(),
            by=by,
        )


def answer_record_finding(*, answer, by, finding: str, note: str = "", internal: bool = False) -> Answer:
    """The reviewer's finding on one answer: only the instructing reviewer, while the dossier is being instructed.

    An internal finding stays with the agency; any other reaches the provider on the requirement and, when changes
    are requested, as an action item. Without a finding there is nothing to keep internal."""
    with transaction.atomic():
        refusal = rules.findings_refusal(actor_for(by), _locked(answer.dossier_id))
        if refusal:
            raise Refused(refusal)
        if finding and finding not in Answer.Finding.values:
            raise Refused(_("Unknown finding."))
        answer = Answer.objects.select_for_update().get(pk=answer.pk)
        answer.finding = finding
        answer.finding_note = note.strip()
        answer.finding_by = by
        answer.finding_at = timezone.now()
        answer.finding_internal = bool(finding) and internal
        answer.save(update_fields=["finding", "finding_note", "finding_by", "finding_at", "finding_internal"])
    return answer


def dossier_mark_seen(*, dossier, by) -> None:
    """Record that this agency member has the dossier's page before them now: their queues count what is unread
    since. A provider's member keeps no such mark (their portal has its own dialogue page)."""
    if not actor_for(by).groups:
        return
    DossierVisit.objects.update_or_create(user=by, dossier=dossier, defaults={"seen_at": timezone.now()})


def message_post(*, dossier, by, body: str, internal: bool = False, attachments=()) -> Message:
    """A message on the dossier's thread. Internal notes are the agency's own and never shown to the provider."""
    if not body.strip():
        raise Refused(_("The message is empty."))
    refusal = rules.message_refusal(actor_for(by), dossier, internal=internal)
    if refusal:
        raise Refused(refusal)
    with transaction.atomic():
        message = Message.objects.create(dossier=dossier, author=by, body=body.strip(), internal=internal)
        docs = [d for d in attachments if d.dossier_id == dossier.pk]
        if docs:
            message.attachments.set(docs)
        event = DossierEvent.objects.create(
            dossier=dossier, actor=by, action="message", comment=body.strip(), internal=internal,
            **({"notified_at": timezone.now()} if internal else {}),
        )  # fmt: skip
        if not internal:
            notify_dossier_event_on_commit(event.pk)
    return message
