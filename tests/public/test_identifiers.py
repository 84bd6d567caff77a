"""Stable identifiers (registry/public/identifiers.py): one URN per certificate, service and provider, of one shape, the
same in the API, the exports, the feed and the signed snapshot, and kept when names change."""

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from registry.public import identifiers
from registry.public.snapshots import snapshot_issue
from tests.public.test_public_pages import certified

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def test_a_urn_has_one_shape_and_reads_back():
    assert identifiers.certificate_urn("SNC-2026-0001") == "urn:tcr:certificate:SNC-2026-0001"
    assert identifiers.service_urn("nimbus-iaas") == "urn:tcr:service:nimbus-iaas"
    assert identifiers.provider_urn("nimbus") == "urn:tcr:provider:nimbus"
    assert identifiers.parse("urn:tcr:certificate:SNC-2026-0001") == ("certificate", "SNC-2026-0001")
    for other in ("urn:isbn:123", "urn:tcr:dossier:1", "urn:tcr:service:", "tcr:service:x", ""):
        assert identifiers.parse(other) is None, other


def test_every_format_names_a_certificate_its_service_and_its_provider_alike(client):
    certificate = certified("Alpha Cloud")
    service, provider = certificate.service, certificate.service.provider
    urns = {
        "certificate_urn": f"urn:tcr:certificate:{certificate.number}",
        "service_urn": f"urn:tcr:service:{service.slug}",
        "provider_urn": f"urn:tcr:provider:{provider.slug}",
    }
    snapshot_issue(force=True)

    api_row = client.get("/api/v1/certificates/").json()["results"][0]
    detail = client.get(f"/api/v1/certificates/{certificate.number}/").json()
    export = json.loads(b"".join(client.get(reverse("registry:export-json")).streaming_content))["rows"][0]
    text = b"".join(client.get(reverse("registry:export-csv")).streaming_content).decode("utf-8-sig")
    csv_row = next(csv.DictReader(io.StringIO(text)))
    snapshot = json.loads(client.get(reverse("registry:snapshot")).content)["registry"]
    for row in (api_row, detail, export, csv_row, snapshot["certificates"][0], snapshot["history"][0]):
        assert {name: row[name] for name in urns} == urns

    api_service = client.get(f"/api/v1/services/{service.slug}/").json()
    assert api_service["urn"] == urns["service_urn"] and api_service["provider"]["urn"] == urns["provider_urn"]
    assert api_service["certificates"][0]["urn"] == urns["certificate_urn"]
    assert client.get(f"/api/v1/providers/{provider.slug}/").json()["urn"] == urns["provider_urn"]

    feed = ET.fromstring(client.get(reverse("registry:feed")).content)
    terms = {category.get("term") for category in feed.iter(f"{ATOM}category")}
    assert {urns["certificate_urn"], urns["service_urn"]} <= terms


def test_a_service_renamed_keeps_its_urn_and_a_withdrawn_certificate_keeps_its_own(client, settings, decision_maker):
    from registry.certificates.services import certificate_withdraw

    settings.PUBLIC_CACHE_SECONDS = 0  # the rename below is written directly, around the services that drop the cache
    certificate = certified("Alpha Cloud")
    service = certificate.service
    before = client.get(f"/api/v1/services/{service.slug}/").json()["urn"]
    service.name = "Alpha Cloud Sovereign"
    service.save(update_fields=["name"])
    certificate_withdraw(certificate=certificate, by=decision_maker, reason="Sold.")

    after = client.get(f"/api/v1/services/{service.slug}/").json()
    assert after["name"] == "Alpha Cloud Sovereign" and after["urn"] == before
    archived = client.get(f"/api/v1/certificates/{certificate.number}/").json()
    assert (
        archived["status"] == "withdrawn" and archived["certificate_urn"] == f"urn:tcr:certificate:{certificate.number}"
    )


def test_in_process_entries_carry_their_service_and_provider_urns(client):
    from tests.public.test_public_search import in_process

    dossier = in_process("Bleu Cloud Platform")
    snapshot_issue(force=True)
    entry = json.loads(client.get(reverse("registry:snapshot")).content)["registry"]["in_process"][0]
    assert entry["service_urn"] == f"urn:tcr:service:{dossier.service.slug}"
    assert entry["provider_urn"] == f"urn:tcr:provider:{dossier.service.provider.slug}"
    listed = client.get("/api/v1/in-process/").json()["results"][0]
    assert listed["service"]["urn"] == entry["service_urn"] and listed["provider"]["urn"] == entry["provider_urn"]
