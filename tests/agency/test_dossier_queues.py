"""The agency's queues (registry.qualification.selectors) and the dossier list that shows them: each queue holds exactly
the dossiers waiting on its person, the list opens on the person's own queue, says which in its title, and costs the
same queries at any size."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from registry.accounts.permissions import actor_for
from registry.qualification.models import Dossier, DossierEvent, DossierVisit, Message
from registry.qualification.selectors import QUEUES, with_last_activity, with_unread
from registry.qualification.services import answers
from registry.qualification.services.documents import store_document
from registry.qualification.services.dossiers import message_post
from tests import factories as f

S = Dossier.Status
CHANGELIST = "admin:registry_dossier_changelist"


def held(key, person, today=None):
    """The references the queue `key` holds for `person`, as the home counts them and the list filters them."""
    condition = QUEUES[key].condition(actor_for(person), today or timezone.localdate())
    return set(Dossier.objects.filter(condition).values_list("reference", flat=True))


def event(d, action, actor, at):
    return DossierEvent.objects.create(dossier=d, action=action, actor=actor, created_at=at)


def report(d, by):
    """The centre's technical report of the dossier, as the queues read it (registry.evaluation.grid submits it; one
    carried over from when the agency uploaded it: `by` is its author either way). Returns its document."""
    from registry.evaluation.models import TechnicalReport

    document = f.checked(
        store_document(dossier_id=d.pk, kind="evaluation_report", title="Report", uploaded=f.pdf(), by=by)
    )
    centre = d.evaluation_center or f.evaluation_center()
    TechnicalReport.objects.create(
        dossier=d, centre=centre, document=document, carried_over=True, conclusion="", submitted_by=by
    )
    return document


@pytest.fixture
def desk(reviewer, second_reviewer):
    """One dossier in each place a reviewer's day goes through, and some that are not theirs."""
    service = f.service
    desk = {
        "submitted": f.dossier(service(), status=S.SUBMITTED),
        "mine_in_review": f.dossier(service(), status=S.IN_REVIEW, instructing_reviewer=reviewer),
        "other_in_review": f.dossier(service(), status=S.IN_REVIEW, instructing_reviewer=second_reviewer),
        "mine_changes": f.dossier(service(), status=S.CHANGES_REQUESTED, instructing_reviewer=reviewer),
        "mine_evaluation": f.dossier(service(), status=S.EVALUATION, instructing_reviewer=reviewer),
        "mine_reported": f.dossier(service(), status=S.EVALUATION, instructing_reviewer=reviewer),
        "other_decision": f.dossier(service(), status=S.DECISION, instructing_reviewer=second_reviewer),
        "mine_qualified": f.dossier(service(), status=S.QUALIFIED, instructing_reviewer=reviewer),
        "draft": f.dossier(service(), status=S.DRAFT),
    }
    report(desk["mine_reported"], reviewer)
    return {key: d.reference for key, d in desk.items()}


def test_each_reviewer_queue_holds_exactly_its_dossiers(desk, reviewer):
    assert held("to_take", reviewer) == {desk["submitted"]}
    assert held("in_review", reviewer) == {desk["mine_in_review"]}
    assert held("evaluation", reviewer) == {desk["mine_evaluation"]}
    assert held("reported", reviewer) == {desk["mine_reported"]}
    assert held("mine", reviewer) == {
        desk["mine_in_review"], desk["mine_changes"], desk["mine_evaluation"], desk["mine_reported"]
    }  # fmt: skip
    assert held("waiting", reviewer) == {
        desk["submitted"], desk["mine_in_review"], desk["mine_evaluation"], desk["mine_reported"]
    }  # fmt: skip
    assert held("decision", reviewer) == set()  # not on the committee
    assert len(held("all", reviewer)) == 9


def test_a_refused_evaluation_report_leaves_the_dossier_waiting_for_the_report(reviewer):
    d = f.dossier(status=S.EVALUATION, instructing_reviewer=reviewer)
    document = report(d, reviewer)
    document.scan_status = document.ScanStatus.INFECTED
    document.save(update_fields=["scan_status"])
    assert held("evaluation", reviewer) == {d.reference}
    assert held("reported", reviewer) == set()


