"""One look per status, shared by the public pages, the portal and the agency's workspace.

A badge is always the status's own words (its choice label) on a tone: colour is never the only signal. Each tone is a
class defined once in static/css/status.css, loaded by the site and the admin; every pair of text and background
colours has a contrast of at least 7:1. The contexts say which tone each of their statuses takes
(registry/qualification/statuses.py, registry/certificates/statuses.py).
"""

from django.utils.html import format_html


def status_badge(status, choices, tones) -> str:
    try:
        known = choices(status)
    except ValueError:
        # A status the code no longer knows (an old row): show it as it is rather than break the page.
        return format_html('<span class="tcr-status tcr-status-neutral">{}</span>', status or "—")
    return format_html('<span class="tcr-status tcr-status-{}">{}</span>', tones[known], known.label)
