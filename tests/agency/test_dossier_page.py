"""The dossier's page in the agency's workspace, as a reviewer uses it: a summary in view on every part, the parts
reached by links, the answers one chapter at a time with filters, findings saved per chapter without losing one's
place, the report's upload beside the step that needs it, and what changed since the last request."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.catalogue.models import Requirement
from registry.qualification.models import Answer, Dossier, DossierVisit
from registry.qualification.services import dossiers as svc
from registry.qualification.services.answers import answer_save
from registry.qualification.services.documents import document_add
from tests import factories as f

S = Dossier.Status
PARTS = ("overview", "answers", "documents", "messages", "timeline")


def page_url(d, part="", **params):
    query = "&".join(f"{k}={v}" for k, v in {"part": part, **params}.items() if v)
    return reverse("admin:registry_dossier_change", args=[d.pk]) + (f"?{query}" if query else "")


def findings_url(d):
    return reverse("admin:registry_dossier_findings", args=[d.pk])


@pytest.fixture
def in_evaluation(complete_draft, walk):
    return walk(complete_draft, S.EVALUATION)


@pytest.fixture
def in_review(complete_draft, walk):
    return walk(complete_draft, S.IN_REVIEW)


def answer(d, ref) -> Answer:
    return Answer.objects.select_related("requirement__parent").get(dossier=d, requirement__ref=ref)


def a_second_chapter(d, statuses):
    """Chapter 20 of the dossier's scheme, one requirement per status in `statuses`, each answered so."""
    chapter = Requirement.objects.create(
        scheme=d.scheme, ref="20", title_en="Operations", title_fr="Exploitation", position=50
    )
    answers = []
    for i, status in enumerate(statuses, start=1):
        requirement = Requirement.objects.create(
            scheme=d.scheme, ref=f"20.{i}", parent=chapter, title_en=f"Operation {i}", title_fr=f"Opération {i}",
            position=50 + i,
        )  # fmt: skip
        justification = "" if status in ("", "met") else f"Why {i}."
        answers.append(
            Answer.objects.create(dossier=d, requirement=requirement, status=status, justification=justification)
        )
    return answers


# Who sees the page.


@pytest.mark.parametrize("part", PARTS)
def test_every_part_shows_the_summary_and_marks_itself_current(client, in_evaluation, reviewer, part):
    f.login_with_mfa(client, reviewer)
    page = client.get(page_url(in_evaluation, part))
    assert page.status_code == 200
    text = page.text
    assert 'class="tcr-summary"' in text and "In this status for" in text and "Rita Reviewer" in text
    assert "CESTI Paris" in text
    assert reverse("admin:registry_dossier_move", args=[in_evaluation.pk, "report"]) in text  # the moves, as buttons
    assert f'href="{page_url(in_evaluation, part)}" aria-current="page"' in text
    assert text.count('aria-current="page"') >= 1


@pytest.mark.parametrize("part", PARTS)
def test_the_committee_reads_every_part_but_records_no_finding(client, in_evaluation, decision_maker, part):
    f.login_with_mfa(client, decision_maker)
    page = client.get(page_url(in_evaluation, part))
    assert page.status_code == 200
    assert 'name="finding-' not in page.text


@pytest.mark.parametrize("part", PARTS)
def test_people_outside_the_agency_are_refused_every_part(client, in_evaluation, owner, part):
    client.force_login(owner)  # a provider's member: not staff, sent to the admin's sign-in
    response = client.get(page_url(in_evaluation, part))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    f.login_with_mfa(client, f.user(staff=True))  # staff without an agency group
    assert client.get(page_url(in_evaluation, part)).status_code == 403


def test_an_unknown_dossier_is_not_found(client, reviewer):
    f.login_with_mfa(client, reviewer)
    assert client.get(reverse("admin:registry_dossier_change", args=[987654])).status_code == 404


