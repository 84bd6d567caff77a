"""The two boxes of a public text people write (core.bilingual): each labelled with its language and marked with its
`lang` (spell-checkers and screen readers then use the right one); where the text must be written, either box will do
(bilingual.missing, the one rule the services apply too)."""

from django.utils.translation import gettext as _

from registry.core import bilingual

# The languages' names as a box's label says them.
LANGUAGE_LABELS = {"en": lambda label: _("%(label)s (English)") % {"label": label},
                   "fr": lambda label: _("%(label)s (French)") % {"label": label}}  # fmt: skip


def missing_message() -> str:
    return _("Write it in English, in French or in both.")


class BilingualFormMixin:
    """A form with `<field>` (English) and `<field>_fr` (French) fields: `bilingual` names the texts, and
    `bilingual_required` those that must be written in at least one language."""

    bilingual: tuple[str, ...] = ()
    bilingual_required: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.bilingual:
            if field not in self.fields:
                continue
            label = str(self.fields[field].label)
            for lang in bilingual.LANGUAGES:
                box = self.fields[bilingual.field_name(field, lang)]
                box.label = LANGUAGE_LABELS[lang](label)
                box.widget.attrs["lang"] = lang
                if lang == "fr" and not box.help_text:
                    box.help_text = (
                        _(
                            "French pages show this; left blank, they show the English text. Write at least one of the two."
                        )
                        if field in self.bilingual_required
                        else _("French pages show this; left blank, they show the English text.")
                    )
                if field in self.bilingual_required:
                    box.required = False  # either one: checked in clean()

    def clean(self):
        cleaned = super().clean()
        for field in self.bilingual_required:
            if field not in self.fields or field in self.errors:
                continue
            if bilingual.missing(cleaned.get(field), cleaned.get(bilingual.field_name(field, "fr"))):
                self.add_error(field, missing_message())
        return cleaned
