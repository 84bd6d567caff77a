"""The agency's findings on a dossier as OSCAL (NIST OSCAL 1.1.2, JSON), for its own compliance tools: the
reviewer's per-requirement findings as assessment results, and the open non-conformities as a plan of action and
milestones (POA&M).

Each finding is an observation (the reviewer's note, when it was recorded) and a finding whose target is the
requirement's control in the scheme's catalog (its statement when the requirement has a text): conform is
"satisfied", a minor or major non-conformity "not-satisfied", its severity a property of this registry's namespace.
An internal finding (agency only) is there too, marked so; the dossier's messages never are. UUIDs derive from the
dossier's reference and the requirements' refs: a re-export is the same document but for its last-modified.
"""

from django.utils.translation import gettext as _

from registry.catalogue.oscal import (
    OSCAL_VERSION,
    catalog_url,
    control_id,
    prop,
    statement_id,
    timestamp,
    uuid_for,
)
from registry.qualification import rules
from registry.qualification.models import Answer, DossierEvent


def _line(text: str) -> str:
    """OSCAL titles are one line."""
    return " ".join(text.split())


def findings_of(dossier) -> list[Answer]:
    """The dossier's answers with a finding, with their requirement, in the catalogue's order: one query."""
    return list(
        Answer.objects.filter(dossier=dossier)
        .exclude(finding="")
        .select_related("requirement")
        .order_by("requirement__position", "pk")
    )


def review_started(dossier):
    """When the agency took the dossier in review (the assessment's start), or when it was opened: one query."""
    taken = DossierEvent.objects.filter(dossier=dossier, action="take").order_by("created_at", "pk").first()
    return taken.created_at if taken is not None else dossier.created_at


def _metadata(dossier, title: str, now) -> dict:
    return {
        "title": title,
        "last-modified": timestamp(now),
        "version": dossier.reference,
        "oscal-version": OSCAL_VERSION,
        "props": [prop("dossier", dossier.reference), prop("scheme-code", dossier.scheme.code)],
        "links": [{"href": catalog_url(dossier.scheme.code), "rel": "reference"}],
    }


def _observation(dossier, answer) -> dict:
    requirement = answer.requirement
    props = [prop("finding", answer.finding)]
    if answer.status:
        props.append(prop("self-assessment", answer.status))
    if answer.finding_internal:
        props.append(prop("agency-only", "true"))
    return {
        "uuid": uuid_for(f"{dossier.reference}:observation:{requirement.ref}"),
        "title": _line(f"{requirement.ref} {requirement.title_en}"),
        "description": answer.finding_note or str(answer.get_finding_display()),
        "props": props,
        "methods": ["EXAMINE"],
        "types": ["finding"],
        "collected": timestamp(answer.finding_at or answer.updated_at),
    }


def _finding(dossier, answer) -> dict:
    requirement = answer.requirement
    is_open = rules.has_open_finding(answer)
    if requirement.description_en:  # the catalog has the requirement's statement (registry.public.oscal)
        target = {"type": "statement-id", "target-id": statement_id(requirement.ref)}
    else:
        target = {"type": "objective-id", "target-id": control_id(requirement.ref)}
    target["status"] = {"state": "not-satisfied" if is_open else "satisfied"}
    found = {
        "uuid": finding_uuid(dossier, answer),
        "title": _line(f"{requirement.ref} {requirement.title_en}: {answer.get_finding_display()}"),
        "description": answer.finding_note or str(answer.get_finding_display()),
        "target": target,
        "related-observations": [{"observation-uuid": uuid_for(f"{dossier.reference}:observation:{requirement.ref}")}],
    }
    props = [prop("non-conformity", answer.finding)] if is_open else []
    if answer.finding_internal:
        props.append(prop("agency-only", "true"))
    if props:
        found["props"] = props
    return found


def finding_uuid(dossier, answer) -> str:
    return uuid_for(f"{dossier.reference}:finding:{answer.requirement.ref}")


def assessment_results(dossier, answers, *, started, now) -> dict:
    """The reviewer's findings on `dossier` (`answers`: findings_of) as OSCAL assessment results: one result."""
    reference = dossier.reference
    if answers:
        selection = {"include-controls": [{"control-id": control_id(a.requirement.ref)} for a in answers]}
    else:
        selection = {"include-all": {}}
    result = {
        "uuid": uuid_for(f"{reference}:result"),
        "title": _("Findings on dossier %(reference)s") % {"reference": reference},
        "description": _("The agency's findings on the self-assessment of %(service)s, requirement by requirement.")
        % {"service": dossier.service.name},
        "start": timestamp(started),
        "reviewed-controls": {"control-selections": [selection]},
    }
    if answers:  # OSCAL allows no empty list
        result["observations"] = [_observation(dossier, a) for a in answers]
        result["findings"] = [_finding(dossier, a) for a in answers]
    return {
        "assessment-results": {
            "uuid": uuid_for(f"assessment-results:{reference}"),
            "metadata": _metadata(
                dossier, _("Assessment results of dossier %(reference)s") % {"reference": reference}, now
            ),
            "import-ap": {
                "href": f"urn:tcr:dossier:{reference}",
                "remarks": _("The agency's instruction of the dossier is its assessment plan; it is not published."),
            },
            "results": [result],
        }
    }


def plan_of_action(dossier, answers, *, now) -> dict | None:
    """The open non-conformities among `answers` (findings_of) as an OSCAL plan of action and milestones, one item
    each; None when there is none (OSCAL's plan has at least one item)."""
    open_ones = [a for a in answers if rules.has_open_finding(a)]
    if not open_ones:
        return None
    reference = dossier.reference
    items = []
    for answer in open_ones:
        requirement = answer.requirement
        item = {
            "uuid": uuid_for(f"{reference}:poam-item:{requirement.ref}"),
            "title": _line(f"{requirement.ref} {requirement.title_en}: {answer.get_finding_display()}"),
            "description": answer.finding_note or str(answer.get_finding_display()),
            "props": [prop("non-conformity", answer.finding)]
            + ([prop("agency-only", "true")] if answer.finding_internal else []),
            "related-findings": [{"finding-uuid": finding_uuid(dossier, answer)}],
            "related-observations": [{"observation-uuid": uuid_for(f"{reference}:observation:{requirement.ref}")}],
        }
        items.append(item)
    return {
        "plan-of-action-and-milestones": {
            "uuid": uuid_for(f"poam:{reference}"),
            "metadata": _metadata(
                dossier, _("Plan of action and milestones of dossier %(reference)s") % {"reference": reference}, now
            ),
            "observations": [_observation(dossier, a) for a in open_ones],
            "findings": [_finding(dossier, a) for a in open_ones],
            "poam-items": items,
        }
    }
