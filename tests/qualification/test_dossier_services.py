"""The dossier services through the database: each move logs one event, a refused move changes nothing."""

import datetime
import re

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from registry.catalogue.models import Requirement
from registry.certificates import services as certificate_services
from registry.certificates.choices import CertificateStatus
from registry.certificates.models import Certificate, CertificateEvent
from registry.qualification.models import Answer, Dossier, DossierEvent, Message
from registry.qualification.services import dossiers as svc
from registry.qualification.services.documents import document_add
from registry.qualification.workflow import Refused
from tests import factories as f

pytestmark = pytest.mark.django_db

S = Dossier.Status


def event_count(dossier) -> int:
    return DossierEvent.objects.filter(dossier=dossier).count()


def assert_one_new_event(dossier, before, *, action, from_status, to_status, actor, comment=""):
    events = list(DossierEvent.objects.filter(dossier=dossier).order_by("pk"))
    assert len(events) == before + 1
    event = events[-1]
    assert (event.action, event.from_status, event.to_status, event.actor_id, event.comment) == (
        action,
        from_status,
        to_status,
        actor.pk,
        comment,
    )
    assert event.internal is False
    return event


@pytest.fixture
def changes_requested(complete_draft, walk, reviewer):
    d = walk(complete_draft, S.IN_REVIEW)
    return svc.dossier_request_changes(dossier=d, by=reviewer, comment="Please detail 19.6.")


# Each move, one event.

MOVES = [
    # (starting state, service, who, extra arguments, target)
    (S.DRAFT, "dossier_submit", "editor", {}, S.SUBMITTED),
    (S.SUBMITTED, "dossier_take", "reviewer", {}, S.IN_REVIEW),
    (S.IN_REVIEW, "dossier_request_changes", "reviewer", {"comment": "Detail 19.6."}, S.CHANGES_REQUESTED),
    (S.IN_REVIEW, "dossier_admit", "reviewer", {"evaluation_center": "center"}, S.EVALUATION),
    (S.IN_REVIEW, "dossier_declare_inadmissible", "reviewer", {"comment": "Out of scope."}, S.REJECTED),
    (S.EVALUATION, "dossier_report", "reviewer", {"comment": "Report attached."}, S.DECISION),
    (S.DECISION, "dossier_reject", "decision_maker", {"comment": "Major non-conformity."}, S.REJECTED),
    (S.DECISION, "dossier_send_back", "decision_maker", {"comment": "Check 19.2 again."}, S.EVALUATION),
    (S.DECISION, "dossier_qualify", "decision_maker", {"scope": "IaaS in Roubaix."}, S.QUALIFIED),
    (S.EVALUATION, "dossier_withdraw", "owner", {"comment": "We give up."}, S.WITHDRAWN),
]


@pytest.mark.parametrize(
    ("start", "service_name", "who", "extra", "target"), MOVES, ids=[m[1] for m in MOVES]
)  # fmt: skip
def test_each_move_writes_exactly_one_event(request, complete_draft, walk, start, service_name, who, extra, target):
    d = walk(complete_draft, start)
    if service_name == "dossier_report":
        # walk adds the evaluation report only when it goes through to the decision itself.
        document_add(
            dossier=d,
            kind="evaluation_report",
            title="Report",
            uploaded=f.pdf(),
            by=request.getfixturevalue("reviewer"),
        )
    actor = request.getfixturevalue(who)
    kwargs = {k: request.getfixturevalue(v) if v == "center" else v for k, v in extra.items()}
    before = event_count(d)
    getattr(svc, service_name)(dossier=d, by=actor, **kwargs)
    d.refresh_from_db()
    assert d.status == target
    assert_one_new_event(
        d,
        before,
        action=service_name.removeprefix("dossier_"),
        from_status=start,
        to_status=target,
        actor=actor,
        comment=extra.get("comment", ""),
    )
    assert d.status_changed_at > timezone.now() - datetime.timedelta(minutes=1)


def test_a_change_request_withdraws_the_declaration_until_signed_again(changes_requested, editor):
    assert changes_requested.declared_at is None
    with pytest.raises(Refused, match="The declaration has not been signed."):
        svc.dossier_resubmit(dossier=changes_requested, by=editor)
    svc.dossier_declare(dossier=changes_requested, by=editor, listed_in_process_consent=False)
    assert svc.dossier_resubmit(dossier=changes_requested, by=editor).status == S.SUBMITTED


