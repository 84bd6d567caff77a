"""A dossier's findings exported from its page in the agency's workspace: the findings as OSCAL assessment results,
the open non-conformities as a plan of action and milestones, both read back by compliance-trestle's models; for the
agency's groups only, never with the dossier's messages."""

import datetime
import json

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from trestle.oscal.assessment_results import AssessmentResults
from trestle.oscal.poam import PlanOfActionAndMilestones

from registry.accounts.models import AuditEvent
from registry.catalogue.models import Requirement
from registry.qualification.models import Answer, Dossier
from registry.qualification.services import dossiers as svc
from tests import factories as f

pytestmark = pytest.mark.django_db


def results_url(d):
    return reverse("admin:registry_dossier_oscal_results", args=[d.pk])


def poam_url(d):
    return reverse("admin:registry_dossier_oscal_poam", args=[d.pk])


def staff_client(person) -> Client:
    client = Client()
    f.login_with_mfa(client, person)
    return client


def finding(d, ref, by, value, note="", internal=False):
    answer = Answer.objects.get(dossier=d, requirement__ref=ref)
    return svc.answer_record_finding(answer=answer, by=by, finding=value, note=note, internal=internal)


@pytest.fixture
def in_review(scheme, service, owner, reviewer, walk):
    """A dossier in review with three answers: conform, a major non-conformity, an internal minor one."""
    chapter = scheme.requirements.get(ref="19")
    Requirement.objects.create(
        scheme=scheme, ref="19.7", parent=chapter, title_en="Logs", title_fr="Journaux", position=5,
        description_en="Keep the logs.",
    )  # fmt: skip
    d = f.complete(svc.dossier_create(service=service, scheme=scheme, by=owner), owner)
    d = walk(d, Dossier.Status.IN_REVIEW)
    finding(d, "19.2", reviewer, "conform")
    finding(d, "19.6", reviewer, "major", note="The US parent can compel access.")
    finding(d, "19.7", reviewer, "minor", note="Six months instead of twelve.", internal=True)
    svc.message_post(dossier=d, by=reviewer, body="SECRET-INTERNAL-NOTE", internal=True)
    return d


def test_the_findings_export_as_assessment_results_that_oscal_tools_read(in_review, reviewer):
    answer = staff_client(reviewer).get(results_url(in_review))
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/json")
    assert "attachment" in answer["Content-Disposition"]
    assert b"SECRET-INTERNAL-NOTE" not in answer.content  # the dossier's messages are never in it
    document = json.loads(answer.content)
    AssessmentResults.parse_obj(document["assessment-results"])  # raises on anything OSCAL 1.1 does not allow
    (result,) = document["assessment-results"]["results"]
    targets = {
        found["target"]["target-id"]: (found["target"]["type"], found["target"]["status"]["state"])
        for found in result["findings"]
    }
    assert targets == {
        "req-19.2": ("objective-id", "satisfied"),
        "req-19.6": ("objective-id", "not-satisfied"),
        "req-19.7_smt": ("statement-id", "not-satisfied"),  # the requirement has a statement in the catalog
    }
    notes = {obs["title"].split()[0]: obs["description"] for obs in result["observations"]}
    assert notes["19.6"] == "The US parent can compel access." and notes["19.2"] == "Conform"
    internal = next(o for o in result["observations"] if o["title"].startswith("19.7"))
    assert any(p["name"] == "agency-only" and p["value"] == "true" for p in internal["props"])
    assert AuditEvent.objects.filter(action="dossier.oscal_export", actor=reviewer).exists()


