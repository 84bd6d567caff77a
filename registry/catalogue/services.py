"""Loading a scheme and its requirement catalogue from a data file.

The whole file is checked before anything is written, so a bad file leaves the database as it was. Loading is an
upsert (the scheme by code, each requirement by its ref within the scheme), so it can run again after every edit.
"""

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registry.catalogue.models import Requirement, Scheme
from registry.providers.choices import ServiceModel
from registry.qualification.choices import DocumentKind
from registry.qualification.models import Answer

DEFAULT_SCHEME_FILE = Path(__file__).resolve().parent / "data" / "secnumcloud-3.2.yaml"

SCHEME_FIELDS = (
    "code",
    "name",
    "version",
    "certificate_prefix",
    "validity_months",
    "individual_cap_percent",
    "collective_cap_percent",
    "required_document_kinds",
)
REQUIREMENT_FIELDS = ("ref", "parent", "title_en", "title_fr", "description_en", "description_fr", "service_models")
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


def _entry(index: int, ref: str = "") -> str:
    if ref:
        return _("Requirement “%(ref)s” (entry %(index)d)") % {"ref": ref, "index": index}
    return _("Requirement entry %(index)d") % {"index": index}


def _text(value, where: str, name: str, *, required: bool = True, max_length: int | None = None) -> str:
    """A text field. Whole numbers are accepted as text; decimals are refused, since YAML reads 11.10 as 11.1."""
    if isinstance(value, bool):
        raise SchemeDataError(_("%(where)s: %(field)s must be text.") % {"where": where, "field": name})
    if isinstance(value, int):
        value = str(value)
    elif isinstance(value, float):
        raise SchemeDataError(
            _("%(where)s: %(field)s is the number %(value)s; put it in quotes so that it is read as text.")
            % {"where": where, "field": name, "value": value}
        )
    elif value is None:
        value = ""
    elif not isinstance(value, str):
        raise SchemeDataError(_("%(where)s: %(field)s must be text.") % {"where": where, "field": name})
    value = value.strip()
    if required and not value:
        raise SchemeDataError(_("%(where)s: missing %(field)s.") % {"where": where, "field": name})
    if max_length is not None and len(value) > max_length:
        raise SchemeDataError(
            _("%(where)s: %(field)s is longer than %(max)d characters.")
            % {"where": where, "field": name, "max": max_length}
        )
    return value


def _unknown_keys(data: dict, known, where: str) -> None:
    unknown = sorted(str(key) for key in data if key not in known)
    if unknown:
        raise SchemeDataError(
            ngettext(
                "%(where)s: unknown field %(fields)s; known fields: %(known)s.",
                "%(where)s: unknown fields %(fields)s; known fields: %(known)s.",
                len(unknown),
            )
            % {"where": where, "fields": ", ".join(unknown), "known": ", ".join(known)}
        )


def _percent(value, name: str) -> Decimal:
    invalid = _("The scheme’s %(field)s must be a percentage between 0 and 100, not %(value)r.") % {
        "field": name,
        "value": value,
    }
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise SchemeDataError(invalid)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise SchemeDataError(invalid) from exc
    # The column keeps two decimals: anything finer would be rounded silently by the database.
    if not number.is_finite() or not 0 <= number <= 100 or number != number.quantize(Decimal("0.01")):
        raise SchemeDataError(invalid)
    return number


