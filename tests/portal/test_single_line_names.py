"""Names and titles are one line of text: a line break, a tab or another control character is refused where it is typed,
in the portal and in the admin, with a message that says what to remove, and what was saved before stays as it was (a
name with a line break would otherwise reach the Subject of every e-mail about the service)."""

import pytest
from django.urls import reverse

from registry.core.validators import validate_single_line
from registry.providers.models import Service, ThirdParty
from registry.qualification.models import Document
from tests import factories as f
from tests.agency.test_admin_providers import change_url, form_data
from tests.portal.test_portal_documents import upload
from tests.portal.test_portal_organisation import PROFILE
from tests.portal.test_portal_services import service_post

pytestmark = pytest.mark.django_db

REFUSAL = "Write this on one line, without line breaks, tabs or other control characters."
HOSTILE = ["Alpha\r\nBcc: everyone@example.org", "Alpha\nCloud", "Alpha\tCloud", "Alpha\x85Cloud", "Alpha\u2028Cloud"]


@pytest.mark.parametrize("value", HOSTILE)
def test_the_rule_refuses_every_control_character(value):
    with pytest.raises(Exception, match="one line"):
        validate_single_line(value)


@pytest.mark.parametrize("value", ["Alpha Cloud", "Nuage – Souverain S.A.S.", "Ōkami クラウド", ""])
def test_the_rule_accepts_names_in_any_script(value):
    validate_single_line(value)


@pytest.mark.parametrize("value", HOSTILE[:2])
def test_the_portal_refuses_a_new_service_named_on_two_lines(client, provider, editor, value):
    client.force_login(editor)
    response = client.post(
        reverse("portal:service-new", args=[provider.slug]), {"name": value, "service_model": "iaas", "description": ""}
    )
    assert response.status_code == 200 and REFUSAL in response.text
    assert not Service.objects.filter(name=value).exists()


def test_the_portal_refuses_a_renamed_service_and_its_third_party_and_keeps_what_was_saved(
    client, provider, editor, service
):
    client.force_login(editor)
    url = reverse("portal:service", args=[provider.slug, service.slug])
    third = [{"name": "Hoster\nInc", "kind": "hosting", "country_of_control": "FR"}]
    response = client.post(url, service_post(service, name="Alpha\r\nCloud", third=third))
    assert response.status_code == 200
    # Next to the name and to the third party's name, and each in the summary above the form.
    assert response.text.count(REFUSAL) == 4
    service.refresh_from_db()
    assert service.name == "Nuage Compute"
    assert not ThirdParty.objects.filter(service=service).exists()


def test_the_portal_refuses_a_legal_name_on_two_lines(client, provider, editor):
    client.force_login(editor)
    response = client.post(
        reverse("portal:provider-edit", args=[provider.slug]), PROFILE | {"legal_name": "Nuage\r\nSubject: hi"}
    )
    assert response.status_code == 200 and REFUSAL in response.text
    provider.refresh_from_db()
    assert provider.legal_name == "Nuage Souverain SAS"


def test_the_portal_refuses_a_document_title_on_two_lines(client, editor, draft, private_storage):
    client.force_login(editor)
    response = upload(client, draft, title="Network\ndiagram")
    assert response.status_code == 200 and REFUSAL in response.text
    assert not Document.objects.filter(dossier=draft).exists()


@pytest.fixture
def admin_client(client, administrator):
    f.login_with_mfa(client, administrator)
    return client


def admin_edit(client, obj, **changes):
    page = client.get(change_url(obj))
    assert page.status_code == 200
    return client.post(change_url(obj), form_data(page) | changes)


def test_the_admin_refuses_names_on_two_lines_and_keeps_what_was_saved(admin_client, provider, service, center):
    for obj, field in ((provider, "legal_name"), (service, "name"), (center, "name")):
        before = getattr(obj, field)
        response = admin_edit(admin_client, obj, **{field: "Renamed\r\nBcc: everyone@example.org"})
        assert response.status_code == 200 and REFUSAL in response.text, obj
        obj.refresh_from_db()
        assert getattr(obj, field) == before, obj
