"""What the workspace's home shows a person: their queues with counts and the oldest wait, and the certificates that
wait on the agency. The reads are the contexts' selectors; this module only puts them together for the page."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.agency.change_queue import home_queue
from registry.certificates.incident_selectors import open_incidents
from registry.certificates.selectors import needing_action
from registry.qualification.selectors import queue_sizes, queues_for
from registry.qualification.workflow import CERTIFICATE_GROUPS, REVIEWERS

# The certificate list's "needs action" filter (registry/agency/certificates.py), in its words.
CERTIFICATE_QUEUES = {
    "review": _("Suspension review due"),
    "expiring": _("Expiring within 90 days"),
    "proposed": _("Suspension proposed"),
    "surveillance": _("Surveillance overdue past grace"),
    "conditions": _("Conditions overdue"),
}
# The certificate queues reviewers see too: they instruct surveillance audits and close conditions.
REVIEWERS_CERTIFICATE_QUEUES = ("surveillance", "conditions")


def queue_url(key: str) -> str:
    """The dossier list, filtered on one queue (registry.agency.dossier_list.QueueFilter)."""
    return reverse("admin:registry_dossier_changelist") + "?" + urlencode({"queue": key})


def home_context(actor) -> dict:
    """The home's queues (key, label, count, oldest wait in days, link) and, for those who act on certificates, the
    certificates needing action, and the open incidents. Three queries at most, whatever the number of dossiers,
    certificates and incidents."""
    now = timezone.now()
    today = timezone.localdate(now)
    queues = [
        {
            "key": size.queue.key,
            "label": size.queue.label,
            "count": size.count,
            "oldest_days": (now - size.oldest).days if size.oldest else None,
            "oldest_at": size.oldest,
            "url": queue_url(size.queue.key),
        }
        for size in queue_sizes(actor, queues_for(actor, on_home=True), today)
    ]
    certificates = None
    shown = [
        key
        for key in CERTIFICATE_QUEUES
        if any(actor.in_group(group) for group in CERTIFICATE_GROUPS)
        or (key in REVIEWERS_CERTIFICATE_QUEUES and actor.in_group(REVIEWERS))
    ]
    if shown:
        waiting = needing_action(today)
        changelist = reverse("admin:registry_certificate_changelist")
        certificates = [
            {
                "key": key,
                "label": label,
                "count": waiting[key][0],
                "date": waiting[key][1],
                "url": changelist + "?" + urlencode({"action": key}),
            }
            for key, label in CERTIFICATE_QUEUES.items()
            if key in shown
        ]
    return {
        "queues": queues,
        "certificates": certificates,
        "incidents": incidents_queue(actor),
        "change_notices": home_queue(actor),
    }


def incidents_queue(actor) -> dict | None:
    """The open incidents for anyone at the agency (count, how many with sovereignty affected, the earliest declared,
    links to the incident list filtered on each); None outside the agency's groups."""
    if not actor.groups:
        return None
    waiting = open_incidents()
    changelist = reverse("admin:registry_incident_changelist")
    return {
        **waiting,
        "url": changelist + "?" + urlencode({"open": "yes"}),
        "sovereignty_url": changelist + "?" + urlencode({"open": "yes", "sovereignty_affected__exact": "1"}),
    }
