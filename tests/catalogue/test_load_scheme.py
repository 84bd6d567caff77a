import copy
import json
from decimal import Decimal
from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from jsonschema import Draft202012Validator

from registry.accounts.models import AuditEvent
from registry.catalogue.models import Requirement, Scheme
from registry.catalogue.schema import catalogue_schema
from registry.catalogue.services import (
    DEFAULT_SCHEME_FILE,
    SchemeDataError,
    read_scheme_file,
    scheme_load,
)
from registry.providers.choices import ServiceModel
from registry.qualification.choices import AFTER_QUALIFICATION_DOCUMENT_KINDS, DocumentKind
from registry.qualification.models import Answer
from tests import factories as f

CHAPTERS = [str(n) for n in range(5, 20)]


def load(*args) -> str:
    out = StringIO()
    call_command("load_scheme", *args, stdout=out)
    return out.getvalue()


def small_catalogue() -> dict:
    return {
        "code": "trial-1.0",
        "name": "Trial",
        "version": "1.0",
        "certificate_prefix": "TRL",
        "validity_months": 24,
        "individual_cap_percent": 20,
        "collective_cap_percent": 30,
        "required_document_kinds": ["security_policy"],
        "requirements": [
            {"ref": "1", "parent": None, "title_en": "First", "title_fr": "Premier"},
            {"ref": "1.1", "parent": "1", "title_en": "Scope", "title_fr": "Périmètre", "service_models": ["saas"]},
            {"ref": "1.2", "parent": "1", "title_en": "Roles", "title_fr": "Rôles"},
            {"ref": "2", "parent": "", "title_en": "Second", "title_fr": "Deuxième"},
            {"ref": "2.1", "parent": "2", "title_en": "Keys", "title_fr": "Clés"},
        ],
    }


def write(tmp_path, data, name="catalogue.yaml") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data) if name.endswith(".json") else yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return str(path)


def snapshot():
    return (
        list(Scheme.objects.order_by("code").values()),
        list(Requirement.objects.order_by("scheme_id", "ref").values()),
    )


def test_it_loads_the_shipped_catalogue_by_default(db):
    output = load()

    scheme = Scheme.objects.get(code="secnumcloud-3.2")
    assert (scheme.name, scheme.version, scheme.certificate_prefix) == ("SecNumCloud", "3.2", "SNC")
    assert scheme.validity_months == 36
    assert (scheme.individual_cap_percent, scheme.collective_cap_percent) == (Decimal(24), Decimal(39))
    assert scheme.required_document_kinds == ["security_policy", "risk_analysis", "extra_eu_risks"]
    chapters = scheme.requirements.filter(parent__isnull=True)
    assert sorted(chapters.values_list("ref", flat=True), key=int) == CHAPTERS
    assert scheme.requirements.get(ref="19.6").parent.ref == "19"
    assert scheme.requirements.get(ref="11.10").parent.ref == "11"  # a ref YAML could misread as 11.1
    assert not scheme.requirements.filter(title_en="").exists()
    assert not scheme.requirements.filter(title_fr="").exists()
    assert "107 requirements created" in output


def test_it_keeps_the_referential_order_in_positions(db):
    load()

    refs = list(Requirement.objects.order_by("position").values_list("ref", flat=True))
    assert refs[:5] == ["5", "5.1", "5.2", "5.3", "6"]
    assert refs.index("11.9") + 1 == refs.index("11.10")
    assert refs[-1] == "19.6"


def test_it_describes_the_sovereignty_points_in_both_languages(db):
    load()

    r196 = Requirement.objects.get(ref="19.6")
    assert "24" in r196.description_en and "39" in r196.description_fr
    assert "EU" in Requirement.objects.get(ref="19.2").description_en
    assert "5.3.d" in Requirement.objects.get(ref="5.3").description_fr


def test_it_changes_nothing_when_loaded_twice(db):
    load()
    before = snapshot()

    output = load()

    assert snapshot() == before
    assert "0 requirements created, 0 updated, 107 unchanged, 0 removed" in output


def test_it_updates_a_changed_title_without_duplicating(db, tmp_path):
    data = read_scheme_file(DEFAULT_SCHEME_FILE)
    load()
    count = Requirement.objects.count()
    entry = next(r for r in data["requirements"] if r["ref"] == "12.11")
    entry["title_en"] = "Patching within agreed deadlines"

    output = load(write(tmp_path, data))

    assert Requirement.objects.count() == count
    assert Requirement.objects.get(ref="12.11").title_en == "Patching within agreed deadlines"
    assert "1 updated" in output


