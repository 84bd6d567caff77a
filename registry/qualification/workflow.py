"""The qualification workflow as one table: states, moves, who may make each, and the guards.

Pure Python: nothing here touches the database. Callers describe the person asking as an `Actor` (built from the
database by `registry.accounts.permissions.actor_for`) and, for the final check before a move, the dossier's `facts` (what is
missing, which centre was chosen). Every refusal carries a sentence a person can read.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from registry.certificates.choices import CertificateStatus as C
from registry.providers.rules import OWNER, WRITERS
from registry.qualification.choices import DossierStatus as S

REVIEWERS = "Reviewers"
COMMITTEE = "Qualification committee"
ADMINISTRATORS = "Registry administrators"
AGENCY_GROUPS = (REVIEWERS, COMMITTEE, ADMINISTRATORS)


class Refused(Exception):
    """A move that may not happen now; str(exc) says why, in words for the person who asked."""


@dataclass(frozen=True)
class Actor:
    """Who is asking: their id, their agency groups, and their role in each provider they belong to."""

    user_id: int | None
    groups: frozenset = frozenset()
    provider_roles: dict = field(default_factory=dict)
    name: str = ""

    def in_group(self, group: str) -> bool:
        return group in self.groups

    def provider_role(self, provider_id) -> str | None:
        return self.provider_roles.get(provider_id)


@dataclass(frozen=True)
class Facts:
    """What the guards need to know about a dossier's content, gathered by the services from the database."""

    unanswered: tuple = ()  # refs of applicable requirements without a complete answer
    missing_document_kinds: tuple = ()  # labels of required document kinds not uploaded
    declared: bool = False
    # The evaluation by the approved centre (registry.evaluation): the contract the agency validated, the plan it
    # validated (the latest version), the technical report the centre submitted.
    contract_validated: bool = False
    plan_validated: bool = False
    report_submitted: bool = False
    comment: str = ""
    # The person asking evaluates for the dossier's evaluation centre (the one its evaluation contract names).
    actor_evaluates_for_centre: bool = False


# Who may act: a function of (actor, dossier) returning None when allowed, else the reason.
Rule = Callable[[Actor, object], str | None]


def _provider_roles(*roles: str, who: str) -> Rule:
    def rule(actor: Actor, dossier) -> str | None:
        if actor.provider_role(dossier.service.provider_id) in roles:
            return None
        return who

    return rule


def _instructing_reviewer(actor: Actor, dossier) -> str | None:
    if not actor.in_group(REVIEWERS):
        return _("Only a reviewer of the agency can do this.")
    if dossier.instructing_reviewer_id != actor.user_id:
        return _("Only the instructing reviewer of this dossier can do this.")
    return None


def _any_reviewer(actor: Actor, dossier) -> str | None:
    if not actor.in_group(REVIEWERS):
        return _("Only a reviewer of the agency can take a dossier.")
    return None


# The moves that instruct a dossier, and the agency's steps on its evaluation (registry.evaluation.events): whoever
# made one of them, or wrote a version of its evaluation report, took part in the instruction and never decides on the
# dossier (four eyes), whoever instructs it now.
INSTRUCTION_MOVES = (
    "take",
    "request_changes",
    "admit",
    "report",
    "declare_inadmissible",
    "contract_validate",
    "contract_refuse",
    "plan_validate",
    "plan_changes",
)


def instructors(dossier) -> frozenset:
    """The ids of everyone who took part in instructing the dossier, derived from what happened.

    `dossier.instructor_ids` is read from its history by registry.qualification.selectors.with_instructors (the
    actors of INSTRUCTION_MOVES and the authors of its evaluation reports); the current instructing reviewer is added.
    """
    ids = set(dossier.instructor_ids)
    if dossier.instructing_reviewer_id is not None:
        ids.add(dossier.instructing_reviewer_id)
    return frozenset(ids)


def _decision_maker(actor: Actor, dossier) -> str | None:
    if not actor.in_group(COMMITTEE):
        return _("Only a member of the qualification committee can take the decision.")
    if not hasattr(dossier, "instructor_ids"):
        # Four eyes cannot be judged without the dossier's history: refuse rather than guess.
        return _("The dossier's history could not be read; the decision cannot be taken now.")
    if actor.user_id in instructors(dossier):
        return _(
            "You took part in instructing this dossier (you took it, requested changes, admitted it, sent it to "
            "decision or wrote its evaluation report): a second person takes the decision."
        )
    return None


def _needs_complete_dossier(facts: Facts) -> list[str]:
    problems = []
    if facts.unanswered:
        problems.append(
            ngettext(
                "%(count)d requirement still needs an answer: %(refs)s.",
                "%(count)d requirements still need an answer: %(refs)s.",
                len(facts.unanswered),
            )
            % {"count": len(facts.unanswered), "refs": ", ".join(facts.unanswered[:10])}
            + (" …" if len(facts.unanswered) > 10 else "")
        )
    if facts.missing_document_kinds:
        problems.append(_("Missing documents: %(kinds)s.") % {"kinds": ", ".join(facts.missing_document_kinds)})
    if not facts.declared:
        problems.append(_("The declaration has not been signed."))
    return problems


