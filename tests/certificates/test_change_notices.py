"""Change notices: a provider's change to a certified record waits for the agency; accepted, the live rows, the public
registry and a new certified record version follow; late 19.6.f notices are flagged; a transformative change needs a
second person; a re-evaluation opens a change dossier; a refusal states its consequence. Every step is audited and
e-mailed through the outbox in each recipient's language."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registry.accounts.models import AuditEvent
from registry.certificates import changes
from registry.certificates.models import CertifiedRecord
from registry.providers.models import Site
from registry.qualification.workflow import Refused
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture
def certificate(provider):
    return f.certified_service(provider, name="Nuage Storage", slug="nuage-storage")


def storage_countries(service):
    return set(Site.objects.filter(service=service, role="storage").values_list("country", flat=True))


def test_a_filed_change_does_not_touch_the_public_record_until_accepted(
    certificate, editor, reviewer, client, django_capture_on_commit_callbacks
):
    service = certificate.service
    notice = f.filed_notice(certificate, editor)
    assert notice.reference.startswith(f"CHG-{timezone.localdate().year}-")
    assert notice.status == "filed" and notice.current["sites"] != notice.proposed["sites"]
    public = reverse("registry:service", args=[service.slug])
    api = reverse("api:service-detail", args=[service.slug])
    export = reverse("registry:export-json")

    assert storage_countries(service) == {"FR"}
    assert "United States" not in client.get(public).text
    assert "US" not in client.get(api).json()["site_countries"]["storage"]
    assert b'"US"' not in b"".join(client.get(export).streaming_content)

    changes.notice_take(notice=notice, by=reviewer)
    with django_capture_on_commit_callbacks(execute=True):  # the publication drops the kept public pages
        changes.notice_accept(notice=notice, by=reviewer, public_summary="Storage moved to a new site.")

    assert storage_countries(service) == {"US"}
    assert "United States" in Client().get(public).text
    assert "US" in Client().get(api).json()["site_countries"]["storage"]
    assert b'"US"' in b"".join(Client().get(export).streaming_content)
    latest = CertifiedRecord.objects.filter(certificate=certificate).order_by("-version").first()
    assert (latest.version, latest.change_notice) == (2, notice)
    assert {s["country"] for s in latest.content["sites"] if s["role"] == "storage"} == {"US"}
    notice.refresh_from_db()
    assert (notice.status, notice.decided_by) == ("accepted", reviewer)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"change_notice.file", "change_notice.take", "change_notice.accept", "service.change_applied"} <= actions


def test_the_draft_is_the_providers_own_until_filed(certificate, editor, viewer, other_owner):
    notice = changes.notice_open(provider=certificate.service.provider, service=certificate.service, by=editor)
    for outsider in (viewer, other_owner):
        with pytest.raises(Refused):
            f.proposed_storage_move(notice, outsider)
    with pytest.raises(Refused, match="change something"):
        changes.notice_file(
            notice=notice, by=editor, kind="location", change_type="adaptive",
            effective_on=timezone.localdate(), description="Nothing.",
        )  # fmt: skip


def test_a_service_without_a_live_certificate_is_edited_directly_not_by_a_notice(service, editor):
    with pytest.raises(Refused, match="edit it directly"):
        changes.notice_open(provider=service.provider, service=service, by=editor)


def test_a_late_ownership_notice_is_flagged(certificate, owner, provider):
    notice = changes.notice_open(provider=provider, by=owner)
    holder = {"name": "Overseas Fund", "country": "US", "capital_percent": Decimal(10), "voting_percent": Decimal(10),
              "veto_right": False, "appoints_board_majority": False}  # fmt: skip
    profile = {name: getattr(provider, name) for name in notice.proposed["provider"]}
    changes.notice_propose_provider(notice=notice, by=owner, profile=profile, shareholders=[holder])
    late = changes.notice_file(
        notice=notice, by=owner, kind="ownership", change_type="adaptive",
        effective_on=timezone.localdate() - datetime.timedelta(days=45), description="A new shareholder.",
    )  # fmt: skip
    assert late.late is True
    on_time = f.filed_notice(
        certificate, owner, kind="ownership", effective_on=timezone.localdate() - datetime.timedelta(days=20)
    )
    assert on_time.late is False
    other_kind = f.filed_notice(
        certificate, owner, kind="location", effective_on=timezone.localdate() - datetime.timedelta(days=90)
    )
    assert other_kind.late is False


def test_an_accepted_ownership_change_changes_the_shareholders(certificate, owner, provider, reviewer):
    notice = changes.notice_open(provider=provider, by=owner)
    holder = {"name": "Overseas Fund", "country": "US", "capital_percent": Decimal(10), "voting_percent": Decimal(10),
              "veto_right": False, "appoints_board_majority": False}  # fmt: skip
    profile = {name: getattr(provider, name) for name in notice.proposed["provider"]}
    changes.notice_propose_provider(notice=notice, by=owner, profile=profile | {"legal_name": "Nuage SE"},
                                    shareholders=[holder])  # fmt: skip
    changes.notice_file(notice=notice, by=owner, kind="ownership", change_type="adaptive",
                        effective_on=timezone.localdate(), description="A new shareholder.")  # fmt: skip
    changes.notice_take(notice=notice, by=reviewer)
    changes.notice_accept(notice=notice, by=reviewer, public_summary="A new minority shareholder.")
    provider.refresh_from_db()
    assert provider.legal_name == "Nuage SE"
    assert [(s.name, s.country.code) for s in provider.shareholders.all()] == [("Overseas Fund", "US")]
    assert CertifiedRecord.objects.filter(certificate=certificate, change_notice=notice).exists()


def test_a_transformative_change_needs_a_second_person(certificate, editor, reviewer, second_reviewer):
    notice = f.filed_notice(certificate, editor, change_type="transformative")
    changes.notice_take(notice=notice, by=reviewer)
    changes.notice_accept(notice=notice, by=reviewer, public_summary="Storage moved.")
    notice.refresh_from_db()
    assert notice.status == "acceptance_proposed" and storage_countries(certificate.service) == {"FR"}
    with pytest.raises(Refused, match="second person"):
        changes.notice_confirm(notice=notice, by=reviewer)
    changes.notice_confirm(notice=notice, by=second_reviewer)
    notice.refresh_from_db()
    assert (notice.status, notice.acceptance_proposed_by, notice.decided_by) == (
        "accepted", reviewer, second_reviewer,
    )  # fmt: skip
    assert storage_countries(certificate.service) == {"US"}


def test_only_the_reviewer_who_took_it_decides(certificate, editor, reviewer, second_reviewer, decision_maker):
    notice = f.filed_notice(certificate, editor)
    with pytest.raises(Refused, match="Take the change notice first"):
        changes.notice_accept(notice=notice, by=reviewer, public_summary="x")
    with pytest.raises(Refused, match="Only a reviewer"):
        changes.notice_take(notice=notice, by=decision_maker)
    changes.notice_take(notice=notice, by=reviewer)
    with pytest.raises(Refused, match="already taken"):
        changes.notice_take(notice=notice, by=second_reviewer)
    with pytest.raises(Refused, match="Only the reviewer who took"):
        changes.notice_refuse(notice=notice, by=second_reviewer, outcome_note="No.")
    with pytest.raises(Refused, match="public summary"):
        changes.notice_accept(notice=notice, by=reviewer, public_summary=" ")


def test_a_refusal_states_its_consequence_and_may_propose_a_suspension(certificate, editor, reviewer):
    notice = f.filed_notice(certificate, editor)
    changes.notice_take(notice=notice, by=reviewer)
    changes.notice_refuse(
        notice=notice, by=reviewer, outcome_note="Storage outside the EU breaks 19.2.", propose_suspension=True
    )
    notice.refresh_from_db()
    certificate.refresh_from_db()
    assert notice.status == "refused" and "19.2" in notice.outcome_note
    assert certificate.suspension_proposed_by == reviewer and notice.reference in certificate.suspension_proposal
    assert storage_countries(certificate.service) == {"FR"}
    assert not CertifiedRecord.objects.filter(change_notice=notice).exists()


def test_a_withdrawn_notice_is_no_longer_decided(certificate, editor, reviewer):
    notice = f.filed_notice(certificate, editor)
    changes.notice_withdraw(notice=notice, by=editor)
    with pytest.raises(Refused):
        changes.notice_take(notice=notice, by=reviewer)
    with pytest.raises(Refused, match="can no longer be withdrawn"):
        changes.notice_withdraw(notice=notice, by=editor)


def test_each_step_is_e_mailed_in_the_recipients_language(
    certificate, editor, reviewer, second_reviewer, django_capture_on_commit_callbacks
):
    from registry.accounts.models import UserPreference
    from registry.notifications.models import OutgoingEmail

    UserPreference.objects.update_or_create(user=editor, defaults={"language": "fr"})
    with django_capture_on_commit_callbacks(execute=True):
        notice = f.filed_notice(certificate, editor, change_type="transformative")
    filed = [m for m in mail.outbox if notice.reference in m.subject]
    assert {r for m in filed for r in m.to} == {reviewer.email, second_reviewer.email}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        changes.notice_take(notice=notice, by=reviewer)
    [taken] = [m for m in mail.outbox if editor.email in m.to]
    assert notice.reference in taken.subject
    row = OutgoingEmail.objects.get(key=f"change_notice:{notice.pk}:taken", recipient=editor.email)
    assert row.language == "fr"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        changes.notice_accept(notice=notice, by=reviewer, public_summary="Storage moved.")
    assert {r for m in mail.outbox for r in m.to} == {second_reviewer.email}  # the proposer confirms nothing


def test_a_notice_filed_before_another_was_accepted_is_not_applied_over_it(certificate, editor, reviewer):
    first = f.filed_notice(certificate, editor, country="DE")
    second = f.filed_notice(certificate, editor, country="US")
    for notice in (first, second):
        changes.notice_take(notice=notice, by=reviewer)
    changes.notice_accept(notice=first, by=reviewer, public_summary="Storage moved to Germany.")
    with pytest.raises(Refused, match="changed since this notice was filed"):
        changes.notice_accept(notice=second, by=reviewer, public_summary="Storage moved to the US.")
    assert storage_countries(certificate.service) == {"DE"}
    changes.notice_refuse(notice=second, by=reviewer, outcome_note="Superseded by the accepted move: file again.")
