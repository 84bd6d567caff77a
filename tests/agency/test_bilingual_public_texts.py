"""The agency writes the public texts in English and French: the committee's scope and conditions, a certificate's
public reason, a change notice's public summary. Each box says its language and carries its `lang`; where a text must
be written, either language will do, and an empty pair is refused."""

import pytest
from django.urls import reverse

from registry.certificates.models import Certificate, CertificateEvent
from registry.qualification.models import Dossier
from registry.qualification.services import dossiers as svc
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_decision(complete_draft, walk, reviewer):
    d = walk(complete_draft, Dossier.Status.EVALUATION)
    f.evaluated(d, reviewer=reviewer)
    return svc.dossier_report(dossier=d, by=reviewer, recommendation="qualify")


def qualify_url(d):
    return reverse("admin:registry_dossier_move", args=[d.pk, "qualify"])


def test_the_qualify_form_has_a_box_per_language_each_saying_and_marking_its_language(
    client, at_decision, decision_maker
):
    f.login_with_mfa(client, decision_maker)
    page = client.get(qualify_url(at_decision)).text
    assert "Scope of the qualification (English)" in page and "Scope of the qualification (French)" in page
    assert "Conditions and reserves (English)" in page and "Conditions and reserves (French)" in page
    form = client.get(qualify_url(at_decision)).context["form"]
    assert form.fields["scope"].widget.attrs["lang"] == "en" and form.fields["scope_fr"].widget.attrs["lang"] == "fr"
    assert form.fields["conditions_fr"].widget.attrs["lang"] == "fr"


def test_the_committee_qualifies_with_the_scope_in_both_languages(client, at_decision, decision_maker):
    f.login_with_mfa(client, decision_maker)
    data = {
        "scope": "IaaS hosting.",
        "scope_fr": "Hébergement IaaS.",
        "conditions": "",
        "conditions_fr": "Audit annuel.",
    }
    assert client.post(qualify_url(at_decision), data).status_code == 302
    certificate = Certificate.objects.get(dossier=at_decision)
    assert (certificate.scope, certificate.scope_fr) == ("IaaS hosting.", "Hébergement IaaS.")
    assert (certificate.conditions, certificate.conditions_fr) == ("", "Audit annuel.")
    # The certified record keeps the scope as certified, in both languages.
    assert certificate.records.get().content["scope_fr"] == "Hébergement IaaS."


def test_a_scope_in_french_alone_qualifies(client, at_decision, decision_maker):
    f.login_with_mfa(client, decision_maker)
    assert client.post(qualify_url(at_decision), {"scope": "", "scope_fr": "Hébergement IaaS."}).status_code == 302
    assert Certificate.objects.get(dossier=at_decision).scope_fr == "Hébergement IaaS."


def test_a_scope_in_neither_language_is_refused_and_nothing_is_issued(client, at_decision, decision_maker):
    f.login_with_mfa(client, decision_maker)
    refused = client.post(qualify_url(at_decision), {"scope": " ", "scope_fr": ""})
    assert refused.status_code == 200 and "Write it in English, in French or in both." in refused.text
    assert not Certificate.objects.filter(dossier=at_decision).exists()


def test_the_service_refuses_a_scope_in_neither_language_whoever_calls_it(at_decision, decision_maker):
    with pytest.raises(svc.Refused):
        svc.dossier_qualify(dossier=at_decision, by=decision_maker, scope="", scope_fr="  ")
    certificate = svc.dossier_qualify(dossier=at_decision, by=decision_maker, scope="", scope_fr="Périmètre.")
    assert certificate.scope_fr == "Périmètre."


@pytest.fixture
def certificate(decision_maker):
    return f.certified_service()


def move_url(certificate, action):
    return reverse("admin:registry_certificate_move", args=[certificate.pk, action])


def test_a_suspension_reason_is_saved_in_both_languages(client, certificate, decision_maker):
    f.login_with_mfa(client, decision_maker)
    page = client.get(move_url(certificate, "suspend"))
    assert page.context["form"].fields["reason_fr"].widget.attrs["lang"] == "fr"
    assert "Reason (English)" in page.text and "Reason (French)" in page.text
    form = f.suspension_form("Storage moved outside the EU.", reason_fr="Stockage déplacé hors de l’UE.")
    assert client.post(move_url(certificate, "suspend"), form).status_code == 302
    event = CertificateEvent.objects.filter(certificate=certificate).latest("created_at", "pk")
    assert (event.status, event.reason, event.reason_fr) == (
        "suspended",
        "Storage moved outside the EU.",
        "Stockage déplacé hors de l’UE.",
    )
    page = client.get(reverse("admin:registry_certificate_change", args=[certificate.pk])).text
    assert '<div lang="fr">Stockage déplacé hors de l’UE.</div>' in page  # the agency sees both


def test_a_reinstatement_reason_in_french_alone_is_enough(client, certificate, decision_maker):
    f.login_with_mfa(client, decision_maker)
    client.post(move_url(certificate, "suspend"), f.suspension_form("Incident."))
    assert (
        client.post(move_url(certificate, "reinstate"), {"reason": "", "reason_fr": "Plan vérifié."}).status_code == 302
    )
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ACTIVE
    assert (
        CertificateEvent.objects.filter(certificate=certificate).latest("created_at", "pk").reason_fr == "Plan vérifié."
    )


def test_a_withdrawal_without_reason_in_either_language_is_refused(client, certificate, administrator):
    f.login_with_mfa(client, administrator)
    refused = client.post(move_url(certificate, "withdraw"), {"reason": "", "reason_fr": " "})
    assert refused.status_code == 200 and "Write it in English, in French or in both." in refused.text
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ACTIVE


def test_a_change_notice_is_accepted_with_its_public_summary_in_both_languages(client, editor, reviewer, provider):
    certificate = f.certified_service(provider, name="Nuage Storage", slug="nuage-storage")
    notice = f.filed_notice(certificate, editor)
    f.login_with_mfa(client, reviewer)
    url = reverse("admin:registry_changenotice_move", args=[notice.pk, "take"])
    client.post(url)
    page = client.get(reverse("admin:registry_changenotice_change", args=[notice.pk])).text
    assert 'name="public_summary_fr"' in page and 'lang="fr"' in page and "Public summary (French)" in page
    accept = reverse("admin:registry_changenotice_move", args=[notice.pk, "accept"])
    client.post(accept, {"public_summary": "", "public_summary_fr": "Stockage déplacé."})
    notice.refresh_from_db()
    assert (notice.status, notice.public_summary, notice.public_summary_fr) == ("accepted", "", "Stockage déplacé.")


def test_a_change_notice_is_not_accepted_without_a_public_summary_in_either_language(
    client, editor, reviewer, provider
):
    certificate = f.certified_service(provider, name="Nuage Storage", slug="nuage-storage")
    notice = f.filed_notice(certificate, editor)
    f.login_with_mfa(client, reviewer)
    client.post(reverse("admin:registry_changenotice_move", args=[notice.pk, "take"]))
    client.post(reverse("admin:registry_changenotice_move", args=[notice.pk, "accept"]), {"public_summary": " "})
    notice.refresh_from_db()
    assert notice.status == "filed"
