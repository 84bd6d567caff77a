"""The provider's self-assessment imported from an OSCAL component definition (registry.qualification.oscal_components):
the lines that map are saved as the chapter pages save answers, in one transaction, and the import is one line of
the dossier's timeline and of the audit log, with what did not map and why."""

from django.db import transaction
from django.utils import timezone

from registry.accounts import audit
from registry.accounts.permissions import actor_for
from registry.qualification import oscal_components, rules
from registry.qualification.models import Answer, DossierEvent

# The same locked read and the same write as answers_save: one place decides how answers are stored.
from registry.qualification.services.answers import _locked, _save_all
from registry.qualification.workflow import Refused

IMPORT_ACTION = "oscal_import"


def answers_import(*, dossier, by, entries, file_name: str = "") -> DossierEvent:
    """Save the answers `entries` map to (planned again under the dossier's lock, so against the answers as they are
    now), keeping each answer's evidence. Returns the import's event, whose detail is the report.

    Refused, writing nothing, unless `by` may change the dossier's content now."""
    with transaction.atomic():
        locked = _locked(dossier)
        actor = actor_for(by)
        refusal = rules.content_edit_refusal(actor, locked)
        if refusal:
            raise Refused(refusal)
        result = oscal_components.plan(locked, entries)
        if result.mapped:
            # An import changes statuses and justifications, never the documents an answer cites.
            cited = {}
            for answer in Answer.objects.filter(
                dossier=locked, requirement_id__in=[line.requirement.pk for line in result.mapped]
            ).prefetch_related("evidence"):
                cited[answer.requirement_id] = list(answer.evidence.all())
            _save_all(
                locked,
                actor,
                [
                    {
                        "requirement": line.requirement,
                        "status": line.new_status,
                        "justification": line.new_justification,
                        "evidence": cited.get(line.requirement.pk, []),
                    }
                    for line in result.mapped
                ],
            )
        now = timezone.now()
        detail = {**result.summary(), "file": file_name[:200]}
        # On both sides' timelines; nothing to send (notified_at set): an import is the provider's own editing.
        event = DossierEvent.objects.create(
            dossier=locked, actor=by, action=IMPORT_ACTION, detail=detail, created_at=now, notified_at=now
        )
        audit.record(
            "dossier.oscal_import",
            actor=by,
            obj=locked,
            mapped=detail["mapped"],
            changed=detail["changed"],
            unmapped=detail["unmapped_count"],
        )
    return event
