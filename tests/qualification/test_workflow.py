"""The workflow table on its own: no database (pytest-django refuses any query here), unsaved models and Actor objects."""

import datetime
from dataclasses import replace

import pytest

from registry.certificates.choices import CertificateStatus
from registry.certificates.models import Certificate
from registry.providers.models import Service
from registry.qualification import workflow
from registry.qualification.choices import DossierStatus
from registry.qualification.models import Dossier
from registry.qualification.workflow import ADMINISTRATORS, COMMITTEE, REVIEWERS, Actor, Facts, Refused

S = DossierStatus
C = CertificateStatus

PROVIDER_ID, OTHER_PROVIDER_ID = 1, 2
INSTRUCTOR_ID = 10  # the instructing reviewer of every dossier built here

ACTORS = {
    "anonymous": Actor(user_id=None),
    "owner": Actor(user_id=1, provider_roles={PROVIDER_ID: "owner"}),
    "editor": Actor(user_id=2, provider_roles={PROVIDER_ID: "editor"}),
    "viewer": Actor(user_id=3, provider_roles={PROVIDER_ID: "viewer"}),
    "other_owner": Actor(user_id=4, provider_roles={OTHER_PROVIDER_ID: "owner"}),
    "instructing_reviewer": Actor(user_id=INSTRUCTOR_ID, groups=frozenset({REVIEWERS})),
    "other_reviewer": Actor(user_id=11, groups=frozenset({REVIEWERS})),
    "committee": Actor(user_id=20, groups=frozenset({COMMITTEE})),
    # In both groups and the instructing reviewer of the dossier: may instruct it, never decide on it.
    "committee_who_instructed": Actor(user_id=INSTRUCTOR_ID, groups=frozenset({REVIEWERS, COMMITTEE})),
    "administrator": Actor(user_id=40, groups=frozenset({ADMINISTRATORS})),
}

PROVIDER_MOVES = {"submit", "resubmit"}
INSTRUCTING_MOVES = {"request_changes", "admit", "report", "declare_inadmissible"}
DECISION_MOVES = {"qualify", "reject", "send_back"}

# Who may make each move, when the dossier is in one of the move's source states.
ALLOWED = {
    "submit": {"owner", "editor"},
    "resubmit": {"owner", "editor"},
    "take": {"instructing_reviewer", "other_reviewer", "committee_who_instructed"},
    "request_changes": {"instructing_reviewer", "committee_who_instructed"},
    "admit": {"instructing_reviewer", "committee_who_instructed"},
    "report": {"instructing_reviewer", "committee_who_instructed"},
    "declare_inadmissible": {"instructing_reviewer", "committee_who_instructed"},
    "qualify": {"committee"},
    "reject": {"committee"},
    "send_back": {"committee"},
    "withdraw": {"owner"},
}

SOURCES = {
    "submit": [S.DRAFT],
    "resubmit": [S.CHANGES_REQUESTED],
    "take": [S.SUBMITTED],
    "request_changes": [S.IN_REVIEW],
    "admit": [S.IN_REVIEW],
    "report": [S.EVALUATION],
    "declare_inadmissible": [S.IN_REVIEW],
    "qualify": [S.DECISION],
    "reject": [S.DECISION],
    "send_back": [S.DECISION],
    "withdraw": [S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.CHANGES_REQUESTED, S.EVALUATION],
}

TARGETS = {
    "submit": S.SUBMITTED,
    "resubmit": S.IN_REVIEW,
    "take": S.IN_REVIEW,
    "request_changes": S.CHANGES_REQUESTED,
    "admit": S.EVALUATION,
    "report": S.DECISION,
    "declare_inadmissible": S.REJECTED,
    "qualify": S.QUALIFIED,
    "reject": S.REJECTED,
    "send_back": S.EVALUATION,
    "withdraw": S.WITHDRAWN,
}


def make_dossier(status, *, instructing_reviewer_id=INSTRUCTOR_ID, instructor_ids=frozenset()):
    dossier = Dossier(
        status=status, instructing_reviewer_id=instructing_reviewer_id, service=Service(provider_id=PROVIDER_ID)
    )
    dossier.instructor_ids = instructor_ids  # what registry.qualification.selectors.with_instructors reads
    return dossier


