"""Every write on a certificate. Each status change is locked, checked by the workflow and logged in public history."""

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.accounts import audit
from registry.accounts.permissions import actor_for
from registry.certificates import reasons, records, rules
from registry.certificates.choices import CertificateStatus
from registry.certificates.models import Certificate, CertificateEvent, SurveillanceAudit
from registry.certificates.pdf import render_pdf_on_commit
from registry.core.models import Counter
from registry.notifications.outbox import notify_certificate_event_on_commit
from registry.public.publication import publish_on_commit
from registry.public.webhooks import webhooks_on_status_change
from registry.qualification import workflow


def _log(certificate, status, reason, by, *, reason_fr="", effective_on=None, internal_note="") -> CertificateEvent:
    event = CertificateEvent.objects.create(
        certificate=certificate,
        status=status,
        reason=reason,
        reason_fr=reason_fr,
        actor=by,
        effective_on=effective_on,
        internal_note=internal_note,
    )
    notify_certificate_event_on_commit(event.pk)
    webhooks_on_status_change(event)  # its deliveries, written with it, sent after the commit
    publish_on_commit()  # every certificate event is a public change: qualify, suspend, … supersede
    render_pdf_on_commit(certificate.pk)  # the PDF shows the status: a new one for each change
    return event


def _change(certificate, action, *, by, reason="", reason_fr="", suspension=None) -> Certificate:
    """One move of the certificate table on a locked copy. `suspension` (effective_on, review_on, internal_note) goes
    with a suspension; any other move ends the planned review. The public reason in English, French or both
    (`reason_fr`; core.bilingual)."""
    locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
    given = reason.strip() or reason_fr.strip()  # either language will do (bilingual.missing)
    workflow.check_certificate(actor_for(by) if by is not None else None, locked, action, given)
    effective_on, review_on, internal_note = suspension or (None, None, "")
    if suspension is not None:
        refusal = rules.suspension_refusal(
            locked,
            effective_on=effective_on,
            review_on=review_on,
            today=timezone.localdate(),
            last_change_on=_last_change_on(locked),
        )
        if refusal:
            raise workflow.Refused(refusal)
    locked.status = workflow.CERTIFICATE_MOVES[action].target
    locked.status_changed_at = timezone.now()
    locked.review_due_on = review_on
    # Any move answers a pending suspension proposal: suspended, withdrawn, expired or superseded, it is done with.
    locked.suspension_proposed_at, locked.suspension_proposed_by, locked.suspension_proposal = None, None, ""
    locked.save(
        update_fields=[
            "status",
            "status_changed_at",
            "review_due_on",
            "suspension_proposed_at",
            "suspension_proposed_by",
            "suspension_proposal",
        ]
    )
    _log(
        locked,
        locked.status,
        reason.strip(),
        by,
        reason_fr=reason_fr.strip(),
        effective_on=effective_on,
        internal_note=internal_note.strip(),
    )
    audit.record(
        f"certificate.{action}",
        actor=by,
        obj=locked,
        to_status=locked.status,
        reason=reason.strip(),
        **({"reason_fr": reason_fr.strip()} if reason_fr.strip() else {}),
        **({"effective_on": effective_on.isoformat(), "review_on": review_on.isoformat()} if suspension else {}),
    )
    return locked


def _last_change_on(certificate):
    last = CertificateEvent.objects.filter(certificate=certificate).order_by("-created_at", "-pk").first()
    return certificate.issued_on if last is None else timezone.localdate(rules.took_effect_at(last))


def certificate_issue(
    *, dossier, scope: str, conditions: str, by, scope_fr: str = "", conditions_fr: str = ""
) -> Certificate:
    """Issue the certificate of a dossier just qualified. Called by dossier_qualify inside its transaction. The scope
    and conditions in English, French or both (`*_fr`; core.bilingual)."""
    # Whatever certificate is still in force for this service and scheme gives way, not only the one a renewal names:
    # an "initial" application made while one is in force, or a renewal naming an older one, would otherwise break
    # the one-live-certificate constraint at the very moment of the committee's decision.
    if dossier.kind == dossier.Kind.RENEWAL:
        reason = reasons.REPLACED_BY_RENEWAL % {"ref": dossier.reference}
    else:
        reason = reasons.REPLACED_BY_QUALIFICATION % {"ref": dossier.reference}
    in_force = Certificate.objects.select_for_update().filter(
        service_id=dossier.service_id,
        scheme_id=dossier.scheme_id,
        status__in=workflow.CERTIFICATE_MOVES["supersede"].sources,
    )
    for previous in in_force:
        _change(previous, "supersede", by=None, reason=reason)
    today = timezone.localdate()
    prefix = dossier.scheme.certificate_prefix
    number = f"{prefix}-{today.year}-{Counter.next(f'{prefix}-{today.year}'):04d}"
    certificate = Certificate.objects.create(
        number=number,
        dossier=dossier,
        service=dossier.service,
        scheme=dossier.scheme,
        scope=scope,
        scope_fr=scope_fr,
        conditions=conditions,
        conditions_fr=conditions_fr,
        issued_on=today,
        # The same day that many months later, or that month's last day (29 February → 28 February).
        expires_on=today + relativedelta(months=dossier.scheme.validity_months),
        status=CertificateStatus.ACTIVE,
    )
    _log(certificate, CertificateStatus.ACTIVE, reasons.QUALIFIED, by)
    audit.record("certificate.issue", actor=by, obj=certificate, dossier=dossier.reference)
    records.keep(certificate)  # version 1 of the certified record: what this decision certified
    # Its surveillance plan: an audit every scheme interval after issue, before expiry.
    due_dates = rules.surveillance_due_dates(
        certificate.issued_on, certificate.expires_on, dossier.scheme.surveillance_interval_months
    )
    SurveillanceAudit.objects.bulk_create(
        SurveillanceAudit(certificate=certificate, sequence=sequence, due_on=due)
        for sequence, due in enumerate(due_dates, start=1)
    )
    return certificate


