"""The whole registry as CSV and JSON, streamed row by row: memory stays flat whatever the size of the registry.

Rows are queries.public_row (read by queries.registry_rows in chunks of plain values, no model instance), so the
exports show exactly what the registry page, the API and the snapshot show; the same GET parameters as the page narrow
them (registry.public.filters.RegistryFilter).
"""

import csv
import json

from django.http import HttpResponseBadRequest, JsonResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from registry.public.filters import RegistryFilter
from registry.public.selectors import registry_entries, registry_rows
from registry.public.snapshot_content import utc

# The keys of queries.public_row, in its order (tests/public/test_exports.py checks they agree). They head the CSV as they
# are, not translated: scripts read these columns and must not break when the visitor's language changes.
COLUMNS = (
    "certificate",
    "status",
    "service",
    "service_slug",
    "service_model",
    "provider",
    "provider_slug",
    "scheme",
    "scheme_code",
    "issued_on",
    "expires_on",
    "data_countries",
    "conditions",
    "url",
    # Added after the others, so that a script reading the columns by position keeps reading the same ones.
    "last_surveillance_on",
    "next_surveillance_due",
    # Then the public texts in both languages: the scope in English and French, the conditions in French.
    "scope",
    "scope_fr",
    "conditions_fr",
    # Then the stable identifiers, which never change shape (registry.public.identifiers).
    "certificate_urn",
    "service_urn",
    "provider_urn",
)

# One database round trip per this many certificates (and one for their sites, one for their surveillance dates): a
# few queries for any size.
CHUNK_SIZE = 500

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): such cells get a leading quote.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Excel reads a CSV file without a byte order mark in the machine's legacy code page and garbles every accented
# provider name; with it, Excel and LibreOffice read UTF-8. The CSV is the spreadsheet users' format (programs have
# the JSON export and the API), and Python reads it with encoding="utf-8-sig".
BOM = "\ufeff"


def _rows(request):
    """The public rows the request asks for, or the reason its filters are malformed."""
    filterset = RegistryFilter(request.GET, queryset=registry_entries())
    if not filterset.is_valid():
        return None, filterset.errors
    return registry_rows(filterset.qs, chunk_size=CHUNK_SIZE), None


def _filename(extension: str) -> str:
    return f"trusted-cloud-registry-{timezone.localdate().isoformat()}.{extension}"


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


class _Echo:
    """A file-like object whose write() hands the line back, so csv.writer can feed a streaming response."""

    def write(self, value):
        return value


def _csv_lines(rows):
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(COLUMNS)
    for row in rows:
        yield writer.writerow([csv_cell(row[column]) for column in COLUMNS])


def _json_chunks(rows):
    # The count closes the document: it is counted while streaming, so it always matches the rows sent.
    yield '{"generated_at":' + json.dumps(utc(timezone.now())) + ',"rows":['
    count = 0
    for row in rows:
        yield ("," if count else "") + "\n" + json.dumps(row, ensure_ascii=False)
        count += 1
    yield '\n],"count":' + str(count) + "}\n"


def _filter_errors_text(errors) -> str:
    lines = [_("The filters are not valid:")]
    for field, messages in errors.items():
        lines += [f"{field}: {message}" for message in messages]
    return "\n".join(lines) + "\n"


@require_safe
def export_csv(request):
    rows, errors = _rows(request)
    if errors is not None:
        return HttpResponseBadRequest(_filter_errors_text(errors), content_type="text/plain; charset=utf-8")
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8; header=present")
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    return response


@require_safe
def export_json(request):
    rows, errors = _rows(request)
    if errors is not None:
        return JsonResponse(
            {"error": _("The filters are not valid."), "fields": errors.get_json_data()},
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    response = StreamingHttpResponse(_json_chunks(rows), content_type="application/json")
    response["Content-Disposition"] = f'inline; filename="{_filename("json")}"'
    return response