def _needs_comment(facts: Facts) -> list[str]:
    return [] if facts.comment.strip() else [_("Please give the reason; the provider will read it.")]


def _independent_of_the_centre(facts: Facts) -> list[str]:
    """Four eyes extended to the evaluation centre: whoever evaluates for the dossier's centre never instructs nor
    decides it (every move the agency makes)."""
    if not facts.actor_evaluates_for_centre:
        return []
    return [
        _(
            "You evaluate for this dossier's evaluation centre: a person of the agency who is independent of the "
            "centre instructs and decides it."
        )
    ]


def _guards(move) -> tuple:
    return ((_independent_of_the_centre,) if move.agency else ()) + tuple(move.guards)


def _needs_evaluation(facts: Facts) -> list[str]:
    """The centre's evaluation, complete: the dossier goes to the committee on the centre's report, under a contract
    and a plan the agency validated."""
    problems = []
    if not facts.contract_validated:
        problems.append(_("The evaluation contract has not been validated."))
    if not facts.plan_validated:
        problems.append(_("The centre's evaluation plan has not been validated."))
    if not facts.report_submitted:
        problems.append(_("The centre has not submitted its technical report."))
    return problems


@dataclass(frozen=True)
class Move:
    action: str
    label: str
    sources: tuple
    target: str
    who: Rule
    guards: tuple = ()
    agency: bool = True  # made from the admin (True) or the provider portal (False)
    style: str = "default"  # "danger" for moves that end a dossier


PROVIDER_EDITORS = _provider_roles(*WRITERS, who=gettext_lazy("Only an owner or editor of the provider can do this."))
PROVIDER_OWNERS = _provider_roles(OWNER, who=gettext_lazy("Only an owner of the provider can withdraw a dossier."))

# Withdrawal is possible until the dossier reaches the committee: a provider cannot pull out to avoid a decision.
WITHDRAWABLE = (S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.CHANGES_REQUESTED, S.EVALUATION)

MOVES = {
    m.action: m
    for m in (
        Move("submit", gettext_lazy("Submit"), (S.DRAFT,), S.SUBMITTED, PROVIDER_EDITORS, (_needs_complete_dossier,), False),
        Move("take", gettext_lazy("Take this dossier"), (S.SUBMITTED,), S.IN_REVIEW, _any_reviewer),
        Move(
            "request_changes",
            gettext_lazy("Request changes"),
            (S.IN_REVIEW,),
            S.CHANGES_REQUESTED,
            _instructing_reviewer,
            (_needs_comment,),
        ),
        # A resubmitted dossier goes straight back to the reviewer who asked for the changes: nobody takes it again.
        Move(
            "resubmit",
            gettext_lazy("Resubmit"),
            (S.CHANGES_REQUESTED,),
            S.IN_REVIEW,
            PROVIDER_EDITORS,
            (_needs_complete_dossier,),
            False,
        ),
        # Admitted, the provider names its approved centre in an evaluation contract (registry.evaluation.contracts).
        Move("admit", gettext_lazy("Admit for evaluation"), (S.IN_REVIEW,), S.EVALUATION, _instructing_reviewer),
        Move("report", gettext_lazy("Send to decision"), (S.EVALUATION,), S.DECISION, _instructing_reviewer, (_needs_evaluation,)),
        Move("qualify", gettext_lazy("Qualify"), (S.DECISION,), S.QUALIFIED, _decision_maker),
        Move("reject", gettext_lazy("Refuse qualification"), (S.DECISION,), S.REJECTED, _decision_maker, (_needs_comment,), style="danger"),
        Move("send_back", gettext_lazy("Send back to evaluation"), (S.DECISION,), S.EVALUATION, _decision_maker, (_needs_comment,)),
        Move(
            "declare_inadmissible",
            gettext_lazy("Declare inadmissible"),
            (S.IN_REVIEW,),
            S.REJECTED,
            _instructing_reviewer,
            (_needs_comment,),
            style="danger",
        ),
        Move("withdraw", gettext_lazy("Withdraw"), WITHDRAWABLE, S.WITHDRAWN, PROVIDER_OWNERS, agency=False, style="danger"),
    )
}  # fmt: skip


def _status_label(status) -> str:
    return str(S(status).label)


def check(actor: Actor, dossier, action: str, facts: Facts | None = None) -> None:
    """Raise Refused with the reason unless `actor` may make `action` on `dossier` now.

    Without facts only the status and the person are checked (enough to show a button); with facts the guards run too.
    """
    move = MOVES.get(action)
    if move is None:
        raise Refused(_("Unknown action."))
    if dossier.status not in move.sources:
        if dossier.status == move.target:
            raise Refused(_("This dossier is already %(status)s.") % {"status": _status_label(dossier.status).lower()})
        raise Refused(
            _("“%(action)s” is not possible while the dossier is %(status)s.")
            % {"action": move.label, "status": _status_label(dossier.status).lower()}
        )
    reason = move.who(actor, dossier)
    if reason:
        raise Refused(str(reason))
    if facts is not None:
        problems = [problem for guard in _guards(move) for problem in guard(facts)]
        if problems:
            raise Refused(" ".join(problems))