def expected_refusal_words(action, role) -> str:
    """The words a refused person must read: they say who may do it."""
    if action in PROVIDER_MOVES:
        return "owner or editor"
    if action == "withdraw":
        return "Only an owner of the provider"
    if action == "take":
        return "Only a reviewer of the agency"
    if action in INSTRUCTING_MOVES:
        return "instructing reviewer" if role == "other_reviewer" else "Only a reviewer of the agency"
    if action in DECISION_MOVES:
        if role == "committee_who_instructed":
            return "You took part in instructing this dossier"
        return "qualification committee"
    raise AssertionError(action)


MATRIX = [(action, status, role) for action, statuses in SOURCES.items() for status in statuses for role in ACTORS]


def test_the_table_covers_every_move_and_its_sources():
    # Guards the matrix below: a move added to the table without a row here would go untested.
    assert set(workflow.MOVES) == set(ALLOWED) == set(SOURCES)
    for action, move in workflow.MOVES.items():
        assert set(move.sources) == set(SOURCES[action]), action
        assert move.target == TARGETS[action] == workflow.target_of(action)


@pytest.mark.parametrize(("action", "status", "role"), MATRIX, ids=[f"{a}-{s}-{r}" for a, s, r in MATRIX])
def test_who_may_make_each_move(action, status, role):
    dossier = make_dossier(status)
    allowed, reason = workflow.can(ACTORS[role], dossier, action)
    if role in ALLOWED[action]:
        assert (allowed, reason) == (True, "")
    else:
        assert not allowed
        assert expected_refusal_words(action, role) in reason


@pytest.mark.parametrize("action", sorted(workflow.MOVES))
def test_it_refuses_every_move_from_a_state_it_does_not_start_from(action):
    # The person is one who may make the move; only the state is wrong.
    role = sorted(ALLOWED[action])[0]
    for status in set(S.values) - set(SOURCES[action]):
        with pytest.raises(Refused) as exc:
            workflow.check(ACTORS[role], make_dossier(status), action)
        label = str(S(status).label).lower()
        if status == TARGETS[action]:
            assert str(exc.value) == f"This dossier is already {label}."
        else:
            assert f"is not possible while the dossier is {label}" in str(exc.value)


def test_it_refuses_a_decision_by_the_instructing_reviewer():
    dossier = make_dossier(S.DECISION)
    for action in DECISION_MOVES:
        with pytest.raises(Refused, match="You took part in instructing this dossier"):
            workflow.check(ACTORS["committee_who_instructed"], dossier, action, Facts(comment="Reasons."))


def test_a_committee_member_may_decide_on_a_dossier_someone_else_instructed():
    dossier = make_dossier(S.DECISION, instructing_reviewer_id=11)
    assert workflow.can(ACTORS["committee_who_instructed"], dossier, "qualify") == (True, "")


def test_it_refuses_a_reviewer_on_a_dossier_without_an_instructing_reviewer():
    dossier = make_dossier(S.IN_REVIEW, instructing_reviewer_id=None)
    allowed, reason = workflow.can(ACTORS["other_reviewer"], dossier, "admit")
    assert not allowed
    assert "instructing reviewer" in reason


def test_it_refuses_an_unknown_action():
    with pytest.raises(Refused, match="Unknown action"):
        workflow.check(ACTORS["owner"], make_dossier(S.DRAFT), "publish")


def test_a_person_refused_hears_about_the_person_not_the_missing_content():
    # A viewer asking to submit an incomplete dossier: the answer is "you may not", not the list of gaps.
    allowed, reason = workflow.can(ACTORS["viewer"], make_dossier(S.DRAFT), "submit", Facts())
    assert not allowed
    assert "owner or editor" in reason
    assert "declaration" not in reason


# Guards.

COMPLETE = Facts(declared=True)


@pytest.mark.parametrize("action", ["submit", "resubmit"])
def test_it_refuses_submission_with_unanswered_requirements_and_names_them(action):
    dossier = make_dossier(SOURCES[action][0])
    facts = Facts(unanswered=("19.2", "19.6"), declared=True)
    with pytest.raises(Refused) as exc:
        workflow.check(ACTORS["editor"], dossier, action, facts)
    assert "2 requirements still need an answer: 19.2, 19.6." in str(exc.value)
    assert "declaration" not in str(exc.value)


