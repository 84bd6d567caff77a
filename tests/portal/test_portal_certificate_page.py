"""A certificate's page in the portal: the surveillance plan (due dates; for audits done, the date, the outcome and the
findings) and the conditions, which owners and editors answer with evidence while viewers read; anyone else gets 404
(the agency reads them in its workspace). The page costs the same queries whatever the plan's length."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry.certificates.models import Condition, SurveillanceAudit
from registry.certificates.surveillance import _store_document
from registry.qualification.choices import DocumentKind
from tests import factories as f

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def certificate(service):
    certificate = f.certificate(service, issued_on=today() - datetime.timedelta(days=400))
    SurveillanceAudit.objects.create(
        certificate=certificate,
        sequence=1,
        due_on=today() - datetime.timedelta(days=35),
        performed_on=today() - datetime.timedelta(days=40),
        outcome="maintained_with_conditions",
        findings="Logs kept six months.",
        recorded_at=timezone.now(),
    )
    SurveillanceAudit.objects.create(certificate=certificate, sequence=2, due_on=today() + datetime.timedelta(days=330))
    return certificate


@pytest.fixture
def condition(certificate):
    return Condition.objects.create(
        certificate=certificate, text="Keep the logs twelve months.", due_on=today() - datetime.timedelta(days=1)
    )


def page_url(certificate):
    return reverse("portal:certificate", args=["nuage-souverain", certificate.number])


def answer_url(certificate, condition):
    return reverse("portal:condition-answer", args=["nuage-souverain", certificate.number, condition.pk])


# Who gets what: the page, and the answer posted without its text (400: the form again with its errors).
PAGE = {"anonymous": 302, "viewer": 200, "editor": 200, "owner": 200, "other_owner": 404, "reviewer": 404}
ANSWER = {"anonymous": 302, "viewer": 403, "editor": 400, "owner": 400, "other_owner": 404, "reviewer": 404}


@pytest.mark.parametrize("role", list(PAGE))
def test_who_reads_the_certificate_page_and_who_may_answer(client, portal_people, certificate, condition, role):
    person = portal_people[role]
    if person is not None and person.is_staff:
        f.login_with_mfa(client, person)  # the agency's staff are signed in with their second factor
    elif person is not None:
        client.force_login(person)

    assert client.get(page_url(certificate)).status_code == PAGE[role]
    assert client.post(answer_url(certificate, condition), {}).status_code == ANSWER[role]
    condition.refresh_from_db()
    assert condition.state == "open"


def test_the_page_shows_the_plan_the_findings_and_the_overdue_condition(client, viewer, certificate, condition):
    client.force_login(viewer)
    content = client.get(page_url(certificate)).content.decode()

    assert "Maintained with conditions" in content
    assert "Logs kept six months." in content  # the findings are the provider's to read
    assert (today() + datetime.timedelta(days=330)).isoformat() in content  # the next audit's due day
    assert "Keep the logs twelve months." in content and "Overdue" in content
    assert "Send the answer to the agency" not in content  # a viewer reads


def test_an_editor_answers_a_condition_with_evidence(
    client, editor, certificate, condition, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    assert "Send the answer to the agency" in client.get(page_url(certificate)).content.decode()
    prefix = f"condition-{condition.pk}"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            answer_url(certificate, condition),
            {
                f"{prefix}-response": "Retention set to twelve months.",
                f"{prefix}-evidence": [f.pdf("a.pdf"), f.pdf("b.pdf")],
            },
        )

    assert response.status_code == 302
    condition.refresh_from_db()
    assert (condition.state, condition.response) == ("answered", "Retention set to twelve months.")
    assert sorted(condition.documents.values_list("title", flat=True)) == ["a.pdf", "b.pdf"]
    assert set(condition.documents.values_list("kind", flat=True)) == {DocumentKind.CONDITION_EVIDENCE}
    content = client.get(page_url(certificate)).content.decode()
    assert "Retention set to twelve months." in content and "a.pdf" in content
    assert "Send the answer to the agency" not in content  # answered: it waits on the agency


def test_a_file_of_a_type_not_accepted_is_refused_next_to_the_field(client, editor, certificate, condition):
    client.force_login(editor)
    prefix = f"condition-{condition.pk}"
    bad = f.pdf("notes.txt", b"plain text")
    response = client.post(
        answer_url(certificate, condition), {f"{prefix}-response": "Done.", f"{prefix}-evidence": bad}
    )
    assert response.status_code == 400
    assert "This type of file is not accepted" in response.content.decode()
    condition.refresh_from_db()
    assert condition.state == "open"


def test_the_page_costs_the_same_queries_with_2_and_10_conditions(
    client, editor, certificate, django_assert_num_queries
):
    def conditions(start, count):
        for i in range(start, start + count):
            c = Condition.objects.create(certificate=certificate, text=f"Condition {i}.", due_on=today())
            f.checked(
                _store_document(
                    certificate=certificate,
                    kind=DocumentKind.CONDITION_EVIDENCE,
                    title=f"evidence {i}",
                    uploaded=f.pdf(),
                    by=editor,
                    condition=c,
                )
            )

    conditions(0, 2)
    client.force_login(editor)
    url = page_url(certificate)
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    conditions(2, 8)
    # session, user, the provider with its membership, the member's roles, the certificate with its service and
    # scheme, the audits, the conditions, their evidence.
    with django_assert_num_queries(len(captured)):
        response = client.get(url)
    assert "evidence 9" in response.content.decode()
