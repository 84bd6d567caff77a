"""Mass assignment: fields a form does not offer (status, provider, certificate, reviewer, declarant, staff flags...)
posted anyway change nothing. Every form names its fields and every write goes through a service with named
arguments; these tests post the extra fields to the portal's forms and the admin's move forms and check the rows."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from registry.certificates.models import Certificate
from registry.providers.models import Invitation, Membership, Service, Shareholder
from registry.qualification.models import Answer, Document, Dossier, Message
from registry.qualification.services import dossiers as svc
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def intruder_values(other_provider, other_owner, reviewer, decision_maker, center):
    """What an attacker would like to set: other people, another provider, an advanced status, staff rights."""
    other_service = f.service(other_provider)
    other_dossier = f.dossier(other_service, status=Dossier.Status.DRAFT)
    certificate = f.certificate(other_service)
    return {
        "status": "qualified",
        "provider": other_provider.pk,
        "provider_id": other_provider.pk,
        "service": other_service.pk,
        "dossier": other_dossier.pk,
        "certificate": certificate.pk,
        "instructing_reviewer": reviewer.pk,
        "decision_maker": decision_maker.pk,
        "evaluation_center": center.pk,
        "declared_by": other_owner.pk,
        "declared_at": "2020-01-01 00:00",
        "created_by": other_owner.pk,
        "reference": "DOS-1999-00001",
        "slug": "hijacked",
        "user": other_owner.pk,
        "role": "owner",
        "is_staff": "on",
        "is_superuser": "on",
        "groups": "1",
        "listed_in_process_consent": "on",
        "id": 999999,
        "pk": 999999,
    }


def extra(values, *keep):
    """The intruder's fields, less those the form really has (whose value the test chooses)."""
    return {k: v for k, v in values.items() if k not in keep}


def assert_still_ordinary(*users):
    for user in users:
        user.refresh_from_db()
        assert not user.is_staff and not user.is_superuser and not user.groups.exists()


# The portal's forms


def test_the_provider_profile(client, owner, provider, intruder_values):
    client.force_login(owner)
    data = {
        "legal_name": "Nuage Souverain SAS",
        "registration_id": provider.registration_id,
        "website": "https://nuage.example",
        "description": "Cloud.",
        "registered_office_country": "FR",
        "central_administration_country": "FR",
        "principal_establishment_country": "FR",
    }
    response = client.post(reverse("portal:provider-edit", args=[provider.slug]), data | extra(intruder_values))
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.slug == "nuage-souverain" and provider.website == "https://nuage.example"
    assert provider.pk != 999999
    assert_still_ordinary(owner)


def test_a_new_service_belongs_to_the_members_provider(client, editor, provider, other_provider, intruder_values):
    client.force_login(editor)
    data = {"name": "New Compute", "service_model": "iaas", "description": "VMs."}
    response = client.post(reverse("portal:service-new", args=[provider.slug]), data | extra(intruder_values))
    assert response.status_code == 302
    service = Service.objects.get(name="New Compute")
    assert service.provider == provider and service.slug != "hijacked"
    assert not other_provider.services.filter(name="New Compute").exists()


def test_a_new_dossier_starts_as_a_draft_with_nobody_assigned(client, editor, service, scheme, intruder_values):
    client.force_login(editor)
    data = {"scheme": scheme.pk, "kind": "initial"}
    response = client.post(reverse("portal:dossier-new", args=[service.slug]), data | extra(intruder_values))
    assert response.status_code == 302
    dossier = Dossier.objects.get(service=service)
    assert dossier.status == Dossier.Status.DRAFT
    assert dossier.reference != "DOS-1999-00001"
    assert dossier.instructing_reviewer is None and dossier.decision_maker is None
    assert dossier.evaluation_center is None and dossier.declared_by is None
    assert dossier.created_by == editor and not dossier.listed_in_process_consent


