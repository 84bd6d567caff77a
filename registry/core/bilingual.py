"""Public texts written in both languages: `<field>` holds the English text, `<field>_fr` the French one.

A page asks for the text in its language; where that one is blank it gets the other one, with the language it is
written in, so that the template marks it (`lang="en"`) and a screen reader switches voice (WCAG 3.1.2)."""

from dataclasses import dataclass

from django.utils.translation import get_language

LANGUAGES = ("en", "fr")


@dataclass(frozen=True)
class Text:
    text: str
    lang: str  # the language the text is written in
    fallback: bool  # True when it is not in the language asked for

    def __str__(self):
        return self.text

    def __bool__(self):
        return bool(self.text)


def field_name(field: str, lang: str) -> str:
    return field if lang == "en" else f"{field}_{lang}"


def page_language(language: str | None = None) -> str:
    lang = (language or get_language() or "en").split("-")[0]
    return lang if lang in LANGUAGES else "en"


def text_in(obj, field: str, language: str | None = None) -> Text:
    """`obj`'s `field` in `language` (default: the active one), or in the other language when that one is blank."""
    wanted = page_language(language)
    order = [wanted] + [lang for lang in LANGUAGES if lang != wanted]
    for lang in order:
        value = (getattr(obj, field_name(field, lang), "") or "").strip()
        if value:
            return Text(value, lang, lang != wanted)
    return Text("", wanted, False)


def both(obj, field: str) -> dict[str, str]:
    """The two texts as stored, for the formats that carry both (API, exports): {"en": …, "fr": …}."""
    return {lang: getattr(obj, field_name(field, lang), "") or "" for lang in LANGUAGES}


def missing(english: str | None, french: str | None) -> bool:
    """The rule for a text that must be written: in English, in French or both; missing only when both are blank."""
    return not (english or "").strip() and not (french or "").strip()