# What the move's own page asks for (the comment): not missing before the page is filled in.
ASKED_ON_THE_MOVES_PAGE = (_needs_comment,)


def missing_before(action: str, facts: Facts) -> list[str]:
    """What the dossier lacks for `action`, apart from what its page asks for: shown on the move's page
    before anything is typed (the centre's report still to come), the same words the move would refuse with."""
    move = MOVES.get(action)
    if move is None:
        return []
    return [problem for guard in _guards(move) if guard not in ASKED_ON_THE_MOVES_PAGE for problem in guard(facts)]


def person_refusal(actor: Actor, dossier, action: str) -> str:
    """Why this person is not one who makes `action` on this dossier, whatever its status ("" when they are).

    A face answers such a refusal with 403 and the reason, where a refusal for the moment is shown on the page.
    """
    move = MOVES.get(action)
    if move is None:
        return _("Unknown action.")
    return str(move.who(actor, dossier) or "")


def can(actor: Actor, dossier, action: str, facts: Facts | None = None) -> tuple[bool, str]:
    """(allowed, reason): the reason is empty when allowed."""
    try:
        check(actor, dossier, action, facts)
    except Refused as exc:
        return False, str(exc)
    return True, ""


def available_actions(actor: Actor, dossier, *, agency: bool | None = None) -> list[Move]:
    """The moves this person may start on this dossier now, in table order (drives every button)."""
    return [
        move
        for move in MOVES.values()
        if (agency is None or move.agency == agency) and can(actor, dossier, move.action)[0]
    ]


def target_of(action: str) -> str:
    return MOVES[action].target


# Certificates: active ⇄ suspended, active/suspended → withdrawn, active → expired (nightly), active → superseded.
@dataclass(frozen=True)
class CertificateMove:
    action: str
    label: str
    sources: tuple
    target: str
    needs_reason: bool
    by_agency: bool = True  # False: the system (nightly expiry, renewal)


CERTIFICATE_MOVES = {
    m.action: m
    for m in (
        CertificateMove("suspend", gettext_lazy("Suspend"), (C.ACTIVE,), C.SUSPENDED, True),
        CertificateMove("reinstate", gettext_lazy("Reinstate"), (C.SUSPENDED,), C.ACTIVE, True),
        CertificateMove("withdraw", gettext_lazy("Withdraw"), (C.ACTIVE, C.SUSPENDED), C.WITHDRAWN, True),
        # A suspended certificate expires at its date like an active one: a suspension never extends a validity.
        CertificateMove("expire", gettext_lazy("Expire"), (C.ACTIVE, C.SUSPENDED), C.EXPIRED, False, by_agency=False),
        CertificateMove("supersede", gettext_lazy("Supersede"), (C.ACTIVE, C.SUSPENDED), C.SUPERSEDED, False, by_agency=False),
    )
}  # fmt: skip

# Suspending, reinstating and withdrawing a certificate are decisions of the committee or of the registry's administrators.
CERTIFICATE_GROUPS = (COMMITTEE, ADMINISTRATORS)


def check_certificate(actor: Actor | None, certificate, action: str, reason: str = "", *, check_reason=True) -> None:
    """Raise Refused unless the certificate move may happen. `actor` None means the system itself (expiry, renewal)."""
    move = CERTIFICATE_MOVES.get(action)
    if move is None:
        raise Refused(_("Unknown action."))
    if certificate.status not in move.sources:
        raise Refused(
            _("“%(action)s” is not possible while the certificate is %(status)s.")
            % {"action": move.label, "status": str(C(certificate.status).label).lower()}
        )
    if move.by_agency:
        if actor is None or not any(actor.in_group(g) for g in CERTIFICATE_GROUPS):
            raise Refused(_("Only the qualification committee or a registry administrator can change a certificate."))
    elif actor is not None:
        raise Refused(_("This change is made by the registry itself, not by hand."))
    if action == "reinstate" and certificate.expires_on < timezone.localdate():
        raise Refused(
            _("This certificate expired on %(date)s: it cannot be reinstated; a new qualification is needed.")
            % {"date": date_format(certificate.expires_on, "DATE_FORMAT")}
        )
    if check_reason and move.needs_reason and not reason.strip():
        raise Refused(_("Please give the reason; it is published with the certificate's history."))


def available_certificate_actions(actor: Actor, certificate) -> list[CertificateMove]:
    result = []
    for move in CERTIFICATE_MOVES.values():
        try:
            check_certificate(actor, certificate, move.action, check_reason=False)
        except Refused:
            continue
        result.append(move)
    return result
