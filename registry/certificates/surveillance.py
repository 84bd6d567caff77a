"""Every write on a certificate's surveillance audits and conditions (issue 15, items 3 and 4).

The plan itself is written at issue (services.certificate_issue, from rules.surveillance_due_dates). Here: the agency
assigns an audit, the centre files its plan, verdicts and report (registry.evaluation.surveillance), the instructing
reviewer records the outcome once the report is in (with conditions, or proposing a suspension); conditions are set by the agency, answered by the provider with evidence and closed, sent
back or withdrawn by a reviewer. Each write checks its rule (certificates.rules), locks the row it moves, writes its
audit line and its e-mails through the outbox (registry.notifications.aftercare_surveillance). Documents are ordinary
dossier documents on the certificate's dossier, with their kind and the link to what they support, checked (scan)
like any other.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.accounts import audit
from registry.accounts.permissions import actor_for
from registry.certificates import rules
from registry.certificates.choices import CertificateStatus, ConditionState, SurveillanceOutcome
from registry.certificates.models import Certificate, Condition, SurveillanceAudit
from registry.certificates.services import certificate_propose_suspension
from registry.core.uploads import display_name
from registry.evaluation import rules as evaluation_rules
from registry.evaluation import selectors as evaluation_selectors
from registry.notifications import aftercare_surveillance as notify
from registry.public.publication import publish_on_commit
from registry.qualification.choices import DocumentKind
from registry.qualification.models import Document
from registry.qualification.services.documents import store_document
from registry.qualification.workflow import REVIEWERS, Refused


def _refuse(refusal: str) -> None:
    if refusal:
        raise Refused(refusal)


def _locked_audit(audit_obj) -> SurveillanceAudit:
    return (
        SurveillanceAudit.objects.select_for_update(of=("self",))
        .select_related("certificate__service__provider", "certificate__scheme", "certificate__dossier")
        .get(pk=audit_obj.pk)
    )


def _locked_condition(condition) -> Condition:
    return (
        Condition.objects.select_for_update(of=("self",))
        .select_related("certificate__service__provider", "certificate__dossier", "surveillance_audit")
        .get(pk=condition.pk)
    )


def _store_document(*, certificate, kind: str, title: str, uploaded, by, **supports) -> Document:
    """A document on the certificate's dossier, linked to what it supports (`supports`: surveillance_audit= or
    condition=), stored and checked as the dossier's own evidence is (registry.qualification.services.documents)."""
    return store_document(
        dossier_id=certificate.dossier_id, kind=kind, title=title, uploaded=uploaded, by=by, **supports
    )


# --- Audits. ---


def audit_assign(*, audit_obj, by, evaluation_center, reviewer) -> SurveillanceAudit:
    """Name the approved centre that performs the audit (it files the plan, the verdicts and the report:
    registry.evaluation.surveillance) and the reviewer who instructs it, independent of that centre."""
    actor = actor_for(by)
    if evaluation_center is None:
        raise Refused(_("Please choose an active evaluation centre."))
    if reviewer is None or not actor_for(reviewer).in_group(REVIEWERS):
        raise Refused(_("The instructing reviewer must be one of the agency's reviewers."))
    with transaction.atomic():
        locked = _locked_audit(audit_obj)
        _refuse(rules.audit_assign_refusal(actor, locked))
        _refuse(
            evaluation_rules.audit_assignment_refusal(
                centre=evaluation_center,
                reviewer_evaluates_for_centre=evaluation_selectors.is_evaluator_of(reviewer.pk, evaluation_center.pk),
            )
        )
        locked.evaluation_center, locked.reviewer = evaluation_center, reviewer
        locked.save(update_fields=["evaluation_center", "reviewer"])
        audit.record(
            "surveillance.assign",
            actor=by,
            obj=locked,
            certificate=locked.certificate.number,
            evaluation_center=evaluation_center.name,
            reviewer=reviewer.email,
        )
        return locked


def outcome_refusal(*, audit_obj, performed_on, outcome: str, findings: str, conditions, today) -> str:
    """What the recorded outcome lacks, or "" (the form shows it next to the fields; the service asks it again)."""
    if audit_obj.evaluation_center_id is None:
        return _("Assign the evaluation centre that performed the audit first.")
    if not evaluation_selectors.audit_reported(audit_obj):
        return _("The evaluation centre has not submitted its report of the audit yet: the outcome follows it.")
    if outcome not in SurveillanceOutcome.values:
        return _("Please choose the outcome.")
    if performed_on is None or performed_on > today or performed_on < audit_obj.certificate.issued_on:
        return _("The audit was performed on a past day, after the certificate was issued.")
    if not findings.strip():
        return _("Please write the audit's findings: the provider reads them.")
    if outcome == SurveillanceOutcome.MAINTAINED_WITH_CONDITIONS and not conditions:
        return _("Maintaining with conditions needs at least one condition, with its due date.")
    if outcome != SurveillanceOutcome.MAINTAINED_WITH_CONDITIONS and conditions:
        return _("Conditions go with the outcome “maintained with conditions”.")
    for text, due_on in conditions:
        if not text.strip() or due_on is None or due_on <= today:
            return _("Each condition needs its text and a due date to come.")
    return ""