def test_the_open_non_conformities_export_as_a_plan_of_action(in_review, decision_maker):
    answer = staff_client(decision_maker).get(poam_url(in_review))
    assert answer.status_code == 200
    document = json.loads(answer.content)["plan-of-action-and-milestones"]
    PlanOfActionAndMilestones.parse_obj(document)
    items = {item["title"].split()[0]: item for item in document["poam-items"]}
    assert set(items) == {"19.6", "19.7"}  # conform is not an action to take
    assert items["19.6"]["description"] == "The US parent can compel access."
    severities = {item["title"].split()[0]: p["value"] for item in document["poam-items"] for p in item["props"]
                  if p["name"] == "non-conformity"}  # fmt: skip
    assert severities == {"19.6": "major", "19.7": "minor"}
    # Each item points at its finding, which the same findings list carries.
    finding_ids = {found["uuid"] for found in document["findings"]}
    assert {item["related-findings"][0]["finding-uuid"] for item in document["poam-items"]} == finding_ids


def test_a_re_export_is_the_same_document_but_for_its_last_modified(in_review, administrator):
    client = staff_client(administrator)
    for url, key in (
        (results_url(in_review), "assessment-results"),
        (poam_url(in_review), "plan-of-action-and-milestones"),
    ):
        first = json.loads(client.get(url).content)[key]
        with time_machine.travel(datetime.timedelta(minutes=2)):
            again = json.loads(client.get(url).content)[key]
        assert first["metadata"].pop("last-modified") != again["metadata"].pop("last-modified")
        assert first == again


def test_without_an_open_non_conformity_there_is_no_plan_of_action_but_results_still(complete_draft, walk, reviewer):
    d = walk(complete_draft, Dossier.Status.IN_REVIEW)
    client = staff_client(reviewer)
    answer = client.get(poam_url(d))
    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("admin:registry_dossier_change", args=[d.pk]))
    results = json.loads(client.get(results_url(d)).content)["assessment-results"]
    AssessmentResults.parse_obj(results)
    assert "findings" not in results["results"][0]


def test_the_answers_part_links_to_both_exports(in_review, reviewer):
    page = staff_client(reviewer).get(reverse("admin:registry_dossier_change", args=[in_review.pk]) + "?part=answers")
    content = page.content.decode()
    assert results_url(in_review) in content and poam_url(in_review) in content


def test_only_the_agency_s_groups_get_the_exports(in_review, owner, other_owner):
    staff = f.user(staff=True)  # on the staff, in none of the agency's groups
    for url in (results_url(in_review), poam_url(in_review)):
        assert staff_client(staff).get(url).status_code == 403
        for person in (owner, other_owner):  # a provider's member: the admin's sign-in
            client = Client()
            client.force_login(person)
            answer = client.get(url)
            assert answer.status_code == 302 and "login" in answer["Location"]
        anonymous = Client().get(url)
        assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert not AuditEvent.objects.filter(action="dossier.oscal_export").exists()


def test_an_unknown_dossier_is_a_404(reviewer):
    assert staff_client(reviewer).get(reverse("admin:registry_dossier_oscal_results", args=[999999])).status_code == 404


@pytest.mark.parametrize("count", [2, 20])
def test_the_exports_queries_do_not_grow_with_the_findings(
    scheme, service, owner, reviewer, walk, count, django_assert_max_num_queries
):
    chapter = scheme.requirements.get(ref="19")
    Requirement.objects.bulk_create(
        Requirement(
            scheme=scheme, ref=f"19.{100 + i}", parent=chapter, title_en=f"R {i}", title_fr="R", position=100 + i
        )
        for i in range(count)
    )
    d = walk(f.complete(svc.dossier_create(service=service, scheme=scheme, by=owner), owner), Dossier.Status.IN_REVIEW)
    for i in range(count):
        finding(d, f"19.{100 + i}", reviewer, "minor", note=f"N {i}")
    client = staff_client(reviewer)
    # 1 the signed-in user; 2 their own and 3 their groups' permissions (the admin's view permission); 4 the dossier
    # with its service, provider, scheme, reviewer and centre, 5 who instructed it (the page's shared read); 6 the
    # answers with a finding and their requirements; 7 the take event (the results' start; not for the plan); 8 the
    # audit line.
    with django_assert_max_num_queries(8):
        assert client.get(results_url(d)).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(poam_url(d)).status_code == 200
