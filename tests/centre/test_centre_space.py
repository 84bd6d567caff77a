"""The evaluation centre's own space: an evaluator, with a second factor verified, sees the dossiers and certificates
of their centre and nothing of another centre's (404); the provider's answers, documents (downloaded through a view
that checks the centre) and the dossier's messages, never the agency's internal notes. Anyone else is refused."""

import pytest
from django.test import Client
from django.urls import reverse

from registry.accounts.models import AuditEvent
from registry.qualification.models import Message
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_evaluation(complete_draft, walk):
    return walk(complete_draft, "evaluation")


@pytest.fixture
def evaluator(center):
    return f.evaluator(center, email="eva@centre-a.test")


@pytest.fixture
def evaluator_client(evaluator):
    client = Client()
    f.login_with_mfa(client, evaluator.user)
    return client


def test_the_home_lists_the_centres_dossiers_and_not_another_centres(evaluator_client, in_evaluation, service, scheme):
    elsewhere = f.dossier(f.service(), scheme, status="evaluation", evaluation_center=f.evaluation_center())
    not_yet = f.dossier(f.service(), scheme, status="in_review", evaluation_center=in_evaluation.evaluation_center)
    page = evaluator_client.get(reverse("centre:home")).content.decode()
    assert in_evaluation.reference in page and service.name in page
    assert elsewhere.reference not in page and not_yet.reference not in page


def test_an_evaluator_without_a_second_factor_is_sent_to_set_one_up(evaluator):
    client = Client()
    client.force_login(evaluator.user)
    response = client.get(reverse("centre:home"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index")


def test_an_evaluator_with_a_second_factor_not_verified_in_this_session_is_asked_for_it(evaluator):
    f.totp_authenticator(evaluator.user)
    client = Client()
    client.force_login(evaluator.user)
    response = client.get(reverse("centre:home"))
    assert response.status_code == 302 and "reauthenticate" in response["Location"]


def test_the_dossier_page_shows_answers_documents_and_messages_but_not_internal_notes(
    evaluator_client, in_evaluation, reviewer, owner
):
    Message.objects.create(dossier=in_evaluation, author=owner, body="A question from the provider.")
    Message.objects.create(dossier=in_evaluation, author=reviewer, body="Agency-only remark.", internal=True)
    answer = in_evaluation.answers.select_related("requirement").first()
    answer.justification = "Our justification."
    answer.save()
    page = evaluator_client.get(reverse("centre:dossier", args=[in_evaluation.reference])).content.decode()
    assert "A question from the provider." in page and "Our justification." in page
    assert "Agency-only remark." not in page
    document = in_evaluation.documents.first()
    assert reverse("centre:document-download", args=[document.pk]) in page


def test_an_evaluator_downloads_the_dossiers_document_with_an_audit_line(evaluator_client, in_evaluation, evaluator):
    document = in_evaluation.documents.first()
    response = evaluator_client.get(reverse("centre:document-download", args=[document.pk]))
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert AuditEvent.objects.get(action="document.download").actor == evaluator.user


def test_another_centres_dossier_and_document_answer_404(in_evaluation):
    stranger = f.evaluator(f.evaluation_center())
    client = Client()
    f.login_with_mfa(client, stranger.user)
    assert client.get(reverse("centre:dossier", args=[in_evaluation.reference])).status_code == 404
    document = in_evaluation.documents.first()
    assert client.get(reverse("centre:document-download", args=[document.pk])).status_code == 404


def test_an_attachment_of_an_internal_note_answers_404(evaluator_client, in_evaluation, reviewer):
    document = in_evaluation.documents.first()
    note = Message.objects.create(dossier=in_evaluation, author=reviewer, body="Internal.", internal=True)
    note.attachments.add(document)
    assert evaluator_client.get(reverse("centre:document-download", args=[document.pk])).status_code == 404


def test_a_dossier_before_evaluation_answers_404_to_its_future_centre(evaluator_client, center, scheme):
    dossier = f.dossier(f.service(), scheme, status="in_review", evaluation_center=center)
    assert evaluator_client.get(reverse("centre:dossier", args=[dossier.reference])).status_code == 404


@pytest.mark.parametrize("who", ["owner", "reviewer"])
def test_providers_members_and_the_agency_are_refused_the_centres_space(request, who, in_evaluation):
    person = request.getfixturevalue(who)
    client = Client()
    f.login_with_mfa(client, person)
    assert client.get(reverse("centre:home")).status_code == 403
    assert client.get(reverse("centre:dossier", args=[in_evaluation.reference])).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, in_evaluation):
    response = client.get(reverse("centre:home"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_a_lapsed_centre_still_reads_what_it_holds_under_a_banner(evaluator_client, in_evaluation, center):
    center.active = False
    center.save()
    home = evaluator_client.get(reverse("centre:home")).content.decode()
    assert "approval has lapsed" in home and in_evaluation.reference in home
    page = evaluator_client.get(reverse("centre:dossier", args=[in_evaluation.reference]))
    assert page.status_code == 200 and "approval has lapsed" in page.content.decode()


def test_an_evaluator_whose_access_was_turned_off_reads_under_a_banner(evaluator_client, evaluator, in_evaluation):
    evaluator.active = False
    evaluator.save()
    home = evaluator_client.get(reverse("centre:home")).content.decode()
    assert "turned off by the agency" in home and in_evaluation.reference in home


def _rows(centre, scheme, count):
    from registry.qualification.models import Dossier

    for _ in range(count):
        f.dossier(f.service(), scheme, status="evaluation", evaluation_center=centre)
        certificate = f.certificate(scheme_obj=scheme)
        Dossier.objects.filter(pk=certificate.dossier_id).update(evaluation_center=centre)


def test_the_home_costs_the_same_queries_for_one_row_or_many(evaluator_client, center, scheme):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert evaluator_client.get(reverse("centre:home")).status_code == 200
        return len(captured)

    _rows(center, scheme, 1)
    evaluator_client.get(reverse("centre:home"))  # the session's once-a-minute bookkeeping out of the way
    one = queries()
    _rows(center, scheme, 11)
    assert queries() == one


def test_the_home_reads_in_a_fixed_number_of_queries(evaluator_client, center, scheme, django_assert_max_num_queries):
    _rows(center, scheme, 12)
    evaluator_client.get(reverse("centre:home"))
    # 1 session; 2 user; 3 allauth's user-session check; 4 the centre-space MFA rule (is an evaluator?);
    # 5 evaluator with its centre; 6-7 count and page of dossiers (with service, provider and scheme joined);
    # 8-9 count and page of certificates (the same joins).
    with django_assert_max_num_queries(9):
        page = evaluator_client.get(reverse("centre:home"))
    assert page.content.decode().count('href="/centre/dossiers/') == 24  # 12 in evaluation, 12 qualified


def test_an_evaluator_is_led_to_the_centres_space_from_every_page(evaluator_client):
    page = evaluator_client.get(reverse("registry:list")).content.decode()
    assert reverse("centre:home") in page and reverse("portal:home") not in page


def test_a_provider_member_is_led_to_the_portal(client, owner):
    client.force_login(owner)
    page = client.get(reverse("registry:list")).content.decode()
    assert reverse("portal:home") in page and reverse("centre:home") not in page