def test_changing_an_answer_after_signing_asks_for_a_new_signature(complete_draft, editor):
    from registry.qualification.services.answers import answer_save

    answer = complete_draft.answers.first()
    answer_save(dossier=complete_draft, requirement=answer.requirement, by=editor, status="met")
    complete_draft.refresh_from_db()
    assert complete_draft.declared_at is not None  # saving the same answer again changes nothing
    answer_save(
        dossier=complete_draft, requirement=answer.requirement, by=editor, status="not_met", justification="Gap."
    )
    complete_draft.refresh_from_db()
    assert complete_draft.declared_at is None


def test_resubmit_writes_one_event(changes_requested, editor):
    svc.dossier_declare(dossier=changes_requested, by=editor, listed_in_process_consent=False)
    before = event_count(changes_requested)
    svc.dossier_resubmit(dossier=changes_requested, by=editor, comment="Detailed.")
    changes_requested.refresh_from_db()
    assert changes_requested.status == S.SUBMITTED
    assert_one_new_event(
        changes_requested,
        before,
        action="resubmit",
        from_status=S.CHANGES_REQUESTED,
        to_status=S.SUBMITTED,
        actor=editor,
        comment="Detailed.",
    )


def test_the_comment_is_stored_without_surrounding_blanks(complete_draft, editor):
    svc.dossier_submit(dossier=complete_draft, by=editor, comment="  Here it is.\n")
    assert DossierEvent.objects.filter(dossier=complete_draft).last().comment == "Here it is."


# Refusals change nothing.


def refused_calls():
    """(starting state, service, who, arguments): calls the services must refuse."""
    return [
        (S.DRAFT, "dossier_submit", "viewer", {}),
        (S.DRAFT, "dossier_submit", "other_owner", {}),
        (S.DRAFT, "dossier_take", "reviewer", {}),
        (S.SUBMITTED, "dossier_take", "decision_maker", {}),
        (S.SUBMITTED, "dossier_withdraw", "editor", {}),
        (S.IN_REVIEW, "dossier_request_changes", "second_reviewer", {"comment": "Detail."}),
        (S.IN_REVIEW, "dossier_request_changes", "reviewer", {"comment": "  "}),
        (S.IN_REVIEW, "dossier_admit", "reviewer", {"evaluation_center": None}),
        (S.IN_REVIEW, "dossier_declare_inadmissible", "owner", {"comment": "No."}),
        (S.EVALUATION, "dossier_report", "reviewer", {}),  # no evaluation report yet: see the fixture below
        (S.DECISION, "dossier_qualify", "reviewer", {"scope": "IaaS."}),
        (S.DECISION, "dossier_qualify", "administrator", {"scope": "IaaS."}),
        (S.DECISION, "dossier_qualify", "decision_maker", {"scope": "   "}),
        (S.DECISION, "dossier_reject", "decision_maker", {"comment": ""}),
        (S.DECISION, "dossier_send_back", "owner", {"comment": "Again."}),
        (S.DECISION, "dossier_withdraw", "owner", {}),
    ]


@pytest.mark.parametrize(
    ("start", "service_name", "who", "kwargs"),
    refused_calls(),
    ids=[f"{c[1]}-{c[2]}-{c[0]}" for c in refused_calls()],
)
def test_a_refused_move_leaves_the_dossier_unchanged(request, service, scheme, start, service_name, who, kwargs):
    # Placed directly in its state (no evaluation report, nothing to guard against the refusal but the rule).
    d = f.dossier(service, scheme, status=start, instructing_reviewer=request.getfixturevalue("reviewer"))
    actor = request.getfixturevalue(who)
    before_events, before_status = event_count(d), d.status
    with pytest.raises(Refused):
        getattr(svc, service_name)(dossier=d, by=actor, **kwargs)
    d.refresh_from_db()
    assert d.status == before_status
    assert event_count(d) == before_events
    assert not Certificate.objects.filter(dossier=d).exists()
    assert d.decision_maker_id is None


