"""The evaluation centres' rules, as pure functions: nothing here touches the database.

`actor` is a registry.qualification.workflow.Actor; `evaluator` an Evaluator (with its centre) or None.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registry.providers.rules import WRITERS
from registry.qualification.choices import CLOSED_DOSSIER_STATUSES
from registry.qualification.choices import DossierStatus as S
from registry.qualification.workflow import REVIEWERS

# A centre sees a dossier once the agency admitted it for evaluation with that centre, and keeps seeing it after
# (the decision, and for a qualified one its surveillance): the states a dossier reaches from "evaluation" on.
CENTRE_VISIBLE_STATUSES = (S.EVALUATION, S.DECISION, S.QUALIFIED, S.REJECTED, S.WITHDRAWN)
# The states in which a centre holds a dossier: admitted, not yet closed.
HELD_STATUSES = tuple(s for s in CENTRE_VISIBLE_STATUSES if s not in CLOSED_DOSSIER_STATUSES)


def centre_may_take_new_work(centre) -> bool:
    """May the agency give this centre new work (a dossier to evaluate, a surveillance audit)? Only while its
    approval is in force. A centre whose approval lapsed keeps what it holds, read-only, and the agency sees it."""
    return centre is not None and centre.active


def approval_lapsed(evaluator) -> bool:
    """Is the evaluator's standing lapsed (their own account turned off, or their centre's approval)? They keep
    reading what their centre holds; a banner says why nothing new comes."""
    return not evaluator.active or not centre_may_take_new_work(evaluator.centre)


def acceptance_refusal(*, actor, is_staff: bool, evaluator, invitation_email: str, email: str) -> str:
    """Why this person may not accept an evaluator invitation; "" when they may.

    Independence: an evaluator judges a provider's service for the agency, so nobody of the agency (staff, reviewers,
    the committee, administrators) and nobody of a provider evaluates; and a person evaluates for one centre.
    """
    if email.lower() != invitation_email.lower():
        return _("This invitation was sent to %(email)s; sign in with that address to accept it.") % {
            "email": invitation_email
        }
    if is_staff or actor.groups:
        return _(
            "The agency's staff cannot evaluate for a centre: evaluation centres are independent of the agency. "
            "Accept with an account that is not the agency's."
        )
    if actor.provider_roles:
        return _(
            "Members of a provider cannot evaluate for a centre: evaluation centres are independent of the "
            "providers they evaluate. Accept with an account of your centre."
        )
    if evaluator is not None:
        return _("Your account already evaluates for %(centre)s.") % {"centre": evaluator.centre.name}
    return ""


# --- The evaluation contract (registry.evaluation.contracts). ---


def contract_file_refusal(*, actor, dossier, live_contract, centre=None) -> str:
    """Why this person may not file an evaluation contract on the dossier now; "" when they may.

    The provider chooses and pays its centre: an owner or editor files the signed contract once the agency admitted
    the dossier. A contract still waiting (for the centre or the agency) is replaced by the new one; a validated one
    stands: changing centre then is a matter for the agency, in the dialogue."""
    if actor.provider_role(dossier.service.provider_id) not in WRITERS:
        return _("Only an owner or editor of the provider files the evaluation contract.")
    if dossier.status != S.EVALUATION:
        return _("The evaluation contract is filed once the agency has admitted the dossier for evaluation.")
    if live_contract is not None and live_contract.state == live_contract.State.VALIDATED:
        return _(
            "The agency validated the contract with %(centre)s. To change centre, write to the agency in the dialogue."
        ) % {"centre": live_contract.centre.name}
    if centre is not None and not centre_may_take_new_work(centre):
        return _("This centre's approval is not in force: choose an approved evaluation centre.")
    return ""


def contract_answer_refusal(*, evaluator, contract) -> str:
    """Why this person may not confirm or decline the contract for the centre; "" when they may."""
    if evaluator is None or evaluator.centre_id != contract.centre_id:
        return _("Only an evaluator of %(centre)s confirms or declines this contract.") % {
            "centre": contract.centre.name
        }
    if approval_lapsed(evaluator):
        return _("Your access or your centre's approval is not in force: the centre cannot take this work.")
    if contract.state != contract.State.FILED:
        return _("This contract is no longer waiting for the centre's answer.")
    return ""


def contract_decision_refusal(*, actor, dossier, contract, evaluates_for_centre: bool, validate: bool) -> str:
    """Why this person may not validate (or refuse) the contract for the agency; "" when they may.

    The instructing reviewer decides, never someone who evaluates for the contract's centre (four eyes extended). A
    contract is validated once the centre confirmed it; it may be refused before or after the centre's answer."""
    if not actor.in_group(REVIEWERS) or dossier.instructing_reviewer_id != actor.user_id:
        return _("Only the instructing reviewer of this dossier validates or refuses its evaluation contract.")
    if evaluates_for_centre:
        return _(
            "You evaluate for this contract's centre: a person of the agency who is independent of the centre "
            "decides on it."
        )
    if dossier.status != S.EVALUATION:
        return _("The evaluation contract is decided while the dossier is in evaluation.")
    if validate and contract.state != contract.State.CONFIRMED:
        if contract.state == contract.State.FILED:
            return _("The centre has not confirmed this contract yet.")
        return _("This contract is not waiting for the agency's validation.")
    if not validate and contract.state not in (contract.State.FILED, contract.State.CONFIRMED):
        return _("This contract is not waiting for a decision.")
    return ""


