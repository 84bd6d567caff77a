"""The public API's OpenAPI schema, validated without warnings and served as JSON and YAML, and its documentation page,
whose assets are all served locally."""

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command

from registry.public import selectors as queries
from tests.public.api_helpers import certified

pytestmark = pytest.mark.django_db


# --- The OpenAPI schema and its documentation page ---


def test_the_openapi_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    schema = yaml.safe_load(out.read_text())
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Trusted Cloud Registry API" and schema["info"]["version"]
    assert {t["name"] for t in schema["tags"]} == {"certificates", "services", "providers", "in-process", "changes"}
    paths = schema["paths"]
    assert set(paths) == {
        "/api/v1/certificates/",
        "/api/v1/certificates/{number}/",
        "/api/v1/certificates/{number}/history/",
        "/api/v1/services/",
        "/api/v1/services/{slug}/",
        "/api/v1/providers/",
        "/api/v1/providers/{slug}/",
        "/api/v1/in-process/",
        "/api/v1/changes/",
    }
    assert set(paths["/api/v1/certificates/"]) == {"get"}
    list_params = {p["name"] for p in paths["/api/v1/certificates/"]["get"]["parameters"]}
    assert {"q", "provider", "model", "scheme", "status", "country", "sort", "page", "page_size"} <= list_params
    detail_params = {p["name"]: p for p in paths["/api/v1/certificates/{number}/"]["get"]["parameters"]}
    assert detail_params["on"]["schema"] == {"type": "string", "format": "date"}
    assert detail_params["on"]["description"]
    row = schema["components"]["schemas"]["RegistryRow"]
    assert set(row["properties"]) == set(queries.public_row(certified()))
    # Every answer the API gives is documented: lists page, refuse a malformed parameter and a page after the last.
    for path, operations in paths.items():
        responses = operations["get"]["responses"]
        if path == "/api/v1/changes/":  # read from a cursor, not by pages: no page after the last
            assert {"200", "400", "429"} <= set(responses)
            assert {p["name"] for p in operations["get"]["parameters"]} == {"since", "limit"}
            continue
        assert {"200", "404", "429"} <= set(responses), path
        assert "400" in responses, path  # a malformed parameter, or a control character in the address
        if "{" not in path:
            assert {p["name"]: p["schema"] for p in operations["get"]["parameters"]}["page"] == {"type": "integer", "minimum": 1}  # fmt: skip
    # A provider may leave its website blank: "" is declared beside a URL.
    website = schema["components"]["schemas"]["Provider"]["properties"]["website"]
    assert website["anyOf"] == [{"format": "uri"}, {"maxLength": 0}]


def test_the_schema_is_served_as_json_and_yaml(client):
    as_json = client.get("/api/schema/", {"format": "json"})
    as_yaml = client.get("/api/schema/")

    assert as_json.status_code == 200 and as_json.json()["info"]["title"] == "Trusted Cloud Registry API"
    assert as_yaml.status_code == 200 and yaml.safe_load(as_yaml.content)["paths"]


def test_the_documentation_page_loads_its_assets_locally(client):
    page = client.get("/api/docs/")

    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    script_urls = [a for a in assets if a.startswith("/api/docs/")]
    assert len(script_urls) == 1  # the start-up script is served, not inlined (a strict CSP can allow it)
    script = client.get(script_urls[0].replace("&amp;", "&"))
    assert script.status_code == 200
    for text in (html, script.content.decode()):
        assert "http://" not in text and "https://" not in text
        assert not re.search(r"cdn|jsdelivr|unpkg|googleapis", text, re.IGNORECASE)
    assert '"validatorUrl": null' in script.content.decode()
    for asset in assets:
        if asset.startswith("/static/"):
            assert finders.find(asset.removeprefix("/static/")), asset
    assert any("swagger-ui-bundle.js" in a for a in assets)