def test_it_refuses_to_submit_an_incomplete_draft_and_says_what_is_missing(draft, editor):
    before = event_count(draft)
    with pytest.raises(Refused) as exc:
        svc.dossier_submit(dossier=draft, by=editor)
    message = str(exc.value)
    assert "2 requirements still need an answer: 19.2, 19.6." in message  # 19.9 is SaaS only; this is IaaS
    assert "Information security policy" in message
    assert "Risk analysis" in message
    assert "declaration" in message
    draft.refresh_from_db()
    assert draft.status == S.DRAFT
    assert event_count(draft) == before


def test_an_answer_other_than_met_needs_a_justification_to_count(complete_draft, editor):
    Answer.objects.filter(dossier=complete_draft, requirement__ref="19.6").update(status="partially_met")
    with pytest.raises(Refused, match="1 requirement"):
        svc.dossier_submit(dossier=complete_draft, by=editor)
    Answer.objects.filter(dossier=complete_draft, requirement__ref="19.6").update(justification="Plan attached.")
    assert svc.dossier_submit(dossier=complete_draft, by=editor).status == S.SUBMITTED


def test_a_move_on_a_stale_copy_is_checked_against_the_fresh_row(complete_draft, editor):
    # Two browser tabs: the first submits; the second, still showing a draft, submits again.
    stale = Dossier.objects.get(pk=complete_draft.pk)
    svc.dossier_submit(dossier=complete_draft, by=editor)
    assert stale.status == S.DRAFT
    with pytest.raises(Refused, match="This dossier is already submitted."):
        svc.dossier_submit(dossier=stale, by=editor)
    assert list(DossierEvent.objects.filter(dossier=stale).values_list("action", flat=True)) == ["create", "submit"]


# The whole path.


def test_the_full_path_from_draft_to_qualified(
    complete_draft, owner, editor, reviewer, second_reviewer, decision_maker, center
):
    d = complete_draft
    svc.dossier_submit(dossier=d, by=editor)
    d = svc.dossier_take(dossier=d, by=reviewer)
    assert d.instructing_reviewer == reviewer
    svc.dossier_request_changes(dossier=d, by=reviewer, comment="Detail the 19.6 ownership.")
    svc.dossier_declare(dossier=d, by=editor, listed_in_process_consent=True)
    svc.dossier_resubmit(dossier=d, by=editor, comment="Detailed.")
    # A second take (after resubmission) keeps the dossier with whoever takes it now.
    d = svc.dossier_take(dossier=d, by=second_reviewer)
    assert d.instructing_reviewer == second_reviewer
    with pytest.raises(Refused, match="instructing reviewer"):
        svc.dossier_admit(dossier=d, by=reviewer, evaluation_center=center)
    d = svc.dossier_admit(dossier=d, by=second_reviewer, evaluation_center=center)
    assert d.evaluation_center == center
    document_add(dossier=d, kind="evaluation_report", title="Report", uploaded=f.pdf(), by=second_reviewer)
    svc.dossier_report(dossier=d, by=second_reviewer)
    svc.dossier_send_back(dossier=d, by=decision_maker, comment="Check the support site.")
    svc.dossier_report(dossier=d, by=second_reviewer, comment="Checked.")
    certificate = svc.dossier_qualify(dossier=d, by=decision_maker, scope="IaaS in Roubaix.", conditions="None.")

    d.refresh_from_db()
    assert d.status == S.QUALIFIED
    assert d.decision_maker == decision_maker
    assert certificate.dossier == d
    steps = list(
        DossierEvent.objects.filter(dossier=d).order_by("pk").values_list("action", "from_status", "to_status", "actor")
    )
    assert steps == [
        ("create", "", S.DRAFT, owner.pk),
        ("submit", S.DRAFT, S.SUBMITTED, editor.pk),
        ("take", S.SUBMITTED, S.IN_REVIEW, reviewer.pk),
        ("request_changes", S.IN_REVIEW, S.CHANGES_REQUESTED, reviewer.pk),
        ("resubmit", S.CHANGES_REQUESTED, S.SUBMITTED, editor.pk),
        ("take", S.SUBMITTED, S.IN_REVIEW, second_reviewer.pk),
        ("admit", S.IN_REVIEW, S.EVALUATION, second_reviewer.pk),
        ("report", S.EVALUATION, S.DECISION, second_reviewer.pk),
        ("send_back", S.DECISION, S.EVALUATION, decision_maker.pk),
        ("report", S.EVALUATION, S.DECISION, second_reviewer.pk),
        ("qualify", S.DECISION, S.QUALIFIED, decision_maker.pk),
    ]  # fmt: skip


