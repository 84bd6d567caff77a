"""While a live certificate covers a service, the provider's rows it certifies change only through an accepted change
notice: every direct write refuses with the change notice's words, for the provider's members and the agency alike;
what no certificate covers, or a certificate no longer live, leaves the rows free."""

from decimal import Decimal

import pytest

from registry.certificates.services import certificate_withdraw
from registry.providers import offerings
from registry.providers import services as providers
from registry.providers.models import Site
from registry.qualification.workflow import Refused
from tests import factories as f

pytestmark = pytest.mark.django_db

REFUSAL = "A live certificate covers this: what it certifies changes only through a change notice"


@pytest.fixture
def certified(service):
    return f.certificate(service)


def site_rows(service, **changes):
    return [
        {"id": s.pk, **{name: getattr(s, name) for name in offerings.SITE_FIELDS}, **changes}
        for s in service.sites.all()
    ]


@pytest.mark.parametrize("status", ["active", "suspended"])
def test_a_live_certificate_refuses_the_services_edit(service, owner, status):
    f.certificate(service, status=status)
    with pytest.raises(Refused, match=REFUSAL):
        offerings.service_update(service=service, by=owner, name="Renamed")
    service.refresh_from_db()
    assert service.name == "Nuage Compute"


def test_saving_the_same_values_is_not_an_edit(service, owner, certified):
    offerings.service_update(service=service, by=owner, name=service.name, description=service.description)


def test_sites_and_third_parties_of_a_certified_service_are_refused_and_nothing_is_kept(service, owner, certified):
    with pytest.raises(Refused, match=REFUSAL):
        offerings.sites_replace(service=service, by=owner, rows=site_rows(service, city="Ashburn"))
    assert set(Site.objects.filter(service=service).values_list("city", flat=True)) == {"Roubaix"}
    row = dict.fromkeys(offerings.THIRD_PARTY_FIELDS) | {
        "name": "Hyperscaler", "kind": "hosting", "country_of_control": "US", "technical_access_to_data": True,
        "autonomy_evidence": "",
    }  # fmt: skip
    with pytest.raises(Refused, match=REFUSAL):
        offerings.third_parties_replace(service=service, by=owner, rows=[row])
    assert not service.third_parties.exists()


def test_the_agency_is_refused_too(service, administrator, certified):
    with pytest.raises(Refused, match=REFUSAL):
        offerings.service_delete(service=service, by=administrator)
    with pytest.raises(Refused, match=REFUSAL):
        offerings.service_update(service=service, by=administrator, description="Other.")


def test_the_organisations_certified_fields_and_shareholders_are_refused(provider, owner, certified):
    with pytest.raises(Refused, match=REFUSAL):
        providers.provider_update(provider=provider, by=owner, legal_name="Renamed SE")
    with pytest.raises(Refused, match=REFUSAL):
        providers.provider_update(provider=provider, by=owner, principal_establishment_country="US")
    row = {"name": "Investor", "country": "US", "capital_percent": Decimal(10), "voting_percent": Decimal(10),
           "veto_right": False, "appoints_board_majority": False}  # fmt: skip
    with pytest.raises(Refused, match=REFUSAL):
        providers.shareholders_replace(provider=provider, by=owner, rows=[row])
    with pytest.raises(Refused, match=REFUSAL):
        providers.shareholder_save(provider=provider, by=owner, **row)
    assert not provider.shareholders.exists()


def test_removing_a_shareholder_is_refused(provider, owner, certified):
    holder = f.shareholder(provider)
    with pytest.raises(Refused, match=REFUSAL):
        providers.shareholder_remove(shareholder=holder, by=owner)
    assert provider.shareholders.count() == 1


def test_what_no_certificate_covers_is_still_edited(provider, owner, certified):
    providers.provider_update(provider=provider, by=owner, website="https://nuage.example", description="Us.")
    provider.refresh_from_db()
    assert provider.website == "https://nuage.example"


def test_a_certificate_no_longer_live_frees_the_rows(service, owner, administrator, certified):
    certificate_withdraw(certificate=certified, by=administrator, reason="Sold.")
    offerings.service_update(service=service, by=owner, name="Renamed")
    service.refresh_from_db()
    assert service.name == "Renamed"


def test_another_providers_certificate_does_not_control_this_one(service, owner):
    f.certificate(f.service())
    offerings.service_update(service=service, by=owner, name="Renamed")