# --- The evaluation grid and the technical report (registry.evaluation.grid). ---

# Verdicts that say what the reviewer's finding says: an observation is a remark on a conform requirement.
VERDICT_AS_FINDING = {"conform": "conform", "minor": "minor", "major": "major", "observation": "conform"}
# Verdicts that must say why: a non-conformity or an observation is nothing without its note.
VERDICTS_WITH_A_NOTE = ("minor", "major", "observation")


def grid_refusal(
    *, evaluator, dossier, contract_validated: bool, plan_validated: bool, reported_this_round: bool
) -> str:
    """Why this evaluator may not record verdicts on the dossier now; "" when they may.

    The grid is open to the dossier's centre while the dossier is in evaluation under a validated contract and a
    validated plan, until the centre submits its report; the committee sending the dossier back reopens it (a report
    counts for the round in which it was submitted: `reported_this_round`)."""
    if evaluator is None or evaluator.centre_id != dossier.evaluation_center_id:
        return _("Only the evaluators of the dossier's evaluation centre record its verdicts.")
    if approval_lapsed(evaluator):
        return _("Your access or your centre's approval has lapsed: you can read the dossier but not record verdicts.")
    if dossier.status != S.EVALUATION:
        return _("Verdicts are recorded while the dossier is in evaluation.")
    if not contract_validated:
        return _("The agency has not validated the evaluation contract yet.")
    if not plan_validated:
        return _("The agency has not validated your evaluation plan yet: the grid opens once it has.")
    if reported_this_round:
        return _(
            "Your centre submitted its technical report: the grid is closed unless the committee sends the dossier "
            "back to evaluation."
        )
    return ""


def report_submit_refusal(
    *,
    evaluator,
    dossier,
    contract_validated: bool,
    plan_validated: bool,
    reported_this_round: bool,
    missing_refs=(),
) -> str:
    """Why this evaluator may not submit the technical report now; "" when they may: the grid is theirs to fill
    (grid_refusal) and it is complete (`missing_refs`: the applicable requirements without a verdict)."""
    refusal = grid_refusal(
        evaluator=evaluator,
        dossier=dossier,
        contract_validated=contract_validated,
        plan_validated=plan_validated,
        reported_this_round=reported_this_round,
    )
    if refusal:
        return refusal
    if missing_refs:
        refs = ", ".join(missing_refs[:10]) + (" …" if len(missing_refs) > 10 else "")
        return ngettext(
            "The grid is not complete: %(count)d requirement has no verdict (%(refs)s).",
            "The grid is not complete: %(count)d requirements have no verdict (%(refs)s).",
            len(missing_refs),
        ) % {"count": len(missing_refs), "refs": refs}
    return ""


def verdict_refusal(*, value: str, evidence_reviewed: str, note: str, valid_values) -> str:
    """Why this verdict is not one to record; "" when it is."""
    if value not in valid_values:
        return _("Choose a verdict: conform, minor or major non-conformity, or observation.")
    if not evidence_reviewed.strip():
        return _("Say which evidence you reviewed.")
    if value in VERDICTS_WITH_A_NOTE and not note.strip():
        return _("A non-conformity or an observation needs a note saying what you found.")
    return ""


def finding_from_verdict(value: str, note: str = "") -> tuple[str, str]:
    """The reviewer's finding as it starts from the centre's verdict: (finding, note). An observation is conform, its
    remark kept in the note."""
    return VERDICT_AS_FINDING.get(value, ""), note


def finding_differs(verdict_value: str, finding: str) -> bool:
    """Does the reviewer's recorded finding differ from the centre's verdict? Only when both exist; an observation
    counts as conform."""
    if not verdict_value or not finding:
        return False
    return VERDICT_AS_FINDING.get(verdict_value) != finding


