"""LOG_FORMAT=json: every line a web process or a Celery worker writes is one JSON object a log collector can parse,
with the fields it indexes, and a client's control characters still cannot start a line of their own. Each test runs
a fresh interpreter with the variable set, as a deployment would, since the settings read it once at start."""

import datetime
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What a web process logs: Django's record of a 404 (with its request), a message carrying a client's CR/LF and an
# escape sequence, and an exception with its traceback.
WEB_PROCESS = textwrap.dedent(
    """
    import logging

    import django
    from django.http import HttpResponseNotFound
    from django.test import RequestFactory
    from django.utils.log import log_response

    django.setup()
    request = RequestFactory().get("/verify/SNC-0/?key=one-time-token", HTTP_X_REQUEST_ID="req-4f1c")
    log_response("Not Found: %s", request.path, response=HttpResponseNotFound(), request=request)
    logging.getLogger("registry.uploads").warning("Upload refused: %s", "a.pdf\\r\\nCRITICAL forged line\\x1b[2J\\u2028")
    try:
        raise ValueError("bad name\\nINFO forged")
    except ValueError:
        logging.getLogger("registry.tasks").exception("Task failed")
    """
)


def run(code_or_command, *, timeout=60, **env):
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "trustedcloud.settings", "DEBUG": "1", **env}
    command = [sys.executable, "-c", code_or_command] if isinstance(code_or_command, str) else code_or_command
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=timeout)


def json_lines(text: str) -> list[dict]:
    """Every line parsed; a line that is not one JSON object fails the test, naming it."""
    records = []
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            pytest.fail(f"not a JSON line: {line!r}")
        assert isinstance(record, dict), line
        records.append(record)
    return records


def test_with_log_format_json_every_line_is_an_object_with_the_fields_a_collector_indexes():
    result = run(WEB_PROCESS, LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    not_found, refused, failed = json_lines(result.stderr)

    assert not_found["level"] == "WARNING" and not_found["logger"] == "django.request"
    assert not_found["message"] == "Not Found: /verify/SNC-0/"
    # The request's own fields; the query string (which may hold a token) is not among them.
    assert (not_found["method"], not_found["path"], not_found["status"]) == ("GET", "/verify/SNC-0/", 404)
    assert not_found["request_id"] == "req-4f1c"
    assert "one-time-token" not in result.stderr
    for record in (not_found, refused, failed):
        logged_at = datetime.datetime.fromisoformat(record["time"])
        assert logged_at.utcoffset() == datetime.timedelta(0)  # ISO 8601, in UTC
        assert abs(time.time() - logged_at.timestamp()) < 60

    assert refused["level"] == "WARNING" and refused["logger"] == "registry.uploads"
    assert "method" not in refused and "request_id" not in refused

    assert failed["level"] == "ERROR" and failed["message"] == "Task failed"
    assert failed["exception"].startswith("Traceback (most recent call last):")
    assert failed["exception"].endswith("ValueError: bad name\nINFO forged")


def test_a_clients_line_break_and_escape_sequence_stay_inside_their_string_on_one_line():
    result = run(WEB_PROCESS, LOG_FORMAT="json")
    lines = result.stderr.splitlines()
    assert len(lines) == 3  # the forged "CRITICAL" and the traceback's "INFO" are no lines of their own
    assert not any(line.startswith(("CRITICAL", "INFO")) for line in lines)
    # No raw control character at all in a line: the JSON encoding writes each as a \u escape.
    raw = [c for line in lines for c in line if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or c in "\u2028\u2029"]
    assert raw == []
    # The field keeps the text as it was sent.
    assert json.loads(lines[1])["message"] == "Upload refused: a.pdf\r\nCRITICAL forged line\x1b[2J\u2028"


def test_the_default_is_the_escaped_text_line():
    result = run(WEB_PROCESS)
    assert result.returncode == 0, result.stderr
    first = result.stderr.splitlines()[0]
    assert first.endswith(" WARNING django.request Not Found: /verify/SNC-0/")
    assert "Upload refused: a.pdf\\r\\nCRITICAL forged line\\x1b[2J\\u2028" in result.stderr


def test_an_unknown_log_format_stops_the_start_naming_the_variable():
    result = run("import django; django.setup()", LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "LOG_FORMAT must be text or json, not 'xml'." in result.stderr


def test_a_celery_worker_writes_the_same_json_lines():
    """Celery would otherwise replace the root logger's handler with its own text format (worker_hijack_root_logger):
    a worker on the in-memory broker, started as production starts it, logs its start in JSON."""
    command = [
        sys.executable, "-m", "celery", "-A", "trustedcloud", "--quiet", "worker",
        "--pool=solo", "--without-heartbeat", "--without-mingle", "--without-gossip", "-n", "json-logs@localhost",
    ]  # fmt: skip
    environment = {
        **os.environ,
        "DEBUG": "1",
        "LOG_FORMAT": "json",
        "REDIS_URL": "",  # the in-memory broker: the worker starts, and stops at SIGTERM, without Redis
        # CI runs as root, which Celery warns about through Python's warnings (not a log record) on stderr.
        "PYTHONWARNINGS": "ignore",
    }
    worker = subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    lines = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = worker.stderr.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            if "json-logs@localhost ready." in line:
                break
    finally:
        worker.terminate()
        out, err = worker.communicate(timeout=30)
    lines += err.splitlines()
    records = json_lines("\n".join(lines))
    assert {"time", "level", "logger", "message"} <= records[0].keys()
    ready = [r for r in records if r["message"] == "json-logs@localhost ready."]
    assert ready and ready[0]["logger"] == "celery.apps.worker" and ready[0]["level"] == "INFO"
    # Celery prints its banner (unless --quiet) and its shutdown notice on standard output, apart from the records.
    assert "[tasks]" not in out
