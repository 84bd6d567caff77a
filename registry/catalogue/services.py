"""Loading a scheme and its requirement catalogue from a data file.

The file's shape is checked against data/catalogue.schema.json (JSON Schema, jsonschema); what no single entry can say
is checked here: refs unique, each parent a chapter listed before its sections. The whole file is checked before
anything is written, and every problem is reported at once, so a bad file leaves the database as it was. Loading is an
upsert (the scheme by code, each requirement by its ref within the scheme), so it can run again after every edit.
"""

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registry.accounts import audit
from registry.catalogue.models import Requirement, Scheme
from registry.catalogue.schema import catalogue_schema, entry_label, shape_problems
from registry.providers.choices import ServiceModel
from registry.public.publication import publish_on_commit
from registry.qualification.models import Answer

DEFAULT_SCHEME_FILE = Path(__file__).resolve().parent / "data" / "secnumcloud-3.2.yaml"

# Written on every load: what the file says is the truth for these columns.
REQUIREMENT_VALUES = (
    "parent",
    "position",
    "title_en",
    "title_fr",
    "description_en",
    "description_fr",
    "service_models",
)
# A file with everything wrong would bury the first problems: the rest are counted.
MAX_PROBLEMS_LISTED = 20


class SchemeDataError(ValueError):
    """The data is not a valid catalogue; str(exc) says which entry is wrong and why."""


@dataclass
class LoadStats:
    """What a load did. Requirement lists hold refs, in file order."""

    scheme: str = "unchanged"  # "created", "updated" or "unchanged"
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    # Gone from the file but still answered in some dossier: deleting them would erase those answers.
    kept: list = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.scheme != "unchanged" or bool(self.created or self.updated or self.removed or self.kept)


def read_scheme_file(path) -> dict:
    """Parse a catalogue file: YAML (.yaml, .yml) or JSON (.json). Error messages leave naming the file to the caller."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".json"):
        raise SchemeDataError(_("unsupported file type; use .yaml, .yml or .json."))
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise SchemeDataError(_("no such file.")) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemeDataError(_("cannot be read (%(error)s).") % {"error": exc}) from exc
    try:
        return json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        file_format = "JSON" if suffix == ".json" else "YAML"
        raise SchemeDataError(_("not valid %(format)s: %(error)s") % {"format": file_format, "error": exc}) from exc


# What no single entry can say.


def _cross_entry_problems(items: list[dict]) -> list[str]:
    problems = []
    seen = {}  # ref → (entry number, is a chapter)
    every_ref = {item["ref"] for item in items}
    for index, item in enumerate(items, start=1):
        ref, parent = item["ref"], item["parent"]
        where = entry_label(index, ref)
        if ref in seen:
            problems.append(
                _("%(where)s: duplicate ref; entry %(first)d has it already.") % {"where": where, "first": seen[ref][0]}
            )
            continue
        if parent == ref:
            problems.append(_("%(where)s cannot be its own parent.") % {"where": where})
        elif parent and parent not in seen:
            message = (
                _("%(where)s: its parent “%(parent)s” must be listed before it.")
                if parent in every_ref
                else _("%(where)s: unknown parent “%(parent)s”.")
            )
            problems.append(message % {"where": where, "parent": parent})
        elif parent and not seen[parent][1]:
            problems.append(
                _("%(where)s: its parent “%(parent)s” is itself a section; only chapters hold sections.")
                % {"where": where, "parent": parent}
            )
        seen[ref] = (index, not parent)
    return problems


def _report(problems: list[str]) -> str:
    problems = list(dict.fromkeys(problems))
    if len(problems) == 1:
        return problems[0]
    listed, more = problems[:MAX_PROBLEMS_LISTED], len(problems) - MAX_PROBLEMS_LISTED
    lines = [ngettext("%(count)d problem:", "%(count)d problems:", len(problems)) % {"count": len(problems)}]
    lines += [f"- {problem}" for problem in listed]
    if more > 0:
        lines.append(ngettext("… and %(count)d more.", "… and %(count)d more.", more) % {"count": more})
    return "\n".join(lines)


def _text(value) -> str:
    return "" if value is None else str(value)


def _scheme_values(data: dict, schema: dict) -> dict:
    fields = {name: spec for name, spec in schema["properties"].items() if name != "requirements"}
    values = {name: data.get(name, spec.get("default")) for name, spec in fields.items()}
    return values | {
        "version": _text(values["version"]),
        "individual_cap_percent": Decimal(str(values["individual_cap_percent"])),
        "collective_cap_percent": Decimal(str(values["collective_cap_percent"])),
        "declaration_threshold_percent": Decimal(str(values["declaration_threshold_percent"])),
        "required_document_kinds": list(values["required_document_kinds"]),
    }


def _requirement_values(item: dict) -> dict:
    models = item.get("service_models") or []
    return {
        "ref": _text(item["ref"]),
        "parent": _text(item.get("parent")),
        "title_en": item["title_en"],
        "title_fr": item["title_fr"],
        "description_en": _text(item.get("description_en")),
        "description_fr": _text(item.get("description_fr")),
        # Stored in the order of the choices, so that reordering the list in the file is not a change.
        "service_models": [model for model in ServiceModel.values if model in models],
    }


def _stripped(value):
    """Text without its surrounding spaces, at any depth: a title of spaces is as missing as no title."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return [_stripped(item) for item in value]
    if isinstance(value, dict):
        return {key: _stripped(item) for key, item in value.items()}
    return value


