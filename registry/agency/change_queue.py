"""The workspace home's queues of change notices: what waits on the person asking (change_selectors.QUEUES)."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy

from registry.certificates import change_selectors
from registry.qualification.workflow import REVIEWERS

# The workspace home's queues of change notices (change_selectors.QUEUES), in their words.
QUEUE_LABELS = {
    "to_take": gettext_lazy("Change notices to take"),
    "mine": gettext_lazy("Change notices I decide"),
    "to_confirm": gettext_lazy("Acceptances to confirm"),
}


def home_queue(actor) -> list[dict] | None:
    """The home's rows of change notices waiting (label, count, the oldest filing, link): for reviewers the ones to
    take and their own, for anyone at the agency the acceptances to confirm; None outside the agency. One query."""
    keys = [key for key in QUEUE_LABELS if key == "to_confirm" or actor.in_group(REVIEWERS)]
    if not actor.groups:
        return None
    waiting = change_selectors.waiting(actor.user_id)
    changelist = reverse("admin:registry_changenotice_changelist")
    return [
        {"key": key, "label": QUEUE_LABELS[key], "count": waiting[key][0], "since": waiting[key][1],
         "url": f"{changelist}?{urlencode({'queue': key})}"}
        for key in keys
    ]  # fmt: skip
