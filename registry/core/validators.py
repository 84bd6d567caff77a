"""One rule for the names and titles people type: one line of text, no control characters.

A name is shown on pages, written into PDFs and e-mails, and put in an e-mail's Subject: a line break there is a header
injection (Django then refuses to send, so nobody hears of a suspension), a tab or a NUL breaks exports and logs. A
name never needs any of them, so they are refused where the name is typed (portal, admin: every ModelForm runs the model
field's validators), with a message that says what to remove, rather than silently rewritten. The outbox makes every
header safe anyway (registry/notifications/outbox.py), for rows saved before this rule.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# C0 and C1 control characters (line feed, carriage return, tab, NUL, NEL…) and Unicode's line and paragraph separators.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def validate_single_line(value) -> None:
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValidationError(
            _("Write this on one line, without line breaks, tabs or other control characters."),
            code="control_characters",
        )