def test_it_shortens_a_long_list_of_unanswered_requirements():
    refs = tuple(f"19.{i}" for i in range(1, 13))
    with pytest.raises(Refused) as exc:
        workflow.check(ACTORS["editor"], make_dossier(S.DRAFT), "submit", Facts(unanswered=refs, declared=True))
    message = str(exc.value)
    assert "12 requirements" in message
    assert "19.10" in message
    assert "19.11" not in message
    assert message.endswith("…")


@pytest.mark.parametrize("action", ["submit", "resubmit"])
def test_it_refuses_submission_with_missing_documents_and_names_them(action):
    facts = Facts(missing_document_kinds=("Risk analysis", "Information security policy"), declared=True)
    with pytest.raises(Refused, match="Missing documents: Risk analysis, Information security policy."):
        workflow.check(ACTORS["owner"], make_dossier(SOURCES[action][0]), action, facts)


@pytest.mark.parametrize("action", ["submit", "resubmit"])
def test_it_refuses_submission_without_the_declaration(action):
    with pytest.raises(Refused, match="declaration has not been signed"):
        workflow.check(ACTORS["editor"], make_dossier(SOURCES[action][0]), action, Facts())


def test_it_lists_every_problem_of_an_incomplete_dossier_at_once():
    facts = Facts(unanswered=("19.2",), missing_document_kinds=("Risk analysis",))
    with pytest.raises(Refused) as exc:
        workflow.check(ACTORS["editor"], make_dossier(S.DRAFT), "submit", facts)
    message = str(exc.value)
    assert "19.2" in message
    assert "Risk analysis" in message
    assert "declaration" in message


@pytest.mark.parametrize("action", ["submit", "resubmit"])
def test_a_complete_dossier_may_be_submitted(action):
    assert workflow.can(ACTORS["editor"], make_dossier(SOURCES[action][0]), action, COMPLETE) == (True, "")


def test_admission_needs_no_centre_the_provider_names_it_in_its_contract():
    dossier = make_dossier(S.IN_REVIEW)
    assert workflow.can(ACTORS["instructing_reviewer"], dossier, "admit", Facts()) == (True, "")


EVALUATED = Facts(contract_validated=True, plan_validated=True, report_submitted=True)


@pytest.mark.parametrize(
    ("missing", "words"),
    [
        ("contract_validated", "The evaluation contract has not been validated."),
        ("plan_validated", "The centre's evaluation plan has not been validated."),
        ("report_submitted", "The centre has not submitted its technical report."),
    ],
)
def test_it_refuses_sending_to_decision_before_the_centres_evaluation_is_complete(missing, words):
    dossier = make_dossier(S.EVALUATION)
    with pytest.raises(Refused) as refused:
        workflow.check(ACTORS["instructing_reviewer"], dossier, "report", replace(EVALUATED, **{missing: False}))
    assert str(refused.value) == words
    assert workflow.can(ACTORS["instructing_reviewer"], dossier, "report", EVALUATED) == (True, "")


@pytest.mark.parametrize(
    ("action", "status", "role"),
    [
        ("reject", S.DECISION, "committee"),
        ("send_back", S.DECISION, "committee"),
        ("request_changes", S.IN_REVIEW, "instructing_reviewer"),
        ("declare_inadmissible", S.IN_REVIEW, "instructing_reviewer"),
    ],
)
@pytest.mark.parametrize("comment", ["", "   \n "])
def test_it_refuses_a_move_the_provider_must_understand_without_a_comment(action, status, role, comment):
    dossier = make_dossier(status)
    with pytest.raises(Refused, match="give the reason"):
        workflow.check(ACTORS[role], dossier, action, Facts(comment=comment))
    assert workflow.can(ACTORS[role], dossier, action, Facts(comment="Section 19.6 is not met.")) == (True, "")


@pytest.mark.parametrize("action", ["qualify", "take", "withdraw"])
def test_moves_without_guards_need_no_comment(action):
    status = SOURCES[action][0]
    role = sorted(ALLOWED[action])[0]
    assert workflow.can(ACTORS[role], make_dossier(status), action, Facts()) == (True, "")


