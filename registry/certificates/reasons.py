"""The reasons the registry itself writes in a certificate's public history, and their display in the reader's language.

The history is stored once and never rewritten, and the CSV, JSON, API, feed and signed snapshot publish it as stored;
so the registry stores its own reasons in English (the source language), always the same words whoever acted, and
translates them only when a page or an e-mail shows them. A reason a person typed is shown as typed. Rows written before
this, in the language of whoever acted, are recognised in any of the site's languages.
"""

import functools
import re

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

QUALIFIED = gettext_noop("Qualification granted.")
EXPIRED = gettext_noop("Validity period ended.")
REPLACED_BY_RENEWAL = gettext_noop("Replaced by the renewal %(ref)s.")
REPLACED_BY_QUALIFICATION = gettext_noop("Replaced by the qualification %(ref)s.")
SYSTEM_REASONS = (QUALIFIED, EXPIRED, REPLACED_BY_RENEWAL, REPLACED_BY_QUALIFICATION)


def _pattern(text: str) -> re.Pattern:
    return re.compile(re.escape(text).replace(re.escape("%(ref)s"), r"(?P<ref>\S+)") + r"\Z")


@functools.cache
def _patterns(language: str) -> list[tuple[str, re.Pattern]]:
    with translation.override(language):
        return [(source, _pattern(gettext(source))) for source in SYSTEM_REASONS]


def display(reason: str) -> str:
    """The stored reason in the active language when the registry wrote it; otherwise as stored."""
    text = (reason or "").strip()
    for language, _name in settings.LANGUAGES:
        for source, pattern in _patterns(language):
            match = pattern.match(text)
            if match:
                return gettext(source) % match.groupdict() if match.groupdict() else gettext(source)
    return reason