def test_a_decision_maker_who_instructed_the_dossier_cannot_qualify_it(
    complete_draft, editor, reviewer_in_committee, center
):
    d = f.walk(complete_draft, S.DECISION, provider_user=editor, reviewer=reviewer_in_committee, center=center)
    with pytest.raises(Refused, match="instructing reviewer cannot take the decision"):
        svc.dossier_qualify(dossier=d, by=reviewer_in_committee, scope="IaaS.")
    d.refresh_from_db()
    assert d.status == S.DECISION
    assert not Certificate.objects.exists()


def test_rejection_by_the_committee(complete_draft, walk, decision_maker, owner, service, scheme):
    d = walk(complete_draft, S.DECISION)
    d = svc.dossier_reject(dossier=d, by=decision_maker, comment="Support from outside the EU.")
    d.refresh_from_db()
    assert d.status == S.REJECTED
    assert d.decision_maker == decision_maker
    assert not Certificate.objects.filter(dossier=d).exists()
    # The dossier is over: the provider may apply again.
    assert svc.dossier_create(service=service, scheme=scheme, by=owner).status == S.DRAFT


def test_inadmissibility_by_the_instructing_reviewer(complete_draft, walk, reviewer):
    d = walk(complete_draft, S.IN_REVIEW)
    svc.dossier_declare_inadmissible(dossier=d, by=reviewer, comment="The service is not a cloud service.")
    d.refresh_from_db()
    assert d.status == S.REJECTED
    assert d.decision_maker_id is None
    assert DossierEvent.objects.filter(dossier=d).last().comment == "The service is not a cloud service."


def test_admission_refuses_a_centre_whose_approval_is_not_in_force(complete_draft, walk, reviewer):
    d = walk(complete_draft, S.IN_REVIEW)
    lapsed = f.evaluation_center(active=False)
    with pytest.raises(Refused, match="not in force"):
        svc.dossier_admit(dossier=d, by=reviewer, evaluation_center=lapsed)
    d.refresh_from_db()
    assert (d.status, d.evaluation_center_id) == (S.IN_REVIEW, None)


def test_admission_keeps_a_centre_already_chosen(complete_draft, walk, reviewer, center):
    d = walk(complete_draft, S.IN_REVIEW)
    Dossier.objects.filter(pk=d.pk).update(evaluation_center=center)
    svc.dossier_admit(dossier=d, by=reviewer, evaluation_center=None)
    d.refresh_from_db()
    assert (d.status, d.evaluation_center) == (S.EVALUATION, center)


# Withdrawal.

WITHDRAWABLE = [S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.CHANGES_REQUESTED, S.EVALUATION]


@pytest.mark.parametrize("start", WITHDRAWABLE)
def test_the_owner_may_withdraw_before_the_decision(complete_draft, walk, reviewer, owner, start):
    if start == S.CHANGES_REQUESTED:
        d = svc.dossier_request_changes(dossier=walk(complete_draft, S.IN_REVIEW), by=reviewer, comment="More.")
    else:
        d = walk(complete_draft, start)
    before = event_count(d)
    svc.dossier_withdraw(dossier=d, by=owner, comment="Not ready.")
    d.refresh_from_db()
    assert d.status == S.WITHDRAWN
    assert_one_new_event(
        d, before, action="withdraw", from_status=start, to_status=S.WITHDRAWN, actor=owner, comment="Not ready."
    )


@pytest.mark.parametrize("start", WITHDRAWABLE)
def test_an_editor_may_not_withdraw(complete_draft, walk, reviewer, editor, start):
    if start == S.CHANGES_REQUESTED:
        d = svc.dossier_request_changes(dossier=walk(complete_draft, S.IN_REVIEW), by=reviewer, comment="More.")
    else:
        d = walk(complete_draft, start)
    before = event_count(d)
    with pytest.raises(Refused, match="Only an owner"):
        svc.dossier_withdraw(dossier=d, by=editor)
    d.refresh_from_db()
    assert d.status == start
    assert event_count(d) == before


