"""Named reads of change notices: the checks on a proposed record, and what waits on whom at the agency."""

from django.db.models import Count, Min, Q

from registry.catalogue.selectors import current_scheme
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
