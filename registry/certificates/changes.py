"""Every write on a change notice: the provider's draft, filing and withdrawal; the agency's take, acceptance (four
eyes on a transformative change), re-evaluation and refusal. Each: lock the notice, ask change_rules, save, audit,
notify through the outbox on commit; an acceptance applies the proposed record to the live rows, writes the next
certified record version of every live certificate it concerns, and publishes.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.accounts import audit
from registry.accounts.permissions import actor_for
from registry.certificates import change_rules, records
from registry.certificates.choices import LIVE_CERTIFICATE_STATUSES, ChangeKind, ChangeStatus, ChangeType
from registry.certificates.models import Certificate, ChangeNotice
from registry.core import bilingual
from registry.core.models import Counter
from registry.notifications import aftercare_changes
from registry.providers import rules as provider_rules
from registry.providers.models import Service, Shareholder, Site, ThirdParty
from registry.providers.selectors import certificate_statuses
from registry.public.publication import publish_on_commit
from registry.public.webhooks import webhooks_on_change_accepted
from registry.qualification.workflow import Refused


def live_certificates(notice):
    """The live certificates a notice concerns: its service's, or every certified service's of the organisation."""
    certificates = Certificate.objects.filter(status__in=LIVE_CERTIFICATE_STATUSES)
    if notice.service_id:
        return certificates.filter(service_id=notice.service_id)
    return certificates.filter(service__provider_id=notice.provider_id)


def current_parts(*, provider, service=None) -> dict:
    """The parts of the record a notice on `service` (or, None, on the organisation) proposes, as the rows say now:
    the certified record, since they change only through accepted notices."""
    parts = change_rules.parts_of(service.pk if service else None)
    if service is None:  # the organisation's parts are the same in every service's record
        service = Service.objects.filter(provider=provider, certificates__status__in=LIVE_CERTIFICATE_STATUSES).first()
    captured = records.capture(service)
    return {part: captured[part] for part in parts}


def _require_writer(by, provider) -> None:
    if not provider_rules.is_writer(actor_for(by), provider.pk):
        raise Refused(_("Only an owner or editor of the organisation proposes a change."))


def _locked(notice) -> ChangeNotice:
    # of=("self",): the notice's row only; PostgreSQL refuses FOR UPDATE on the nullable side of the service's join.
    return ChangeNotice.objects.select_for_update(of=("self",)).select_related("provider", "service").get(pk=notice.pk)


def notice_open(*, provider, by, service=None) -> ChangeNotice:
    """A draft notice whose proposed record starts as the certified one. Only for a record under change control;
    a draft already open for the same record is reused rather than doubled."""
    _require_writer(by, provider)
    if service is not None and service.provider_id != provider.pk:
        raise Refused(_("This service belongs to another organisation."))
    statuses = certificate_statuses(service=service) if service else certificate_statuses(provider=provider)
    if not provider_rules.change_controlled(statuses):
        raise Refused(_("No live certificate covers this: edit it directly."))
    with transaction.atomic():
        draft = ChangeNotice.objects.filter(
            provider=provider, service=service, status=ChangeStatus.DRAFT, created_by=by
        ).first()
        if draft is not None:
            return draft
        year = timezone.localdate().year  # the agency's calendar, as for dossiers and certificates
        current = current_parts(provider=provider, service=service)
        notice = ChangeNotice.objects.create(
            reference=f"CHG-{year}-{Counter.next(f'CHG-{year}'):05d}",
            provider=provider,
            service=service,
            kind=ChangeKind.OTHER,
            change_type=ChangeType.ADAPTIVE,
            effective_on=timezone.localdate(),
            description="",
            proposed=current,
            current=current,
            created_by=by,
        )
        audit.record("change_notice.open", actor=by, obj=notice, provider=provider.slug)
        return notice


def _clean_rows(model, rows, fields, *, parent) -> list[dict]:
    """Rows (dicts of model fields) validated as the live writes validate them, in the record's plain shape."""
    cleaned = []
    for row in rows:
        values = {name: row.get(name) for name in fields}
        obj = model(**{k: ("" if v is None else v) for k, v in values.items()})
        obj.full_clean(exclude=[parent, "relies_on_service"], validate_constraints=False)
        cleaned.append(obj)
    return cleaned


def _record_rows(objects, fields) -> list[dict]:
    rows = []
    for obj in objects:
        row = {name: records._plain(getattr(obj, name)) for name in fields if name != "relies_on"}
        if "relies_on" in fields:
            row["relies_on"] = obj.relies_on_service.slug if obj.relies_on_service_id else None
        rows.append(row)
    return sorted(rows, key=lambda row: [str(row[name]) for name in fields])


