"""Log lines that a visitor cannot forge: control characters in messages are escaped.

Messages carry what clients send (a Host header, a file name, an e-mail address typed at sign-in). A carriage return
or line feed in it would start what looks like a new, genuine log line; an escape sequence would rewrite a terminal.
The formatter writes every message on one line with such characters escaped (\\r, \\n, \\t, \\x1b, \\u2028...), and
indents the lines of a traceback so that none of them can pass for the start of a record.
"""

import logging

# C0 and C1 control characters, DEL, and the Unicode line and paragraph separators.
_CONTROL = [*range(0x00, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029]
_NAMED = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}
_TABLE = {code: _NAMED.get(chr(code)) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}") for code in _CONTROL}
_TABLE[ord("\\")] = "\\\\"  # so that an escaped "\n" and a literal backslash-n sent by a client stay distinguishable
_TABLE_KEEP_NEWLINES = {code: value for code, value in _TABLE.items() if code != ord("\n")}


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