def test_the_decision_queue_leaves_out_every_dossier_the_person_took_part_in_instructing(
    reviewer, reviewer_in_committee, decision_maker
):
    """Four eyes, from history: a dual-role person who took, requested changes on, or wrote the report of a dossier
    that another reviewer now instructs never finds it among the decisions waiting for them."""
    now = timezone.now()
    clean = f.dossier(status=S.DECISION, instructing_reviewer=reviewer)
    took = f.dossier(status=S.DECISION, instructing_reviewer=reviewer)
    event(took, "take", reviewer_in_committee, now)
    asked_changes = f.dossier(status=S.DECISION, instructing_reviewer=reviewer)
    event(asked_changes, "request_changes", reviewer_in_committee, now)
    wrote_report = f.dossier(status=S.EVALUATION, instructing_reviewer=reviewer_in_committee)
    report(wrote_report, reviewer_in_committee)
    Dossier.objects.filter(pk=wrote_report.pk).update(status=S.DECISION, instructing_reviewer=reviewer)
    instructs = f.dossier(status=S.DECISION, instructing_reviewer=reviewer_in_committee)
    in_evaluation = f.dossier(status=S.EVALUATION, instructing_reviewer=reviewer)

    assert held("decision", reviewer_in_committee) == {clean.reference}
    everyone_elses = {clean, took, asked_changes, wrote_report, instructs}
    assert held("decision", decision_maker) == {d.reference for d in everyone_elses}
    assert in_evaluation.reference not in held("waiting", decision_maker)


def test_answered_holds_my_dossiers_where_the_provider_spoke_after_my_last_word(
    reviewer, second_reviewer, owner, provider
):
    start = timezone.now() - datetime.timedelta(days=3)
    d = f.dossier(f.service(provider), status=S.IN_REVIEW, instructing_reviewer=reviewer)
    event(d, "take", reviewer, start)
    assert held("answered", reviewer) == set()

    # The provider writes: an answer to read.
    answers.reply_post(dossier=d, by=owner, body="Here is the support site.")
    assert held("answered", reviewer) == {d.reference}
    # The reviewer writes back: nothing left to read.
    message_post(dossier=d, by=reviewer, body="Thank you, noted.")
    assert held("answered", reviewer) == set()
    # Another agency member's note is not the provider answering.
    message_post(dossier=d, by=second_reviewer, body="Internal remark.", internal=True)
    assert held("answered", reviewer) == set()
    # A resubmission after the reviewer's last word is an answer too, and the reviewer's next move closes it.
    resubmitted = event(d, "resubmit", owner, timezone.now() + datetime.timedelta(minutes=1))
    assert held("answered", reviewer) == {d.reference}
    assert held("answered", second_reviewer) == set()  # not theirs to read
    event(d, "admit", reviewer, resubmitted.created_at + datetime.timedelta(minutes=1))
    assert held("answered", reviewer) == set()


def test_answered_counts_a_provider_message_while_changes_are_requested(reviewer, owner, provider):
    d = f.dossier(f.service(provider), status=S.CHANGES_REQUESTED, instructing_reviewer=reviewer)
    event(d, "request_changes", reviewer, timezone.now() - datetime.timedelta(hours=1))
    answers.reply_post(dossier=d, by=owner, body="A question about item 2.")
    assert held("answered", reviewer) == {d.reference}


def _at(day, hour=10):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_overdue_starts_the_day_after_the_limit_as_the_reminders_count(
    time_machine, settings, reviewer, decision_maker, administrator, reviewer_in_committee
):
    settings.REVIEW_REMINDER_DAYS = 14
    settings.EVALUATION_TARGET_DAYS = 90
    entered = datetime.date(2026, 3, 2)
    time_machine.move_to(_at(entered))
    submitted = f.dossier(status=S.SUBMITTED, status_changed_at=_at(entered))
    decision = f.dossier(status=S.DECISION, status_changed_at=_at(entered), instructing_reviewer=reviewer_in_committee)
    changes = f.dossier(status=S.CHANGES_REQUESTED, status_changed_at=_at(entered), instructing_reviewer=reviewer)
    evaluation = f.dossier(status=S.EVALUATION, status_changed_at=_at(entered), instructing_reviewer=reviewer)

    # 14 days later, to the last minute of the day: waited 14 days, not more.
    time_machine.move_to(_at(entered + datetime.timedelta(days=14), 23) + datetime.timedelta(minutes=59))
    assert held("overdue", administrator) == set()
    # The next morning: more than 14 days. The provider's turn (changes requested) is never the agency's delay.
    time_machine.move_to(_at(entered + datetime.timedelta(days=15), 0) + datetime.timedelta(minutes=1))
    assert held("overdue", administrator) == {submitted.reference, decision.reference}
    assert held("overdue", reviewer) == {submitted.reference}  # what waits on them; the decision is the committee's
    assert held("overdue", decision_maker) == {decision.reference}
    assert held("overdue", reviewer_in_committee) == {submitted.reference}  # they instruct the one at decision
    assert changes.reference not in held("overdue", administrator)

    # Evaluation has its own target: 90 days.
    time_machine.move_to(_at(entered + datetime.timedelta(days=90), 23))
    assert evaluation.reference not in held("overdue", reviewer)
    time_machine.move_to(_at(entered + datetime.timedelta(days=91), 9))
    assert evaluation.reference in held("overdue", reviewer)