def test_the_declaration_is_signed_by_whoever_signs_it(client, editor, draft, intruder_values):
    client.force_login(editor)
    response = client.post(
        reverse("portal:dossier-declaration", args=[draft.reference]),
        {"declare": "on", "signatory_name": "Claire Martin", "signatory_capacity": "Chief executive officer"}
        | extra(intruder_values, "listed_in_process_consent"),
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.declared_by == editor
    assert draft.declared_at > timezone.now() - datetime.timedelta(minutes=1)
    assert draft.status == Dossier.Status.DRAFT


def test_an_uploaded_document_gets_its_facts_from_the_file_and_the_uploader(client, editor, draft, intruder_values):
    client.force_login(editor)
    forged = {
        "uploaded_by": intruder_values["instructing_reviewer"],
        "sha256": "0" * 64,
        "size": 1,
        "content_type": "text/html",
        "original_name": "forged.html",
        "scan_status": "clean",
        "version": 7,
        "pages": 99,
        "previous": 1,
        "file": None,
    }
    data = {"kind": "evidence", "title": "Diagram", "file": f.pdf("diagram.pdf")}
    response = client.post(
        reverse("portal:dossier-documents", args=[draft.reference]),
        data | extra(intruder_values) | {k: v for k, v in forged.items() if v is not None},
    )
    assert response.status_code == 302
    document = Document.objects.get(dossier=draft)
    assert document.uploaded_by == editor and document.original_name == "diagram.pdf"
    assert document.size == len(f.PDF_BYTES) and document.sha256 != "0" * 64
    assert document.content_type == "application/pdf" and document.version == 1 and document.previous is None
    assert document.scan_status == Document.ScanStatus.PENDING  # only the check makes it clean
    assert not Document.objects.exclude(dossier=draft).exists()


def test_a_self_assessment_cannot_record_the_reviewers_finding(client, editor, draft, reviewer):
    client.force_login(editor)
    requirement = draft.scheme.requirements.get(ref="19.2")
    prefix = f"r{requirement.pk}"
    response = client.post(
        reverse("portal:dossier-assessment", args=[draft.reference, "19"]),
        {
            f"{prefix}-status": "met",
            f"{prefix}-justification": "In France.",
            f"{prefix}-finding": "conform",
            f"{prefix}-finding_note": "Looks fine.",
            f"{prefix}-finding_by": reviewer.pk,
            "finding": "conform",
        },
    )
    assert response.status_code == 302
    answer = Answer.objects.get(dossier=draft, requirement=requirement)
    assert answer.status == "met"
    assert answer.finding == "" and answer.finding_note == "" and answer.finding_by is None


def test_a_providers_message_is_never_an_internal_note_nor_someone_elses(client, editor, complete_draft, reviewer):
    submitted = svc.dossier_submit(dossier=complete_draft, by=editor)
    client.force_login(editor)
    client.post(
        reverse("portal:dossier-message", args=[submitted.reference]),
        {"body": "Hello.", "internal": "on", "author": reviewer.pk, "dossier": 1},
    )
    message = Message.objects.get(dossier=submitted)
    assert message.author == editor and not message.internal


def test_a_withdrawal_only_withdraws(client, owner, complete_draft, editor, intruder_values):
    submitted = svc.dossier_submit(dossier=complete_draft, by=editor)
    client.force_login(owner)
    client.post(
        reverse("portal:dossier-withdraw", args=[submitted.reference]), {"comment": "No."} | extra(intruder_values)
    )
    submitted.refresh_from_db()
    assert submitted.status == Dossier.Status.WITHDRAWN
    assert submitted.instructing_reviewer is None and submitted.decision_maker is None


def test_a_role_change_changes_the_role_only(client, owner, provider, viewer, other_provider, intruder_values):
    membership = Membership.objects.get(user=viewer, provider=provider)
    client.force_login(owner)
    client.post(
        reverse("portal:member-role", args=[provider.slug, membership.pk]),
        {"role": "editor"} | extra(intruder_values, "role"),
    )
    membership.refresh_from_db()
    assert membership.role == "editor" and membership.provider == provider and membership.user == viewer
    assert not Membership.objects.filter(provider=other_provider, user__in=[viewer, owner]).exists()
    assert_still_ordinary(viewer, owner)


def test_an_invitation_is_for_the_members_provider_with_a_token_of_ours(
    client, owner, provider, other_provider, intruder_values
):
    client.force_login(owner)
    client.post(
        reverse("portal:members", args=[provider.slug]),
        {"email": "new@x.test", "role": "viewer", "token": "chosen-token", "accepted_at": "2020-01-01"}
        | extra(intruder_values, "role"),
    )
    invitation = Invitation.objects.get(email="new@x.test")
    assert invitation.provider == provider and invitation.invited_by == owner
    assert invitation.token != "chosen-token" and invitation.accepted_at is None


def test_a_shareholder_row_cannot_be_moved_to_another_provider(client, owner, provider, other_provider):
    client.force_login(owner)
    data = {
        "holders-TOTAL_FORMS": "1",
        "holders-INITIAL_FORMS": "0",
        "holders-0-name": "Founders",
        "holders-0-country": "FR",
        "holders-0-capital_percent": "60",
        "holders-0-voting_percent": "60",
        "holders-0-provider": other_provider.pk,
        "holders-0-id": "",
    }
    client.post(reverse("portal:ownership", args=[provider.slug]), data)
    assert Shareholder.objects.get(name="Founders").provider == provider
    assert not other_provider.shareholders.exists()


# The admin's move forms


@pytest.fixture
def submitted(complete_draft, editor):
    return svc.dossier_submit(dossier=complete_draft, by=editor)


def test_taking_a_dossier_sets_only_the_taker_as_reviewer(client, submitted, reviewer, intruder_values):
    f.login_with_mfa(client, reviewer)
    response = client.post(
        reverse("admin:registry_dossier_move", args=[submitted.pk, "take"]),
        {"comment": ""} | extra(intruder_values),
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Dossier.Status.IN_REVIEW
    assert submitted.instructing_reviewer == reviewer
    assert submitted.decision_maker is None and submitted.evaluation_center is None


def test_admitting_sets_the_status_and_nothing_else(client, submitted, reviewer, second_reviewer, intruder_values):
    taken = svc.dossier_take(dossier=submitted, by=reviewer)
    f.login_with_mfa(client, reviewer)
    client.post(
        reverse("admin:registry_dossier_move", args=[taken.pk, "admit"]),
        {"comment": ""} | intruder_values | {"instructing_reviewer": second_reviewer.pk},
    )
    taken.refresh_from_db()
    assert taken.status == Dossier.Status.EVALUATION
    assert taken.instructing_reviewer == reviewer
    assert taken.evaluation_center is None  # the provider names it in its evaluation contract
    assert taken.decision_maker is None


def test_qualifying_issues_the_certificate_the_service_computes(
    client, complete_draft, editor, reviewer, decision_maker, center, intruder_values
):
    dossier = f.walk(complete_draft, "decision", provider_user=editor, reviewer=reviewer, center=center)
    f.login_with_mfa(client, decision_maker)
    forged = {"number": "SNC-1999-0001", "issued_on": "1999-01-01", "expires_on": "2099-01-01"}
    response = client.post(
        reverse("admin:registry_dossier_move", args=[dossier.pk, "qualify"]),
        {"scope": "Compute.", "conditions": "", "comment": ""} | extra(intruder_values, "status") | forged,
    )
    assert response.status_code == 302
    certificate = Certificate.objects.get(dossier=dossier)
    assert certificate.number != "SNC-1999-0001" and certificate.status == "active"
    assert certificate.issued_on == timezone.localdate()
    assert certificate.expires_on.year == timezone.localdate().year + 3
    dossier.refresh_from_db()
    assert dossier.decision_maker == decision_maker and dossier.instructing_reviewer == reviewer


def test_suspending_a_certificate_only_suspends_it(client, decision_maker, service, intruder_values):
    certificate = f.certificate(service)
    f.login_with_mfa(client, decision_maker)
    client.post(
        reverse("admin:registry_certificate_move", args=[certificate.pk, "suspend"]),
        f.suspension_form("Incident.")
        | extra(intruder_values)
        | {"number": "SNC-1999-0001", "expires_on": "2099-01-01"},
    )
    certificate.refresh_from_db()
    assert certificate.status == "suspended" and certificate.number != "SNC-1999-0001"
    assert certificate.expires_on.year < 2099 and certificate.service == service