def clean_scheme_data(data) -> tuple[dict, list[dict]]:
    """Check a whole catalogue; return the scheme's values and the requirements in file order."""
    data, schema = _stripped(data), catalogue_schema()
    problems = shape_problems(data)
    if not problems:
        values, items = _scheme_values(data, schema), [_requirement_values(item) for item in data["requirements"]]
        problems = _cross_entry_problems(items)
    if problems:
        raise SchemeDataError(_report(problems))
    return values, items


def _differs(requirement, name, value) -> bool:
    if name == "parent":  # compared by id: the parent object may not be loaded
        return requirement.parent_id != (value.pk if value is not None else None)
    return getattr(requirement, name) != value


def _ancestors_among(requirement, by_id: dict):
    parent = by_id.get(requirement.parent_id)
    while parent is not None:
        yield parent
        parent = by_id.get(parent.parent_id)


@transaction.atomic
def scheme_load(*, data: dict) -> tuple[Scheme, LoadStats]:
    """Create or update a scheme and its catalogue from parsed file data (its format: data/catalogue.schema.json)."""
    values, items = clean_scheme_data(data)
    stats = LoadStats()

    scheme = Scheme.objects.select_for_update().filter(code=values["code"]).first()
    if scheme is None:
        scheme = Scheme.objects.create(**values)
        stats.scheme = "created"
    else:
        changed = [name for name, value in values.items() if getattr(scheme, name) != value]
        if changed:
            for name in changed:
                setattr(scheme, name, values[name])
            scheme.save(update_fields=changed)
            stats.scheme = "updated"

    existing = {r.ref: r for r in Requirement.objects.select_for_update().filter(scheme=scheme)}
    loaded = {}
    for position, item in enumerate(items, start=1):
        wanted = {
            **{name: item[name] for name in REQUIREMENT_VALUES if name in item},
            "parent": loaded[item["parent"]] if item["parent"] else None,
            "position": position,
            "retired": False,
        }
        requirement = existing.pop(item["ref"], None)
        if requirement is None:
            requirement = Requirement.objects.create(scheme=scheme, ref=item["ref"], **wanted)
            stats.created.append(item["ref"])
        else:
            changed = [name for name, value in wanted.items() if _differs(requirement, name, value)]
            if changed:
                for name in changed:
                    setattr(requirement, name, wanted[name])
                requirement.save(update_fields=changed)
                stats.updated.append(item["ref"])
            else:
                stats.unchanged.append(item["ref"])
        loaded[item["ref"]] = requirement

    if existing:
        leftovers = sorted(existing.values(), key=lambda r: r.position)
        by_id = {r.pk: r for r in leftovers}
        answered = set(Answer.objects.filter(requirement__in=leftovers).values_list("requirement_id", flat=True))
        kept_ids = set(answered)
        # A chapter whose answered section stays must stay too: deleting it would cascade to that section.
        for requirement in leftovers:
            if requirement.pk in answered:
                kept_ids.update(p.pk for p in _ancestors_among(requirement, by_id))
        doomed = [r for r in leftovers if r.pk not in kept_ids]
        Requirement.objects.filter(pk__in=[r.pk for r in doomed]).delete()
        # What stays is retired: kept for the dossiers that answered it, no longer asked of anyone.
        Requirement.objects.filter(pk__in=kept_ids).update(retired=True)
        stats.removed = [r.ref for r in doomed]
        stats.kept = [r.ref for r in leftovers if r.pk in kept_ids]
    if stats.changed:
        # The scheme's label and caps are on the public pages; the audit line says who may have changed the catalogue.
        audit.record(
            "scheme.load",
            obj=scheme,
            scheme=stats.scheme,
            created=len(stats.created),
            updated=len(stats.updated),
            removed=len(stats.removed),
            retired=len(stats.kept),
        )
        publish_on_commit()
    return scheme, stats


def load_summary(scheme: Scheme, stats: LoadStats) -> str:
    """One line saying what a load did, for the management commands."""
    status = {"created": _("created"), "updated": _("updated"), "unchanged": _("unchanged")}[stats.scheme]
    # The count that chooses the plural is the requirements created, the first figure of the sentence.
    line = ngettext(
        "%(scheme)s (%(code)s, %(status)s): %(created)d requirement created, %(updated)d updated, "
        "%(unchanged)d unchanged, %(removed)d removed.",
        "%(scheme)s (%(code)s, %(status)s): %(created)d requirements created, %(updated)d updated, "
        "%(unchanged)d unchanged, %(removed)d removed.",
        len(stats.created),
    ) % {
        "scheme": scheme,
        "code": scheme.code,
        "status": status,
        "created": len(stats.created),
        "updated": len(stats.updated),
        "unchanged": len(stats.unchanged),
        "removed": len(stats.removed),
    }
    if stats.kept:
        line += " " + _("%(count)d no longer in the file but kept because dossiers answer them: %(refs)s.") % {
            "count": len(stats.kept),
            "refs": ", ".join(stats.kept),
        }
    return line