def test_the_owner_may_not_withdraw_once_the_dossier_awaits_the_decision(complete_draft, walk, owner, decision_maker):
    d = walk(complete_draft, S.DECISION)
    with pytest.raises(Refused, match="not possible while the dossier is awaiting decision"):
        svc.dossier_withdraw(dossier=d, by=owner)
    svc.dossier_qualify(dossier=d, by=decision_maker, scope="IaaS.")
    with pytest.raises(Refused, match="not possible while the dossier is qualified"):
        svc.dossier_withdraw(dossier=d, by=owner)
    d.refresh_from_db()
    assert d.status == S.QUALIFIED


# Creation and references.


@pytest.mark.parametrize("who", ["owner", "editor"])
def test_an_owner_or_editor_opens_a_dossier(request, service, scheme, who):
    user = request.getfixturevalue(who)
    d = svc.dossier_create(service=service, scheme=scheme, by=user)
    assert (d.status, d.kind, d.created_by, d.renews) == (S.DRAFT, Dossier.Kind.INITIAL, user, None)
    event = DossierEvent.objects.get(dossier=d)
    assert (event.action, event.to_status, event.actor) == ("create", S.DRAFT, user)
    assert event.notified_at is not None  # nobody needs telling about a new draft


@pytest.mark.parametrize("who", ["viewer", "other_owner", "reviewer", "administrator"])
def test_it_refuses_to_open_a_dossier_for_a_non_member_or_a_viewer(request, service, scheme, who):
    with pytest.raises(Refused, match="owner or editor"):
        svc.dossier_create(service=service, scheme=scheme, by=request.getfixturevalue(who))
    assert not Dossier.objects.exists()


def test_it_refuses_a_second_open_dossier_for_the_same_service_and_scheme(draft, service, scheme, editor):
    with pytest.raises(Refused, match="already has a dossier in progress"):
        svc.dossier_create(service=service, scheme=scheme, by=editor)
    assert Dossier.objects.filter(service=service, scheme=scheme).count() == 1


def test_another_scheme_or_a_closed_dossier_does_not_block_a_new_one(draft, service, scheme, owner):
    assert svc.dossier_create(service=service, scheme=f.scheme(), by=owner)
    svc.dossier_withdraw(dossier=draft, by=owner)
    assert svc.dossier_create(service=service, scheme=scheme, by=owner).status == S.DRAFT


def test_it_refuses_a_scheme_closed_to_applications(service, owner):
    closed = f.scheme(active=False)
    with pytest.raises(Refused, match="no longer accepts"):
        svc.dossier_create(service=service, scheme=closed, by=owner)


def test_a_renewal_must_name_a_certificate_of_the_same_service_and_scheme(service, scheme, owner):
    with pytest.raises(Refused, match="must name a certificate"):
        svc.dossier_create(service=service, scheme=scheme, by=owner, kind=Dossier.Kind.RENEWAL)
    elsewhere = f.certificate(f.service(service.provider), scheme)
    with pytest.raises(Refused, match="must name a certificate"):
        svc.dossier_create(service=service, scheme=scheme, by=owner, kind=Dossier.Kind.RENEWAL, renews=elsewhere)
    assert not Dossier.objects.filter(service=service).exists()


def test_references_are_unique_increasing_and_carry_the_year(provider, scheme, owner):
    references = [svc.dossier_create(service=f.service(provider), scheme=scheme, by=owner).reference for _ in range(3)]
    year = timezone.now().year
    assert all(re.fullmatch(rf"DOS-{year}-\d{{5}}", ref) for ref in references)
    numbers = [int(ref.rsplit("-", 1)[1]) for ref in references]
    assert numbers == sorted(set(numbers))
    assert numbers[1] == numbers[0] + 1


# Findings.


@pytest.fixture
def answer(complete_draft):
    return Answer.objects.get(dossier=complete_draft, requirement__ref="19.6")


