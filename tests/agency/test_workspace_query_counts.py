"""The workspace's certificate list and page, audit log and failed deliveries cost the same database queries with 10
rows as with 50: nothing is read row by row, so the pages stay fast as the registry grows (the dossier list, the home
and the dossier page have theirs in test_admin_dossiers.py, test_workspace_home.py and test_dossier_page.py)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry.accounts.audit import record
from registry.certificates.models import CertificateEvent
from registry.notifications.models import DeliveryFailure
from registry.qualification.workflow import COMMITTEE
from tests import factories as f

SMALL, LARGE = 10, 50


def queries(client, url) -> int:
    """The queries of one reading of `url`, after a first reading that fills the caches a person's session fills."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def certificates(count, scheme, *, start=0):
    """`count` certificates of services of their own: every third suspended with its review due, every third
    expiring within the month, so that each queue of the "needs action" filter grows with them."""
    today = timezone.localdate()
    for i in range(start, start + count):
        if i % 3 == 0:
            c = f.certificate(f.service(), scheme, status="suspended", review_due_on=today - datetime.timedelta(days=1))
        elif i % 3 == 1:
            c = f.certificate(
                f.service(),
                scheme,
                issued_on=today - datetime.timedelta(days=1000),
                expires_on=today + datetime.timedelta(days=20),
            )
        else:
            c = f.certificate(f.service(), scheme)
        f.public_history(c, reason="Incident.")


@pytest.mark.parametrize("query", ["", "?action=review", "?action=expiring", "?status__exact=suspended", "?q=SNC"])
def test_the_certificate_list_costs_the_same_queries_with_10_and_50_certificates(
    client, decision_maker, query, django_assert_num_queries
):
    scheme = f.scheme(with_requirements=False)
    url = reverse("admin:registry_certificate_changelist") + query
    certificates(SMALL, scheme)
    f.login_with_mfa(client, decision_maker)
    small = queries(client, url)
    # session, user, the actor's groups, the count and the filtered count, the page's rows with their service,
    # provider and scheme, the schemes to filter by and the years of issue (date hierarchy).
    assert small <= 14
    certificates(LARGE - SMALL, scheme, start=SMALL)
    with django_assert_num_queries(small):
        response = client.get(url)
    assert response.status_code == 200


def test_the_certificate_page_costs_the_same_queries_with_10_and_50_public_changes(
    client, decision_maker, django_assert_num_queries
):
    certificate = f.certificate()
    url = reverse("admin:registry_certificate_change", args=[certificate.pk])

    def changes(count):
        for i in range(count):
            status = ("suspended", "active")[i % 2]
            CertificateEvent.objects.create(
                certificate=certificate, status=status, reason=f"Change {i}.", actor=decision_maker
            )

    changes(SMALL)
    f.login_with_mfa(client, decision_maker)
    small = queries(client, url)
    changes(LARGE - SMALL)
    with django_assert_num_queries(small):
        response = client.get(url)
    assert response.text.count("Change ") >= LARGE


@pytest.mark.parametrize("query", ["", "?action=certificate.suspend", "?object_type=-", "?q=SNC"])
def test_the_audit_log_costs_the_same_queries_with_10_and_50_events(
    client, administrator, query, django_assert_num_queries
):
    url = reverse("admin:registry_auditevent_changelist") + query

    def events(count):
        for _ in range(count):
            person = f.user(groups=[COMMITTEE])
            certificate = f.certificate()
            record("certificate.suspend", actor=person, obj=certificate, reason="Incident.")
            record("login.failed", actor_label=person.email)

    events(SMALL)
    f.login_with_mfa(client, administrator)
    small = queries(client, url)
    # session, user, the actor's groups, the actions, people and object types to filter by, the count and the
    # filtered count, the dates (date hierarchy) and the page's rows.
    assert small <= 14
    events(LARGE - SMALL)
    with django_assert_num_queries(small):
        response = client.get(url)
    assert response.status_code == 200


def test_the_failed_deliveries_cost_the_same_queries_with_10_and_50_failures(
    client, administrator, django_assert_num_queries
):
    url = reverse("admin:registry_deliveryfailure_changelist")

    def failures(count):
        for i in range(count):
            DeliveryFailure.objects.create(
                task="registry.notifications.tasks.send_email", arguments=[i], error="SMTP refused: 550"
            )

    failures(SMALL)
    f.login_with_mfa(client, administrator)
    small = queries(client, url)
    failures(LARGE - SMALL)
    with django_assert_num_queries(small):
        response = client.get(url)
    assert response.status_code == 200
