"""A dossier's self-assessment as an OSCAL component definition (NIST OSCAL 1.1.2, JSON), out and back in.

Out: one component (the service), one control implementation whose `source` is the scheme's published catalog, one
implemented requirement per answered requirement: its control id, the justification as its description, and the
self-assessment as an `implementation-status` property (met → implemented, partially met → partial, not met →
planned, not applicable → not-applicable).

In: a provider's compliance tool gives back such a document. It is read here with the standard library only (the
OSCAL models are a test dependency), keeping just what an answer needs, and planned against the dossier: which
implemented requirements map to an answer of this dossier and what they would change, and which do not and why.
Nothing here writes; registry.qualification.services.answers_import does, from the same plan.
"""

import json
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.catalogue.models import Requirement
from registry.catalogue.oscal import (
    OSCAL_VERSION,
    catalog_path,
    catalog_url,
    control_id,
    prop,
    timestamp,
    uuid_for,
)
from registry.qualification.models import Answer

# What a provider may upload: a self-assessment of a few hundred requirements is far smaller.
MAX_BYTES = 1024 * 1024
MAX_ENTRIES = 5000
STATUS_TO_OSCAL = {
    Answer.Status.MET: "implemented",
    Answer.Status.PARTIALLY_MET: "partial",
    Answer.Status.NOT_MET: "planned",
    Answer.Status.NOT_APPLICABLE: "not-applicable",
}
OSCAL_TO_STATUS = {value: status for status, value in STATUS_TO_OSCAL.items()}
IMPLEMENTATION_STATUS = "implementation-status"
# A property without a namespace is OSCAL's own; a tool may also spell OSCAL's namespace out.
OSCAL_NS = "http://csrc.nist.gov/ns/oscal"

# Why an implemented requirement does not become an answer, in the words the preview and the report show.
REASONS = {
    "malformed": gettext_lazy("Not an implemented requirement: it has no control id."),
    "duplicate": gettext_lazy("The same control appears earlier in the document; only the first one is imported."),
    "unknown_control": gettext_lazy("No requirement of this dossier's scheme has this control id."),
    "retired": gettext_lazy("The requirement is retired from the scheme."),
    "not_applicable": gettext_lazy("The requirement does not apply to this service's model."),
    "unknown_status": gettext_lazy(
        "Unknown or missing implementation-status (expected implemented, partial, planned or not-applicable)."
    ),
    "justification_missing": gettext_lazy("A justification (the description) is required unless it is implemented."),
}


class NotAComponentDefinition(ValueError):
    """The upload cannot be read as a component definition of this dossier's scheme; the message says why."""


@dataclass(frozen=True)
class Entry:
    """One implemented requirement as the document gives it (what an answer needs, nothing more)."""

    control_id: str
    status: str  # the implementation-status written, "" when there is none
    description: str


@dataclass
class Line:
    """One implemented requirement planned against the dossier: the answer it would change, or why it does not map."""

    entry: Entry
    requirement: Requirement | None = None
    old_status: str = ""
    old_justification: str = ""
    new_status: str = ""
    reason: str = ""  # a key of REASONS, "" when it maps

    @property
    def new_justification(self) -> str:
        return self.entry.description.strip()

    @property
    def changed(self) -> bool:
        return (self.old_status, self.old_justification) != (self.new_status, self.new_justification)

    @property
    def reason_label(self) -> str:
        return str(REASONS[self.reason]) if self.reason else ""

    def old_status_label(self) -> str:
        return str(Answer.Status(self.old_status).label) if self.old_status else ""

    def new_status_label(self) -> str:
        return str(Answer.Status(self.new_status).label) if self.new_status else ""


@dataclass
class Plan:
    mapped: list = field(default_factory=list)
    unmapped: list = field(default_factory=list)

    @property
    def changed(self) -> list:
        return [line for line in self.mapped if line.changed]

    @property
    def unchanged(self) -> list:
        return [line for line in self.mapped if not line.changed]

    def summary(self, *, limit: int = 200) -> dict:
        """What the import's event keeps: the counts and the first `limit` lines that did not map, with their reason."""
        return {
            "mapped": len(self.mapped),
            "changed": len(self.changed),
            "unmapped_count": len(self.unmapped),
            "unmapped": [
                {"control_id": line.entry.control_id, "reason": line.reason} for line in self.unmapped[:limit]
            ],
        }


