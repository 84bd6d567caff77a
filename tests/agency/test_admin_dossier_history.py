"""The admin's History button shows the dossier's real timeline (its events), not Django's empty change log."""

from django.urls import reverse

from registry.qualification.services import dossiers as svc
from tests import factories as f


def test_the_history_button_shows_the_dossiers_timeline(client, complete_draft, editor, reviewer):
    d = svc.dossier_submit(dossier=complete_draft, by=editor)
    svc.dossier_take(dossier=d, by=reviewer)
    svc.dossier_request_changes(dossier=d, by=reviewer, comment="Please justify the support site in Tunis.")
    f.login_with_mfa(client, reviewer)

    page = client.get(reverse("admin:registry_dossier_history", args=[d.pk]))

    assert page.status_code == 200
    assert "doesn’t have a change history" not in page.text and "have a change history" not in page.text
    for words in ("Submit", "Take this dossier", "Request changes", "Please justify the support site in Tunis."):
        assert words in page.text


def test_the_history_of_a_dossier_is_refused_to_staff_outside_the_agency(client, complete_draft):
    outsider = f.user(email="helpdesk@agency.test", staff=True)
    f.login_with_mfa(client, outsider)
    assert client.get(reverse("admin:registry_dossier_history", args=[complete_draft.pk])).status_code == 403