@pytest.mark.parametrize("status", [S.IN_REVIEW, S.EVALUATION])
def test_the_instructing_reviewer_records_a_finding(complete_draft, walk, reviewer, answer, status):
    walk(complete_draft, status)
    svc.answer_record_finding(answer=answer, by=reviewer, finding="minor", note=" Board minutes missing. ")
    answer.refresh_from_db()
    assert (answer.finding, answer.finding_note, answer.finding_by) == ("minor", "Board minutes missing.", reviewer)
    assert answer.finding_at is not None


@pytest.mark.parametrize("who", ["second_reviewer", "decision_maker", "owner", "administrator"])
def test_only_the_instructing_reviewer_records_findings(request, complete_draft, walk, answer, who):
    walk(complete_draft, S.EVALUATION)
    with pytest.raises(Refused, match="Only the instructing reviewer"):
        svc.answer_record_finding(answer=answer, by=request.getfixturevalue(who), finding="major")
    answer.refresh_from_db()
    assert answer.finding == ""


@pytest.mark.parametrize("status", [S.DECISION, S.SUBMITTED, S.QUALIFIED, S.CHANGES_REQUESTED])
def test_findings_are_refused_outside_review_and_evaluation(complete_draft, reviewer, answer, status):
    Dossier.objects.filter(pk=complete_draft.pk).update(status=status, instructing_reviewer=reviewer)
    with pytest.raises(Refused, match="in review or in evaluation"):
        svc.answer_record_finding(answer=answer, by=reviewer, finding="conform")
    answer.refresh_from_db()
    assert answer.finding == ""


def test_it_refuses_an_unknown_finding(complete_draft, walk, reviewer, answer):
    walk(complete_draft, S.IN_REVIEW)
    with pytest.raises(Refused, match="Unknown finding"):
        svc.answer_record_finding(answer=answer, by=reviewer, finding="catastrophic")


# Messages.


@pytest.mark.parametrize("who", ["owner", "editor", "reviewer", "decision_maker"])
def test_members_and_the_agency_post_messages(request, draft, who):
    author = request.getfixturevalue(who)
    message = svc.message_post(dossier=draft, by=author, body="  A question on 19.2.  ")
    assert (message.body, message.internal, message.author) == ("A question on 19.2.", False, author)
    event = DossierEvent.objects.filter(dossier=draft, action="message").get()
    assert (event.comment, event.internal, event.actor, event.from_status) == ("A question on 19.2.", False, author, "")


def test_the_agency_writes_internal_notes(draft, reviewer):
    message = svc.message_post(dossier=draft, by=reviewer, body="Check their board.", internal=True)
    assert message.internal
    event = DossierEvent.objects.get(dossier=draft, action="message")
    assert event.internal
    assert event.notified_at is not None  # never sent to anybody


@pytest.mark.parametrize("who", ["owner", "editor"])
def test_a_provider_member_may_not_write_an_internal_note(request, draft, who):
    with pytest.raises(Refused, match="Only the agency"):
        svc.message_post(dossier=draft, by=request.getfixturevalue(who), body="Psst.", internal=True)
    assert not Message.objects.exists()
    assert not DossierEvent.objects.filter(action="message").exists()


def test_a_viewer_may_not_write(draft, viewer):
    with pytest.raises(Refused, match="Viewers cannot write"):
        svc.message_post(dossier=draft, by=viewer, body="Hello.")
    assert not Message.objects.exists()


def test_another_provider_may_not_write(draft, other_owner):
    with pytest.raises(Refused, match="provider's members and the agency"):
        svc.message_post(dossier=draft, by=other_owner, body="Hello.")
    assert not Message.objects.exists()


def test_an_empty_message_is_refused(draft, owner):
    with pytest.raises(Refused, match="empty"):
        svc.message_post(dossier=draft, by=owner, body=" \n ")
    assert not Message.objects.exists()


def test_attachments_from_another_dossier_are_ignored(complete_draft, owner, other_owner, scheme):
    mine = complete_draft.documents.first()
    other = f.complete(
        svc.dossier_create(service=f.service(other_owner.memberships.get().provider), scheme=scheme, by=other_owner),
        other_owner,
    )
    theirs = other.documents.first()
    message = svc.message_post(dossier=complete_draft, by=owner, body="See attached.", attachments=[mine, theirs])
    assert list(message.attachments.all()) == [mine]


