"""The workspace's home (registry/agency/site.py): after sign-in, each agency member lands on the queues of their groups,
with counts, the oldest wait and a link to each list; the tables are behind "Reference data and administration"."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from registry.qualification.models import Dossier, DossierEvent
from tests import factories as f

S = Dossier.Status
HOME = "admin:index"


def queues_on(page) -> dict:
    """{queue key: count} as the home's tables show them."""
    return {q["key"]: q["count"] for q in page.context["queues"] + (page.context["certificates"] or [])}


def test_a_reviewer_lands_on_their_queues_with_counts_and_the_oldest_wait(client, reviewer, second_reviewer):
    long_ago = timezone.now() - datetime.timedelta(days=5, hours=1)
    f.dossier(status=S.SUBMITTED, status_changed_at=long_ago)
    f.dossier(status=S.SUBMITTED)
    f.dossier(status=S.IN_REVIEW, instructing_reviewer=reviewer)
    f.dossier(status=S.IN_REVIEW, instructing_reviewer=second_reviewer)
    f.dossier(status=S.EVALUATION, instructing_reviewer=reviewer)
    f.dossier(status=S.DECISION, instructing_reviewer=second_reviewer)
    f.login_with_mfa(client, reviewer)

    page = client.get(reverse(HOME))
    assert page.status_code == 200
    assert queues_on(page) == {
        "to_take": 2, "in_review": 1, "answered": 0, "to_validate": 0, "evaluation": 1, "reported": 0, "overdue": 0,
        "surveillance": 0, "conditions": 0,
    }  # fmt: skip
    assert "<h1>My work</h1>" in page.text
    assert '<a href="/admin/registry/dossier/?queue=to_take">To take</a>' in page.text
    assert "5 days in its status" in page.text  # the oldest of the two to take
    assert "Awaiting my decision" not in page.text  # not on the committee
    # Of the certificates, those a reviewer acts on: surveillance past its grace and overdue conditions.
    assert "Certificates needing action" in page.text
    assert "Surveillance overdue past grace" in page.text and "Suspension review due" not in page.text
    assert "nav-sidebar" not in page.text  # the whole width for the work


def test_a_committee_member_sees_the_decisions_they_may_take_and_the_certificates(
    client, decision_maker, reviewer_in_committee, reviewer
):
    mine = f.dossier(status=S.DECISION, instructing_reviewer=reviewer)
    instructed = f.dossier(status=S.DECISION, instructing_reviewer=reviewer)
    DossierEvent.objects.create(dossier=instructed, action="take", actor=reviewer_in_committee)
    today = timezone.localdate()
    f.certificate(status="suspended", review_due_on=today - datetime.timedelta(days=2))
    f.certificate(status="suspended", review_due_on=today + datetime.timedelta(days=20))
    f.certificate(issued_on=today - datetime.timedelta(days=1000), expires_on=today + datetime.timedelta(days=30))
    f.certificate()  # three years to run

    f.login_with_mfa(client, decision_maker)
    page = client.get(reverse(HOME))
    assert queues_on(page) == {
        "decision": 2, "overdue": 0, "review": 1, "expiring": 1, "proposed": 0, "surveillance": 0, "conditions": 0
    }  # fmt: skip
    assert '<a href="/admin/registry/certificate/?action=review">Suspension review due</a>' in page.text
    assert '<a href="/admin/registry/certificate/?action=expiring">Expiring within 90 days</a>' in page.text
    assert "To take" not in page.text  # not a reviewer

    # Four eyes: the dual-role member who took one of them has only the other waiting for their decision.
    f.login_with_mfa(client, reviewer_in_committee)
    page = client.get(reverse(HOME))
    assert queues_on(page)["decision"] == 1
    listed = client.get(reverse("admin:registry_dossier_changelist"), {"queue": "decision"})
    assert [str(d) for d in listed.context["cl"].result_list] == [mine.reference]