# What the buttons show.


def actions(role, status, **kw):
    return [m.action for m in workflow.available_actions(ACTORS[role], make_dossier(status), **kw)]


def test_available_actions_of_the_provider():
    assert actions("owner", S.DRAFT) == ["submit", "withdraw"]
    assert actions("editor", S.DRAFT) == ["submit"]
    assert actions("viewer", S.DRAFT) == []
    assert actions("other_owner", S.DRAFT) == []
    assert actions("owner", S.CHANGES_REQUESTED) == ["resubmit", "withdraw"]
    assert actions("owner", S.EVALUATION) == ["withdraw"]
    assert actions("owner", S.DECISION) == []


def test_available_actions_of_the_agency():
    assert actions("other_reviewer", S.SUBMITTED) == ["take"]
    assert actions("instructing_reviewer", S.IN_REVIEW) == ["request_changes", "admit", "declare_inadmissible"]
    assert actions("other_reviewer", S.IN_REVIEW) == []
    assert actions("instructing_reviewer", S.EVALUATION) == ["report"]
    assert actions("committee", S.DECISION) == ["qualify", "reject", "send_back"]
    assert actions("committee_who_instructed", S.DECISION) == []
    assert actions("administrator", S.DECISION) == []


def test_available_actions_filtered_by_where_they_are_made():
    assert actions("owner", S.DRAFT, agency=False) == ["submit", "withdraw"]
    assert actions("owner", S.DRAFT, agency=True) == []
    assert actions("committee", S.DECISION, agency=True) == ["qualify", "reject", "send_back"]
    assert actions("committee", S.DECISION, agency=False) == []


@pytest.mark.parametrize("status", [S.QUALIFIED, S.REJECTED, S.WITHDRAWN])
def test_a_closed_dossier_offers_nothing_to_anyone(status):
    for role in ACTORS:
        assert actions(role, status) == [], role


def test_nobody_anonymous_gets_a_button():
    for status in S.values:
        assert actions("anonymous", status) == []


# Certificates.


def make_certificate(status, *, expires_on=None):
    return Certificate(status=status, expires_on=expires_on or datetime.date.today() + datetime.timedelta(days=400))


CERTIFICATE_SOURCES = {
    "suspend": {C.ACTIVE},
    "reinstate": {C.SUSPENDED},
    "withdraw": {C.ACTIVE, C.SUSPENDED},
    "expire": {C.ACTIVE, C.SUSPENDED},
    "supersede": {C.ACTIVE, C.SUSPENDED},
}
CERTIFICATE_TARGETS = {
    "suspend": C.SUSPENDED,
    "reinstate": C.ACTIVE,
    "withdraw": C.WITHDRAWN,
    "expire": C.EXPIRED,
    "supersede": C.SUPERSEDED,
}
AGENCY_CERTIFICATE_MOVES = ("suspend", "reinstate", "withdraw")
SYSTEM_CERTIFICATE_MOVES = ("expire", "supersede")


def test_the_certificate_table_has_the_expected_moves():
    assert set(workflow.CERTIFICATE_MOVES) == set(CERTIFICATE_SOURCES)
    for action, move in workflow.CERTIFICATE_MOVES.items():
        assert set(move.sources) == CERTIFICATE_SOURCES[action]
        assert move.target == CERTIFICATE_TARGETS[action]


@pytest.mark.parametrize("action", AGENCY_CERTIFICATE_MOVES)
@pytest.mark.parametrize("role", sorted(ACTORS))
def test_who_may_suspend_reinstate_or_withdraw_a_certificate(action, role):
    certificate = make_certificate(sorted(CERTIFICATE_SOURCES[action])[0])
    if role in ("committee", "committee_who_instructed", "administrator"):
        workflow.check_certificate(ACTORS[role], certificate, action, "Audit found a major non-conformity.")
    else:
        with pytest.raises(Refused, match="Only the qualification committee or a registry administrator"):
            workflow.check_certificate(ACTORS[role], certificate, action, "Audit found a major non-conformity.")


