"""The qualification's named rules on their own: no database (pytest-django refuses any query here), unsaved models
and Actor objects, as in test_workflow.py."""

import datetime

import pytest

from registry.providers.models import Service, Site
from registry.qualification import rules, sovereignty, workflow
from registry.qualification.choices import DossierStatus
from registry.qualification.models import Dossier
from registry.qualification.workflow import ADMINISTRATORS, COMMITTEE, REVIEWERS, Actor, Refused

S = DossierStatus

PROVIDER_ID, OTHER_PROVIDER_ID = 1, 2
INSTRUCTOR_ID = 10

ACTORS = {
    "anonymous": Actor(user_id=None),
    "owner": Actor(user_id=1, provider_roles={PROVIDER_ID: "owner"}),
    "editor": Actor(user_id=2, provider_roles={PROVIDER_ID: "editor"}),
    "viewer": Actor(user_id=3, provider_roles={PROVIDER_ID: "viewer"}),
    "other_owner": Actor(user_id=4, provider_roles={OTHER_PROVIDER_ID: "owner"}),
    "instructing_reviewer": Actor(user_id=INSTRUCTOR_ID, groups=frozenset({REVIEWERS})),
    "other_reviewer": Actor(user_id=11, groups=frozenset({REVIEWERS})),
    "committee": Actor(user_id=20, groups=frozenset({COMMITTEE})),
    # The instructing reviewer's own id, without the Reviewers group: the id alone never makes an instructor.
    "committee_with_the_instructors_id": Actor(user_id=INSTRUCTOR_ID, groups=frozenset({COMMITTEE})),
    "administrator": Actor(user_id=40, groups=frozenset({ADMINISTRATORS})),
}
WRITERS = {"owner", "editor"}
IN_PROVIDERS_HANDS = {S.DRAFT, S.CHANGES_REQUESTED}
INSTRUCTING = {S.IN_REVIEW, S.EVALUATION, S.DECISION}
SIGNED = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)


def make_dossier(status, *, declared_at=None, instructing_reviewer_id=INSTRUCTOR_ID):
    return Dossier(
        status=status,
        instructing_reviewer_id=instructing_reviewer_id,
        declared_at=declared_at,
        service=Service(provider_id=PROVIDER_ID),
    )


CASES = [(role, status) for role in ACTORS for status in S.values]


# Who may change a dossier's content (answers, documents, declaration), and when.


@pytest.mark.parametrize(("role", "status"), CASES)
def test_only_owners_and_editors_edit_the_content_and_only_while_the_dossier_is_in_their_hands(role, status):
    dossier = make_dossier(status)
    expected = role in WRITERS and status in IN_PROVIDERS_HANDS
    assert rules.may_edit_content(ACTORS[role], dossier) is expected
    assert (rules.content_edit_refusal(ACTORS[role], dossier) == "") is expected


@pytest.mark.parametrize("role", sorted(set(ACTORS) - WRITERS))
def test_the_refusal_names_who_may_change_the_content(role):
    reason = rules.content_edit_refusal(ACTORS[role], make_dossier(S.DRAFT))
    assert reason == "Only an owner or editor of the provider can change the dossier."


def test_the_refusal_names_the_status_when_the_dossier_is_with_the_agency():
    reason = rules.content_edit_refusal(ACTORS["editor"], make_dossier(S.SUBMITTED))
    assert reason == ("The dossier can only be changed while it is a draft or changes are requested; it is submitted.")


@pytest.mark.parametrize("status", S.values)
def test_a_dossier_is_in_the_providers_hands_as_a_draft_or_when_changes_are_requested(status):
    assert rules.in_providers_hands(make_dossier(status)) is (status in IN_PROVIDERS_HANDS)


# Who may add a document: the provider as for the content, the agency's reviewers while instructing.


@pytest.mark.parametrize(("role", "status"), CASES)
def test_who_may_add_a_document_and_when(role, status):
    dossier = make_dossier(status)
    if ACTORS[role].groups:
        expected = ACTORS[role].in_group(REVIEWERS) and status in INSTRUCTING
    else:
        expected = role in WRITERS and status in IN_PROVIDERS_HANDS
    assert rules.may_add_document(ACTORS[role], dossier) is expected
    refusal = rules.document_refusal(ACTORS[role], dossier)
    assert refusal == ("" if expected else "Documents cannot be added to this dossier now.")


# Who records findings: the instructing reviewer, while the dossier is in review or in evaluation.


@pytest.mark.parametrize(("role", "status"), CASES)
def test_only_the_instructing_reviewer_records_findings_while_instructing(role, status):
    dossier = make_dossier(status)
    expected = role == "instructing_reviewer" and status in (S.IN_REVIEW, S.EVALUATION)
    assert rules.may_record_findings(ACTORS[role], dossier) is expected
    reason = rules.findings_refusal(ACTORS[role], dossier)
    if expected:
        assert reason == ""
    elif role == "instructing_reviewer":
        assert reason == "Findings are recorded while the dossier is in review or in evaluation."
    else:
        assert reason == "Only the instructing reviewer of this dossier can record findings."


