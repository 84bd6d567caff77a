"""The workspace's home and what F added to it: the open incidents for everyone at the agency (with how many have
sovereignty affected), and the certificates with a suspension proposed among the certificates to act on, for the
committee and the administrators who answer them."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from registry.certificates.incidents import incident_report
from registry.certificates.services import certificate_propose_suspension
from tests import factories as f

pytestmark = pytest.mark.django_db

HOME = "admin:index"


@pytest.fixture
def certificate(service):
    return f.certificate(service)


@pytest.mark.parametrize("role", ["reviewer", "decision_maker", "administrator"])
def test_everyone_at_the_agency_sees_the_open_incidents_and_those_touching_sovereignty(
    client, request, role, certificate, owner
):
    f.incident(certificate, owner, sovereignty_affected=True)
    f.incident(certificate, owner)
    closed = f.incident(certificate, owner, sovereignty_affected=True)
    incident_report(
        incident=closed,
        by=owner,
        stage="final",
        body="Done.",
        ended_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    f.login_with_mfa(client, request.getfixturevalue(role))
    page = client.get(reverse(HOME))
    incidents = page.context["incidents"]
    assert (incidents["count"], incidents["sovereignty"]) == (2, 1)
    assert '<a href="/admin/registry/incident/?open=yes">Open incidents</a>' in page.text
    assert "1 with sovereignty affected" in page.text
    listed = client.get(incidents["sovereignty_url"])
    assert len(listed.context["cl"].result_list) == 1


def test_with_no_open_incident_the_queue_says_nothing_waits(client, reviewer):
    f.login_with_mfa(client, reviewer)
    page = client.get(reverse(HOME))
    assert page.context["incidents"]["count"] == 0
    assert "with sovereignty affected" not in page.text


def test_the_committee_finds_the_certificates_with_a_proposal_among_those_to_act_on(
    client, reviewer, decision_maker, certificate
):
    f.certificate()
    certificate_propose_suspension(certificate=certificate, by=reviewer, reason="From an incident.")
    f.login_with_mfa(client, decision_maker)
    page = client.get(reverse(HOME))
    [proposed] = [q for q in page.context["certificates"] if q["key"] == "proposed"]
    assert proposed["count"] == 1
    assert proposed["date"] == certificate.__class__.objects.get(pk=certificate.pk).suspension_proposed_at
    assert '<a href="/admin/registry/certificate/?action=proposed">Suspension proposed</a>' in page.text
    assert "proposed on" in page.text
    listed = client.get(proposed["url"])
    assert [c.pk for c in listed.context["cl"].result_list] == [certificate.pk]


def test_a_reviewer_who_may_propose_but_not_answer_has_no_such_queue(client, reviewer, certificate):
    certificate_propose_suspension(certificate=certificate, by=reviewer, reason="From an incident.")
    f.login_with_mfa(client, reviewer)
    page = client.get(reverse(HOME))
    assert "proposed" not in [q["key"] for q in page.context["certificates"] or []]