# Qualification and the certificate.


def test_qualification_issues_a_numbered_certificate_valid_for_the_scheme_period(complete_draft, walk, decision_maker):
    d = walk(complete_draft, S.DECISION)
    certificate = svc.dossier_qualify(
        dossier=d, by=decision_maker, scope="  IaaS in Roubaix. ", conditions=" Annual audit. "
    )
    today = timezone.localdate()
    assert re.fullmatch(rf"SNC-{today.year}-\d{{4}}", certificate.number)
    assert certificate.issued_on == today
    assert certificate.expires_on == today + relativedelta(months=36)
    assert (certificate.scope, certificate.conditions) == ("IaaS in Roubaix.", "Annual audit.")
    assert (certificate.status, certificate.service, certificate.scheme) == ("active", d.service, d.scheme)
    event = CertificateEvent.objects.get(certificate=certificate)
    assert (event.status, event.actor) == ("active", decision_maker)


def test_certificate_numbers_increase(provider, scheme, owner, editor, walk, decision_maker):
    numbers = []
    for _ in range(2):
        d = f.complete(svc.dossier_create(service=f.service(provider), scheme=scheme, by=owner), owner)
        numbers.append(svc.dossier_qualify(dossier=walk(d, S.DECISION), by=decision_maker, scope="IaaS.").number)
    first, second = (int(n.rsplit("-", 1)[1]) for n in numbers)
    assert second == first + 1


def test_validity_follows_the_scheme(complete_draft, walk, decision_maker, scheme):
    scheme.validity_months = 24
    scheme.save()
    certificate = svc.dossier_qualify(dossier=walk(complete_draft, S.DECISION), by=decision_maker, scope="IaaS.")
    assert certificate.expires_on == certificate.issued_on + relativedelta(months=24)


@pytest.mark.parametrize(
    ("issued_on", "months", "expires_on"),
    [
        (datetime.date(2026, 3, 15), 36, datetime.date(2029, 3, 15)),
        (datetime.date(2024, 2, 29), 36, datetime.date(2027, 2, 28)),  # no 29 February then: the month's last day
        (datetime.date(2024, 2, 29), 48, datetime.date(2028, 2, 29)),
        (datetime.date(2023, 1, 31), 1, datetime.date(2023, 2, 28)),
        (datetime.date(2024, 1, 31), 1, datetime.date(2024, 2, 29)),
        (datetime.date(2025, 8, 31), 1, datetime.date(2025, 9, 30)),
        (datetime.date(2025, 11, 30), 3, datetime.date(2026, 2, 28)),
        (datetime.date(2025, 12, 31), 1, datetime.date(2026, 1, 31)),
        (datetime.date(2025, 10, 31), 14, datetime.date(2026, 12, 31)),
    ],
)
def test_a_certificate_expires_the_same_day_months_later_or_on_that_month_last_day(
    time_machine, complete_draft, walk, decision_maker, scheme, issued_on, months, expires_on
):
    scheme.validity_months = months
    scheme.save()
    time_machine.move_to(timezone.make_aware(datetime.datetime.combine(issued_on, datetime.time(12))))
    certificate = svc.dossier_qualify(dossier=walk(complete_draft, S.DECISION), by=decision_maker, scope="IaaS.")
    assert certificate.number.startswith(f"SNC-{issued_on.year}-")
    assert (certificate.issued_on, certificate.expires_on) == (issued_on, expires_on)


@pytest.mark.parametrize("scope", ["", "  \n"])
def test_qualification_needs_a_scope(complete_draft, walk, decision_maker, scope):
    d = walk(complete_draft, S.DECISION)
    before = event_count(d)
    with pytest.raises(Refused, match="scope"):
        svc.dossier_qualify(dossier=d, by=decision_maker, scope=scope)
    d.refresh_from_db()
    assert d.status == S.DECISION
    assert event_count(d) == before
    assert not Certificate.objects.exists()


@pytest.fixture
def first_certificate(complete_draft, walk, decision_maker):
    return svc.dossier_qualify(dossier=walk(complete_draft, S.DECISION), by=decision_maker, scope="IaaS.")