def test_it_updates_the_scheme_fields(db):
    scheme_load(data=small_catalogue())
    data = small_catalogue() | {"validity_months": 30, "collective_cap_percent": 35.5}

    scheme, stats = scheme_load(data=data)

    scheme.refresh_from_db()
    assert stats.scheme == "updated"
    assert scheme.validity_months == 30
    assert scheme.collective_cap_percent == Decimal("35.5")


def test_it_moves_a_section_to_another_chapter(db):
    scheme_load(data=small_catalogue())
    data = small_catalogue()
    moved = data["requirements"].pop(2)
    data["requirements"].append(moved | {"parent": "2"})

    _, stats = scheme_load(data=data)

    moved = Requirement.objects.get(ref="1.2")
    assert (moved.parent.ref, moved.position) == ("2", 5)
    assert stats.updated == ["2", "2.1", "1.2"]  # the two that follow it in the file moved up one place


def test_it_removes_a_requirement_taken_out_of_the_file(db):
    scheme_load(data=small_catalogue())
    data = small_catalogue()
    del data["requirements"][2]

    scheme, stats = scheme_load(data=data)

    assert stats.removed == ["1.2"]
    assert not scheme.requirements.filter(ref="1.2").exists()
    assert list(scheme.requirements.order_by("position").values_list("ref", "position")) == [
        ("1", 1),
        ("1.1", 2),
        ("2", 3),
        ("2.1", 4),
    ]


def test_it_keeps_and_reports_a_removed_requirement_that_a_dossier_answers(db, tmp_path):
    scheme, _ = scheme_load(data=small_catalogue())
    dossier = f.dossier(scheme_obj=scheme)
    Answer.objects.create(dossier=dossier, requirement=scheme.requirements.get(ref="2.1"), status="met")
    data = small_catalogue()
    data["requirements"] = data["requirements"][:3]  # chapter 2 and its answered section leave the file

    output = load(write(tmp_path, data))

    assert scheme.requirements.filter(ref__in=["2", "2.1"]).count() == 2
    assert "0 removed" in output
    assert "kept because dossiers answer them: 2, 2.1" in output
    # Kept for the old answers, but no longer asked of new dossiers.
    retired = scheme.requirements.get(ref="2.1")
    assert retired.retired
    assert not retired.applies_to("iaas")
    from registry.qualification.services.dossiers import applicable_requirements

    assert "2.1" not in [r.ref for r in applicable_requirements(f.dossier(scheme_obj=scheme))]


def test_it_accepts_json(db, tmp_path):
    output = load(write(tmp_path, small_catalogue(), name="trial.json"))

    scheme = Scheme.objects.get(code="trial-1.0")
    assert scheme.requirements.count() == 5
    assert scheme.requirements.get(ref="1.1").service_models == ["saas"]
    assert "5 requirements created" in output


def test_it_accepts_the_yml_suffix(db, tmp_path):
    load(write(tmp_path, small_catalogue(), name="trial.yml"))

    assert Scheme.objects.filter(code="trial-1.0").exists()


def _with_requirement(index, **changes):
    data = small_catalogue()
    data["requirements"][index] = {**data["requirements"][index], **changes}
    return data


def _without_title():
    data = small_catalogue()
    del data["requirements"][4]["title_fr"]
    return data