def _scheme_values(data: dict) -> dict:
    where = _("The scheme")
    values = {
        "code": _text(data.get("code"), where, "code", max_length=50),
        "name": _text(data.get("name"), where, "name", max_length=100),
        "version": _text(data.get("version"), where, "version", max_length=20),
        "certificate_prefix": _text(data.get("certificate_prefix"), where, "certificate_prefix", max_length=10),
    }
    if any(c.isspace() for c in values["code"]):
        raise SchemeDataError(_("The scheme code “%(code)s” must not contain spaces.") % {"code": values["code"]})
    months = data.get("validity_months", 36)
    if isinstance(months, bool) or not isinstance(months, int) or not 0 < months <= 120:
        raise SchemeDataError(
            _("The scheme’s validity_months must be a whole number of months from 1 to 120, not %(value)r.")
            % {"value": months}
        )
    values["validity_months"] = months
    values["individual_cap_percent"] = _percent(data.get("individual_cap_percent", 24), "individual_cap_percent")
    values["collective_cap_percent"] = _percent(data.get("collective_cap_percent", 39), "collective_cap_percent")
    kinds = data.get("required_document_kinds") or []
    if not isinstance(kinds, list):
        raise SchemeDataError(_("The scheme’s required_document_kinds must be a list."))
    for kind in kinds:
        if kind not in DocumentKind.values:
            raise SchemeDataError(
                _("Unknown document kind “%(kind)s” in required_document_kinds; known kinds: %(known)s.")
                % {"kind": kind, "known": ", ".join(DocumentKind.values)}
            )
    if len(set(kinds)) != len(kinds):
        raise SchemeDataError(_("required_document_kinds lists the same kind twice."))
    values["required_document_kinds"] = list(kinds)
    return values


def _requirement_values(items) -> list[dict]:
    if not isinstance(items, list) or not items:
        raise SchemeDataError(_("The scheme has no requirements: give them as a list under “requirements”."))
    cleaned, seen = [], {}  # seen: ref → (entry number, is a chapter)
    every_ref = {str(item.get("ref")).strip() for item in items if isinstance(item, dict)}
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise SchemeDataError(_("%(where)s is not a mapping of fields.") % {"where": _entry(index)})
        ref = _text(item.get("ref"), _entry(index), "ref", max_length=20)
        where = _entry(index, ref)
        _unknown_keys(item, REQUIREMENT_FIELDS, where)
        if ref in seen:
            raise SchemeDataError(
                _("%(where)s: duplicate ref; entry %(first)d has it already.") % {"where": where, "first": seen[ref][0]}
            )
        parent = _text(item.get("parent"), where, "parent", required=False)
        if parent:
            if parent == ref:
                raise SchemeDataError(_("%(where)s cannot be its own parent.") % {"where": where})
            if parent not in seen:
                message = (
                    _("%(where)s: its parent “%(parent)s” must be listed before it.")
                    if parent in every_ref
                    else _("%(where)s: unknown parent “%(parent)s”.")
                )
                raise SchemeDataError(message % {"where": where, "parent": parent})
            if not seen[parent][1]:
                raise SchemeDataError(
                    _("%(where)s: its parent “%(parent)s” is itself a section; only chapters hold sections.")
                    % {"where": where, "parent": parent}
                )
        models = item.get("service_models") or []
        if not isinstance(models, list):
            raise SchemeDataError(_("%(where)s: service_models must be a list.") % {"where": where})
        for model in models:
            if model not in ServiceModel.values:
                raise SchemeDataError(
                    _("%(where)s: unknown service model “%(model)s”; known models: %(known)s.")
                    % {"where": where, "model": model, "known": ", ".join(ServiceModel.values)}
                )
        cleaned.append(
            {
                "ref": ref,
                "parent": parent,
                "title_en": _text(item.get("title_en"), where, "title_en", max_length=200),
                "title_fr": _text(item.get("title_fr"), where, "title_fr", max_length=200),
                "description_en": _text(item.get("description_en"), where, "description_en", required=False),
                "description_fr": _text(item.get("description_fr"), where, "description_fr", required=False),
                # Stored in the order of the choices, so that reordering the list in the file is not a change.
                "service_models": [m for m in ServiceModel.values if m in models],
            }
        )
        seen[ref] = (index, not parent)
    return cleaned


def clean_scheme_data(data) -> tuple[dict, list[dict]]:
    """Check a whole catalogue; return the scheme's values and the requirements in file order."""
    if not isinstance(data, dict):
        raise SchemeDataError(_("The file must hold a mapping: the scheme’s fields and its list of requirements."))
    _unknown_keys(data, (*SCHEME_FIELDS, "requirements"), _("The scheme"))
    return _scheme_values(data), _requirement_values(data.get("requirements"))


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
    """Create or update a scheme and its catalogue from parsed file data (see registry/data/ for the format)."""
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
