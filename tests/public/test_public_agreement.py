"""The page, the JSON export, the API and the signed snapshot tell the same registry."""

import json
import re

import pytest
from django.urls import reverse

from tests import factories as f
from tests.public.test_public_pages import certified

pytestmark = pytest.mark.django_db


def test_the_page_the_export_the_api_and_the_snapshot_agree(client, decision_maker):
    from registry.certificates.services import certificate_suspend
    from registry.public.snapshots import snapshot_issue

    certified("Alpha Cloud")
    certified("Beta Cloud", storage="DE", model="paas")
    delta = certified("Delta Docs", model="saas")
    certified("Gamma Cloud", status="withdrawn", reason="Sold.")
    certificate_suspend(review_on=f.review_date(), certificate=delta, by=decision_maker, reason="Incident.")
    snapshot_issue(force=True)

    page = client.get(reverse("registry:list")).content.decode()
    page_numbers = set(re.findall(r'href="/verify/([A-Z0-9-]+)/"', page))

    export = json.loads(b"".join(client.get(reverse("registry:export-json")).streaming_content))
    export_rows = {row["certificate"]: row for row in export["rows"]}

    api = client.get("/api/v1/certificates/", {"page_size": 200}).json()
    api_rows = {row["certificate"]: row for row in api["results"]}

    snapshot = json.loads(client.get(reverse("registry:snapshot")).content)
    snapshot_rows = {row["certificate"]: row for row in snapshot["registry"]["certificates"]}

    assert len(page_numbers) == 3
    assert page_numbers == set(export_rows) == set(api_rows) == set(snapshot_rows)
    assert export_rows == api_rows == snapshot_rows
    assert export_rows[delta.number]["status"] == "suspended"
    # What the page shows of each row is what the formats say.
    for row in export_rows.values():
        assert row["service"] in page and row["provider"] in page
        assert ", ".join(row["data_countries"]) in page
