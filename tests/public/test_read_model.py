"""The public read model: one row per published certificate, kept by every save of what it shows, in the same
transaction; a write around the saves is found and repaired by the nightly check."""

import logging

import pytest
from django.core.management import call_command
from django.db import transaction

from registry.certificates.models import Certificate
from registry.certificates.services import certificate_suspend, certificate_withdraw
from registry.providers.models import Provider, Service, Site
from registry.public import read_model
from registry.public.models import PublicEntry
from registry.public.tasks import repair_public_read_model
from tests import factories as f

pytestmark = pytest.mark.django_db


def entry(certificate) -> PublicEntry:
    return PublicEntry.objects.get(pk=certificate.pk)


def storage(certificate) -> list[str]:
    return sorted(entry(certificate).storage_countries.values_list("country", flat=True))


def test_a_certificate_issued_is_an_entry_with_its_service_provider_and_countries():
    certificate = f.certified_service(name="Nuage Santé Compute")
    found = entry(certificate)
    service = certificate.service
    assert (found.number, found.status, found.service_name, found.provider_name, found.scheme_id) == (
        certificate.number,
        "active",
        "Nuage Santé Compute",
        service.provider.legal_name,
        certificate.scheme_id,
    )
    stored = sorted({str(s.country) for s in service.sites.filter(role="storage")})
    assert storage(certificate) == stored
    assert found.data_countries.split() == sorted(
        {str(s.country) for s in service.sites.filter(role__in=("storage", "processing"))}
    )
    # Folded for the search: lower case, no accent, the name also without its spaces, the number with and without dashes.
    assert "nuage sante compute" in found.search_text and "nuagesantecompute" in found.search_text
    assert certificate.number.replace("-", "").lower() in found.search_text


def test_a_suspension_and_a_withdrawal_change_the_entry_in_the_same_transaction(administrator):
    certificate = f.certified_service()
    certificate_suspend(
        certificate=certificate, by=administrator, reason="Backups outside the EU.", review_on=f.review_date()
    )
    assert entry(certificate).status == "suspended"
    certificate_withdraw(certificate=Certificate.objects.get(pk=certificate.pk), by=administrator, reason="Gone.")
    assert entry(certificate).status == "withdrawn"


def test_a_change_rolled_back_leaves_the_entry_as_it_was():
    certificate = f.certified_service(name="Before")
    with pytest.raises(RuntimeError), transaction.atomic():
        service = Service.objects.get(pk=certificate.service_id)
        service.name = "After"
        service.save()
        assert entry(certificate).service_name == "After"  # inside: written with the change
        raise RuntimeError
    assert entry(certificate).service_name == "Before"


def test_renaming_the_provider_or_moving_a_storage_site_rewrites_its_entries():
    certificate = f.certified_service()
    provider = Provider.objects.get(pk=certificate.service.provider_id)
    provider.legal_name = "Renamed Cloud SAS"
    provider.save()
    assert entry(certificate).provider_name == "Renamed Cloud SAS"
    Site.objects.create(service=certificate.service, role="storage", country="LU", city="Luxembourg")
    assert "LU" in storage(certificate)
    Site.objects.filter(service=certificate.service, country="LU").get().delete()
    assert "LU" not in storage(certificate)


def test_a_write_around_the_saves_is_found_reported_and_repaired_at_night(caplog):
    kept = f.certified_service()
    changed = f.certified_service()
    assert read_model.drift() == []
    Certificate.objects.filter(pk=changed.pk).update(status="suspended")  # update() sends no signal
    assert read_model.drift() == [changed.number]
    with caplog.at_level(logging.WARNING, logger="registry.public.read_model"):
        assert repair_public_read_model() == 1
    assert changed.number in caplog.text
    assert entry(changed).status == "suspended" and entry(kept).status == "active"
    assert read_model.drift() == []


def test_the_rebuild_command_checks_then_writes_every_entry(capsys):
    certificate = f.certified_service()
    PublicEntry.objects.all().delete()
    with pytest.raises(SystemExit):
        call_command("rebuild_public_entries", "--check")
    assert certificate.number in capsys.readouterr().out
    call_command("rebuild_public_entries")
    assert "1 public entries written." in capsys.readouterr().out
    assert entry(certificate).number == certificate.number
    call_command("rebuild_public_entries", "--check")
    assert "0 certificate(s) differ." in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Santé–Cloud", "sante cloud"), ("  OVHcloud  SAS ", "ovhcloud sas"), ("Œuvre d’État", "oeuvre d etat")],
)
def test_text_is_folded_the_way_a_search_compares_it(text, folded):
    assert read_model.fold(text) == folded
