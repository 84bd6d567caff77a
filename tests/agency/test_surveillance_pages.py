"""The workspace's surveillance and condition pages: the lists (due, overdue, past grace; conditions overdue) at a fixed
number of queries, an audit instructed from its page (assign, file the report, record the outcome), a condition set
from the certificate's page and closed from its own, and who is refused."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry.certificates.models import Certificate, Condition, SurveillanceAudit
from tests import factories as f

pytestmark = pytest.mark.django_db

SMALL, LARGE = 5, 25


def today():
    return timezone.localdate()


def signed_in(client, user):
    f.login_with_mfa(client, user)
    return client


def surveyed(count, scheme, center, reviewer):
    """`count` certificates, each with an audit overdue past its grace (assigned), one due soon, and an overdue
    condition from an audit."""
    for _ in range(count):
        certificate = f.certificate(f.service(), scheme, issued_on=today() - datetime.timedelta(days=500))
        late = SurveillanceAudit.objects.create(
            certificate=certificate,
            sequence=1,
            due_on=today() - datetime.timedelta(days=90),
            evaluation_center=center,
            reviewer=reviewer,
        )
        SurveillanceAudit.objects.create(
            certificate=certificate, sequence=2, due_on=today() + datetime.timedelta(days=20)
        )
        Condition.objects.create(
            certificate=certificate, surveillance_audit=late, text="Do it.", due_on=today() - datetime.timedelta(days=2)
        )


def queries(client, url) -> int:
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("page", "query"),
    [
        ("admin:registry_surveillanceaudit_changelist", ""),
        ("admin:registry_surveillanceaudit_changelist", "?state=due"),
        ("admin:registry_surveillanceaudit_changelist", "?state=overdue"),
        ("admin:registry_surveillanceaudit_changelist", "?state=past_grace"),
        ("admin:registry_condition_changelist", ""),
        ("admin:registry_condition_changelist", "?state=overdue"),
        ("admin:registry_certificate_changelist", "?action=surveillance"),
        ("admin:registry_certificate_changelist", "?action=conditions"),
    ],
)
def test_the_surveillance_lists_cost_the_same_queries_with_5_and_25_certificates(
    client, reviewer, center, page, query, django_assert_num_queries
):
    scheme = f.scheme(with_requirements=False)
    surveyed(SMALL, scheme, center, reviewer)
    url = reverse(page) + query
    signed_in(client, reviewer)
    small = queries(client, url)
    # session, user, the actor's groups and the membership roles, the count and the filtered count, the page's rows
    # with their certificate, provider, scheme, centre and reviewer, the filters' choices (centres), the dates of the
    # date hierarchy; the past-grace filter reads the schemes' grace days once.
    assert small <= 16
    surveyed(LARGE - SMALL, scheme, center, reviewer)
    with django_assert_num_queries(small):
        response = client.get(url)
    assert response.status_code == 200
    if page == "admin:registry_surveillanceaudit_changelist" and query == "?state=past_grace":
        assert response.context["cl"].result_count == LARGE


def test_the_certificate_page_costs_the_same_queries_with_2_and_10_audits_and_conditions(
    client, reviewer, django_assert_num_queries
):
    certificate = f.certificate(issued_on=today() - datetime.timedelta(days=10))
    url = reverse("admin:registry_certificate_change", args=[certificate.pk])

    def plan(start, count):
        for i in range(start, start + count):
            SurveillanceAudit.objects.create(
                certificate=certificate, sequence=i, due_on=today() + datetime.timedelta(days=i)
            )
            Condition.objects.create(certificate=certificate, text=f"Condition {i}.", due_on=today())

    plan(1, 2)
    signed_in(client, reviewer)
    small = queries(client, url)
    plan(3, 8)
    with django_assert_num_queries(small):
        response = client.get(url)
    assert b"Condition 10." in response.content
    assert b"Surveillance plan" in response.content


def test_a_reviewer_instructs_an_audit_from_its_page(client, reviewer, center, owner):
    certificate = f.certificate(issued_on=today() - datetime.timedelta(days=400))
    audit_obj = SurveillanceAudit.objects.create(certificate=certificate, sequence=1, due_on=today())
    signed_in(client, reviewer)
    page = reverse("admin:registry_surveillanceaudit_change", args=[audit_obj.pk])

    response = client.post(
        reverse("admin:registry_surveillanceaudit_assign", args=[audit_obj.pk]),
        {"evaluation_center": center.pk, "reviewer": reviewer.pk},
    )
    assert response.status_code == 302
    # The centre files its plan, its verdict and its report (tests/agency/test_admin_surveillance_by_centre.py).
    f.audited(audit_obj, f.evaluator(center).user, reviewer)
    # "With conditions" and no condition: refused next to the form, nothing recorded.
    outcome = {"performed_on": today().isoformat(), "outcome": "maintained_with_conditions", "findings": "Logs."}
    response = client.post(reverse("admin:registry_surveillanceaudit_outcome", args=[audit_obj.pk]), outcome)
    assert response.status_code == 200
    assert "at least one condition" in response.content.decode()
    due = (today() + datetime.timedelta(days=30)).isoformat()
    response = client.post(
        reverse("admin:registry_surveillanceaudit_outcome", args=[audit_obj.pk]),
        outcome | {"condition_1": "Keep logs 12 months.", "condition_1_due": due},
    )
    assert response.status_code == 302

    audit_obj.refresh_from_db()
    assert audit_obj.outcome == "maintained_with_conditions"
    assert Condition.objects.get(surveillance_audit=audit_obj).text == "Keep logs 12 months."
    content = client.get(page).content.decode()
    assert "Maintained with conditions" in content and "Keep logs 12 months." in content


def test_only_the_instructing_reviewer_posts_the_outcome_and_only_the_agency_reads_the_audit(
    client, reviewer, second_reviewer, decision_maker, center
):
    certificate = f.certificate(issued_on=today() - datetime.timedelta(days=400))
    audit_obj = SurveillanceAudit.objects.create(
        certificate=certificate, sequence=1, due_on=today(), evaluation_center=center, reviewer=reviewer
    )
    outcome_url = reverse("admin:registry_surveillanceaudit_outcome", args=[audit_obj.pk])
    data = {"performed_on": today().isoformat(), "outcome": "maintained", "findings": "Fine."}
    assert signed_in(client, second_reviewer).post(outcome_url, data).status_code == 403
    assert (
        signed_in(client, decision_maker)
        .post(
            reverse("admin:registry_surveillanceaudit_assign", args=[audit_obj.pk]),
            {"evaluation_center": center.pk, "reviewer": decision_maker.pk},
        )
        .status_code
        == 403
    )
    staff = f.user(staff=True)
    assert (
        signed_in(client, staff)
        .get(reverse("admin:registry_surveillanceaudit_change", args=[audit_obj.pk]))
        .status_code
        == 403
    )
    audit_obj.refresh_from_db()
    assert (audit_obj.outcome, audit_obj.reviewer) == ("", reviewer)


def test_the_committee_sets_a_condition_from_the_certificate_page_and_a_reviewer_closes_it(
    client, decision_maker, reviewer, editor
):
    from registry.certificates.surveillance import condition_answer

    certificate = f.certificate(
        editor.memberships.get().provider.services.create(name="S", slug="s", service_model="iaas")
    )
    due = (today() + datetime.timedelta(days=60)).isoformat()
    signed_in(client, decision_maker)
    response = client.post(
        reverse("admin:registry_condition_create", args=[certificate.pk]), {"text": "Publish the plan.", "due_on": due}
    )
    assert response.status_code == 302
    condition = Condition.objects.get(certificate=certificate)
    assert (
        b"Publish the plan." in client.get(reverse("admin:registry_certificate_change", args=[certificate.pk])).content
    )
    condition_answer(condition=condition, by=editor, response="Published.")

    signed_in(client, reviewer)
    page = client.get(reverse("admin:registry_condition_change", args=[condition.pk])).content.decode()
    assert "Published." in page and 'value="close"' in page
    response = client.post(
        reverse("admin:registry_condition_review", args=[condition.pk]), {"move": "close", "note": "Seen."}
    )
    assert response.status_code == 302
    condition.refresh_from_db()
    assert (condition.state, condition.closing_note) == ("met", "Seen.")
    # Closed: no move is left, a second post is refused.
    response = client.post(
        reverse("admin:registry_condition_review", args=[condition.pk]), {"move": "close", "note": "Again."}
    )
    assert response.status_code == 403


def test_a_withdrawn_certificate_takes_no_new_condition(client, decision_maker):
    certificate = f.certificate(status="withdrawn")
    signed_in(client, decision_maker)
    due = (today() + datetime.timedelta(days=60)).isoformat()
    response = client.post(
        reverse("admin:registry_condition_create", args=[certificate.pk]), {"text": "x", "due_on": due}
    )
    assert response.status_code == 403
    assert not Condition.objects.exists()
    assert Certificate.objects.get(pk=certificate.pk).status == "withdrawn"