def _editable_draft(notice, by) -> ChangeNotice:
    locked = _locked(notice)
    _require_writer(by, locked.provider)
    if locked.status != ChangeStatus.DRAFT:
        raise Refused(_("This change notice is filed: it no longer changes."))
    return locked


def notice_propose_service(*, notice, by, values: dict, sites: list[dict], third_parties: list[dict]) -> ChangeNotice:
    """The service's part of the proposed record: its fields, sites and third parties (the portal's formsets' rows),
    checked by the same rules as a live edit (19.2.e, no reliance on itself)."""
    from registry.qualification import sovereignty

    with transaction.atomic():
        locked = _editable_draft(notice, by)
        if not locked.service_id:
            raise Refused(_("This change notice is about the organisation, not a service."))
        site_objects = _clean_rows(Site, sites, ("role", "country", "city", "operations"), parent="service")
        for site in site_objects:
            sovereignty.require_listed_support_operations(site)
        tp_fields = ("name", "kind", "country_of_control", "technical_access_to_data", "autonomy_evidence")
        tp_objects = _clean_rows(ThirdParty, third_parties, tp_fields, parent="service")
        for obj, row in zip(tp_objects, third_parties, strict=True):
            relies_on = row.get("relies_on_service")
            refusal = provider_rules.third_party_refusal(
                service_id=locked.service_id, relies_on_service_id=relies_on.pk if relies_on else None
            )
            if refusal:
                raise Refused(refusal)
            obj.relies_on_service = relies_on
        service = dict(locked.proposed["service"])
        fields = ("name", "service_model", "description", "description_fr")
        service.update({k: values[k] for k in fields if k in values})
        locked.proposed = {
            "service": service,
            "sites": _record_rows(site_objects, records.SITE_FIELDS),
            "third_parties": _record_rows(tp_objects, records.THIRD_PARTY_FIELDS),
        }
        locked.save(update_fields=["proposed"])
        audit.record("change_notice.propose", actor=by, obj=locked)
        return locked


def notice_propose_provider(*, notice, by, profile: dict, shareholders: list[dict]) -> ChangeNotice:
    """The organisation's part: legal name, registration id, 19.6.a countries and shareholders (totals checked)."""
    with transaction.atomic():
        locked = _editable_draft(notice, by)
        if locked.service_id:
            raise Refused(_("This change notice is about a service, not the organisation."))
        refusals = provider_rules.ownership_totals_refusals(shareholders)
        if refusals:
            raise ValidationError(refusals)
        holders = _clean_rows(Shareholder, shareholders, records.SHAREHOLDER_FIELDS, parent="provider")
        for holder in holders:  # as stored: two decimals, so that an unchanged holder compares equal
            for name in ("capital_percent", "voting_percent"):
                setattr(holder, name, Decimal(holder_value(getattr(holder, name))))
        provider = {
            k: records._plain(profile[k]) if profile.get(k) is not None else "" for k in records.PROVIDER_FIELDS
        }
        locked.proposed = {"provider": provider, "shareholders": _record_rows(holders, records.SHAREHOLDER_FIELDS)}
        locked.save(update_fields=["proposed"])
        audit.record("change_notice.propose", actor=by, obj=locked)
        return locked


def holder_value(value) -> str:
    return f"{Decimal(value):.2f}"


def notice_file(*, notice, by, kind: str, change_type: str, effective_on, description: str) -> ChangeNotice:
    """The provider files the draft: it then waits on the agency. Late when a 19.6.f change is notified more than a
    month after it took effect (change_rules.is_late); the clock is the agency's calendar day of filing."""
    if kind not in ChangeKind.values or change_type not in ChangeType.values:
        raise Refused(_("Choose the kind and the type of the change."))
    if not (description or "").strip():
        raise Refused(_("Please describe the change."))
    with transaction.atomic():
        locked = _editable_draft(notice, by)
        if locked.proposed == locked.current:
            raise Refused(_("The proposed record is the certified one: change something before filing."))
        now = timezone.now()
        locked.kind, locked.change_type = kind, change_type
        locked.effective_on, locked.description = effective_on, description.strip()
        locked.current = current_parts(provider=locked.provider, service=locked.service)
        locked.status, locked.filed_at, locked.filed_by = ChangeStatus.FILED, now, by
        locked.late = change_rules.is_late(kind, effective_on, timezone.localdate(now))
        locked.save()
        audit.record("change_notice.file", actor=by, obj=locked, kind=kind, type=change_type, late=locked.late)
        aftercare_changes.notify_on_commit(locked, "filed")
        return locked


