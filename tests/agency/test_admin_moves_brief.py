"""The move pages: a change request starts from the open findings, "Send to decision" asks the reviewer's
recommendation, and the committee's pages show the brief it decides from."""

from decimal import Decimal

import pytest
from django.urls import reverse

from registry.qualification.models import Answer, Dossier, DossierEvent
from registry.qualification.services import dossiers as svc
from tests import factories as f

S = Dossier.Status


def move_url(d, action):
    return reverse("admin:registry_dossier_move", args=[d.pk, action])


def finding(d, ref, by, kind, note="", internal=False) -> Answer:
    line = Answer.objects.get(dossier=d, requirement__ref=ref)
    return svc.answer_record_finding(answer=line, by=by, finding=kind, note=note, internal=internal)


@pytest.fixture
def in_review(complete_draft, walk):
    return walk(complete_draft, S.IN_REVIEW)


@pytest.fixture
def in_evaluation(complete_draft, walk):
    return walk(complete_draft, S.EVALUATION)


# Request changes.


def test_a_change_request_starts_from_the_open_findings_the_provider_may_read(client, in_review, reviewer):
    minor = finding(in_review, "19.2", reviewer, "minor", "Name the backup site.")
    internal = finding(in_review, "19.6", reviewer, "major", "Doubt on the holding.", internal=True)
    f.login_with_mfa(client, reviewer)
    page = client.get(move_url(in_review, "request_changes"))
    form = page.context["form"]
    assert [pk for pk, _label in form.fields["action_items"].choices] == [minor.pk]  # never the internal one
    assert form.initial["action_items"] == [minor.pk]
    assert "Name the backup site." in page.text and "Doubt on the holding." not in page.text
    assert f'value="{minor.pk}"' in page.text and "checked" in page.text
    assert "(19.2)" in form.initial["comment"]
    assert internal.pk not in [pk for pk, _label in form.fields["action_items"].choices]


def test_the_ticked_action_items_reach_the_requests_event(client, in_review, reviewer):
    kept = finding(in_review, "19.2", reviewer, "minor", "Name the backup site.")
    finding(in_review, "19.6", reviewer, "major", "Justify the ownership.")
    f.login_with_mfa(client, reviewer)
    response = client.post(
        move_url(in_review, "request_changes"), {"action_items": [kept.pk], "comment": "Please name the site."}
    )
    assert response.status_code == 302
    event = DossierEvent.objects.get(dossier=in_review, action="request_changes")
    assert event.comment == "Please name the site."
    assert [(i["answer_id"], i["ref"], i["finding"], i["note"]) for i in event.detail["action_items"]] == [
        (kept.pk, "19.2", "minor", "Name the backup site.")
    ]
    assert Dossier.objects.get(pk=in_review.pk).status == S.CHANGES_REQUESTED


def test_a_change_request_without_open_findings_asks_only_the_comment(client, in_review, reviewer):
    f.login_with_mfa(client, reviewer)
    page = client.get(move_url(in_review, "request_changes"))
    assert "action_items" not in page.context["form"].fields
    assert client.post(move_url(in_review, "request_changes"), {"comment": "Justify 19.6."}).status_code == 302
    assert DossierEvent.objects.get(dossier=in_review, action="request_changes").detail["action_items"] == []


# Send to decision.


def _with_report(d, reviewer):
    f.evaluated(d, reviewer=reviewer)


def test_sending_to_decision_requires_a_recommendation(client, in_evaluation, reviewer):
    _with_report(in_evaluation, reviewer)
    f.login_with_mfa(client, reviewer)
    page = client.get(move_url(in_evaluation, "report"))
    assert 'type="radio" name="recommendation"' in page.text and "<legend>" in page.text
    response = client.post(move_url(in_evaluation, "report"), {"comment": "All good."})
    assert response.status_code == 200 and "This field is required." in response.text
    assert "All good." in response.text  # what was typed stays
    assert Dossier.objects.get(pk=in_evaluation.pk).status == S.EVALUATION


def test_qualifying_with_conditions_requires_the_proposed_conditions(client, in_evaluation, reviewer):
    _with_report(in_evaluation, reviewer)
    f.login_with_mfa(client, reviewer)
    response = client.post(move_url(in_evaluation, "report"), {"recommendation": "conditions", "comment": "Nearly."})
    assert response.status_code == 200 and "Say which conditions you propose." in response.text
    assert Dossier.objects.get(pk=in_evaluation.pk).status == S.EVALUATION
    response = client.post(
        move_url(in_evaluation, "report"),
        {"recommendation": "conditions", "proposed_conditions": "Lift 19.6 within 3 months.", "comment": "Nearly."},
    )
    assert response.status_code == 302
    event = DossierEvent.objects.get(dossier=in_evaluation, action="report")
    assert event.detail == {"recommendation": "conditions", "proposed_conditions": "Lift 19.6 within 3 months."}
    assert event.comment == "Nearly."


