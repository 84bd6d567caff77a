"""Named reads of change notices: the checks on a proposed record, and what waits on whom at the agency."""

from django.db.models import Count, Min, Q
from django.utils.translation import gettext as _
from django_countries import countries

from registry.catalogue.selectors import current_scheme
from registry.certificates import change_rules
from registry.certificates.choices import ChangeStatus
from registry.certificates.models import ChangeNotice


def change_checks(notice) -> list:
    """The automatic 19.6 / 19.2 checks on the notice's proposed record (qualification.sovereignty's rules), under the
    scheme of a certificate it concerns (the current scheme when none is live any more)."""
    from registry.certificates.changes import live_certificates
    from registry.qualification import sovereignty

    certificate = live_certificates(notice).select_related("scheme").first()
    scheme = certificate.scheme if certificate else current_scheme()
    return sovereignty.evaluate_record(notice.proposed, scheme)


def _value(model, name, value) -> str:
    """A record's value as people read it: a country's name, a choice's label, yes or no."""
    field = model._meta.get_field(name)
    if value in (None, ""):
        return "—"
    if field.get_internal_type() == "CountryField" or name.endswith("_country") or name == "country":
        return str(countries.name(value)) or value
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _row_text(model, row: dict) -> str:
    shown = []
    for name, value in row.items():
        if name == "relies_on":
            if value:
                shown.append(_("relies on %(service)s") % {"service": value})
            continue
        field = model._meta.get_field(name)
        if isinstance(value, bool):
            if value:
                shown.append(str(field.verbose_name))
        elif value not in (None, ""):
            text = _value(model, name, value)
            shown.append(f"{text} %" if name.endswith("_percent") else text)
    return ", ".join(shown)


def readable_difference(notice) -> list[dict]:
    """change_rules.difference() of the notice, with fields by their names and rows in words, for both sides' pages."""
    from registry.providers.models import Provider, Service, Shareholder, Site, ThirdParty

    models = {"service": Service, "provider": Provider, "sites": Site, "third_parties": ThirdParty,
              "shareholders": Shareholder}  # fmt: skip
    parts = change_rules.difference(notice.current, notice.proposed)
    for part in parts:
        model = models[part["part"]]
        part["changed"] = [
            (str(model._meta.get_field(name).verbose_name), _value(model, name, before), _value(model, name, after))
            for name, before, after in part["changed"]
        ]
        part["removed"] = [_row_text(model, row) for row in part["removed"]]
        part["added"] = [_row_text(model, row) for row in part["added"]]
    return parts


# The workspace's queues of change notices: key -> the condition for the person asking (their user id).
QUEUES = {
    "to_take": lambda user_id: Q(status=ChangeStatus.FILED, reviewer__isnull=True),
    "mine": lambda user_id: Q(status=ChangeStatus.FILED, reviewer_id=user_id),
    "to_confirm": lambda user_id: Q(status=ChangeStatus.ACCEPTANCE_PROPOSED) & ~Q(acceptance_proposed_by_id=user_id),
}


def waiting(user_id) -> dict:
    """{queue key: (count, oldest filing)} for this person, in one query."""
    aggregates = {}
    for key, condition in QUEUES.items():
        aggregates[key] = Count("pk", filter=condition(user_id))
        aggregates[f"{key}_since"] = Min("filed_at", filter=condition(user_id))
    row = ChangeNotice.objects.aggregate(**aggregates)
    return {key: (row[key], row[f"{key}_since"]) for key in QUEUES}
