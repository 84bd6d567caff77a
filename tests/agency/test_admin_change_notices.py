"""Change notices in the workspace: the list with its filters (a fixed number of queries), the page with the
difference and the checks, and the moves through the services: a reviewer takes and accepts; a transformative change
waits for a second person, the proposer being refused; drafts stay the provider's own."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry.certificates import changes
from registry.providers.models import Site
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(provider):
    return f.certified_service(provider, name="Nuage Storage", slug="nuage-storage")


def staff(client, user):
    f.login_with_mfa(client, user)
    return client


def move(client, notice, name, **data):
    return client.post(reverse("admin:registry_changenotice_move", args=[notice.pk, name]), data, follow=True)


def test_the_list_filters_and_runs_a_fixed_number_of_queries(client, certificate, editor, reviewer):
    staff(client, reviewer)
    late = f.filed_notice(certificate, editor, kind="ownership",
                          effective_on=timezone.localdate() - datetime.timedelta(days=60))  # fmt: skip
    url = reverse("admin:registry_changenotice_changelist")
    with CaptureQueriesContext(connection) as one:
        assert late.reference in client.get(url).text
    f.filed_notice(certificate, editor)
    f.filed_notice(certificate, editor)
    with CaptureQueriesContext(connection) as three:
        client.get(url)
    # Session, user, groups, the count, the page of notices with provider, service and reviewer joined, the filters'
    # choices: none of them per notice.
    assert len(three.captured_queries) == len(one.captured_queries)
    filtered = client.get(url, {"late__exact": "1"}).text
    assert late.reference in filtered and filtered.count("CHG-") < client.get(url).text.count("CHG-")
    assert client.get(url, {"status__exact": "filed", "kind__exact": "ownership"}).status_code == 200


def test_a_draft_is_not_the_agencys(client, certificate, editor, reviewer):
    draft = changes.notice_open(provider=certificate.service.provider, service=certificate.service, by=editor)
    staff(client, reviewer)
    assert draft.reference not in client.get(reverse("admin:registry_changenotice_changelist")).text
    assert client.get(reverse("admin:registry_changenotice_change", args=[draft.pk])).status_code == 404


def test_a_reviewer_takes_and_accepts_from_the_page(client, certificate, editor, reviewer):
    notice = f.filed_notice(certificate, editor)
    staff(client, reviewer)
    page = client.get(reverse("admin:registry_changenotice_change", args=[notice.pk]))
    assert "United States" in page.text and "19.2.a-b" in page.text
    move(client, notice, "take")
    page = move(client, notice, "accept", public_summary="Storage moved.")
    notice.refresh_from_db()
    assert notice.status == "accepted" and "Accepted" in page.text
    assert set(Site.objects.filter(service=certificate.service, role="storage").values_list("country", flat=True)) == {
        "US"
    }


def test_a_transformative_change_is_confirmed_by_someone_else(client, certificate, editor, reviewer, decision_maker):
    from django.test import Client

    notice = f.filed_notice(certificate, editor, change_type="transformative")
    staff(client, reviewer)
    move(client, notice, "take")
    move(client, notice, "accept", public_summary="Storage moved.")
    page = move(client, notice, "confirm")
    assert "second person" in page.text
    notice.refresh_from_db()
    assert notice.status == "acceptance_proposed"
    move(staff(Client(), decision_maker), notice, "confirm")
    notice.refresh_from_db()
    assert (notice.status, notice.decided_by) == ("accepted", decision_maker)


def test_a_refusal_needs_its_consequence(client, certificate, editor, reviewer):
    notice = f.filed_notice(certificate, editor)
    staff(client, reviewer)
    move(client, notice, "take")
    page = move(client, notice, "refuse", outcome_note="")
    assert "state why" in page.text
    move(client, notice, "refuse", outcome_note="The site is outside the EU.")
    notice.refresh_from_db()
    assert notice.status == "refused"


def test_the_home_shows_the_change_notices_waiting_on_each_person(
    client, certificate, editor, reviewer, second_reviewer, decision_maker
):
    from django.test import Client

    waiting = f.filed_notice(certificate, editor)
    proposed = f.filed_notice(certificate, editor, change_type="transformative")
    changes.notice_take(notice=proposed, by=reviewer)
    changes.notice_accept(notice=proposed, by=reviewer, public_summary="Storage moved.")

    def queue(user, key):
        page = staff(Client(), user).get(reverse("admin:index"))
        rows = {row["key"]: row for row in page.context["change_notices"]}
        return rows.get(key)

    assert queue(second_reviewer, "to_take")["count"] == 1
    assert queue(reviewer, "to_confirm")["count"] == 0  # the proposer confirms nothing
    assert queue(second_reviewer, "to_confirm")["count"] == 1
    assert queue(decision_maker, "to_confirm")["count"] == 1 and queue(decision_maker, "to_take") is None
    changes.notice_take(notice=waiting, by=reviewer)
    assert queue(reviewer, "mine")["count"] == 1
    listed = staff(client, second_reviewer).get(
        reverse("admin:registry_changenotice_changelist"), {"queue": "to_confirm"}
    )
    assert proposed.reference in listed.text and waiting.reference not in listed.text
