"""The reviewers' workspace in the admin: the dossier list, its page and the workflow moves, driven as a reviewer would."""

import pytest
from django.urls import reverse

from registry.accounts.permissions import actor_for
from registry.certificates.models import Certificate
from registry.evaluation import contracts
from registry.qualification.models import Dossier, DossierEvent, Message
from registry.qualification.selectors import dossiers_waiting_for, with_instructors
from registry.qualification.services import dossiers as svc
from registry.qualification.workflow import available_actions
from tests import factories as f

S = Dossier.Status


def change_url(d):
    return reverse("admin:registry_dossier_change", args=[d.pk])


def move_url(d, action):
    return reverse("admin:registry_dossier_move", args=[d.pk, action])


@pytest.fixture
def submitted(complete_draft, editor):
    return svc.dossier_submit(dossier=complete_draft, by=editor)


@pytest.fixture
def in_evaluation(submitted, editor, reviewer, center):
    svc.dossier_take(dossier=submitted, by=reviewer)
    svc.dossier_admit(dossier=submitted, by=reviewer)
    f.contracted(submitted, provider_user=editor, reviewer=reviewer, center=center)
    return Dossier.objects.get(pk=submitted.pk)


@pytest.fixture
def at_decision(in_evaluation, reviewer):
    f.evaluated(in_evaluation, reviewer=reviewer)
    return svc.dossier_report(dossier=in_evaluation, by=reviewer, recommendation="qualify")


def test_a_reviewer_carries_a_dossier_from_submitted_to_decision_and_a_second_person_qualifies_it(
    client, submitted, editor, reviewer, decision_maker, center
):
    f.login_with_mfa(client, reviewer)
    page = client.get(change_url(submitted))
    assert page.status_code == 200
    assert "Take this dossier" in page.text

    assert client.post(move_url(submitted, "take"), {"comment": ""}).status_code == 302
    response = client.post(move_url(submitted, "admit"), {"comment": "Admissible."})
    assert response.status_code == 302
    # The provider files its contract with the centre, which confirms it; the reviewer validates it on the page.
    contract = contracts.contract_file(dossier=submitted, by=editor, centre=center, uploaded=f.pdf("contract.pdf"))
    contracts.contract_confirm(contract=contract, by=f.centre_evaluator_user(center))
    page = client.get(change_url(submitted) + "?part=evaluation")
    assert "Validate the contract" in page.text
    validate = reverse("admin:registry_dossier_contract_validate", args=[submitted.pk, contract.pk])
    assert client.post(validate).status_code == 302
    f.evaluated(submitted, reviewer=reviewer)  # the centre's plan (validated), grid and report
    response = client.post(move_url(submitted, "report"), {"recommendation": "qualify", "comment": "Report attached."})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == S.DECISION
    assert submitted.evaluation_center == center

    f.login_with_mfa(client, decision_maker)
    page = client.get(change_url(submitted))
    assert "Qualify" in page.text
    response = client.post(
        move_url(submitted, "qualify"),
        {"scope": "Virtual machines in the Paris region.", "conditions": "", "comment": ""},
    )
    assert response.status_code == 302
    certificate = Certificate.objects.get(dossier=submitted)
    assert certificate.status == Certificate.Status.ACTIVE
    assert certificate.number.startswith("SNC-")
    page = client.get(reverse("admin:registry_certificate_change", args=[certificate.pk]))
    assert page.status_code == 200
    assert "Qualification granted." in page.text
    actions = list(DossierEvent.objects.filter(dossier=submitted).values_list("action", flat=True))
    assert actions == [
        "create", "submit", "take", "admit",
        "contract_file", "contract_confirm", "contract_validate", "plan_file", "plan_validate", "report_submit",
        "report", "qualify",
    ]  # fmt: skip


def test_a_reviewer_outside_the_committee_sees_no_qualify_button_and_a_post_is_refused(
    client, at_decision, second_reviewer
):
    f.login_with_mfa(client, second_reviewer)
    page = client.get(change_url(at_decision))
    assert page.status_code == 200
    assert move_url(at_decision, "qualify") not in page.text
    response = client.post(move_url(at_decision, "qualify"), {"scope": "Everything"})
    assert response.status_code == 403
    at_decision.refresh_from_db()
    assert at_decision.status == S.DECISION
    assert not Certificate.objects.exists()


def test_it_refuses_a_decision_by_the_instructing_reviewer_even_in_the_committee(
    client, complete_draft, editor, reviewer_in_committee, center
):
    d = svc.dossier_submit(dossier=complete_draft, by=editor)
    svc.dossier_take(dossier=d, by=reviewer_in_committee)
    svc.dossier_admit(dossier=d, by=reviewer_in_committee)
    f.contracted(d, provider_user=editor, reviewer=reviewer_in_committee, center=center)
    f.evaluated(d, reviewer=reviewer_in_committee)
    svc.dossier_report(dossier=d, by=reviewer_in_committee, recommendation="qualify")
    f.login_with_mfa(client, reviewer_in_committee)
    page = client.get(move_url(d, "qualify"), follow=True)
    assert "You took part in instructing this dossier" in page.text
    assert client.post(move_url(d, "qualify"), {"scope": "All"}).status_code == 403
    events = DossierEvent.objects.filter(dossier=d).count()
    d.refresh_from_db()
    assert d.status == S.DECISION
    assert DossierEvent.objects.filter(dossier=d).count() == events