def test_unread_counts_the_messages_of_others_since_my_last_visit(reviewer, second_reviewer, owner, provider):
    d = f.dossier(f.service(provider), status=S.IN_REVIEW, instructing_reviewer=reviewer)
    message_post(dossier=d, by=reviewer, body="My own question.")
    answers.reply_post(dossier=d, by=owner, body="An answer.")
    message_post(dossier=d, by=second_reviewer, body="A colleague's note.", internal=True)

    def unread(person):
        return with_unread(Dossier.objects.filter(pk=d.pk), person.pk).get().unread

    assert unread(reviewer) == 2  # never opened: all but their own
    DossierVisit.objects.create(user=reviewer, dossier=d, seen_at=timezone.now())
    assert unread(reviewer) == 0
    Message.objects.create(dossier=d, author=owner, body="One more thing.")
    assert unread(reviewer) == 1
    assert unread(second_reviewer) == 3  # everything but their own note


def test_last_activity_is_the_latest_event_with_its_actor(reviewer):
    d = f.dossier(status=S.IN_REVIEW, instructing_reviewer=reviewer)
    event(d, "take", reviewer, timezone.now() - datetime.timedelta(days=2))
    latest = event(d, "submit", None, timezone.now() - datetime.timedelta(days=1))
    row = with_last_activity(Dossier.objects.filter(pk=d.pk)).get()
    assert row.last_activity_at == latest.created_at
    assert row.last_activity_by is None  # the registry itself
    event(d, "admit", reviewer, timezone.now())
    assert with_last_activity(Dossier.objects.filter(pk=d.pk)).get().last_activity_by == "Rita Reviewer"


# --- The list. ---


def test_a_reviewer_opens_the_list_on_their_own_open_dossiers(client, desk, reviewer):
    f.login_with_mfa(client, reviewer)
    page = client.get(reverse(CHANGELIST))
    assert page.status_code == 200
    assert "<h1>Dossiers – Mine, open</h1>" in page.text
    shown = {str(d) for d in page.context["cl"].result_list}
    assert shown == {desk["mine_in_review"], desk["mine_changes"], desk["mine_evaluation"], desk["mine_reported"]}
    for key in ("mine", "to_take", "in_review", "answered", "evaluation", "reported", "overdue", "waiting", "all"):
        assert f"?queue={key}" in page.text, key  # every queue a reviewer has is one click away
    assert "?queue=decision" not in page.text
    assert "Show all" not in page.text  # the list without parameters is this queue again, not everything


def test_a_committee_member_opens_the_list_on_the_decisions_waiting_for_them(client, desk, decision_maker):
    f.login_with_mfa(client, decision_maker)
    page = client.get(reverse(CHANGELIST))
    assert "<h1>Dossiers – Awaiting my decision</h1>" in page.text
    assert {str(d) for d in page.context["cl"].result_list} == {desk["other_decision"]}


@pytest.mark.parametrize("key", ["to_take", "in_review", "evaluation", "reported", "all"])
def test_each_queue_of_the_list_shows_what_the_queue_holds(client, desk, reviewer, key):
    f.login_with_mfa(client, reviewer)
    page = client.get(reverse(CHANGELIST), {"queue": key})
    assert {str(d) for d in page.context["cl"].result_list} == held(key, reviewer)
    assert f"<h1>Dossiers – {QUEUES[key].label}</h1>" in page.text


