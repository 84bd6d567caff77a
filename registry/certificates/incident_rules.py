"""The rules of an incident's reports, pure functions that the services, the portal's forms and views and the
workspace all ask: who may declare or report, on which certificate, and which times and stages make sense.

An incident has one initial report (its declaration), then any number of updates, then one final report, which gives
the time it ended and closes it: nothing is reported after it."""

from django.utils.translation import gettext as _

from registry.certificates.choices import LIVE_CERTIFICATE_STATUSES, IncidentStage
from registry.providers.rules import is_writer

# Stages a later report may have: the initial one is the declaration itself.
LATER_STAGES = (IncidentStage.ONGOING, IncidentStage.FINAL)


def may_write(actor, provider_id) -> bool:
    """May this person declare incidents of the provider and report on them? Its owners and editors."""
    return is_writer(actor, provider_id)


def is_open(incident) -> bool:
    return incident.stage != IncidentStage.FINAL


def declare_refusal(actor, certificate) -> str:
    """Why this person may not declare an incident on the service of this certificate now; "" when they may."""
    if not may_write(actor, certificate.service.provider_id):
        return _("Only an owner or editor of the provider can declare an incident.")
    if certificate.status not in LIVE_CERTIFICATE_STATUSES:
        return _("An incident is declared on a service that holds an active or suspended certificate.")
    return ""


def report_refusal(actor, incident, stage: str = "") -> str:
    """Why this person may not add a report (of `stage`, when known) to the incident now; "" when they may."""
    if not may_write(actor, incident.provider_id):
        return _("Only an owner or editor of the provider can report on an incident.")
    if not is_open(incident):
        return _("This incident is closed: its final report was filed, nothing is reported after it.")
    if stage and stage not in LATER_STAGES:
        return _("An incident has one initial report, its declaration: later reports are updates or the final one.")
    return ""


def times_refusals(*, now, detected_at, started_at=None, ended_at=None, final=False) -> dict[str, str]:
    """What is wrong with an incident's times, by field ("" fields absent): none in the future, a start no later than
    the detection (an incident is found after it begins), an end no earlier than the start, and an end given with
    the final report and only then."""
    errors = {}
    for name, moment in (("detected_at", detected_at), ("started_at", started_at), ("ended_at", ended_at)):
        if moment is not None and moment > now:
            errors[name] = _("This time is in the future.")
    if started_at is not None and detected_at is not None and started_at > detected_at:
        errors.setdefault("started_at", _("The incident cannot start after it was detected."))
    if ended_at is not None and started_at is not None and ended_at < started_at:
        errors.setdefault("ended_at", _("The end cannot be before the start of the incident."))
    if final and ended_at is None:
        errors.setdefault("ended_at", _("A final report gives the time the incident ended."))
    if not final and ended_at is not None:
        errors.setdefault("ended_at", _("The end time goes with the final report, which closes the incident."))
    return errors
