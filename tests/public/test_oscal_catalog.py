"""A scheme's requirements as an OSCAL catalog (registry/public/oscal.py): read back by compliance-trestle's OSCAL
models, every requirement a control under its chapter, the French texts kept, retired requirements marked, the same
document for the same scheme until it changes."""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from trestle.oscal.catalog import Catalog

from registry.catalogue.models import Requirement, Scheme
from tests import factories as f

pytestmark = pytest.mark.django_db


def url(scheme) -> str:
    return reverse("registry:scheme-oscal-catalog", args=[scheme.code])


def controls(node):
    for control in node.get("controls", []):
        yield control
        yield from controls(control)


def test_the_scheme_s_catalogue_is_an_oscal_catalog_that_oscal_tools_read(client):
    call_command("load_scheme", verbosity=0)
    scheme = Scheme.objects.get(active=True)
    answer = client.get(url(scheme))
    assert answer.status_code == 200 and answer["Content-Type"] == "application/json"
    assert answer["Access-Control-Allow-Origin"] == "*"
    document = json.loads(answer.content)

    Catalog.parse_obj(document["catalog"])  # raises on anything OSCAL 1.1 does not allow
    catalog = document["catalog"]
    assert catalog["metadata"]["version"] == scheme.version and catalog["metadata"]["oscal-version"] == "1.1.2"
    # Every requirement of the scheme is a control, under its chapter, labelled with its reference.
    found = {
        prop["value"]
        for group in catalog["groups"]
        for node in [group, *controls(group)]
        for prop in node["props"]
        if prop["name"] == "label"
    }
    assert found == set(scheme.requirements.values_list("ref", flat=True))


def test_french_texts_service_models_and_retired_requirements_are_kept(client, scheme):
    saas = scheme.requirements.get(ref="19.9")
    saas.description_en, saas.description_fr = "Only for SaaS.", "Uniquement pour le SaaS."
    saas.retired = True
    saas.save()
    catalog = client.get(url(scheme)).json()["catalog"]
    Catalog.parse_obj(catalog)
    (chapter,) = catalog["groups"]
    assert chapter["id"] == "chapter-19" and chapter["title"] == "Additional"
    control = {c["id"]: c for c in chapter["controls"]}["req-19.9"]
    props = {(p["name"], p["value"]) for p in control["props"]}
    assert {
        ("label", "19.9"),
        ("title-fr", "SaaS seulement"),
        ("service-model", "saas"),
        ("status", "withdrawn"),
    } <= props
    assert {p["name"]: p["prose"] for p in control["parts"]} == {
        "statement": "Only for SaaS.",
        "statement-fr": "Uniquement pour le SaaS.",
    }


def test_the_same_scheme_gives_the_same_document_and_another_scheme_another(client, scheme):
    first, again = client.get(url(scheme)).json(), client.get(url(scheme)).json()
    assert first == again
    other = client.get(url(f.scheme())).json()
    assert other["catalog"]["uuid"] != first["catalog"]["uuid"]


def test_a_requirement_added_shows_and_the_query_count_does_not_grow(client, scheme, django_assert_max_num_queries):
    chapter = scheme.requirements.get(ref="19")
    for i in range(30):
        Requirement.objects.create(
            scheme=scheme, ref=f"19.{20 + i}", parent=chapter, title_en=f"R{i}", title_fr=f"R{i}"
        )
    with django_assert_max_num_queries(2):
        catalog = client.get(url(scheme)).json()["catalog"]
    assert len(catalog["groups"][0]["controls"]) == 33


def test_an_unknown_scheme_is_a_404_that_names_it(client):
    answer = client.get(reverse("registry:scheme-oscal-catalog", args=["no-such-scheme"]))
    assert answer.status_code == 404 and "no-such-scheme" in answer.content.decode()