# --- The evaluation plan (registry.evaluation.plans). ---


def plan_file_refusal(
    *, evaluator, dossier, contract_validated: bool, latest_state: str, reported_this_round: bool
) -> str:
    """Why this evaluator may not file (a new version of) the dossier's evaluation plan now; "" when they may.

    The dossier's centre files its plan once the agency validated the contract, while the dossier is in evaluation.
    A version waiting for the agency is not replaced (the reviewer would validate what the centre no longer means); a
    validated plan may be revised (it goes back to the agency) until the technical report that followed it is in,
    and again once the committee sent the dossier back (selectors.reported_this_round: a report counts for its round).
    `latest_state` is the latest version's state, "" when there is none."""
    if evaluator is None or evaluator.centre_id != dossier.evaluation_center_id:
        return _("Only the evaluators of the dossier's evaluation centre file its evaluation plan.")
    if approval_lapsed(evaluator):
        return _("Your access or your centre's approval has lapsed: you can read the dossier but not file a plan.")
    if dossier.status != S.EVALUATION:
        return _("The evaluation plan is filed while the dossier is in evaluation.")
    if not contract_validated:
        return _("The agency has not validated the evaluation contract yet: the plan is filed once it has.")
    if latest_state == "filed":
        return _(
            "Your plan is waiting for the agency's validation: file a new version once the agency has validated it "
            "or asked for changes."
        )
    if latest_state == "validated" and reported_this_round:
        return _("Your centre submitted its technical report: the validated plan it followed can no longer change.")
    return ""


def plan_content_refusal(*, scope: str, team: str, starts_on, ends_on, site_count: int, other_locations: str) -> str:
    """Why this plan cannot be filed as it is written; "" when it can."""
    if not scope.strip():
        return _("Say what the evaluation covers (its scope).")
    if not team.strip():
        return _("Name the evaluation team.")
    if starts_on is None or ends_on is None:
        return _("Give the first and last days of the evaluation.")
    if ends_on < starts_on:
        return _("The last day of the evaluation cannot be before its first day.")
    if not site_count and not other_locations.strip():
        return _("Say where the evaluation goes: at least one of the service's sites or another place.")
    return ""


def plan_review_refusal(*, actor, dossier, plan, latest_version: int, evaluates_for_centre: bool) -> str:
    """Why this person may not validate the plan or ask for changes; "" when they may.

    The instructing reviewer reviews the latest version while it waits for the agency, never someone who evaluates
    for the dossier's centre (four eyes extended)."""
    if not actor.in_group(REVIEWERS) or dossier.instructing_reviewer_id != actor.user_id:
        return _("Only the instructing reviewer of this dossier validates its evaluation plan or asks for changes.")
    if evaluates_for_centre:
        return _(
            "You evaluate for this dossier's evaluation centre: a person of the agency who is independent of the "
            "centre reviews its plan."
        )
    if dossier.status != S.EVALUATION:
        return _("The evaluation plan is reviewed while the dossier is in evaluation.")
    if plan.version != latest_version:
        return _("The centre filed a newer version of this plan: review that one.")
    if plan.state != "filed":
        return _("This version of the plan is not waiting for the agency's review.")
    return ""


# --- Surveillance audits filed by the certificate's centre (registry.evaluation.surveillance). ---
#
# `audit` is a SurveillanceAudit with its certificate; `pending` says whether it still waits on its outcome on a live
# certificate (registry.certificates.rules.audit_pending). Once the outcome is recorded nothing changes.


def audit_assignment_refusal(*, centre, reviewer_evaluates_for_centre: bool) -> str:
    """Why the agency may not give this audit to this centre with this instructing reviewer; "" when it may: a centre
    whose approval is in force, and a reviewer independent of it (four eyes extended)."""
    if not centre_may_take_new_work(centre):
        return _("This centre's approval is not in force: choose an approved evaluation centre.")
    if reviewer_evaluates_for_centre:
        return _(
            "This reviewer evaluates for %(centre)s: choose an instructing reviewer independent of the centre that "
            "performs the audit."
        ) % {"centre": centre.name}
    return ""


def _audit_centre_refusal(evaluator, audit, pending: bool, lapsed_sentence) -> str:
    if evaluator is None or audit.evaluation_center_id is None or evaluator.centre_id != audit.evaluation_center_id:
        return _("Only the evaluators of the centre the agency assigned to this audit file its work.")
    if approval_lapsed(evaluator):
        return lapsed_sentence
    if not pending:
        return _("This audit is no longer waiting: its outcome is recorded or the certificate is not in force.")
    return ""