BAD_CATALOGUES = {
    "unknown parent": (_with_requirement(4, parent="9"), "Requirement “2.1” (entry 5): unknown parent “9”."),
    "parent listed after": (
        _with_requirement(1, parent="2"),
        "Requirement “1.1” (entry 2): its parent “2” must be listed before it.",
    ),
    "section as parent": (
        _with_requirement(2, parent="1.1"),
        "Requirement “1.2” (entry 3): its parent “1.1” is itself a section",
    ),
    "duplicate ref": (_with_requirement(2, ref="1.1"), "Requirement “1.1” (entry 3): duplicate ref; entry 2 has it"),
    "missing title": (_without_title(), "Requirement “2.1” (entry 5): missing title_fr."),
    "blank title": (_with_requirement(0, title_en="  "), "Requirement “1” (entry 1): missing title_en."),
    "missing ref": (_with_requirement(3, ref=None), "Requirement entry 4: missing ref."),
    "ref read as a number": (_with_requirement(2, ref=1.2), "entry 3: ref is the number 1.2; put it in quotes"),
    "unknown service model": (
        _with_requirement(1, service_models=["iaas", "faas"]),
        "Requirement “1.1” (entry 2): unknown value “faas” in service_models; known values: iaas, caas, paas, saas.",
    ),
    "unknown field": (_with_requirement(0, titel_en="Typo"), "Requirement “1” (entry 1): unknown field titel_en"),
    "unknown document kind": (
        small_catalogue() | {"required_document_kinds": ["security_policy", "passport"]},
        "The scheme: unknown value “passport” in required_document_kinds; known values: security_policy,",
    ),
    "individual cap above 100": (
        small_catalogue() | {"individual_cap_percent": 101},
        "The scheme: individual_cap_percent must be a number from 0 to 100 with at most 2 decimals, not 101.",
    ),
    "collective cap below 0": (
        small_catalogue() | {"collective_cap_percent": -1},
        "The scheme: collective_cap_percent must be a number from 0 to 100 with at most 2 decimals, not -1.",
    ),
    "cap not a number": (
        small_catalogue() | {"collective_cap_percent": "lots"},
        "collective_cap_percent must be a number from 0 to 100 with at most 2 decimals, not 'lots'.",
    ),
    "cap with three decimals": (
        small_catalogue() | {"individual_cap_percent": 24.125},
        "individual_cap_percent must be a number from 0 to 100 with at most 2 decimals, not 24.125.",
    ),
    "validity not whole": (
        small_catalogue() | {"validity_months": 2.5},
        "The scheme: validity_months must be a whole number from 1 to 120, not 2.5.",
    ),
    "code not as the model wants it": (
        small_catalogue() | {"code": "Trial 1"},
        "The scheme: code “Trial 1” is not allowed: Lower-case letters, digits, dots and hyphens only.",
    ),
    "own parent": (_with_requirement(4, parent="2.1"), "Requirement “2.1” (entry 5) cannot be its own parent."),
    "entry not a mapping": (
        small_catalogue() | {"requirements": [*small_catalogue()["requirements"], "2.2 Keys"]},
        "Requirement entry 6 is not a mapping of fields.",
    ),
    "service model twice": (
        _with_requirement(1, service_models=["saas", "saas"]),
        "Requirement “1.1” (entry 2): service_models lists the same value twice.",
    ),
    "title too long": (
        _with_requirement(3, title_fr="x" * 201),
        "Requirement “2” (entry 4): title_fr is longer than 200 characters.",
    ),
    "file not a mapping": (["code", "name"], "The file must hold a mapping: the scheme’s fields and its list of"),
    "no requirements": (small_catalogue() | {"requirements": []}, "The scheme has no requirements"),
    "no code": (small_catalogue() | {"code": ""}, "The scheme: missing code."),
}


@pytest.mark.parametrize("data, message", BAD_CATALOGUES.values(), ids=BAD_CATALOGUES.keys())
def test_it_refuses_a_bad_catalogue_and_leaves_the_database_as_it_was(db, tmp_path, data, message):
    load()
    scheme_load(data=small_catalogue())
    before = snapshot()
    # The same code as the loaded trial scheme: a partial write would show in the snapshot.
    path = write(tmp_path, copy.deepcopy(data))

    with pytest.raises(CommandError) as exc_info:
        load(path)

    assert message in str(exc_info.value)
    assert snapshot() == before


def test_it_reports_every_problem_of_the_file_at_once(db, tmp_path):
    data = small_catalogue() | {"code": "", "validity_months": 0}
    data["requirements"][1]["service_models"] = ["faas"]
    data["requirements"][3]["title_en"] = " "

    with pytest.raises(CommandError) as exc_info:
        load(write(tmp_path, data))

    assert str(exc_info.value).splitlines()[1:] == [
        "- The scheme: missing code.",  # once: an empty code breaks its pattern too, which would say it twice
        "- The scheme: validity_months must be a whole number from 1 to 120, not 0.",
        "- Requirement “1.1” (entry 2): unknown value “faas” in service_models; known values: iaas, caas, paas, saas.",
        "- Requirement “2” (entry 4): missing title_en.",
    ]
    assert str(exc_info.value).splitlines()[0].endswith("catalogue.yaml: 4 problems:")
    assert not Scheme.objects.exists()


def test_it_counts_the_problems_it_does_not_list(db):
    data = small_catalogue()
    data["requirements"] = [{"ref": f"{n}", "title_en": "", "title_fr": ""} for n in range(1, 16)]

    with pytest.raises(SchemeDataError) as exc_info:
        scheme_load(data=data)

    lines = str(exc_info.value).splitlines()
    assert lines[0] == "30 problems:"
    assert len(lines) == 1 + 20 + 1
    assert lines[-1] == "… and 10 more."


