from django import template
from django.template.defaultfilters import linebreaks_filter
from django.utils.html import conditional_escape, format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from registry.certificates.statuses import certificate_badge
from registry.core.bilingual import Text
from registry.core.bilingual import text_in as bilingual_text
from registry.core.times import with_zone as _with_zone
from registry.evaluation.events import STEPS
from registry.public import charts
from registry.qualification.statuses import dossier_badge
from registry.qualification.workflow import MOVES

register = template.Library()

OTHER_ACTIONS = {
    "create": _("Dossier opened"),
    "message": _("Message"),
    "declare": _("Declaration signed"),
    "oscal_import": _("Self-assessment imported (OSCAL)"),
}


@register.filter
def event_label(event) -> str:
    """A person's words for a DossierEvent's action: the move's label from the workflow table."""
    move = MOVES.get(event.action)
    if move is not None:
        return str(move.label)
    step = STEPS.get(event.action)
    if step is not None:
        return str(step.label)
    return str(OTHER_ACTIONS.get(event.action, event.action))


@register.filter
def dossier_status(status) -> str:
    """A dossier status as its badge: the same colour and words on the portal and in the agency's workspace."""
    return dossier_badge(status)


@register.filter
def certificate_status(status) -> str:
    """A certificate status as its badge: the same colour and words on public pages, portal and workspace."""
    return certificate_badge(status)


@register.simple_tag
def line_chart(points, title):
    return charts.line_chart(points, title=str(title))


@register.simple_tag
def bar_chart(items, title):
    return charts.bar_chart(items, title=str(title))


@register.simple_tag
def median_chart(rows, title):
    """The stats page's (stage, median days, count) rows as bars of median days."""
    return charts.bar_chart([(stage, days) for stage, days, _count in rows], title=str(title), describe=_days)


def _days(value) -> str:
    days = round(value)
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


@register.filter
def with_zone(moment) -> str:
    """A moment in the workspace: in the zone it is shown in, followed by the zone's name (registry/core/times.py)."""
    return _with_zone(moment)


@register.simple_tag
def bilingual(obj, field=None, paragraphs=False):
    """`obj`'s public `field` in the page's language (core.bilingual); the other language's text, when it stands in,
    wrapped in an element carrying its `lang`. `paragraphs=True` keeps the writer's line breaks (linebreaks).
    `obj` may be a core.bilingual.Text already chosen (`{% bilingual event.reason_text %}`), without `field`."""
    text = obj if isinstance(obj, Text) else bilingual_text(obj, field)
    if not text:
        return ""
    # Both are safe strings: the text escaped, then (for paragraphs) wrapped in <p> and <br>.
    body = linebreaks_filter(text.text, autoescape=True) if paragraphs else conditional_escape(text.text)
    if not text.fallback:
        return body
    tag = "div" if paragraphs else "span"
    return format_html('<{} lang="{}">{}</{}>', tag, text.lang, body, tag)


@register.filter
def in_language(obj, field):
    """`obj`'s public `field` as plain text in the active language, or the other one where it is blank (core.bilingual):
    for e-mails, rendered in their reader's language, where no element can carry a `lang`."""
    return bilingual_text(obj, field).text