def component_definition(dossier, answers, *, now) -> dict:
    """The provider's answers to `dossier` (those with a self-assessment) as an OSCAL component definition.

    `answers` come with their requirement, in the catalogue's order. UUIDs derive from the dossier's reference and the
    requirements' refs, so exporting twice gives the same document but for its last-modified."""
    service, scheme, reference = dossier.service, dossier.scheme, dossier.reference
    implemented = [
        {
            "uuid": uuid_for(f"{reference}:implemented-requirement:{answer.requirement.ref}"),
            "control-id": control_id(answer.requirement.ref),
            "description": answer.justification,
            "props": [{"name": IMPLEMENTATION_STATUS, "value": STATUS_TO_OSCAL[answer.status]}],
        }
        for answer in answers
        if answer.status in STATUS_TO_OSCAL
    ]
    component = {
        "uuid": uuid_for(f"service:{service.pk}"),
        "type": "service",
        "title": service.name,
        "description": service.description or service.name,
        "props": [prop("service-model", service.service_model), prop("dossier", reference)],
    }
    if implemented:  # OSCAL allows no empty list
        component["control-implementations"] = [
            {
                "uuid": uuid_for(f"{reference}:control-implementation:{scheme.code}"),
                "source": catalog_url(scheme.code),
                "description": _("The self-assessment of dossier %(reference)s against %(scheme)s.")
                % {"reference": reference, "scheme": f"{scheme.name} {scheme.version}"},
                "implemented-requirements": implemented,
            }
        ]
    return {
        "component-definition": {
            "uuid": uuid_for(f"component-definition:{reference}"),
            "metadata": {
                "title": _("Self-assessment of %(service)s (dossier %(reference)s)")
                % {"service": service.name, "reference": reference},
                "last-modified": timestamp(now),
                "version": reference,
                "oscal-version": OSCAL_VERSION,
                "props": [prop("dossier", reference), prop("scheme-code", scheme.code)],
            },
            "components": [component],
        }
    }


def read(raw: bytes, *, scheme_code: str) -> list[Entry]:
    """The implemented requirements of an uploaded component definition that implement the catalog of the scheme
    `scheme_code`, in the document's order. Raises NotAComponentDefinition with a reason a person can act on."""
    if len(raw) > MAX_BYTES:
        raise NotAComponentDefinition(
            _("The file is too large (at most %(size)s).") % {"size": filesizeformat(MAX_BYTES)}
        )
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise NotAComponentDefinition(_("The file is not JSON (UTF-8).")) from exc
    document = data.get("component-definition") if isinstance(data, dict) else None
    if not isinstance(document, dict) or not isinstance(document.get("components", []), list):
        raise NotAComponentDefinition(
            _("The file is JSON but not an OSCAL component definition (no “component-definition” object).")
        )
    ours, others = [], []
    for component in document.get("components", []):
        implementations = component.get("control-implementations", []) if isinstance(component, dict) else []
        for implementation in implementations if isinstance(implementations, list) else []:
            if not isinstance(implementation, dict):
                continue
            source = implementation.get("source")
            if isinstance(source, str) and urlsplit(source).path == catalog_path(scheme_code):
                requirements = implementation.get("implemented-requirements", [])
                ours.extend(requirements if isinstance(requirements, list) else [])
            elif isinstance(source, str):
                others.append(source)
    if not ours:
        if others:
            raise NotAComponentDefinition(
                _("The document implements %(sources)s, not this dossier's scheme (%(catalog)s).")
                % {"sources": ", ".join(sorted(set(others))[:3]), "catalog": catalog_url(scheme_code)}
            )
        raise NotAComponentDefinition(
            _(
                "The document implements no requirement of this dossier's scheme (no control implementation of %(catalog)s)."
            )
            % {"catalog": catalog_url(scheme_code)}
        )
    if len(ours) > MAX_ENTRIES:
        raise NotAComponentDefinition(
            _("The document has more than %(count)d implemented requirements.") % {"count": MAX_ENTRIES}
        )
    return [_entry(item) for item in ours]


def _entry(item) -> Entry:
    if not isinstance(item, dict):
        return Entry(control_id="", status="", description="")
    ident = item.get("control-id")
    description = item.get("description")
    status = ""
    props = item.get("props")
    for found in props if isinstance(props, list) else []:
        if (
            isinstance(found, dict)
            and found.get("name") == IMPLEMENTATION_STATUS
            and found.get("ns", OSCAL_NS) == OSCAL_NS
            and isinstance(found.get("value"), str)
        ):
            status = found["value"]
            break
    return Entry(
        control_id=ident if isinstance(ident, str) else "",
        status=status,
        description=description if isinstance(description, str) else "",
    )


def plan(dossier, entries) -> Plan:
    """What importing `entries` into `dossier` would do, line by line. Two queries, however many entries."""
    model = dossier.service.service_model
    requirements = {
        control_id(r.ref): r
        for r in Requirement.objects.filter(scheme_id=dossier.scheme_id, parent__isnull=False).order_by("position")
    }
    answers = {
        a.requirement_id: a
        for a in Answer.objects.filter(dossier=dossier).only("requirement_id", "status", "justification")
    }
    result, seen = Plan(), set()
    for entry in entries:
        line = Line(entry=entry, requirement=requirements.get(entry.control_id))
        line.reason = _reason(line, seen, model)
        seen.add(entry.control_id)
        if line.reason:
            result.unmapped.append(line)
            continue
        answer = answers.get(line.requirement.pk)
        if answer is not None:
            line.old_status, line.old_justification = answer.status, answer.justification
        line.new_status = OSCAL_TO_STATUS[entry.status]
        result.mapped.append(line)
    return result


def _reason(line, seen, model) -> str:
    entry, requirement = line.entry, line.requirement
    if not entry.control_id:
        return "malformed"
    if entry.control_id in seen:
        return "duplicate"
    if requirement is None:
        return "unknown_control"
    if requirement.retired:
        return "retired"
    if not requirement.applies_to(model):
        return "not_applicable"
    if entry.status not in OSCAL_TO_STATUS:
        return "unknown_status"
    if OSCAL_TO_STATUS[entry.status] != Answer.Status.MET and not entry.description.strip():
        return "justification_missing"
    return ""
