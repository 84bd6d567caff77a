"""What the provider sees of the review: the reviewer's findings on each requirement, the action items of a change
request on the dossier's page and in its e-mail, and never the agency's internal findings, the recommendation to the
committee or its rationale."""

import pytest
from django.core import mail

from registry.catalogue.models import Requirement
from registry.qualification.models import Answer, Dossier
from registry.qualification.services import dossiers as svc
from tests import factories as f
from tests.portal.dossier_pages import url

# The e-mails are read as sent, not as queued: the outbox's task runs inline even with REDIS_URL set.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

S = Dossier.Status


def record(dossier, ref, by, finding, note, internal=False):
    answer = Answer.objects.get(dossier=dossier, requirement__ref=ref)
    return svc.answer_record_finding(answer=answer, by=by, finding=finding, note=note, internal=internal)


@pytest.fixture
def flagged(submitted, reviewer, django_capture_on_commit_callbacks):
    """A dossier sent back with one finding for the provider (19.2) and one internal to the agency (19.6)."""
    svc.dossier_take(dossier=submitted, by=reviewer)
    record(submitted, "19.2", reviewer, "minor", "Name the backup site's city.")
    record(submitted, "19.6", reviewer, "major", "Agency-only doubt about the holding.", internal=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        svc.dossier_request_changes(dossier=submitted, by=reviewer, comment="Please complete 19.2.")
    return submitted


def test_the_dossier_page_lists_the_action_items_above_the_reviewers_comment(client, editor, flagged):
    client.force_login(editor)
    text = client.get(url("dossier", flagged.reference)).text
    requirement = Answer.objects.get(dossier=flagged, requirement__ref="19.2").requirement
    link = url("dossier-assessment", flagged.reference, "19") + f"#req-{requirement.pk}"
    assert f'href="{link}">19.2 Data location</a>' in text
    assert "Reviewer's finding: Minor non-conformity – Name the backup site&#x27;s city." in text
    assert text.index("What to change") < text.index("Please complete 19.2.")


def test_each_requirement_shows_the_finding_the_provider_may_read(client, viewer, flagged):
    client.force_login(viewer)  # read-only members read it too
    text = client.get(url("dossier-assessment", flagged.reference, "19")).text
    assert "Minor non-conformity" in text and "Name the backup site&#x27;s city." in text


def test_internal_findings_never_reach_the_provider(client, editor, flagged):
    client.force_login(editor)
    pages = [
        client.get(url("dossier", flagged.reference)).text,
        client.get(url("dossier-assessment", flagged.reference, "19")).text,
    ]
    e_mails = [m.body + m.alternatives[0][0] for m in mail.outbox if editor.email in m.to]
    assert e_mails
    for text in pages + e_mails:
        assert "Agency-only doubt" not in text
        assert "Major non-conformity" not in text


def test_the_change_request_email_lists_the_action_items(flagged, editor):
    [email] = [m for m in mail.outbox if editor.email in m.to]
    assert "What to change:" in email.body
    assert "19.2 Data location – Reviewer's finding: Minor non-conformity – Name the backup site's city." in email.body
    assert "Please complete 19.2." in email.body
    assert "Name the backup site&#x27;s city." in email.alternatives[0][0]


def test_the_action_items_read_in_french_for_a_french_member(flagged, client, editor):
    client.force_login(editor)
    client.cookies["django_language"] = "fr"
    text = client.get(url("dossier", flagged.reference), HTTP_ACCEPT_LANGUAGE="fr").text
    assert "19.2 Localisation" in text
    assert "Non-conformité mineure" in text


def test_the_recommendation_and_its_rationale_never_reach_the_provider(
    client, editor, complete_draft, walk, reviewer, decision_maker, django_capture_on_commit_callbacks
):
    d = walk(complete_draft, S.EVALUATION)
    f.evaluated(d, reviewer=reviewer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        svc.dossier_report(
            dossier=d,
            by=reviewer,
            recommendation="conditions",
            comment="Rationale: the ownership is borderline.",
            proposed_conditions="Sell the US stake within a year.",
        )
    provider_mail = [m for m in mail.outbox if m.to[0].endswith("@nuage.test")]
    agency_mail = [m for m in mail.outbox if m.to == [decision_maker.email]]
    assert provider_mail and agency_mail
    client.force_login(editor)
    page = client.get(url("dossier", d.reference)).text
    assert "Evaluation completed; the dossier went to the qualification committee." in page
    for text in [page] + [m.body + m.alternatives[0][0] for m in provider_mail]:
        for secret in ("borderline", "Sell the US stake", "Qualify with conditions", "Recommendation"):
            assert secret not in text
    # The committee reads them in its e-mail.
    assert "Recommendation of Rita Reviewer: Qualify with conditions." in agency_mail[0].body
    assert "Sell the US stake within a year." in agency_mail[0].body


def sent_back_with(n, *, provider, owner, reviewer):
    """A dossier sent back with `n` action items (one minor finding on each of its `n` requirements)."""
    scheme = f.scheme(with_requirements=False)
    chapter = Requirement.objects.create(scheme=scheme, ref="19", title_en="Additional", title_fr="S", position=0)
    service = f.service(provider)
    d = f.dossier(service, scheme, status=S.IN_REVIEW, instructing_reviewer=reviewer)
    for i in range(n):
        requirement = Requirement.objects.create(
            scheme=scheme, ref=f"19.{i + 1}", parent=chapter, title_en=f"R {i}", title_fr="R", position=i + 1
        )
        Answer.objects.create(dossier=d, requirement=requirement, status="met", finding="minor", finding_note="Fix.")
    return svc.dossier_request_changes(dossier=d, by=reviewer, comment="All of them.")


def test_the_overview_reads_the_action_items_in_a_fixed_number_of_queries(
    client, provider, owner, reviewer, django_assert_max_num_queries
):
    client.force_login(owner)

    def count(d):
        client.get(url("dossier", d.reference))  # the session and caches warmed
        with django_assert_max_num_queries(40) as ctx:
            page = client.get(url("dossier", d.reference))
        assert page.text.count("Reviewer's finding: Minor non-conformity") == Answer.objects.filter(dossier=d).count()
        return len(ctx.captured_queries)

    assert count(sent_back_with(2, provider=provider, owner=owner, reviewer=reviewer)) == count(
        sent_back_with(20, provider=provider, owner=owner, reviewer=reviewer)
    )
