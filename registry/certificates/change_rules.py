"""The rules of a change notice, as pure functions: the 19.6.f clock and who may move a notice at each step. Services,
the portal, the workspace and the e-mails ask these.

(Beside certificates.rules rather than in it: the notices' rules are read together, and each one is here once.)
"""

import datetime

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _

from registry.certificates import records
from registry.certificates.choices import ChangeKind, ChangeStatus, ChangeType
from registry.qualification.workflow import AGENCY_GROUPS, REVIEWERS

# Rule 19.6.f: a change in ownership, control or location touching 19.6 is notified within one month.
NOTIFY_WITHIN = relativedelta(months=1)

# What a notice may propose: a service's part of the record, or the organisation's.
SERVICE_PARTS = ("service", "sites", "third_parties")
PROVIDER_PARTS = ("provider", "shareholders")

# The agency's moves: the status each leaves from, and where it goes.
MOVES = {
    "take": ((ChangeStatus.FILED,), ChangeStatus.FILED),
    "accept": ((ChangeStatus.FILED,), ChangeStatus.ACCEPTED),  # or ACCEPTANCE_PROPOSED when transformative
    "confirm": ((ChangeStatus.ACCEPTANCE_PROPOSED,), ChangeStatus.ACCEPTED),
    "reevaluate": ((ChangeStatus.FILED,), ChangeStatus.REEVALUATION),
    # From a re-evaluation too, once its dossier ended without a qualification (rejected or withdrawn).
    "refuse": (
        (ChangeStatus.FILED, ChangeStatus.ACCEPTANCE_PROPOSED, ChangeStatus.REEVALUATION),
        ChangeStatus.REFUSED,
    ),
}
# The dossier statuses that end a re-evaluation without a qualification.
REEVALUATION_FAILED = ("rejected", "withdrawn")
WITHDRAWABLE = (ChangeStatus.DRAFT, ChangeStatus.FILED, ChangeStatus.ACCEPTANCE_PROPOSED)


def parts_of(service_id) -> tuple[str, ...]:
    """The parts of the record a notice proposes: its service's, or (no service) the organisation's."""
    return SERVICE_PARTS if service_id else PROVIDER_PARTS


def is_late(kind: str, effective_on: datetime.date, filed_on: datetime.date) -> bool:
    """A 19.6.f notice (ownership or control) filed more than one month after the change took effect."""
    return kind == ChangeKind.OWNERSHIP and filed_on > effective_on + NOTIFY_WITHIN


def needs_second_person(change_type: str) -> bool:
    """A transformative change is accepted by two people of the agency: one proposes, another confirms."""
    return change_type == ChangeType.TRANSFORMATIVE


def is_agency(actor) -> bool:
    return any(actor.in_group(group) for group in AGENCY_GROUPS)


def move_refusal(actor, notice, move: str) -> str | None:
    """Why `actor` may not make `move` on `notice` now; None when they may. `notice` needs status, reviewer_id,
    acceptance_proposed_by_id and, in re-evaluation, its reevaluation dossier's status."""
    sources, _target = MOVES[move]
    if notice.status not in sources:
        return _("This change notice is %(status)s: this step is not open.") % {
            "status": ChangeStatus(notice.status).label
        }
    if move == "take":
        if not actor.in_group(REVIEWERS):
            return _("Only a reviewer takes a change notice.")
        if notice.reviewer_id is not None:
            return _("This change notice is already taken.")
        return None
    if move == "confirm":
        if not is_agency(actor):
            return _("Only the agency confirms an acceptance.")
        if notice.acceptance_proposed_by_id == actor.user_id:
            return _(
                "A transformative change needs a second person: you proposed this acceptance, someone else confirms it."
            )
        return None
    reevaluating = move == "refuse" and notice.status == ChangeStatus.REEVALUATION
    if reevaluating and notice.reevaluation.status not in REEVALUATION_FAILED:
        return _("The re-evaluation dossier is under way: the notice is decided when it ends.")
    if notice.reviewer_id is None:
        return _("Take the change notice first.")
    if notice.reviewer_id != actor.user_id:
        return _("Only the reviewer who took this change notice decides on it.")
    return None


def may_take(actor, notice) -> bool:
    return move_refusal(actor, notice, "take") is None


def difference(current: dict, proposed: dict) -> list[dict]:
    """What a notice changes, part by part: {"part", "changed": [(field, before, after)], "removed": [row],
    "added": [row]}; parts without a change are left out. Rows are compared whole (a changed row is one removed and
    one added), as the record keeps them."""
    current, proposed = records.upgraded(current), records.upgraded(proposed)  # older ones lack later fields
    parts = []
    for part, after in proposed.items():
        before = current.get(part)
        if before == after:
            continue
        if isinstance(after, dict):
            changed = [(name, (before or {}).get(name), value) for name, value in after.items()]
            parts.append({"part": part, "changed": [c for c in changed if c[1] != c[2]], "removed": [], "added": []})
        else:
            before = before or []
            removed = [row for row in before if row not in after]
            added = [row for row in after if row not in before]
            parts.append({"part": part, "changed": [], "removed": removed, "added": added})
    return parts


def merged_record(notice) -> dict:
    """The record the notice would make: the certified parts it does not change, with the parts it proposes."""
    return {**notice.current, **notice.proposed}