def test_opening_a_part_marks_the_dossier_seen_for_the_agency_member(client, in_evaluation, reviewer):
    f.login_with_mfa(client, reviewer)
    assert not DossierVisit.objects.filter(user=reviewer, dossier=in_evaluation).exists()
    client.get(page_url(in_evaluation, "messages"))
    first = DossierVisit.objects.get(user=reviewer, dossier=in_evaluation).seen_at
    client.get(page_url(in_evaluation, "timeline"))
    assert DossierVisit.objects.get(user=reviewer, dossier=in_evaluation).seen_at >= first


def test_the_page_cannot_be_posted_to_as_a_django_change_form(client, in_evaluation, reviewer):
    f.login_with_mfa(client, reviewer)
    assert client.post(page_url(in_evaluation), {"status": "qualified"}).status_code == 403
    assert Dossier.objects.get(pk=in_evaluation.pk).status == S.EVALUATION


# Answers by chapter, filters.


def test_answers_show_one_chapter_at_a_time_with_the_chapters_as_navigation(client, in_evaluation, reviewer):
    a_second_chapter(in_evaluation, ["met", "not_met"])
    f.login_with_mfa(client, reviewer)
    first = client.get(page_url(in_evaluation, "answers")).text
    assert "19.2 Data location" in first and "20.1 Operation 1" not in first
    assert "<strong>20</strong> Operations" in first  # in the chapter list
    second = client.get(page_url(in_evaluation, "answers", chapter="20")).text
    assert "20.1 Operation 1" in second and "20.2 Operation 2" in second and "19.2 Data location" not in second
    assert (
        f'href="{page_url(in_evaluation, "answers", chapter="20")}" aria-current="page"'.replace("&", "&amp;") in second
    )


@pytest.mark.parametrize(
    "key, expected",
    [
        ("unanswered", {"20.1"}),
        ("not_met", {"20.2"}),
        ("partially_met", {"20.3"}),
        ("not_applicable", {"20.4"}),
        ("findings", {"20.5"}),
    ],
)
def test_each_filter_shows_the_answers_it_names_with_its_count(client, in_evaluation, reviewer, key, expected):
    answers = a_second_chapter(in_evaluation, ["", "not_met", "partially_met", "not_applicable", "met", "met"])
    svc.answer_record_finding(answer=answers[4], by=reviewer, finding="minor", note="Logs kept 3 months.")
    f.login_with_mfa(client, reviewer)
    response = client.get(page_url(in_evaluation, "answers", chapter="20", filter=key))
    part = response.context["answers"]
    assert {row.requirement.ref for row in part.rows} == expected
    assert {k: count for k, _label, count in part.filters}[key] == len(expected)
    assert [c.shown for c in part.chapters if c.ref == "20"] == [len(expected)]
    assert "changed" not in {k for k, _label, _count in part.filters}  # no change was ever requested


def test_a_filter_opens_on_the_first_chapter_with_something_to_show(client, in_evaluation, reviewer):
    a_second_chapter(in_evaluation, ["met", "not_met"])
    f.login_with_mfa(client, reviewer)
    part = client.get(page_url(in_evaluation, "answers", filter="not_met")).context["answers"]
    assert part.current.ref == "20" and [row.requirement.ref for row in part.rows] == ["20.2"]


# Findings saved per chapter.


def test_findings_are_saved_per_chapter_and_the_page_comes_back_to_the_same_place(client, in_evaluation, reviewer):
    other = a_second_chapter(in_evaluation, ["met"])[0]
    first, second = answer(in_evaluation, "19.2"), answer(in_evaluation, "19.6")
    f.login_with_mfa(client, reviewer)
    form = {
        "chapter": "19",
        "filter": "findings",
        f"finding-{first.pk}": "conform",
        f"note-{first.pk}": "",
        f"finding-{second.pk}": "major",
        f"note-{second.pk}": "Ownership above the cap.",
        f"finding-{other.pk}": "major",  # another chapter's line is not this form's to save
    }
    response = client.post(findings_url(in_evaluation), form)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert parse_qs(location.query) == {"part": ["answers"], "chapter": ["19"], "filter": ["findings"]}
    assert location.fragment == f"answer-{first.pk}"
    first.refresh_from_db(), second.refresh_from_db(), other.refresh_from_db()
    assert (first.finding, second.finding, second.finding_note, other.finding) == (
        "conform", "major", "Ownership above the cap.", ""
    )  # fmt: skip
    page = client.get(response["Location"])
    assert "1 finding saved." not in page.text and "2 findings saved." in page.text