def test_the_report_page_says_what_is_missing_and_links_to_the_centres_evaluation(client, in_evaluation, reviewer):
    f.login_with_mfa(client, reviewer)
    page = client.get(move_url(in_evaluation, "report"))
    assert "The centre has not submitted its technical report." in page.text
    assert 'name="recommendation"' not in page.text
    change = reverse("admin:registry_dossier_change", args=[in_evaluation.pk])
    assert f'href="{change}?part=evaluation"' in page.text and "#tcr-upload" not in page.text


# The committee's brief.


@pytest.fixture
def briefed(in_evaluation, reviewer, provider, service):
    """At decision, with the issue's example: Met on 19.6 while its automatic checks fail; a major and a minor
    finding; a report; the reviewer's recommendation with proposed conditions."""
    from registry.providers.models import Shareholder

    Shareholder.objects.filter(provider=provider).delete()
    f.shareholder(provider, name="Atlantic Holdings", country="US", capital_percent=Decimal(60))
    finding(in_evaluation, "19.6", reviewer, "major", "Ownership above the cap.")
    finding(in_evaluation, "19.2", reviewer, "minor", "Backup site unnamed.", internal=True)
    _with_report(in_evaluation, reviewer)
    return svc.dossier_report(
        dossier=in_evaluation,
        by=reviewer,
        recommendation="conditions",
        proposed_conditions="Divest below 24% within six months.",
        comment="The service is sound apart from its ownership.",
    )


@pytest.mark.parametrize("action", ["qualify", "reject", "send_back"])
def test_the_committees_pages_show_the_brief(client, briefed, decision_maker, action):
    f.login_with_mfa(client, decision_maker)
    page = client.get(move_url(briefed, action))
    assert page.status_code == 200
    text = page.text
    assert "Decision brief" in text
    assert "Qualify with conditions" in text and "Rita Reviewer" in text
    assert "Divest below 24% within six months." in text
    assert "The service is sound apart from its ownership." in text
    assert "Open major non-conformities (1)" in text and "Ownership above the cap." in text
    assert "Open minor non-conformities (1)" in text and "Backup site unnamed." in text
    report = briefed.documents.get(kind="evaluation_report")
    assert reverse("admin:registry_document_download", args=[report.pk]) in text and "version 1" in text
    assert "Answers contradicted by a failing automatic check (1)" in text
    assert "the provider answered “Met”" in text and "19.6.b" in text
    assert "19.6.a" in text  # the automatic checks


def test_the_qualify_form_starts_from_the_proposed_conditions_and_keeps_the_confirmation(
    client, briefed, decision_maker
):
    f.login_with_mfa(client, decision_maker)
    page = client.get(move_url(briefed, "qualify"))
    assert page.context["form"].initial["conditions"] == "Divest below 24% within six months."
    assert "confirm_major_findings" in page.text
    refused = client.post(move_url(briefed, "qualify"), {"scope": "Compute.", "conditions": "Divest."})
    assert refused.status_code == 200 and "confirm that you qualify the service all the same" in refused.text
    assert Dossier.objects.get(pk=briefed.pk).status == S.DECISION


def test_the_brief_is_not_shown_to_a_reviewer_outside_the_committee(client, briefed, second_reviewer):
    f.login_with_mfa(client, second_reviewer)
    response = client.get(move_url(briefed, "send_back"))
    assert response.status_code == 302  # back to the dossier, with the reason
    assert client.post(move_url(briefed, "send_back"), {"comment": "Again."}).status_code == 403
    assert Dossier.objects.get(pk=briefed.pk).status == S.DECISION


def test_a_move_page_costs_the_same_queries_with_few_and_many_findings(
    client, briefed, decision_maker, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from registry.catalogue.models import Requirement

    f.login_with_mfa(client, decision_maker)
    url = move_url(briefed, "qualify")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    chapter = Requirement.objects.get(scheme=briefed.scheme, ref="19")
    for i in range(30):
        requirement = Requirement.objects.create(
            scheme=briefed.scheme, ref=f"19.{30 + i}", parent=chapter, title_en="More", title_fr="Plus",
            position=30 + i,
        )  # fmt: skip
        Answer.objects.create(
            dossier=briefed, requirement=requirement, status="met", finding=("minor", "major")[i % 2], finding_note="x"
        )
    with django_assert_num_queries(len(small)):
        assert client.get(url).status_code == 200
