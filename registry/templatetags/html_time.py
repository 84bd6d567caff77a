"""The `iso` filter, built into every template (settings: TEMPLATES' "builtins"): a date or a moment as the machine
reads it in a <time datetime="..."> attribute. A moment is written in the zone the page shows it in, to the second:
HTML's datetime allows at most three digits of a fraction of a second, and Django's `date:'c'` writes six."""

import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def iso(value) -> str:
    """2026-12-04T05:16:43+01:00 for a moment, 2026-12-04 for a day, "" for nothing."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return ""