def test_an_internal_finding_is_saved_as_internal(client, in_evaluation, reviewer):
    line = answer(in_evaluation, "19.6")
    f.login_with_mfa(client, reviewer)
    form = {"chapter": "19", f"finding-{line.pk}": "minor", f"note-{line.pk}": "Doubt.", f"internal-{line.pk}": "on"}
    client.post(findings_url(in_evaluation), form)
    line.refresh_from_db()
    assert (line.finding, line.finding_internal) == ("minor", True)
    page = client.get(page_url(in_evaluation, "answers", chapter="19")).text
    assert f'id="internal-{line.pk}" checked' in page
    # Unticked: the finding reaches the provider.
    client.post(
        findings_url(in_evaluation), {"chapter": "19", f"finding-{line.pk}": "minor", f"note-{line.pk}": "Doubt."}
    )
    line.refresh_from_db()
    assert line.finding_internal is False


def test_a_refused_line_keeps_what_was_typed_on_every_line_and_says_why(client, in_evaluation, reviewer):
    good, bad = answer(in_evaluation, "19.2"), answer(in_evaluation, "19.6")
    f.login_with_mfa(client, reviewer)
    form = {
        "chapter": "19",
        "filter": "",
        f"finding-{good.pk}": "minor",
        f"note-{good.pk}": "Name the backup site.",
        f"finding-{bad.pk}": "catastrophic",
        f"note-{bad.pk}": "A long note the reviewer must not lose.",
        f"internal-{bad.pk}": "on",
    }
    response = client.post(findings_url(in_evaluation), form)
    assert response.status_code == 200
    text = response.text
    assert "Unknown finding." in text and f'id="error-{bad.pk}"' in text
    assert "A long note the reviewer must not lose." in text and f'id="internal-{bad.pk}" checked' in text
    assert "1 finding was not saved" in text
    good.refresh_from_db(), bad.refresh_from_db()
    assert (good.finding, bad.finding, bad.finding_note) == ("minor", "", "")


def test_findings_from_someone_other_than_the_instructing_reviewer_are_refused(client, in_evaluation, second_reviewer):
    line = answer(in_evaluation, "19.6")
    f.login_with_mfa(client, second_reviewer)
    response = client.post(findings_url(in_evaluation), {"chapter": "19", f"finding-{line.pk}": "major"})
    assert response.status_code == 403
    line.refresh_from_db()
    assert line.finding == ""


# What "send to decision" waits for: the centre's report, which the centre submits (no upload of the reviewer's).


def test_the_centres_report_is_the_next_step_and_the_overview_links_to_the_evaluation(client, in_evaluation, reviewer):
    f.login_with_mfa(client, reviewer)
    overview = client.get(page_url(in_evaluation, "overview")).text
    assert "Before “Send to decision”:" in overview and "The centre has not submitted its technical report." in overview
    assert 'id="tcr-upload"' not in overview and "?part=evaluation" in overview
    response = client.post(
        reverse("admin:registry_dossier_upload", args=[in_evaluation.pk]),
        {"part": "overview", "kind": "evaluation_report", "title": "Evaluation report", "file": f.pdf("report.pdf")},
    )
    assert response.status_code == 302 and not in_evaluation.documents.filter(kind="evaluation_report").exists()
    f.evaluated(in_evaluation, reviewer=reviewer)
    overview = client.get(page_url(in_evaluation, "overview")).text
    assert "Before “Send to decision”:" not in overview
    # The reviewer's own documents are added with the documents.
    assert 'id="tcr-upload"' in client.get(page_url(in_evaluation, "documents")).text


def test_the_committee_sees_no_upload_form(client, in_evaluation, decision_maker):
    f.login_with_mfa(client, decision_maker)
    for part in ("overview", "documents"):
        assert 'id="tcr-upload"' not in client.get(page_url(in_evaluation, part)).text