def audit_record_outcome(
    *, audit_obj, by, performed_on: datetime.date, outcome: str, findings: str, conditions=()
) -> SurveillanceAudit:
    """The instructing reviewer records when the audit was performed, its outcome and findings. "With conditions"
    creates its condition items ((text, due date) pairs); "suspension proposed" proposes the certificate's suspension
    to the committee (certificates.services.certificate_propose_suspension). The provider's members hear of it."""
    actor = actor_for(by)
    conditions = [(text.strip(), due_on) for text, due_on in conditions]
    today = timezone.localdate()
    with transaction.atomic():
        locked = _locked_audit(audit_obj)
        _refuse(rules.audit_instruction_refusal(actor, locked))
        _refuse(
            outcome_refusal(
                audit_obj=locked,
                performed_on=performed_on,
                outcome=outcome,
                findings=findings,
                conditions=conditions,
                today=today,
            )
        )
        locked.performed_on, locked.outcome, locked.findings = performed_on, outcome, findings.strip()
        locked.recorded_by, locked.recorded_at = by, timezone.now()
        locked.save(update_fields=["performed_on", "outcome", "findings", "recorded_by", "recorded_at"])
        publish_on_commit()  # the certificate's public surveillance dates (last audit, next due) have changed
        created = [
            _condition_write(certificate=locked.certificate, by=by, text=text, due_on=due_on, audit_obj=locked)
            for text, due_on in conditions
        ]
        # A certificate already suspended needs no proposal: the outcome is recorded and told all the same.
        if outcome == SurveillanceOutcome.SUSPENSION_PROPOSED and locked.certificate.status == CertificateStatus.ACTIVE:
            reason = _("Surveillance audit no. %(sequence)d of %(date)s: %(findings)s") % {
                "sequence": locked.sequence,
                "date": performed_on.isoformat(),
                "findings": locked.findings,
            }
            certificate_propose_suspension(certificate=locked.certificate, by=by, reason=reason)
        audit.record(
            "surveillance.outcome",
            actor=by,
            obj=locked,
            certificate=locked.certificate.number,
            outcome=outcome,
            performed_on=performed_on.isoformat(),
            conditions=[condition.pk for condition in created],
        )
        notify.audit_outcome(locked, created)
        return locked


# --- Conditions. ---


def _condition_write(*, certificate, by, text: str, due_on, audit_obj=None) -> Condition:
    condition = Condition.objects.create(
        certificate=certificate, surveillance_audit=audit_obj, text=text, due_on=due_on, created_by=by
    )
    audit.record(
        "condition.create",
        actor=by,
        obj=condition,
        certificate=certificate.number,
        due_on=due_on.isoformat(),
        surveillance_audit=audit_obj.pk if audit_obj else None,
    )
    return condition


def condition_create(*, certificate, by, text: str, due_on: datetime.date) -> Condition:
    """The agency sets a condition on a certificate (at the qualification decision, or later from its page); the
    provider's members hear of it."""
    actor = actor_for(by)
    if not text.strip():
        raise Refused(_("Please write the condition."))
    if due_on is None or due_on <= timezone.localdate():
        raise Refused(_("A condition is due on a day to come."))
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().select_related("service__provider").get(pk=certificate.pk)
        _refuse(rules.condition_create_refusal(actor, locked))
        condition = _condition_write(certificate=locked, by=by, text=text.strip(), due_on=due_on)
        notify.condition_event(condition, "created")
        return condition


def condition_answer(*, condition, by, response: str, evidence=()) -> Condition:
    """The provider answers an open condition, with evidence documents (CONDITION_EVIDENCE, on the certificate's
    dossier): it then waits on the agency. The reviewers hear of it."""
    actor = actor_for(by)
    if not response.strip():
        raise Refused(_("Please say how the condition is met."))
    with transaction.atomic():
        locked = _locked_condition(condition)
        _refuse(rules.condition_answer_refusal(actor, locked))
        documents = [
            _store_document(
                certificate=locked.certificate,
                kind=DocumentKind.CONDITION_EVIDENCE,
                title=display_name(uploaded.name)[: Document._meta.get_field("title").max_length],
                uploaded=uploaded,
                by=by,
                condition=locked,
            )
            for uploaded in evidence
        ]
        locked.response, locked.state = response.strip(), ConditionState.ANSWERED
        locked.answered_by, locked.answered_at = by, timezone.now()
        locked.save(update_fields=["response", "state", "answered_by", "answered_at"])
        audit.record(
            "condition.answer",
            actor=by,
            obj=locked,
            certificate=locked.certificate.number,
            documents=[document.pk for document in documents],
        )
        notify.condition_answered(locked)
        return locked


# A reviewer's moves: the state each leads to.
REVIEW_TARGETS = {
    "close": ConditionState.MET,
    "reopen": ConditionState.OPEN,
    "withdraw": ConditionState.WITHDRAWN,
}


def condition_review(*, condition, by, move: str, note: str) -> Condition:
    """A reviewer closes an answered condition as met, sends it back to open, or withdraws it; always with a note,
    which the provider reads."""
    actor = actor_for(by)
    if move not in REVIEW_TARGETS:
        raise Refused(_("Unknown action."))
    if not note.strip():
        raise Refused(_("Please write a note for the provider."))
    with transaction.atomic():
        locked = _locked_condition(condition)
        _refuse(rules.condition_review_refusal(actor, locked, move))
        locked.state, locked.closing_note = REVIEW_TARGETS[move], note.strip()
        locked.closed_by, locked.closed_at = by, timezone.now()
        locked.save(update_fields=["state", "closing_note", "closed_by", "closed_at"])
        audit.record(f"condition.{move}", actor=by, obj=locked, certificate=locked.certificate.number, note=note)
        notify.condition_event(locked, move)
        return locked
