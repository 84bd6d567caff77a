"""Every write on an incident: the declaration (its initial report), the updates, the final report that closes it,
and the documents that support them. Confidential: nothing here publishes, and the e-mails go to the agency and to
the provider's own members only (registry.notifications.aftercare_incidents).

Documents are qualification.Document rows on the certificate's dossier (so the existing download checks and the
file checks apply), of kind INCIDENT_REPORT and tied to the incident; the upload checks are the dossier's own."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.accounts import audit
from registry.accounts.permissions import actor_for
from registry.certificates import incident_rules as rules
from registry.certificates.choices import IncidentStage
from registry.certificates.models import Certificate, Incident, IncidentUpdate
from registry.core.models import Counter
from registry.qualification.choices import DocumentKind
from registry.qualification.models import Document
from registry.qualification.services.documents import store_document
from registry.qualification.workflow import Refused

# What a later report may restate: the provider learns more as the investigation goes on.
RESTATABLE = ("impact", "customer_data_affected", "sovereignty_affected", "started_at")


def _check_times(**times) -> None:
    errors = rules.times_refusals(now=timezone.now(), **times)
    if errors:
        raise Refused(" ".join(str(message) for message in errors.values()))


def _check_text(title=None, impact=None, body=None) -> None:
    if title is not None and not title.strip():
        raise Refused(_("Please give the incident a title."))
    if impact is not None and not impact.strip():
        raise Refused(_("Please describe the impact."))
    if body is not None and not body.strip():
        raise Refused(_("Please write the report."))


def _add_document(incident, *, title: str, uploaded, by) -> Document:
    """One document of the incident, on the certificate's dossier; the same title as a current one makes it that
    document's next version. Called inside the report's transaction, as its last write."""
    document = store_document(
        dossier_id=incident.certificate.dossier_id,
        kind=DocumentKind.INCIDENT_REPORT,
        title=title,
        uploaded=uploaded,
        by=by,
        versions=Document.objects.filter(incident=incident),
        incident=incident,
    )
    audit.record(
        "incident.document", actor=by, obj=document, incident=incident.reference, title=document.title,
        version=document.version,
    )  # fmt: skip
    return document


def _notify(update) -> None:
    from registry.notifications import aftercare_incidents  # notifications read this context: the arrow stays lazy

    aftercare_incidents.incident_reported(update)


def incident_declare(
    *,
    certificate,
    by,
    title: str,
    detected_at,
    impact: str,
    body: str,
    started_at=None,
    customer_data_affected: bool = False,
    sovereignty_affected: bool = False,
    documents=(),
) -> Incident:
    """An owner or editor declares an incident on the service of a live certificate: its initial report.
    `documents`: (title, uploaded file) pairs filed with it."""
    actor = actor_for(by)
    _check_text(title=title, impact=impact, body=body)
    _check_times(detected_at=detected_at, started_at=started_at)
    with transaction.atomic():
        locked = Certificate.objects.select_for_update(of=("self",)).select_related("service").get(pk=certificate.pk)
        refusal = rules.declare_refusal(actor, locked)
        if refusal:
            raise Refused(refusal)
        # The agency's calendar year, as for dossier references and certificate numbers.
        year = timezone.localdate().year
        now = timezone.now()
        incident = Incident.objects.create(
            reference=f"INC-{year}-{Counter.next(f'INC-{year}'):05d}",
            provider_id=locked.service.provider_id,
            service=locked.service,
            certificate=locked,
            title=title.strip(),
            detected_at=detected_at,
            started_at=started_at,
            impact=impact.strip(),
            customer_data_affected=customer_data_affected,
            sovereignty_affected=sovereignty_affected,
            stage=IncidentStage.INITIAL,
            created_by=by,
            created_at=now,
            updated_at=now,
        )
        update = IncidentUpdate.objects.create(
            incident=incident, stage=IncidentStage.INITIAL, body=body.strip(), author=by, created_at=now
        )
        audit.record(
            "incident.declare",
            actor=by,
            obj=incident,
            certificate=locked.number,
            customer_data_affected=customer_data_affected,
            sovereignty_affected=sovereignty_affected,
        )
        for doc_title, uploaded in documents:
            _add_document(incident, title=doc_title, uploaded=uploaded, by=by)
        _notify(update)
    return incident


def incident_report(*, incident, by, stage: str, body: str, ended_at=None, documents=(), **restated) -> IncidentUpdate:
    """An update, or the final report (with the time the incident ended) that closes the incident. `restated`: any of
    RESTATABLE, as the provider now knows them (the audit line keeps what they were)."""
    unknown = set(restated) - set(RESTATABLE)
    if unknown:
        raise TypeError(f"Not restatable: {sorted(unknown)}")
    actor = actor_for(by)
    _check_text(body=body, impact=restated.get("impact"))
    with transaction.atomic():
        locked = Incident.objects.select_for_update(of=("self",)).select_related("certificate").get(pk=incident.pk)
        refusal = rules.report_refusal(actor, locked, stage)
        if refusal:
            raise Refused(refusal)
        started_at = restated.get("started_at", locked.started_at)
        _check_times(
            detected_at=locked.detected_at,
            started_at=started_at,
            ended_at=ended_at,
            final=stage == IncidentStage.FINAL,
        )
        changed = {}
        for name, value in restated.items():
            if name == "impact":
                value = value.strip()
            if getattr(locked, name) != value:
                changed[name] = [getattr(locked, name), value]
                setattr(locked, name, value)
        now = timezone.now()
        locked.stage, locked.updated_at, locked.ended_at = stage, now, ended_at
        locked.save(update_fields=["stage", "updated_at", "ended_at", *(name for name in changed)])
        update = IncidentUpdate.objects.create(
            incident=locked, stage=stage, body=body.strip(), author=by, created_at=now
        )
        audit.record(f"incident.{stage}", actor=by, obj=locked, changed=changed)
        for doc_title, uploaded in documents:
            _add_document(locked, title=doc_title, uploaded=uploaded, by=by)
        _notify(update)
    return update