def test_nobody_records_findings_on_a_dossier_nobody_took():
    dossier = make_dossier(S.IN_REVIEW, instructing_reviewer_id=None)
    assert not any(rules.may_record_findings(actor, dossier) for actor in ACTORS.values())


# When the declaration must be signed again.


@pytest.mark.parametrize("role", sorted(WRITERS | {"viewer"}))
def test_a_providers_change_voids_the_signed_declaration(role):
    assert rules.change_voids_declaration(ACTORS[role], make_dossier(S.DRAFT, declared_at=SIGNED))


@pytest.mark.parametrize("role", ["instructing_reviewer", "committee", "administrator"])
def test_the_agencys_own_documents_leave_the_declaration_standing(role):
    assert not rules.change_voids_declaration(ACTORS[role], make_dossier(S.EVALUATION, declared_at=SIGNED))


def test_a_request_for_changes_voids_the_declaration_and_no_other_move_does():
    dossier = make_dossier(S.IN_REVIEW, declared_at=SIGNED)
    reviewer = ACTORS["instructing_reviewer"]
    assert rules.change_voids_declaration(reviewer, dossier, move="request_changes")
    for action in set(workflow.MOVES) - {"request_changes"}:
        assert not rules.change_voids_declaration(reviewer, dossier, move=action), action


@pytest.mark.parametrize("move", ["", "request_changes"])
def test_nothing_voids_a_declaration_nobody_signed(move):
    assert not rules.change_voids_declaration(ACTORS["editor"], make_dossier(S.DRAFT), move=move)


# Withdrawal: the person first (what a face answers with 403), then the moment.


@pytest.mark.parametrize("role", sorted(ACTORS))
def test_only_an_owner_is_one_who_withdraws_whatever_the_status(role):
    for status in S.values:
        reason = workflow.person_refusal(ACTORS[role], make_dossier(status), "withdraw")
        if role == "owner":
            assert reason == ""
        else:
            assert reason == "Only an owner of the provider can withdraw a dossier."


def test_the_person_refusal_is_the_reason_the_workflow_gives():
    dossier = make_dossier(S.SUBMITTED)
    for actor in ACTORS.values():
        _allowed, reason = workflow.can(actor, dossier, "withdraw")
        assert reason == workflow.person_refusal(actor, dossier, "withdraw")


def test_an_owner_is_refused_for_the_moment_not_as_a_person_once_the_committee_has_the_dossier():
    dossier = make_dossier(S.DECISION)
    assert workflow.person_refusal(ACTORS["owner"], dossier, "withdraw") == ""
    allowed, reason = workflow.can(ACTORS["owner"], dossier, "withdraw")
    assert not allowed
    assert "not possible while the dossier is awaiting decision" in reason


def test_an_unknown_action_has_no_one_who_makes_it():
    assert workflow.person_refusal(ACTORS["owner"], make_dossier(S.DRAFT), "teleport") == "Unknown action."


# 19.2.e for one site, as the write and the dossier's evaluation both ask it.

UNLISTED = "Support outside the EU must list the operations allowed from there (19.2.e)."


@pytest.mark.parametrize(
    ("role", "country", "operations", "listed"),
    [
        (Site.Role.SUPPORT, "IN", "", False),
        (Site.Role.SUPPORT, "IN", "   ", False),
        (Site.Role.SUPPORT, "IN", "Level-1 triage, no access to data.", True),
        (Site.Role.SUPPORT, "CH", "", False),  # Switzerland is not in the EU
        (Site.Role.SUPPORT, "FR", "", True),
        (Site.Role.STORAGE, "US", "", True),  # other roles are 19.2.a-d's business
        (Site.Role.SUPPORT, "", "", True),  # no country yet: the form says the field is required
    ],
)
def test_support_outside_the_eu_lists_its_operations(role, country, operations, listed):
    site = Site(role=role, country=country, operations=operations)
    assert sovereignty.lists_support_operations(site) is listed
    if listed:
        sovereignty.require_listed_support_operations(site)
    else:
        with pytest.raises(Refused) as refused:
            sovereignty.require_listed_support_operations(site)
        assert str(refused.value) == UNLISTED


def test_the_dossiers_evaluation_fails_19_2_e_for_the_sites_the_write_refuses():
    sites = [
        Site(role=Site.Role.SUPPORT, country="IN", city="Pune", operations=""),
        Site(role=Site.Role.SUPPORT, country="MA", city="Rabat", operations="Ticket triage."),
    ]
    result = next(r for r in sovereignty.check_sites(sites) if r.rule == "19.2.e")
    assert result.outcome == sovereignty.FAIL
    assert "India" in result.reason and "Morocco" not in result.reason
