"""The portal's change notices: a certified service's page leads to a change notice instead of an edit; the draft is
edited with the same forms, shows the difference and the checks on the proposed record, and is filed; the public
record stays as certified meanwhile. Owners and editors write, viewers read, other organisations get 404."""

import pytest
from django.urls import reverse
from django.utils import timezone

from registry.certificates.models import ChangeNotice
from registry.providers.models import Site
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(provider):
    return f.certified_service(provider, name="Nuage Storage", slug="nuage-storage")


def login(client, user):
    client.force_login(user)
    return client


def proposal_data(notice, storage_country="US") -> dict:
    """What the change notice's page posts back with the storage site moved."""
    data = {"svc-name": notice.proposed["service"]["name"], "svc-service_model": "iaas",
            "svc-description": notice.proposed["service"]["description"]}  # fmt: skip
    sites = notice.proposed["sites"]
    data |= {"sites-TOTAL_FORMS": str(len(sites)), "sites-INITIAL_FORMS": str(len(sites))}
    for i, site in enumerate(sites):
        for name, value in site.items():
            data[f"sites-{i}-{name}"] = storage_country if name == "country" and site["role"] == "storage" else value
    data |= {"third-TOTAL_FORMS": "0", "third-INITIAL_FORMS": "0"}
    return data


def test_a_certified_services_page_leads_to_a_change_notice(client, certificate, editor):
    service = certificate.service
    page = login(client, editor).get(reverse("portal:service", args=[service.provider.slug, service.slug]))
    assert "Propose a change" in page.text and 'name="sites-TOTAL_FORMS"' not in page.text


def test_the_provider_proposes_files_and_the_public_page_keeps_the_certified_record(client, certificate, editor):
    service, slug = certificate.service, certificate.service.provider.slug
    login(client, editor)
    response = client.post(reverse("portal:change-new", args=[slug]), {"service": service.slug})
    notice = ChangeNotice.objects.get()
    assert response["Location"] == reverse("portal:change-notice", args=[slug, notice.reference])

    response = client.post(response["Location"], proposal_data(notice))
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "United States" in page.text  # the difference
    assert "19.2.a-b" in page.text  # the checks, on the proposed record: storage outside the EU fails

    filing = {"kind": "location", "change_type": "adaptive", "effective_on": timezone.localdate().isoformat(),
              "description": "Storage moves."}  # fmt: skip
    client.post(reverse("portal:change-file", args=[slug, notice.reference]), filing)
    notice.refresh_from_db()
    assert notice.status == "filed"
    assert set(Site.objects.filter(service=service, role="storage").values_list("country", flat=True)) == {"FR"}
    assert "United States" not in client.get(reverse("registry:service", args=[service.slug])).text


def test_a_viewer_reads_but_does_not_write(client, certificate, editor, viewer):
    notice = f.filed_notice(certificate, editor)
    slug = certificate.service.provider.slug
    login(client, viewer)
    assert client.get(reverse("portal:change-notice", args=[slug, notice.reference])).status_code == 200
    assert client.get(reverse("portal:changes", args=[slug])).status_code == 200
    assert client.post(reverse("portal:change-withdraw", args=[slug, notice.reference])).status_code == 403
    assert client.post(reverse("portal:change-new", args=[slug])).status_code == 403


def test_another_organisation_gets_404(client, certificate, editor, other_owner):
    notice = f.filed_notice(certificate, editor)
    slug = certificate.service.provider.slug
    login(client, other_owner)
    assert client.get(reverse("portal:change-notice", args=[slug, notice.reference])).status_code == 404
    other_slug = other_owner.memberships.get().provider.slug
    assert client.get(reverse("portal:change-notice", args=[other_slug, notice.reference])).status_code == 404


def test_a_late_notice_is_shown_late_to_the_provider(client, certificate, owner):
    notice = f.filed_notice(
        certificate, owner, kind="ownership", effective_on=timezone.localdate() - timezone.timedelta(days=60)
    )
    page = login(client, owner).get(reverse("portal:changes", args=[certificate.service.provider.slug]))
    assert notice.reference in page.text and "Late" in page.text


def test_the_list_runs_the_same_queries_for_more_notices(client, certificate, editor, django_assert_num_queries):
    slug = certificate.service.provider.slug
    login(client, editor)
    f.filed_notice(certificate, editor)
    url = reverse("portal:changes", args=[slug])
    client.get(url)
    # session, user, the membership's provider, the member's role, the notices with their service (one query), and
    # the framework's own reads: the same number for one notice or three.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    f.filed_notice(certificate, editor)
    f.filed_notice(certificate, editor)
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(url)


def test_a_document_supports_the_notice_and_stays_off_the_dossier(client, certificate, editor, other_owner):
    notice = f.filed_notice(certificate, editor)
    slug = certificate.service.provider.slug
    login(client, editor)
    url = reverse("portal:change-document", args=[slug, notice.reference])
    client.post(url, {"title": "New site's contract", "uploaded": f.pdf()})
    [document] = notice.documents.all()
    assert (document.kind, document.dossier_id, document.uploaded_by) == (
        "change_evidence", certificate.dossier_id, editor,
    )  # fmt: skip
    assert "New site&#x27;s contract" in client.get(reverse("portal:change-notice", args=[slug, notice.reference])).text
    f.checked(document)
    assert client.get(reverse("portal:document-download", args=[document.pk])).status_code == 200
    login(client, other_owner)
    assert client.get(reverse("portal:document-download", args=[document.pk])).status_code == 404


def test_the_profile_page_keeps_the_certified_fields_and_saves_the_others(client, certificate, owner):
    provider = certificate.service.provider
    legal_name = provider.legal_name
    url = reverse("portal:provider-edit", args=[provider.slug])
    page = login(client, owner).get(url)
    assert "Propose a change" in page.text and 'name="legal_name"' in page.text and "disabled" in page.text
    data = {name: getattr(provider, name) for name in ("legal_name", "registration_id", "description")}
    data |= {"legal_name": "Renamed SE", "website": "https://nuage.example", "registered_office_country": "US",
             "central_administration_country": "FR", "principal_establishment_country": "FR"}  # fmt: skip
    assert client.post(url, data).status_code == 302
    provider.refresh_from_db()
    assert (provider.legal_name, provider.registered_office_country.code, provider.website) == (
        legal_name, "FR", "https://nuage.example",
    )  # fmt: skip