@pytest.mark.parametrize("previous_status", [CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED])
def test_a_renewal_supersedes_the_previous_certificate(
    first_certificate, service, scheme, owner, walk, decision_maker, previous_status
):
    if previous_status == CertificateStatus.SUSPENDED:
        certificate_services.certificate_suspend(certificate=first_certificate, by=decision_maker, reason="Audit.")
    renewal = svc.dossier_create(
        service=service, scheme=scheme, by=owner, kind=Dossier.Kind.RENEWAL, renews=first_certificate
    )
    renewal = walk(f.complete(renewal, owner), S.DECISION)
    second = svc.dossier_qualify(dossier=renewal, by=decision_maker, scope="IaaS, renewed.")

    first_certificate.refresh_from_db()
    assert first_certificate.status == CertificateStatus.SUPERSEDED
    assert second.status == CertificateStatus.ACTIVE
    assert second.number != first_certificate.number
    superseded = CertificateEvent.objects.filter(certificate=first_certificate).last()
    assert superseded.status == CertificateStatus.SUPERSEDED
    assert superseded.actor is None  # the registry itself
    assert renewal.reference in superseded.reason
    assert Certificate.objects.filter(service=service, scheme=scheme, status="active").get() == second


def test_a_renewal_of_a_withdrawn_certificate_leaves_it_withdrawn(
    first_certificate, service, scheme, owner, walk, decision_maker
):
    certificate_services.certificate_withdraw(certificate=first_certificate, by=decision_maker, reason="Breach.")
    renewal = svc.dossier_create(
        service=service, scheme=scheme, by=owner, kind=Dossier.Kind.RENEWAL, renews=first_certificate
    )
    svc.dossier_qualify(dossier=walk(f.complete(renewal, owner), S.DECISION), by=decision_maker, scope="IaaS.")
    first_certificate.refresh_from_db()
    assert first_certificate.status == CertificateStatus.WITHDRAWN
    assert not CertificateEvent.objects.filter(certificate=first_certificate, status="superseded").exists()


def test_applicable_requirements_follow_the_service_model(draft, scheme):
    assert [r.ref for r in svc.applicable_requirements(draft)] == ["19.2", "19.6"]
    saas = f.service(draft.service.provider, service_model="saas")
    saas_dossier = f.dossier(saas, scheme)
    assert [r.ref for r in svc.applicable_requirements(saas_dossier)] == ["19.2", "19.6", "19.9"]
    assert Requirement.objects.filter(scheme=scheme, parent__isnull=True).count() == 1  # the chapter is never asked


def test_a_new_initial_qualification_replaces_the_certificate_still_in_force(
    first_certificate, service, scheme, owner, walk, decision_maker
):
    # The provider applied again as "initial" instead of "renewal": at most one certificate may be in force.
    again = svc.dossier_create(service=service, scheme=scheme, by=owner)
    second = svc.dossier_qualify(dossier=walk(f.complete(again, owner), S.DECISION), by=decision_maker, scope="IaaS.")
    first_certificate.refresh_from_db()
    assert (first_certificate.status, second.status) == (CertificateStatus.SUPERSEDED, CertificateStatus.ACTIVE)
    superseded = CertificateEvent.objects.filter(certificate=first_certificate).last()
    assert (superseded.status, superseded.actor) == (CertificateStatus.SUPERSEDED, None)
    assert again.reference in superseded.reason


def test_a_renewal_naming_an_old_certificate_replaces_the_one_in_force(service, scheme, owner, walk, decision_maker):
    expired = f.certificate(service, scheme, status=CertificateStatus.EXPIRED)
    in_force = f.certificate(service, scheme)
    renewal = svc.dossier_create(service=service, scheme=scheme, by=owner, kind=Dossier.Kind.RENEWAL, renews=expired)
    svc.dossier_qualify(dossier=walk(f.complete(renewal, owner), S.DECISION), by=decision_maker, scope="IaaS.")
    expired.refresh_from_db()
    in_force.refresh_from_db()
    assert (expired.status, in_force.status) == (CertificateStatus.EXPIRED, CertificateStatus.SUPERSEDED)