def audit_plan_file_refusal(*, evaluator, audit, pending: bool, latest_state: str, reported: bool) -> str:
    """Why this evaluator may not file (a new version of) the audit's plan now; "" when they may.

    The audit's centre files its plan while the audit waits on its outcome. A version waiting for the instructing
    reviewer is not replaced; a validated plan may be revised (it goes back to the reviewer) until the centre's report
    is in: an audit is never sent back as a dossier is, so the report closes the plan for good."""
    refusal = _audit_centre_refusal(
        evaluator,
        audit,
        pending,
        _("Your access or your centre's approval has lapsed: you can read the audit but not file its plan."),
    )
    if refusal:
        return refusal
    if latest_state == "filed":
        return _(
            "Your plan is waiting for the agency's validation: file a new version once the agency has validated it "
            "or asked for changes."
        )
    if latest_state == "validated" and reported:
        return _("Your centre submitted its report: the validated plan it followed can no longer change.")
    return ""


def audit_plan_review_refusal(*, actor, audit, pending: bool, plan, latest_version: int, evaluates_for_centre) -> str:
    """Why this person may not validate the audit's plan or ask for changes; "" when they may: the audit's instructing
    reviewer, independent of its centre, on the latest version while it waits."""
    if not actor.in_group(REVIEWERS) or audit.reviewer_id is None or audit.reviewer_id != actor.user_id:
        return _("Only the instructing reviewer of this audit validates its plan or asks for changes.")
    if evaluates_for_centre:
        return _(
            "You evaluate for this audit's centre: a person of the agency who is independent of the centre reviews "
            "its plan."
        )
    if not pending:
        return _("This audit is no longer waiting: its outcome is recorded or the certificate is not in force.")
    if plan.version != latest_version:
        return _("The centre filed a newer version of this plan: review that one.")
    if plan.state != "filed":
        return _("This version of the plan is not waiting for the agency's review.")
    return ""


def audit_grid_refusal(*, evaluator, audit, pending: bool, plan_validated: bool) -> str:
    """Why this evaluator may not record verdicts on the audit now; "" when they may: its centre grades the
    requirements its validated plan covers, and may correct them (and submit a new version of its report) until the
    outcome is recorded."""
    refusal = _audit_centre_refusal(
        evaluator,
        audit,
        pending,
        _("Your access or your centre's approval has lapsed: you can read the audit but not record verdicts."),
    )
    if refusal:
        return refusal
    if not plan_validated:
        return _("The agency has not validated your audit plan yet: the grid opens once it has.")
    return ""


def audit_report_refusal(*, evaluator, audit, pending: bool, plan_validated: bool, verdict_count: int) -> str:
    """Why this evaluator may not submit the audit's report now; "" when they may: the grid is theirs to fill
    (audit_grid_refusal) and holds at least one verdict (an audit samples the requirements, it need not grade all)."""
    refusal = audit_grid_refusal(evaluator=evaluator, audit=audit, pending=pending, plan_validated=plan_validated)
    if refusal:
        return refusal
    if not verdict_count:
        return _("Record your verdict on at least one requirement the audit covered before submitting the report.")
    return ""


# --- What waits on whom, as the centre's home says it. ---


def centre_next_step(*, status, contract_state, plan_state, reported: bool) -> tuple[str, bool]:
    """The next step of a dossier's evaluation and whether it waits on the centre: (words, waits_on_centre)."""
    if status != S.EVALUATION:
        return "", False
    if contract_state == "filed":
        return _("Confirm or decline the evaluation contract"), True
    if contract_state == "confirmed":
        return _("The agency validates the contract"), False
    if plan_state is None:
        return _("File the evaluation plan"), True
    if plan_state == "changes_requested":
        return _("File the plan again with the changes"), True
    if plan_state == "filed":
        return _("The agency validates the plan"), False
    if not reported:
        return _("Record the verdicts and submit the technical report"), True
    return _("The agency instructs the report"), False


# What the centre's list says of an audit assigned to it: a key of registry.centre.audit_part.STATES.
AUDIT_WAITS_ON_CENTRE = ("plan", "grade")


def audit_centre_state(*, recorded: bool, pending: bool, plan_state: str, reported: bool) -> str:
    """Where the audit stands for its centre: the plan to file (none, or changes requested), the plan waiting for the
    agency, the requirements to grade, the report submitted, the outcome recorded (or closed without one: the
    certificate is no longer in force)."""
    if recorded:
        return "recorded"
    if not pending:
        return "closed"
    if reported:
        return "reported"
    if plan_state == "validated":
        return "grade"
    if plan_state == "filed":
        return "plan_waiting"
    return "plan"