def test_an_unknown_queue_goes_back_to_the_default_one(client, reviewer):
    f.login_with_mfa(client, reviewer)
    response = client.get(reverse(CHANGELIST), {"queue": "everything-please"})
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_the_list_shows_the_last_activity_with_its_zone_and_the_unread_messages(client, reviewer, owner, provider):
    d = f.dossier(f.service(provider), status=S.IN_REVIEW, instructing_reviewer=reviewer)
    event(d, "take", reviewer, timezone.now())
    answers.reply_post(dossier=d, by=owner, body="First answer.")
    answers.reply_post(dossier=d, by=owner, body="Second answer.")
    f.login_with_mfa(client, reviewer)
    page = client.get(reverse(CHANGELIST)).text
    row = page[page.index(d.reference) :]
    row = row[: row.index("</tr>")]
    assert "owner@nuage.test" in row  # the provider's latest message, by an owner without a name
    assert " CET" in row or " CEST" in row  # the zone the time is shown in
    assert '<strong class="tcr-unread">2</strong>' in row


def _dossiers(count, reviewer, owner):
    scheme = f.scheme(with_requirements=False)
    for i in range(count):
        d = f.dossier(f.service(), scheme, status=(S.IN_REVIEW, S.EVALUATION)[i % 2], instructing_reviewer=reviewer)
        event(d, "take", reviewer, timezone.now())
        Message.objects.create(dossier=d, author=owner, body="An answer.")


@pytest.mark.parametrize("query", ["", "?queue=all", "?queue=answered", "?queue=overdue", "?queue=all&o=4"])
def test_the_list_costs_the_same_queries_with_3_and_30_dossiers(
    client, reviewer, owner, query, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse(CHANGELIST) + query
    _dossiers(3, reviewer, owner)
    f.login_with_mfa(client, reviewer)
    client.get(url)
    # session, user, the actor's groups and memberships, the reviewers and schemes to filter by, the count, the page's
    # ids, then its rows with service and provider, last activity and unread counted by subqueries in the same query.
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    assert len(small) <= 12
    _dossiers(27, reviewer, owner)
    with django_assert_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200


def test_the_list_heading_and_columns_in_french(client, reviewer):
    f.dossier(status=S.IN_REVIEW, instructing_reviewer=reviewer)
    f.login_with_mfa(client, reviewer)
    page = client.get(reverse(CHANGELIST), HTTP_ACCEPT_LANGUAGE="fr").text
    assert "<h1>Dossiers – À moi, ouverts</h1>" in page
    assert "Sélectionnez" not in page
    for heading in ("dernière activité", "messages non lus", "jours dans ce statut", "Par file de travail"):
        assert heading in page.lower() or heading in page, heading
    assert "À prendre" in page and "Tous les dossiers" in page


@pytest.mark.parametrize("who", ["owner", "staff_without_group"])
def test_people_outside_the_agency_get_no_queue(client, owner, who):
    if who == "owner":
        client.force_login(owner)
    else:
        f.login_with_mfa(client, f.user(staff=True))
    response = client.get(reverse(CHANGELIST), {"queue": "to_take"})
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert reverse("admin:login") in response["Location"]


def test_a_contract_the_centre_confirmed_or_a_plan_it_filed_waits_on_the_instructing_reviewer(
    complete_draft, walk, editor, reviewer, second_reviewer, center
):
    from registry.evaluation import contracts

    admitted = walk(complete_draft, S.IN_REVIEW)
    from registry.qualification.services.dossiers import dossier_admit

    dossier_admit(dossier=admitted, by=reviewer)
    contract = contracts.contract_file(dossier=admitted, by=editor, centre=center, uploaded=f.pdf())
    assert held("to_validate", reviewer) == set()  # the centre confirms first
    contracts.contract_confirm(contract=contract, by=f.centre_evaluator_user(center))
    assert held("to_validate", reviewer) == {admitted.reference}
    assert held("to_validate", second_reviewer) == set()
    contracts.contract_validate(contract=contract, by=reviewer)
    assert held("to_validate", reviewer) == set()  # the plan is the centre's to file
    from registry.evaluation import plans

    plan = plans.plan_file(
        dossier=admitted, by=f.centre_evaluator_user(center), scope="All.", sites=[], other_locations="Head office.",
        starts_on=timezone.localdate(), ends_on=timezone.localdate(), team="Lead evaluator",
    )  # fmt: skip
    assert held("to_validate", reviewer) == {admitted.reference}
    plans.plan_validate(plan=plan, by=reviewer)
    assert held("to_validate", reviewer) == set()
