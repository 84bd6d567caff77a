"""The catalogue file's shape: data/catalogue.schema.json (JSON Schema), and its errors said in the catalogue's terms.

jsonschema finds every error; each becomes a sentence that names the entry ("Requirement “5.1” (entry 2)") and the
field, in the project's words and languages, rather than the validator's ("'x' is not of type 'string'").
"""

import functools
import json
from decimal import Decimal
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from jsonschema import Draft202012Validator, ValidationError, validators

from registry.catalogue.models import Scheme

SCHEMA_FILE = Path(__file__).resolve().parent / "data" / "catalogue.schema.json"


def _exact_multiple_of(validator, step, instance, schema):
    # jsonschema divides floats, and 35.57 / 0.01 is not a whole number in binary: one percentage in seven of the
    # form NN.NN would be refused. Decimal arithmetic on the numbers as written is exact.
    if not validator.is_type(instance, "number"):
        return
    number = Decimal(str(instance))
    if not number.is_finite() or number % Decimal(str(step)):
        yield ValidationError(f"{instance!r} is not a multiple of {step}")


CatalogueValidator = validators.extend(Draft202012Validator, {"multipleOf": _exact_multiple_of})


@functools.cache
def catalogue_schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def entry_label(index: int, ref: str = "") -> str:
    """How a message names a requirement: by its ref and its place in the file, or its place alone."""
    if ref:
        return _("Requirement “%(ref)s” (entry %(index)d)") % {"ref": ref, "index": index}
    return _("Requirement entry %(index)d") % {"index": index}


def _readable_ref(item) -> str:
    ref = item.get("ref") if isinstance(item, dict) else None
    return str(ref) if isinstance(ref, str | int) and not isinstance(ref, bool) else ""


def _expected(schema: dict) -> str:
    """What a value of this (sub)schema must be, in words: "a number from 0 to 100 with at most 2 decimals"."""
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else types
    bounds = {"min": schema.get("minimum"), "max": schema.get("maximum")}
    if "string" in types:
        return pgettext("catalogue value", "text")
    if "integer" in types:
        return (
            pgettext("catalogue value", "a whole number from %(min)s to %(max)s") % bounds
            if None not in bounds.values()
            else pgettext("catalogue value", "a whole number")
        )
    if "number" in types:
        expected = (
            pgettext("catalogue value", "a number from %(min)s to %(max)s") % bounds
            if None not in bounds.values()
            else pgettext("catalogue value", "a number")
        )
        if "multipleOf" in schema:
            places = -Decimal(str(schema["multipleOf"])).as_tuple().exponent
            expected = ngettext(
                "%(expected)s with at most %(count)d decimal", "%(expected)s with at most %(count)d decimals", places
            ) % {"expected": expected, "count": places}
        return expected
    if "array" in types:
        return pgettext("catalogue value", "a list")
    if "object" in types:
        return pgettext("catalogue value", "a mapping of fields")
    return ", ".join(types)


@functools.cache
def _pattern_rules() -> dict:
    # The schema's patterns are the models' own validators: their messages say the rule best.
    code_validators = Scheme._meta.get_field("code").validators
    return {v.regex.pattern: v.message for v in code_validators if hasattr(v, "regex")}


def _problems(data, error: ValidationError) -> list[str]:
    """One schema error as sentences naming the entry and the field, in the catalogue's terms."""
    path, kind, value, schema = list(error.absolute_path), error.validator, error.instance, error.schema
    in_requirement = len(path) >= 2 and path[0] == "requirements"
    if in_requirement:
        where = entry_label(path[1] + 1, _readable_ref(data["requirements"][path[1]]))
        name = path[2] if len(path) > 2 else None
    else:
        where, name = _("The scheme"), (path[0] if path else None)
    known_types = [schema["type"]] if isinstance(schema.get("type"), str) else schema.get("type", [])
    words = {"where": where, "field": name, "value": value}
    no_requirements = _("The scheme has no requirements: give them as a list under “requirements”.")

    if not path and kind == "type":
        return [_("The file must hold a mapping: the scheme’s fields and its list of requirements.")]
    if path == ["requirements"] and kind in ("type", "minItems"):
        return [no_requirements]
    if kind == "required":
        missing = [key for key in error.validator_value if key not in value]
        return [
            no_requirements
            if not path and key == "requirements"
            else _("%(where)s: missing %(field)s.") % (words | {"field": key})
            for key in missing
        ]
    if kind == "additionalProperties":
        unknown = sorted(str(key) for key in value if key not in schema.get("properties", {}))
        return [
            ngettext(
                "%(where)s: unknown field %(fields)s; known fields: %(known)s.",
                "%(where)s: unknown fields %(fields)s; known fields: %(known)s.",
                len(unknown),
            )
            % {"where": where, "fields": ", ".join(unknown), "known": ", ".join(schema.get("properties", {}))}
        ]
    if kind == "type" and name is None:
        return [_("%(where)s is not a mapping of fields.") % words]
    if kind == "type" and isinstance(value, float) and "string" in known_types:
        return [_("%(where)s: %(field)s is the number %(value)s; put it in quotes so that it is read as text.") % words]
    if (kind == "type" and value is None) or kind == "minLength":
        return [_("%(where)s: missing %(field)s.") % words]
    if kind in ("type", "minimum", "maximum", "multipleOf"):
        return [
            _("%(where)s: %(field)s must be %(expected)s, not %(value)r.") % (words | {"expected": _expected(schema)})
        ]
    if kind == "maxLength":
        return [_("%(where)s: %(field)s is longer than %(max)d characters.") % (words | {"max": error.validator_value})]
    if kind == "enum":
        known = ", ".join(str(choice) for choice in error.validator_value)
        return [
            _("%(where)s: unknown value “%(value)s” in %(field)s; known values: %(known)s.")
            % (words | {"known": known})
        ]
    if kind == "uniqueItems":
        return [_("%(where)s: %(field)s lists the same value twice.") % words]
    if kind == "pattern" and error.validator_value in _pattern_rules():
        rule = _pattern_rules()[error.validator_value]
        return [_("%(where)s: %(field)s “%(value)s” is not allowed: %(rule)s") % (words | {"rule": rule})]
    return [_("%(where)s: %(problem)s") % {"where": where, "problem": error.message}]


def shape_problems(data) -> list[str]:
    """Every way `data` (its text already stripped) departs from the schema, in file order, one sentence each."""
    schema = catalogue_schema()
    order = list(schema["properties"])

    def in_file_order(error):  # the scheme's fields as the schema lists them, then entry by entry
        path = list(error.absolute_path)
        return (order.index(path[0]) if path and path[0] in order else -1, [str(p).zfill(9) for p in path[1:]])

    errors = sorted(CatalogueValidator(schema).iter_errors(data), key=in_file_order)
    # A value of the wrong type, or missing, is the one problem of its field: "" breaking the code's pattern too
    # would say the same thing twice.
    wrong_type = {tuple(e.absolute_path) for e in errors if e.validator in ("type", "minLength")}
    errors = [e for e in errors if e.validator in ("type", "minLength") or tuple(e.absolute_path) not in wrong_type]
    return [problem for error in errors for problem in _problems(data, error)]