def certificate_suspend(
    *, certificate, by, reason: str, review_on, effective_on=None, internal_note: str = "", reason_fr: str = ""
) -> Certificate:
    """Suspend a certificate: the public reason and the day it took effect (today unless said) go to its public
    history; the planned review date and the internal note stay with the agency."""
    with transaction.atomic():
        effective_on = effective_on or timezone.localdate()
        return _change(
            certificate,
            "suspend",
            by=by,
            reason=reason,
            reason_fr=reason_fr,
            suspension=(effective_on, review_on, internal_note),
        )


def certificate_reinstate(*, certificate, by, reason: str, reason_fr: str = "") -> Certificate:
    with transaction.atomic():
        return _change(certificate, "reinstate", by=by, reason=reason, reason_fr=reason_fr)


def certificate_withdraw(*, certificate, by, reason: str, reason_fr: str = "") -> Certificate:
    with transaction.atomic():
        return _change(certificate, "withdraw", by=by, reason=reason, reason_fr=reason_fr)


def certificate_expire(*, certificate) -> Certificate | None:
    """Expire one certificate whose date has passed; None when it no longer needs to (idempotent, for the nightly task)."""
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if not rules.lapsed(locked.status, locked.expires_on, timezone.localdate()):
            return None
        return _change(locked, "expire", by=None, reason=reasons.EXPIRED)


# --- Suspension proposals: from a surveillance audit, a refused change notice or an incident. ---


def certificate_propose_suspension(*, certificate, by, reason: str) -> Certificate:
    """Someone at the agency proposes that the certificate be suspended (the agency's, never public): it then waits
    among the certificates to act on until the committee or an administrator suspends it or dismisses the proposal.
    A second proposal adds its reason to the first."""
    actor = actor_for(by)
    if not any(actor.in_group(group) for group in workflow.AGENCY_GROUPS):
        raise workflow.Refused(_("Only the agency can propose a suspension."))
    if not reason.strip():
        raise workflow.Refused(_("Please say why a suspension is proposed."))
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.status != CertificateStatus.ACTIVE:
            raise workflow.Refused(_("Only an active certificate can be proposed for suspension."))
        if locked.suspension_proposed_at is None:
            locked.suspension_proposed_at, locked.suspension_proposed_by = timezone.now(), by
            locked.suspension_proposal = reason.strip()
        else:
            locked.suspension_proposal = f"{locked.suspension_proposal}\n\n{reason.strip()}"
        locked.save(update_fields=["suspension_proposed_at", "suspension_proposed_by", "suspension_proposal"])
        audit.record("certificate.propose_suspension", actor=by, obj=locked, reason=reason.strip())
        return locked


def certificate_dismiss_suspension_proposal(*, certificate, by, reason: str) -> Certificate:
    """The committee or an administrator decides not to suspend: the proposal is cleared, the reason audited."""
    actor = actor_for(by)
    if not any(actor.in_group(group) for group in workflow.CERTIFICATE_GROUPS):
        raise workflow.Refused(
            _("Only the qualification committee or a registry administrator can change a certificate.")
        )
    if not reason.strip():
        raise workflow.Refused(_("Please say why the certificate is not suspended."))
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.suspension_proposed_at is None:
            raise workflow.Refused(_("No suspension is proposed for this certificate."))
        proposal = locked.suspension_proposal
        locked.suspension_proposed_at, locked.suspension_proposed_by, locked.suspension_proposal = None, None, ""
        locked.save(update_fields=["suspension_proposed_at", "suspension_proposed_by", "suspension_proposal"])
        audit.record(
            "certificate.dismiss_suspension_proposal", actor=by, obj=locked, reason=reason.strip(), proposal=proposal
        )
        return locked