@pytest.mark.parametrize("percent", [0.07, 19.99, 33.33, 100])
def test_it_accepts_any_percentage_with_two_decimals(db, percent):
    # 33.33 / 0.01 is not a whole number in binary floating point: the check is done on the decimal as written.
    scheme, _ = scheme_load(data=small_catalogue() | {"individual_cap_percent": percent})

    scheme.refresh_from_db()
    assert scheme.individual_cap_percent == Decimal(str(percent))


def test_it_reads_whole_numbers_as_text_where_text_is_expected(db):
    data = small_catalogue() | {"version": 2}
    data["requirements"][0] |= {"ref": 1}
    data["requirements"][1] |= {"parent": 1}

    scheme, _ = scheme_load(data=data)

    assert scheme.version == "2"
    assert scheme.requirements.get(ref="1.1").parent.ref == "1"


def test_it_fills_in_the_scheme_fields_the_file_leaves_out(db):
    data = small_catalogue()
    for name in ("validity_months", "individual_cap_percent", "collective_cap_percent", "required_document_kinds"):
        del data[name]

    scheme, _ = scheme_load(data=data)

    assert (scheme.validity_months, scheme.individual_cap_percent, scheme.collective_cap_percent) == (36, 24, 39)
    assert scheme.required_document_kinds == []


def test_the_schema_is_valid_and_agrees_with_the_models():
    schema = catalogue_schema()
    Draft202012Validator.check_schema(schema)
    scheme_fields, requirement = schema["properties"], schema["$defs"]["requirement"]["properties"]

    # A dossier may be made to hold any kind of its own; the kinds of a certificate's later life are never required.
    dossier_kinds = [kind for kind in DocumentKind.values if kind not in AFTER_QUALIFICATION_DOCUMENT_KINDS]
    assert scheme_fields["required_document_kinds"]["items"]["enum"] == dossier_kinds
    assert requirement["service_models"]["items"]["enum"] == ServiceModel.values
    code_pattern = Scheme._meta.get_field("code").validators[0].regex.pattern
    assert scheme_fields["code"]["pattern"] == code_pattern
    for name in ("code", "name", "version", "certificate_prefix"):
        assert scheme_fields[name]["maxLength"] == Scheme._meta.get_field(name).max_length, name
    for name in ("ref", "title_en", "title_fr"):
        assert requirement[name]["maxLength"] == Requirement._meta.get_field(name).max_length, name
    for name in (
        "validity_months",
        "surveillance_interval_months",
        "surveillance_grace_days",
        "individual_cap_percent",
        "collective_cap_percent",
        "required_document_kinds",
    ):
        default = Scheme._meta.get_field(name).default
        assert scheme_fields[name]["default"] == (default() if callable(default) else default), name


def test_it_refuses_a_file_it_cannot_parse(db, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("code: [unclosed\n", "utf-8")

    with pytest.raises(CommandError, match="not valid YAML"):
        load(str(path))
    assert not Scheme.objects.exists()


def test_it_refuses_an_unknown_file_type(db, tmp_path):
    path = tmp_path / "catalogue.xml"
    path.write_text("<scheme/>", "utf-8")

    with pytest.raises(CommandError, match="unsupported file type"):
        load(str(path))


def test_it_says_when_the_file_does_not_exist(db, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        load(str(tmp_path / "missing.yaml"))


def test_a_changed_catalogue_is_audited_and_shows_on_the_public_pages_at_once(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        scheme_load(data=small_catalogue() | {"individual_cap_percent": 24})
    visitor = Client()
    assert visitor.get(reverse("registry:home")).headers["X-Public-Cache"] == "miss"
    assert visitor.get(reverse("registry:home")).headers["X-Public-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        scheme, _ = scheme_load(data=small_catalogue() | {"individual_cap_percent": 20})

    page = visitor.get(reverse("registry:home"))
    assert page.headers["X-Public-Cache"] == "miss"
    assert "20 %" in page.text and "24 %" not in page.text
    line = AuditEvent.objects.filter(action="scheme.load").first()
    assert (line.object_id, line.detail["scheme"]) == (str(scheme.pk), "updated")


def test_loading_the_same_catalogue_again_writes_no_audit_line_and_keeps_the_public_pages(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        scheme_load(data=small_catalogue())
    lines = AuditEvent.objects.filter(action="scheme.load").count()
    visitor = Client()
    visitor.get(reverse("registry:home"))

    with django_capture_on_commit_callbacks(execute=True):
        scheme_load(data=small_catalogue())

    assert AuditEvent.objects.filter(action="scheme.load").count() == lines
    assert visitor.get(reverse("registry:home")).headers["X-Public-Cache"] == "hit"
