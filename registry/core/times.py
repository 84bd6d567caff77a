"""A moment as the agency's workspace shows it: in the zone it is shown in, with that zone's name, so that nobody
reads Paris time as UTC or the other way round."""

from django.utils import timezone
from django.utils.formats import date_format


def with_zone(moment) -> str:
    """ "3 Dec 2026 16:59 CET": the reader's format for date and time, then the zone's abbreviation."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f"{date_format(local, 'SHORT_DATETIME_FORMAT')} {local.tzname()}"