# The notice's documents: while the provider writes it, and until the agency decides.
DOCUMENTED = (ChangeStatus.DRAFT, ChangeStatus.FILED, ChangeStatus.ACCEPTANCE_PROPOSED)


def notice_document_add(*, notice, by, title: str, uploaded):
    """A supporting document of the notice, on the dossier of a certificate it concerns (so the dossier's access
    checks and the upload checks apply), of kind "change evidence"; the same title as a current one makes it that
    document's next version. The dossier's own pages never list it."""
    from registry.qualification.choices import DocumentKind
    from registry.qualification.models import Document
    from registry.qualification.services.documents import store_document

    if not title.strip():
        raise Refused(_("Please give the document a title."))
    with transaction.atomic():
        locked = _locked(notice)
        _require_writer(by, locked.provider)
        if locked.status not in DOCUMENTED:
            raise Refused(_("The agency has decided on this change notice: its documents are closed."))
        certificate = live_certificates(locked).order_by("pk").first()
        if certificate is None:
            raise Refused(_("No live certificate covers this any more."))
        document = store_document(
            dossier_id=certificate.dossier_id,
            kind=DocumentKind.CHANGE_EVIDENCE,
            title=title,
            uploaded=uploaded,
            by=by,
            versions=Document.objects.filter(change_notice=locked),
            change_notice=locked,
        )
        audit.record("change_notice.document", actor=by, obj=locked, title=document.title, version=document.version)
        return document


def notice_withdraw(*, notice, by) -> ChangeNotice:
    with transaction.atomic():
        locked = _locked(notice)
        _require_writer(by, locked.provider)
        if locked.status not in change_rules.WITHDRAWABLE:
            raise Refused(_("The agency has decided on this change notice: it can no longer be withdrawn."))
        was_filed = locked.status != ChangeStatus.DRAFT
        locked.status = ChangeStatus.WITHDRAWN
        locked.save(update_fields=["status"])
        audit.record("change_notice.withdraw", actor=by, obj=locked)
        if was_filed:
            aftercare_changes.notify_on_commit(locked, "withdrawn")
        return locked


def _agency_move(notice, by, move) -> ChangeNotice:
    locked = _locked(notice)
    refusal = change_rules.move_refusal(actor_for(by), locked, move)
    if refusal:
        raise Refused(refusal)
    return locked


def notice_take(*, notice, by) -> ChangeNotice:
    with transaction.atomic():
        locked = _agency_move(notice, by, "take")
        locked.reviewer = by
        locked.save(update_fields=["reviewer"])
        audit.record("change_notice.take", actor=by, obj=locked)
        aftercare_changes.notify_on_commit(locked, "taken")
        return locked


def _apply(locked, by) -> None:
    """Accepted: the live rows become the proposed record, each live certificate concerned keeps its next version."""
    from registry.providers.changes import apply_change

    if current_parts(provider=locked.provider, service=locked.service) != records.upgraded(locked.current):
        # Another notice changed the same record since this one was filed: its proposal would undo that change.
        raise Refused(
            _("The certified record changed since this notice was filed: refuse it and let the provider file again.")
        )
    locked.status, locked.decided_by, locked.decided_at = ChangeStatus.ACCEPTED, by, timezone.now()
    locked.save(
        update_fields=[
            "status",
            "decided_by",
            "decided_at",
            "public_summary",
            "public_summary_fr",
            "acceptance_proposed_by",
        ]
    )
    apply_change(notice=locked, by=by)
    certificates = list(live_certificates(locked).select_related("service__provider", "scheme").order_by("pk"))
    for certificate in certificates:
        webhooks_on_change_accepted(records.keep(certificate, change_notice=locked))
    publish_on_commit()  # the public pages, API and exports read the rows just changed; a snapshot follows
    aftercare_changes.notify_on_commit(locked, "accepted")
    aftercare_changes.notify_followers_on_commit(locked, certificates)


