"""The error summary of a form with errors: every message at the top, each linked to its field (WCAG 3.3.1, 3.3.3).

`{% error_summary form formset ... %}` takes forms and formsets. A form is summarised once per page: crispy's error
block (templates/bootstrap5/errors.html) calls the same tag, so a template that put a summary above a crispy form does
not get a second one from crispy.
"""

from django import template
from django.forms import BaseFormSet

register = template.Library()


def _anchor(field) -> str:
    """The id a link should move focus to: the control itself, or the first choice of a group of radios or boxes."""
    if field.id_for_label:
        return field.id_for_label
    return f"{field.auto_id}_0" if field.auto_id and field.subwidgets else ""


def _errors(form):
    for message in form.non_field_errors():
        yield {"anchor": "", "label": "", "message": message}
    for field in form:
        for message in field.errors:
            anchor = "" if field.is_hidden else _anchor(field)
            yield {"anchor": anchor, "label": field.label or "", "message": message}


def _entries(item):
    if isinstance(item, BaseFormSet):
        for message in item.non_form_errors():
            yield {"anchor": "", "label": "", "message": message}
        for form in item.forms:
            yield from _forms(form)
    else:
        yield from _forms(item)


def _forms(form):
    if getattr(form, "_error_summary_shown", False) or not form.is_bound:
        return
    form._error_summary_shown = True
    yield from _errors(form)


@register.inclusion_tag("_error_summary.html")
def error_summary(*forms):
    return {"errors": [entry for item in forms if item is not None for entry in _entries(item)]}