def test_a_move_without_its_required_reason_shows_the_error_and_changes_nothing(client, submitted, reviewer):
    svc.dossier_take(dossier=submitted, by=reviewer)
    f.login_with_mfa(client, reviewer)
    response = client.post(move_url(submitted, "request_changes"), {"comment": "   "})
    assert response.status_code == 200
    assert "This field is required." in response.text
    submitted.refresh_from_db()
    assert submitted.status == S.IN_REVIEW


def test_admitting_asks_for_no_centre_the_provider_names_it_in_its_contract(client, submitted, reviewer):
    svc.dossier_take(dossier=submitted, by=reviewer)
    f.login_with_mfa(client, reviewer)
    page = client.get(move_url(submitted, "admit"))
    assert 'name="evaluation_center"' not in page.text
    assert client.post(move_url(submitted, "admit"), {"comment": ""}).status_code == 302
    submitted.refresh_from_db()
    assert (submitted.status, submitted.evaluation_center) == (S.EVALUATION, None)


def test_sending_to_decision_without_an_evaluation_report_says_what_is_missing(client, in_evaluation, reviewer):
    f.login_with_mfa(client, reviewer)
    response = client.post(move_url(in_evaluation, "report"), {"comment": ""})
    assert response.status_code == 200
    assert "The centre has not submitted its technical report." in response.text
    in_evaluation.refresh_from_db()
    assert in_evaluation.status == S.EVALUATION


def test_an_unknown_move_is_not_found(client, submitted, reviewer):
    f.login_with_mfa(client, reviewer)
    assert client.get(move_url(submitted, "explode")).status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "owner", "staff_without_group"])
def test_people_outside_the_agency_cannot_reach_the_workspace(client, submitted, owner, who):
    if who == "owner":
        client.force_login(owner)
    elif who == "staff_without_group":
        f.login_with_mfa(client, f.user(staff=True))
    for url in (change_url(submitted), move_url(submitted, "take"), reverse("admin:registry_dossier_changelist")):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert reverse("admin:login") in response["Location"]
    assert client.post(move_url(submitted, "take"), {}).status_code in (302, 403)
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED


def test_the_instructing_reviewer_records_findings_and_another_reviewer_is_refused(
    client, in_evaluation, reviewer, second_reviewer
):
    answer = in_evaluation.answers.first()
    url = reverse("admin:registry_dossier_findings", args=[in_evaluation.pk])
    f.login_with_mfa(client, second_reviewer)
    form = {"chapter": answer.requirement.parent.ref, f"finding-{answer.pk}": "major", f"note-{answer.pk}": "No"}
    assert client.post(url, form).status_code == 403
    answer.refresh_from_db()
    assert answer.finding == ""

    f.login_with_mfa(client, reviewer)
    chapter = answer.requirement.parent.ref
    form = {"chapter": chapter, f"finding-{answer.pk}": "minor", f"note-{answer.pk}": "Logs kept 3 months only."}
    assert client.post(url, form).status_code == 302
    answer.refresh_from_db()
    assert (answer.finding, answer.finding_note, answer.finding_by) == ("minor", "Logs kept 3 months only.", reviewer)


def test_an_internal_note_stays_internal_and_a_message_reaches_the_thread(client, submitted, reviewer):
    url = reverse("admin:registry_dossier_message", args=[submitted.pk])
    f.login_with_mfa(client, reviewer)
    client.post(url, {"body": "Check the shareholder agreement.", "internal": "on"})
    client.post(url, {"body": "Please send the 2026 risk analysis."})
    notes = dict(Message.objects.filter(dossier=submitted).values_list("body", "internal"))
    assert notes == {"Check the shareholder agreement.": True, "Please send the 2026 risk analysis.": False}
    page = client.get(change_url(submitted) + "?part=messages")
    assert "internal note" in page.text


def test_documents_download_only_for_agency_staff(client, submitted, reviewer, owner):
    document = submitted.documents.first()
    url = reverse("admin:registry_document_download", args=[document.pk])
    f.login_with_mfa(client, reviewer)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert document.original_name in response["Content-Disposition"]
    client.force_login(owner)
    assert client.get(url).status_code == 302  # not staff: sent to the admin login
    f.login_with_mfa(client, f.user(staff=True))
    assert client.get(url).status_code == 403


def test_the_list_filters_my_dossiers_and_those_waiting_for_me(client, in_evaluation, reviewer, second_reviewer):
    waiting_for_anyone = f.dossier(status=S.SUBMITTED)
    someone_elses = f.dossier(status=S.IN_REVIEW, instructing_reviewer=second_reviewer)
    f.login_with_mfa(client, reviewer)
    changelist = reverse("admin:registry_dossier_changelist")

    mine = client.get(changelist + "?queue=mine").text
    assert in_evaluation.reference in mine
    assert waiting_for_anyone.reference not in mine
    assert someone_elses.reference not in mine

    waiting = client.get(changelist + "?queue=waiting").text
    assert in_evaluation.reference in waiting
    assert waiting_for_anyone.reference in waiting
    assert someone_elses.reference not in waiting