def notice_accept(*, notice, by, public_summary: str, public_summary_fr: str = "") -> ChangeNotice:
    """The reviewer accepts: an adaptive change takes effect now; a transformative one waits for a second person.
    The public summary in English, French or both (core.bilingual)."""
    if bilingual.missing(public_summary, public_summary_fr):
        raise Refused(_("Please write the public summary: the certificate's public history shows it."))
    with transaction.atomic():
        locked = _agency_move(notice, by, "accept")
        locked.public_summary, locked.public_summary_fr = public_summary.strip(), public_summary_fr.strip()
        if change_rules.needs_second_person(locked.change_type):
            locked.status, locked.acceptance_proposed_by = ChangeStatus.ACCEPTANCE_PROPOSED, by
            locked.save(update_fields=["status", "acceptance_proposed_by", "public_summary", "public_summary_fr"])
            audit.record("change_notice.propose_acceptance", actor=by, obj=locked)
            aftercare_changes.notify_on_commit(locked, "acceptance_proposed")
            return locked
        _apply(locked, by)
        audit.record("change_notice.accept", actor=by, obj=locked)
        return locked


def notice_confirm(*, notice, by, public_summary: str = "", public_summary_fr: str = "") -> ChangeNotice:
    """A second person of the agency, not the proposer, confirms a transformative change's acceptance (and may
    reword the public summary: both texts are then the ones given)."""
    with transaction.atomic():
        locked = _agency_move(notice, by, "confirm")
        if not bilingual.missing(public_summary, public_summary_fr):
            locked.public_summary, locked.public_summary_fr = public_summary.strip(), public_summary_fr.strip()
        _apply(locked, by)
        audit.record("change_notice.accept", actor=by, obj=locked, proposed_by=locked.acceptance_proposed_by_id)
        return locked


def notice_reevaluate(*, notice, by, comment: str = "") -> ChangeNotice:
    """The change needs the evaluation again: a dossier of kind "change" renewing the certificate opens and follows
    the usual workflow; the notice is accepted when that dossier is qualified (apply_reevaluated)."""
    from registry.qualification.services.dossiers import dossier_open_change

    with transaction.atomic():
        locked = _agency_move(notice, by, "reevaluate")
        certificates = list(live_certificates(locked).select_related("service", "scheme"))
        if len(certificates) != 1:
            raise Refused(_("A re-evaluation is asked on one certified service: this change concerns several."))
        dossier = dossier_open_change(certificate=certificates[0], by=by)
        locked.status, locked.reevaluation, locked.outcome_note = ChangeStatus.REEVALUATION, dossier, comment.strip()
        locked.save(update_fields=["status", "reevaluation", "outcome_note"])
        audit.record("change_notice.reevaluate", actor=by, obj=locked, dossier=dossier.reference)
        aftercare_changes.notify_on_commit(locked, "reevaluation")
        return locked


def apply_reevaluated(*, dossier, by) -> None:
    """Called when a change re-evaluation dossier is qualified, before its certificate is issued: the notice is
    accepted and its record applied, so the new certificate's version 1 is the changed record."""
    notice = ChangeNotice.objects.select_for_update().filter(reevaluation=dossier).first()
    if notice is None or notice.status != ChangeStatus.REEVALUATION:
        return
    from registry.providers.changes import apply_change

    notice.status, notice.decided_by, notice.decided_at = ChangeStatus.ACCEPTED, by, timezone.now()
    notice.save(update_fields=["status", "decided_by", "decided_at"])
    apply_change(notice=notice, by=by)
    audit.record("change_notice.accept", actor=by, obj=notice, dossier=dossier.reference)
    aftercare_changes.notify_on_commit(notice, "accepted")


def notice_refuse(*, notice, by, outcome_note: str, propose_suspension: bool = False) -> ChangeNotice:
    """The reviewer refuses, stating the consequence; optionally proposing that the certificates be suspended."""
    from registry.certificates.services import certificate_propose_suspension

    if not outcome_note.strip():
        raise Refused(_("Please state why the change is refused and what follows from it."))
    with transaction.atomic():
        locked = _agency_move(notice, by, "refuse")
        locked.status, locked.decided_by, locked.decided_at = ChangeStatus.REFUSED, by, timezone.now()
        locked.outcome_note = outcome_note.strip()
        locked.save(update_fields=["status", "decided_by", "decided_at", "outcome_note"])
        if propose_suspension:
            reason = _("Change notice %(ref)s refused: %(note)s") % {
                "ref": locked.reference,
                "note": locked.outcome_note,
            }
            for certificate in live_certificates(locked).filter(status="active"):
                certificate_propose_suspension(certificate=certificate, by=by, reason=reason)
        audit.record("change_notice.refuse", actor=by, obj=locked, suspension_proposed=propose_suspension)
        aftercare_changes.notify_on_commit(locked, "refused")
        return locked