def test_the_certificate_links_lead_to_the_certificates_they_count(client, decision_maker):
    today = timezone.localdate()
    due = f.certificate(status="suspended", review_due_on=today - datetime.timedelta(days=1))
    expiring = f.certificate(
        issued_on=today - datetime.timedelta(days=1000), expires_on=today + datetime.timedelta(days=10)
    )
    f.login_with_mfa(client, decision_maker)
    for key, certificate in (("review", due), ("expiring", expiring)):
        page = client.get(reverse("admin:registry_certificate_changelist"), {"action": key})
        assert [c.number for c in page.context["cl"].result_list] == [certificate.number]


def test_an_administrator_sees_everything_overdue_and_the_reference_data_open(client, administrator, settings):
    settings.REVIEW_REMINDER_DAYS = 14
    f.dossier(status=S.IN_REVIEW, status_changed_at=timezone.now() - datetime.timedelta(days=20))
    f.login_with_mfa(client, administrator)
    page = client.get(reverse(HOME))
    assert queues_on(page) == {
        "overdue": 1, "review": 0, "expiring": 0, "proposed": 0, "surveillance": 0, "conditions": 0
    }  # fmt: skip
    assert "Reference data and administration" in page.text
    assert '<a href="/admin/registry/scheme/">' in page.text  # the tables, one disclosure away
    assert "Failed deliveries" in page.text


def test_a_superuser_outside_the_groups_finds_the_tables_open(client, db):
    f.login_with_mfa(client, f.user(staff=True, is_superuser=True))
    page = client.get(reverse(HOME))
    assert page.status_code == 200
    assert page.context["queues"] == []
    assert "<details open>" in page.text


@pytest.mark.parametrize("who", ["owner", "staff_without_group"])
def test_the_home_is_refused_outside_the_agency(client, owner, who):
    if who == "owner":
        client.force_login(owner)
        response = client.get(reverse(HOME))
        assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    else:
        f.login_with_mfa(client, f.user(staff=True))
        response = client.get(reverse(HOME))
        assert response.status_code == 403
        assert "Access refused" in response.text


def _work(count, reviewer, committee):
    """`count` dossiers spread over every queue: to take, in review, answered, in evaluation, at decision, overdue."""
    scheme = f.scheme(with_requirements=False)
    old = timezone.now() - datetime.timedelta(days=40)
    for i in range(count):
        status = (S.SUBMITTED, S.IN_REVIEW, S.CHANGES_REQUESTED, S.EVALUATION, S.DECISION)[i % 5]
        d = f.dossier(f.service(), scheme, status=status, instructing_reviewer=reviewer, status_changed_at=old)
        DossierEvent.objects.create(dossier=d, action="take", actor=reviewer if i % 2 else committee)
        DossierEvent.objects.create(dossier=d, action="resubmit", actor=None)


@pytest.mark.parametrize("role", ["reviewer", "reviewer_in_committee", "administrator"])
def test_the_home_costs_the_same_queries_with_3_and_30_dossiers(
    client, request, role, reviewer, reviewer_in_committee, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    person = request.getfixturevalue(role)
    _work(3, reviewer, reviewer_in_committee)
    f.login_with_mfa(client, person)
    client.get(reverse(HOME))
    # session, user, the actor's groups and memberships, the permissions for the table list (user's and groups'),
    # one aggregate over the dossiers for every queue, one over the certificates, one over the open incidents, the
    # schemes' grace days, one aggregate over the surveillance audits and one over the conditions: none grows with
    # the data.
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse(HOME)).status_code == 200
    assert len(small) <= 13, [q["sql"] for q in small.captured_queries]
    _work(27, reviewer, reviewer_in_committee)
    with django_assert_num_queries(len(small)):
        page = client.get(reverse(HOME))
    assert sum(queues_on(page).values()) > 0


def test_the_home_in_french(client, reviewer_in_committee):
    f.dossier(status=S.SUBMITTED)
    f.login_with_mfa(client, reviewer_in_committee)
    page = client.get(reverse(HOME), HTTP_ACCEPT_LANGUAGE="fr").text
    for words in (
        "<h1>Mon travail</h1>",
        "Dossiers en attente",
        "À prendre",
        "À moi, en instruction",
        "Réponses du fournisseur depuis ma dernière action",
        "En attente de ma décision",
        "En retard",
        "Certificats à traiter",
        "Données de référence et administration",
        "0 jour dans ce statut",
    ):
        assert words in page, words