@pytest.mark.parametrize("action", AGENCY_CERTIFICATE_MOVES)
def test_the_system_itself_may_not_suspend_reinstate_or_withdraw(action):
    certificate = make_certificate(sorted(CERTIFICATE_SOURCES[action])[0])
    with pytest.raises(Refused, match="qualification committee"):
        workflow.check_certificate(None, certificate, action, "A reason.")


@pytest.mark.parametrize("action", AGENCY_CERTIFICATE_MOVES)
@pytest.mark.parametrize("reason", ["", "  \t"])
def test_it_refuses_a_certificate_change_without_a_reason(action, reason):
    certificate = make_certificate(sorted(CERTIFICATE_SOURCES[action])[0])
    with pytest.raises(Refused, match="give the reason"):
        workflow.check_certificate(ACTORS["administrator"], certificate, action, reason)


@pytest.mark.parametrize("action", SYSTEM_CERTIFICATE_MOVES)
def test_only_the_registry_itself_expires_or_supersedes_a_certificate(action):
    certificate = make_certificate(C.ACTIVE)
    workflow.check_certificate(None, certificate, action)  # no reason needed
    for role in ("committee", "administrator", "owner", "anonymous"):
        with pytest.raises(Refused, match="made by the registry itself"):
            workflow.check_certificate(ACTORS[role], certificate, action, "A reason.")


@pytest.mark.parametrize("action", sorted(CERTIFICATE_SOURCES))
def test_it_refuses_a_certificate_move_from_a_state_it_does_not_start_from(action):
    actor = None if action in SYSTEM_CERTIFICATE_MOVES else ACTORS["committee"]
    for status in set(C.values) - CERTIFICATE_SOURCES[action]:
        with pytest.raises(Refused, match=f"while the certificate is {str(C(status).label).lower()}"):
            workflow.check_certificate(actor, make_certificate(status), action, "A reason.")
    for status in CERTIFICATE_SOURCES[action]:
        workflow.check_certificate(actor, make_certificate(status), action, "A reason.")


def test_it_refuses_an_unknown_certificate_action():
    with pytest.raises(Refused, match="Unknown action"):
        workflow.check_certificate(ACTORS["committee"], make_certificate(C.ACTIVE), "revoke", "A reason.")


def test_available_certificate_actions():
    def names(role, status):
        return [m.action for m in workflow.available_certificate_actions(ACTORS[role], make_certificate(status))]

    assert names("committee", C.ACTIVE) == ["suspend", "withdraw"]
    assert names("administrator", C.SUSPENDED) == ["reinstate", "withdraw"]
    for status in (C.WITHDRAWN, C.EXPIRED, C.SUPERSEDED):
        assert names("committee", status) == []
    for role in ("instructing_reviewer", "owner", "anonymous"):
        assert names(role, C.ACTIVE) == []


def test_a_suspended_certificate_expires_at_its_date_like_an_active_one():
    assert C.SUSPENDED in workflow.CERTIFICATE_MOVES["expire"].sources
    workflow.check_certificate(None, make_certificate(C.SUSPENDED), "expire")


def test_it_refuses_to_reinstate_a_certificate_past_its_expiry_date_and_says_so():
    expired_yesterday = make_certificate(C.SUSPENDED, expires_on=datetime.date.today() - datetime.timedelta(days=1))
    with pytest.raises(Refused, match="expired on .*cannot be reinstated"):
        workflow.check_certificate(ACTORS["committee"], expired_yesterday, "reinstate", "Audit passed.")
    assert "reinstate" not in {
        m.action for m in workflow.available_certificate_actions(ACTORS["committee"], expired_yesterday)
    }
    last_day = make_certificate(C.SUSPENDED, expires_on=datetime.date.today())
    workflow.check_certificate(ACTORS["committee"], last_day, "reinstate", "Audit passed.")


def test_a_moves_page_says_what_is_missing_apart_from_what_the_page_itself_asks():
    assert workflow.missing_before("report", replace(EVALUATED, report_submitted=False)) == [
        "The centre has not submitted its technical report."
    ]
    assert workflow.missing_before("report", EVALUATED) == []
    assert workflow.missing_before("admit", Facts()) == []
    assert workflow.missing_before("reject", Facts()) == []  # the reason is typed on the page
