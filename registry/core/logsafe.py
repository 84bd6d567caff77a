"""Log lines that a visitor cannot forge: control characters in messages are escaped.

Messages carry what clients send (a Host header, a file name, an e-mail address typed at sign-in). A carriage return
or line feed in it would start what looks like a new, genuine log line; an escape sequence would rewrite a terminal.
The formatter writes every message on one line with such characters escaped (\\r, \\n, \\t, \\x1b, \\u2028...), and
indents the lines of a traceback so that none of them can pass for the start of a record.

With LOG_FORMAT=json (trustedcloud/settings/logs.py) every record is instead one JSON object on one line, which the
JSON encoding alone keeps unforgeable (JsonLineFormatter).
"""

import datetime
import logging

from django.http import HttpRequest
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

# C0 and C1 control characters, DEL, and the Unicode line and paragraph separators.
_CONTROL = [*range(0x00, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029]
_NAMED = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}
_TABLE = {code: _NAMED.get(chr(code)) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}") for code in _CONTROL}
_TABLE[ord("\\")] = "\\\\"  # so that an escaped "\n" and a literal backslash-n sent by a client stay distinguishable
_TABLE_KEEP_NEWLINES = {code: value for code, value in _TABLE.items() if code != ord("\n")}
# A proxy's request id is a UUID or a few dozen characters; a client's own could be anything.
_REQUEST_ID_MAX = 200


def escape_control_characters(text: str) -> str:
    return text.translate(_TABLE)


class EscapingFormatter(logging.Formatter):
    """A logging.Formatter whose message is escaped onto one line; tracebacks keep their lines, each indented."""

    def formatMessage(self, record):  # noqa: N802 (logging's name)
        record.message = escape_control_characters(record.message)
        return super().formatMessage(record)

    def formatException(self, ei):  # noqa: N802
        return self._indent(super().formatException(ei))

    def formatStack(self, stack_info):  # noqa: N802
        return self._indent(super().formatStack(stack_info))

    @staticmethod
    def _indent(text: str) -> str:
        return "\n".join("    " + line.translate(_TABLE_KEEP_NEWLINES) for line in text.split("\n"))


class JsonLineFormatter(JsonFormatter):
    """One JSON object per line (LOG_FORMAT=json): time (ISO 8601, UTC), level, logger, message, and the exception's
    text; for a request's record (Django's django.request and django.security loggers) its method, path, status and
    the X-Request-ID our proxy set, if any; other extra attributes a record carries (Celery's task data) as fields.

    Nothing needs escaping by hand here: the JSON encoder, with ensure_ascii, writes every control character (DEL and
    the Unicode separators too) as a \\uXXXX escape, so a client's CR/LF stays inside its string, on its line, and the
    field keeps the text as it was sent.
    """

    # The record's own attributes, or ones rebuilt below as plain fields: never dumped as they are.
    _NOT_FIELDS = {*RESERVED_ATTRS, "request", "status_code", "server_time", "taskName"}

    def __init__(self, *args, **kwargs):
        super().__init__(
            ["levelname", "name", "message"],
            rename_fields={"levelname": "level", "name": "logger", "exc_info": "exception", "stack_info": "stack"},
            reserved_attrs=self._NOT_FIELDS,
            json_ensure_ascii=True,
        )

    def add_fields(self, log_data, record, message_dict):
        log_data["time"] = datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat()
        super().add_fields(log_data, record, message_dict)
        request = getattr(record, "request", None)
        if isinstance(request, HttpRequest):
            log_data["method"] = request.method
            # The path without its query string, which may carry a one-time token.
            log_data["path"] = request.path
            request_id = request.META.get("HTTP_X_REQUEST_ID")
            if request_id:
                log_data["request_id"] = request_id[:_REQUEST_ID_MAX]
        status = getattr(record, "status_code", None)
        if isinstance(status, int):
            log_data["status"] = status