def test_a_message_comes_back_to_the_messages(client, in_evaluation, reviewer):
    f.login_with_mfa(client, reviewer)
    response = client.post(reverse("admin:registry_dossier_message", args=[in_evaluation.pk]), {"body": "Hello."})
    assert parse_qs(urlsplit(response["Location"]).query) == {"part": ["messages"]}
    assert "Hello." in client.get(response["Location"]).text


# What changed since the request.


def test_a_resubmitted_dossier_shows_what_changed_since_the_request(client, in_review, reviewer, editor, service):
    svc.answer_record_finding(answer=answer(in_review, "19.6"), by=reviewer, finding="major", note="Ownership.")
    d = svc.dossier_request_changes(dossier=in_review, by=reviewer, comment="See the action items.")
    answer_save(
        dossier=d,
        requirement=answer(d, "19.6").requirement,
        by=editor,
        status="partially_met",
        justification="Divesting by June.",
    )
    service.__class__.objects.filter(pk=service.pk).update(description="Virtual machines and storage.")
    svc.dossier_declare(
        dossier=d,
        by=editor,
        signatory_name="Claire Martin",
        signatory_capacity="Chief executive officer",
        listed_in_process_consent=False,
    )
    d = svc.dossier_resubmit(dossier=d, by=editor)
    assert d.status == S.IN_REVIEW
    f.login_with_mfa(client, reviewer)

    overview = client.get(page_url(d, "overview")).text
    assert "Changed since your request" in overview and "See the action items." in overview
    assert "<del>Met</del><ins>Partially met</ins>" in overview
    assert "<ins>Divesting by June.</ins>" in overview
    assert "<dt>Description</dt><dd>Virtual machines <ins>and storage</ins>.</dd>" in overview

    part = client.get(page_url(d, "answers", filter="changed")).context["answers"]
    assert [row.requirement.ref for row in part.rows] == ["19.6"]
    assert {k: count for k, _label, count in part.filters}["changed"] == 1


# Queries: fixed per part, whatever the dossier's size.


def _grow(d, reviewer, answers, extras):
    chapter = Requirement.objects.create(scheme=d.scheme, ref="30", title_en="More", title_fr="Plus", position=100)
    for i in range(answers):
        requirement = Requirement.objects.create(
            scheme=d.scheme, ref=f"30.{i}", parent=chapter, title_en="Extra", title_fr="Extra", position=101 + i
        )
        a = Answer.objects.create(dossier=d, requirement=requirement, status="not_met", justification="No.")
        a.evidence.set(d.documents.all()[:2])
        svc.answer_record_finding(answer=a, by=reviewer, finding="minor", note=f"Note {i}")
    for i in range(extras):
        document_add(dossier=d, kind="other", title=f"Annex {i}", uploaded=f.pdf(), by=reviewer)
        svc.message_post(dossier=d, by=reviewer, body=f"Note {i}", internal=bool(i % 2))


@pytest.mark.parametrize("part", PARTS)
def test_each_part_costs_the_same_queries_with_10_and_60_answers(
    client, in_evaluation, reviewer, part, django_assert_num_queries
):
    url = page_url(in_evaluation, part, chapter="30" if part == "answers" else "")
    _grow(in_evaluation, reviewer, 10, 2)
    f.login_with_mfa(client, reviewer)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    chapter = Requirement.objects.get(scheme=in_evaluation.scheme, ref="30")
    for i in range(50):  # 60 answers in the chapter shown
        requirement = Requirement.objects.create(
            scheme=in_evaluation.scheme, ref=f"30.{100 + i}", parent=chapter, title_en="Extra", title_fr="Extra",
            position=200 + i,
        )  # fmt: skip
        a = Answer.objects.create(dossier=in_evaluation, requirement=requirement, status="not_met", justification="No.")
        a.evidence.set(in_evaluation.documents.all()[:2])
    for i in range(10):  # and 12 documents and messages instead of 2
        document_add(dossier=in_evaluation, kind="other", title=f"More {i}", uploaded=f.pdf(), by=reviewer)
        svc.message_post(dossier=in_evaluation, by=reviewer, body=f"More {i}")
    with django_assert_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200
    assert len(small) <= 40, [q["sql"] for q in small.captured_queries]
