"""The admin's edits of a record a live certificate covers are refused with the change notice's words, never a 500,
and change nothing; what the certificate does not cover (the website) is still edited there."""

import pytest

from registry.providers.models import Site
from tests import factories as f
from tests.agency.test_admin_providers import change_url, edit, form_data
from tests.public.test_public_pages import certified

pytestmark = pytest.mark.django_db

REFUSAL = "A live certificate covers this: what it certifies changes only through a change notice"


@pytest.fixture
def admin_client(client, administrator):
    f.login_with_mfa(client, administrator)
    return client


def test_the_admin_is_told_to_use_a_change_notice_for_a_certified_providers_legal_name(admin_client):
    provider = certified("Alpha Cloud").service.provider
    response = edit(admin_client, provider, legal_name="Alpha Holding SE")
    assert response.status_code == 200
    assert REFUSAL in response.text
    provider.refresh_from_db()
    assert provider.legal_name == "Alpha Cloud SAS"


def test_the_admin_may_still_change_what_no_certificate_covers(admin_client):
    provider = certified("Alpha Cloud").service.provider
    response = edit(admin_client, provider, website="https://alpha.example")
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.website == "https://alpha.example"


def test_a_certified_services_site_is_not_changed_in_the_admin(admin_client):
    service = certified("Alpha Cloud", storage="FR").service
    page = admin_client.get(change_url(service))
    rows = list(Site.objects.filter(service=service).order_by("service", "role", "country", "city"))
    storage = next(i for i, site in enumerate(rows) if site.role == "storage")
    response = admin_client.post(change_url(service), form_data(page) | {f"sites-{storage}-country": "US"})
    assert response.status_code == 200
    assert REFUSAL in response.text
    assert set(Site.objects.filter(service=service).values_list("country", flat=True)) == {"FR"}


def test_a_certified_services_shareholder_is_not_added_in_the_admin(admin_client):
    provider = certified("Alpha Cloud").service.provider
    holder = f.shareholder(provider, name="Existing")
    page = admin_client.get(change_url(holder))
    response = admin_client.post(change_url(holder), form_data(page) | {"country": "US"})
    assert response.status_code == 200
    assert REFUSAL in response.text
    holder.refresh_from_db()
    assert holder.country.code != "US"
