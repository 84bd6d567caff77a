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


def test_after_qualification_they_agree_on_the_surveillance_dates_and_the_accepted_changes(client, decision_maker):
    import datetime

    from django.utils import timezone

    from registry.public.snapshots import snapshot_issue

    today = timezone.localdate()
    alpha = certified("Alpha Cloud", issued_on=today - datetime.timedelta(days=400))
    f.surveillance_audit_row(alpha, due_on=today - datetime.timedelta(days=35), outcome="maintained")
    f.surveillance_audit_row(alpha, due_on=today + datetime.timedelta(days=330))
    f.accepted_change_record(alpha, kind="third_party", summary="A new hosting subcontractor, Hébergeur SAS (FR).")
    beta = certified("Beta Cloud", storage="DE")
    f.surveillance_audit_row(beta, due_on=today + datetime.timedelta(days=365))
    gamma = certified("Gamma Cloud", status="withdrawn", reason="Sold.")
    f.accepted_change_record(gamma, kind="scope", summary="Object storage left the scope.")
    snapshot_issue(force=True)

    export = json.loads(b"".join(client.get(reverse("registry:export-json")).streaming_content))
    export_rows = {row["certificate"]: row for row in export["rows"]}
    api_rows = {row["certificate"]: row for row in client.get("/api/v1/certificates/").json()["results"]}
    snapshot = json.loads(client.get(reverse("registry:snapshot")).content)["registry"]
    snapshot_rows = {row["certificate"]: row for row in snapshot["certificates"]}

    assert export_rows == api_rows == snapshot_rows
    assert (export_rows[alpha.number]["last_surveillance_on"], export_rows[beta.number]["last_surveillance_on"]) == (
        (today - datetime.timedelta(days=35)).isoformat(),
        None,
    )
    # Every certificate's history, archived ones included: the API's and the snapshot's are the same entries.
    for certificate in (alpha, beta, gamma):
        api = client.get(f"/api/v1/certificates/{certificate.number}/").json()
        [kept] = [entry for entry in snapshot["history"] if entry["certificate"] == certificate.number]
        assert [(e["type"], e["status"], e["reason"], e["change"]) for e in api["history"]] == [
            (e["type"], e["status"], e["reason"], e["change"]) for e in kept["events"]
        ]
        page = client.get(reverse("registry:verify-number", args=[certificate.number])).content.decode()
        for entry in api["history"]:
            assert (entry["change"] or {}).get("summary", "") in page
