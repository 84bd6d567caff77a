"""The provider describes its organisation and its services in English and French: each box says its language and
carries its `lang`; both are saved. A certified service's French description is under change control like the English
one: changed only through a change notice, whose difference names it."""

import pytest
from django.urls import reverse

from registry.certificates import changes, records
from registry.certificates.models import ChangeNotice
from registry.providers import offerings
from registry.providers.models import Provider, Service
from registry.qualification.workflow import Refused
from tests import factories as f

pytestmark = pytest.mark.django_db

EMPTY_ROWS = {f"{prefix}-{key}": "0" for prefix in ("sites", "third") for key in ("TOTAL_FORMS", "INITIAL_FORMS")}


def test_a_new_service_is_described_in_both_languages_each_box_marked(client, provider, editor):
    client.force_login(editor)
    page = client.get(reverse("portal:service-new", args=[provider.slug]))
    form = page.context["form"]
    assert (form.fields["description"].widget.attrs["lang"], form.fields["description_fr"].widget.attrs["lang"]) == (
        "en",
        "fr",
    )
    assert "Description (English)" in page.text and "Description (French)" in page.text
    data = {"name": "Nuage Kubernetes", "service_model": "caas", "description": "Managed Kubernetes.",
            "description_fr": "Kubernetes géré."}  # fmt: skip
    assert client.post(reverse("portal:service-new", args=[provider.slug]), data).status_code == 302
    service = Service.objects.get(name="Nuage Kubernetes")
    assert (service.description, service.description_fr) == ("Managed Kubernetes.", "Kubernetes géré.")


def test_an_uncertified_service_changes_its_french_description_directly(client, provider, editor):
    service = f.service(provider, description="Managed Kubernetes.")
    client.force_login(editor)
    data = {"name": service.name, "service_model": service.service_model, "description": "Managed Kubernetes.",
            "description_fr": "Kubernetes géré."} | EMPTY_ROWS  # fmt: skip
    response = client.post(reverse("portal:service", args=[provider.slug, service.slug]), data)
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.description_fr == "Kubernetes géré."


def test_the_organisations_description_is_saved_in_both_languages(client, provider, editor):
    client.force_login(editor)
    page = client.get(reverse("portal:provider-edit", args=[provider.slug]))
    assert page.context["form"].fields["description_fr"].widget.attrs["lang"] == "fr"
    profile = {
        "legal_name": provider.legal_name,
        "registration_id": provider.registration_id,
        "website": "https://nuage.example",
        "description": "Sovereign cloud provider.",
        "description_fr": "Fournisseur de cloud souverain.",
        "registered_office_country": "FR",
        "central_administration_country": "FR",
        "principal_establishment_country": "FR",
    }
    assert client.post(reverse("portal:provider-edit", args=[provider.slug]), profile).status_code == 302
    provider = Provider.objects.get(pk=provider.pk)
    assert (provider.description, provider.description_fr) == (
        "Sovereign cloud provider.",
        "Fournisseur de cloud souverain.",
    )


@pytest.fixture
def certificate(provider):
    return f.certified_service(provider, name="Nuage Storage", slug="nuage-storage", description="Object storage.")


def test_a_certified_services_french_description_is_refused_as_a_direct_edit(certificate, editor):
    with pytest.raises(Refused):
        offerings.service_update(service=certificate.service, by=editor, description_fr="Stockage objet.")
    certificate.service.refresh_from_db()
    assert certificate.service.description_fr == ""


def test_the_certified_record_keeps_the_french_description(certificate):
    assert records.current(certificate).content["service"]["description_fr"] == ""


def test_a_change_notice_carries_the_french_description_to_the_certified_record(client, certificate, editor, reviewer):
    service, slug = certificate.service, certificate.service.provider.slug
    client.force_login(editor)
    response = client.post(reverse("portal:change-new", args=[slug]), {"service": service.slug})
    notice = ChangeNotice.objects.get()
    proposal = {"svc-name": service.name, "svc-service_model": service.service_model,
                "svc-description": "Object storage.", "svc-description_fr": "Stockage objet."}  # fmt: skip
    proposal |= {"sites-TOTAL_FORMS": str(len(notice.proposed["sites"])), "sites-INITIAL_FORMS": "0"}
    for i, site in enumerate(notice.proposed["sites"]):
        proposal |= {f"sites-{i}-{name}": value for name, value in site.items()}
    proposal |= {"third-TOTAL_FORMS": "0", "third-INITIAL_FORMS": "0"}
    assert client.post(response["Location"], proposal).status_code == 302
    notice.refresh_from_db()
    assert notice.proposed["service"]["description_fr"] == "Stockage objet."
    page = client.get(response["Location"]).text
    assert "description (French)" in page and "Stockage objet." in page  # the difference names it
    changes.notice_file(notice=notice, by=editor, kind="other", change_type="adaptive",
                        effective_on=notice.effective_on, description="French description.")  # fmt: skip
    changes.notice_take(notice=notice, by=reviewer)
    changes.notice_accept(notice=notice, by=reviewer, public_summary="Description in French.")
    service.refresh_from_db()
    assert service.description_fr == "Stockage objet."
    assert records.current(certificate).content["service"]["description_fr"] == "Stockage objet."


def test_a_notice_recorded_before_the_french_description_existed_is_accepted_without_blanking_it(
    certificate, editor, reviewer
):
    """A notice whose records (proposed and current) were written before the field existed lack its key: it is
    still the certified record (not "changed since filed"), and accepting it leaves the French text as it is."""
    notice = changes.notice_open(provider=certificate.service.provider, service=certificate.service, by=editor)
    older = {part: (dict(value) if isinstance(value, dict) else value) for part, value in notice.proposed.items()}
    older["service"].pop("description_fr")
    proposed = dict(older, service=dict(older["service"], name="Nuage Object Storage"))
    ChangeNotice.objects.filter(pk=notice.pk).update(proposed=proposed, current=older)
    notice.refresh_from_db()
    changes.notice_file(notice=notice, by=editor, kind="other", change_type="adaptive",
                        effective_on=notice.effective_on, description="Nothing.")  # fmt: skip
    changes.notice_take(notice=notice, by=reviewer)
    changes.notice_accept(notice=notice, by=reviewer, public_summary="No change.")
    notice.refresh_from_db()
    assert notice.status == "accepted"
    service = Service.objects.get(pk=certificate.service_id)
    assert (service.name, service.description_fr) == ("Nuage Object Storage", "")