def test_waiting_for_me_agrees_with_the_workflow_table(
    db, reviewer, second_reviewer, decision_maker, reviewer_in_committee, center
):
    people = [reviewer, second_reviewer, decision_maker, reviewer_in_committee]
    dossiers = []
    for status in S.values:
        for instructing in (None, reviewer, reviewer_in_committee):
            d = f.dossier(status=status, instructing_reviewer=instructing)
            dossiers.append(d)
    for person in people:
        actor = actor_for(person)
        waiting = set(dossiers_waiting_for(actor).values_list("pk", flat=True))
        for d in dossiers:
            d = with_instructors(Dossier.objects.select_related("service").get(pk=d.pk))
            assert (d.pk in waiting) == bool(available_actions(actor, d, agency=True)), (person.email, d.status)


def test_the_dossier_list_runs_a_fixed_number_of_queries(client, reviewer, django_assert_max_num_queries):
    for _ in range(25):
        f.dossier(status=S.SUBMITTED)
    f.login_with_mfa(client, reviewer)
    # session, user, groups (actor), memberships (actor), count, filtered count, page rows, reviewer filter choices,
    # scheme filter choices, savepoint bookkeeping: a bound that does not grow with the number of dossiers.
    with django_assert_max_num_queries(14):
        response = client.get(reverse("admin:registry_dossier_changelist") + "?queue=waiting")
    assert response.status_code == 200
    assert response.text.count("DOS-2026-") >= 25


def test_an_infected_document_is_never_served(client, submitted, reviewer, owner):
    document = submitted.documents.first()
    document.scan_status = document.ScanStatus.INFECTED
    document.save(update_fields=["scan_status"])
    f.login_with_mfa(client, reviewer)
    assert client.get(reverse("admin:registry_document_download", args=[document.pk])).status_code == 403
    client.force_login(owner)
    assert client.get(reverse("portal:document-download", args=[document.pk])).status_code == 403


def _dossiers(count, **kw):
    """`count` dossiers in the agency's hands, each for a service of its own (one open dossier per service)."""
    scheme = f.scheme(with_requirements=False)
    for i in range(count):
        f.dossier(f.service(), scheme, status=(S.SUBMITTED, S.IN_REVIEW, S.EVALUATION)[i % 3], **kw)


@pytest.mark.parametrize("query", ["", "?queue=waiting", "?queue=all&status__exact=submitted", "?q=Cloud", "?o=2"])
def test_the_dossier_list_costs_the_same_queries_with_3_and_30_dossiers(
    client, reviewer, second_reviewer, query, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("admin:registry_dossier_changelist") + query
    _dossiers(3, instructing_reviewer=second_reviewer)
    f.login_with_mfa(client, reviewer)
    client.get(url)
    # session, user, permissions (user, groups), schemes and reviewers to filter by, the count, the rows with their
    # service, provider, scheme and reviewer, the actor's groups and memberships (MineFilter, waiting for me)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _dossiers(27, instructing_reviewer=reviewer)
    with django_assert_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200


def test_every_page_of_a_long_dossier_list_holds_the_next_dossiers_in_order(
    client, reviewer, django_assert_num_queries
):
    """The list pages by id from whichever end is nearer (registry/core/paging.py): the pages, read in turn, are the
    whole list in its order, ties on the time of the last move broken by the newest dossier first."""
    import datetime

    from django.utils import timezone

    service, scheme = f.service(), f.scheme(with_requirements=False)
    moment = timezone.now()
    for i in range(130):
        f.dossier(service, scheme, status=S.REJECTED, status_changed_at=moment - datetime.timedelta(hours=i // 3))
    expected = list(Dossier.objects.order_by("status_changed_at", "-pk").values_list("reference", flat=True))
    f.login_with_mfa(client, reviewer)
    changelist = reverse("admin:registry_dossier_changelist")
    shown = []
    for page in (1, 2, 3):
        response = client.get(changelist, {"queue": "all", "p": page})
        assert response.status_code == 200
        shown += [str(d) for d in response.context["cl"].result_list]
    assert shown == expected
    # The first page (read forwards) and the last (read from the end) cost the same: ids first, then their rows.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        client.get(changelist, {"queue": "all", "p": 1})
    with django_assert_num_queries(len(first)):
        client.get(changelist, {"queue": "all", "p": 3})


def test_the_dossier_list_search_finds_a_reference_a_service_or_a_provider(client, reviewer):
    wanted = f.dossier(f.service(f.provider(legal_name="Brumecloud Hosting SAS"), name="Vault Compute"))
    other = f.dossier(f.service(name="Other Thing"))
    f.login_with_mfa(client, reviewer)
    changelist = reverse("admin:registry_dossier_changelist")
    for term in (wanted.reference, "vault", "BRUMECLOUD", "brumecloud compute"):
        page = client.get(changelist, {"queue": "all", "q": term}).text
        assert wanted.reference in page, term
        assert other.reference not in page, term
