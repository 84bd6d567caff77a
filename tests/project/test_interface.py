"""One look in both languages: dates in the reader's format, the same status badges on public pages, portal and agency
workspace, tables that carry their column names for the phone layout, and the registry's own words translated."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from registry.certificates import services as certificate_services
from registry.certificates.choices import CertificateStatus
from registry.certificates.models import CertificateEvent
from registry.certificates.statuses import certificate_badge
from registry.qualification import sovereignty
from registry.qualification.choices import DossierStatus
from registry.qualification.services import dossiers as dossier_services
from registry.qualification.statuses import dossier_badge
from tests import factories as f

FR = {"HTTP_ACCEPT_LANGUAGE": "fr"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def issued(db):
    service = f.service(name="Sovereign Compute")
    f.eu_sites(service)
    return f.certificate(service, issued_on=datetime.date(2026, 11, 29))


def test_a_certificate_shows_its_dates_in_the_readers_language(client, issued):
    url = reverse("registry:verify-number", args=[issued.number])
    english = client.get(url, **EN).content.decode()
    french = client.get(url, **FR).content.decode()
    assert '<time datetime="2026-11-29">29 Nov 2026</time>' in english
    assert '<time datetime="2026-11-29">29 novembre 2026</time>' in french
    assert '<time datetime="2029-11-29">29 novembre 2029</time>' in french


def test_the_registry_list_shows_short_dates_in_the_readers_language(client, issued):
    english = client.get(reverse("registry:list"), **EN).content.decode()
    french = client.get(reverse("registry:list"), **FR).content.decode()
    assert '<time datetime="2026-11-29">29 Nov 2026</time>' in english
    assert '<time datetime="2026-11-29">29/11/2026</time>' in french
    # Machines keep ISO dates whatever the reader's language.
    assert "2026-11-29" in client.get(reverse("registry:export-csv"), **FR).getvalue().decode()


def test_every_table_cell_of_the_registry_list_carries_its_column_name_in_the_readers_language(client, issued):
    page = client.get(reverse("registry:list"), **FR).content.decode()
    table = re.search(r'<table class="[^"]*table-stack[^"]*">.*?</table>', page, re.S).group(0)
    headers = re.findall(r'<th scope="col">([^<]+)</th>', table)
    first_row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", table, re.S).group(1)
    assert len(headers) == 6
    assert re.findall(r'<td data-label="([^"]*)"', first_row) == headers


def _admin_list(client, model):
    return client.get(reverse(f"admin:registry_{model}_changelist")).content.decode()


def test_the_agency_sees_the_same_certificate_badge_as_the_public(client, issued, administrator):
    badge = certificate_badge(CertificateStatus.ACTIVE)
    assert 'class="tcr-status tcr-status-success"' in badge and ">Active<" in badge
    assert badge in client.get(reverse("registry:list")).content.decode()
    assert badge in client.get(reverse("registry:service", args=[issued.service.slug])).content.decode()
    f.login_with_mfa(client, administrator)
    assert badge in _admin_list(client, "certificate")
    assert badge in client.get(reverse("admin:registry_certificate_change", args=[issued.pk])).content.decode()


def test_the_agency_sees_the_same_dossier_badge_as_the_provider(client, draft, owner, administrator):
    draft.status = DossierStatus.CHANGES_REQUESTED
    draft.save(update_fields=["status"])
    badge = dossier_badge(DossierStatus.CHANGES_REQUESTED)
    client.force_login(owner)
    assert badge in client.get(reverse("portal:dossier", args=[draft.reference])).content.decode()
    client.logout()
    f.login_with_mfa(client, administrator)
    assert badge in _admin_list(client, "dossier")
    assert badge in client.get(reverse("admin:registry_dossier_change", args=[draft.pk])).content.decode()


@pytest.mark.parametrize(("badge", "choices"), [(dossier_badge, DossierStatus), (certificate_badge, CertificateStatus)])
def test_every_status_badge_says_its_status_in_words_on_a_tone_the_shared_stylesheet_defines(badge, choices):
    palette = (Path(settings.BASE_DIR) / "static/css/status.css").read_text()
    for status in choices:
        with translation.override("fr"):
            html = badge(status)
            assert f">{status.label}</span>" in html
        tone = re.search(r"tcr-status-(\w+)", html).group(1)
        assert f".tcr-status-{tone} {{" in palette


def test_public_pages_portal_and_admin_load_the_same_status_palette(client, administrator, owner, provider):
    link = 'href="/static/css/status.css"'
    assert link in client.get(reverse("registry:list")).content.decode()
    client.force_login(owner)
    assert link in client.get(reverse("portal:provider", args=[provider.slug])).content.decode()
    client.logout()
    f.login_with_mfa(client, administrator)
    assert link in _admin_list(client, "dossier")
    assert link in _admin_list(client, "certificate")


def test_the_registry_writes_its_own_reasons_in_english_and_shows_them_in_the_readers_language(client, db):
    old = f.certificate(issued_on=datetime.date(2023, 1, 1))
    with translation.override("fr"):  # whatever language is active when the nightly run expires it
        certificate_services.certificate_expire(certificate=old)
    assert old.events.get().reason == "Validity period ended."
    url = reverse("registry:verify-number", args=[old.number])
    assert "Fin de la période de validité." in client.get(url, **FR).content.decode()
    assert "Validity period ended." in client.get(url, **EN).content.decode()


def test_a_qualification_decided_in_french_is_stored_in_english_and_published_as_stored(
    client, complete_draft, walk, decision_maker
):
    dossier = walk(complete_draft, "decision")
    with translation.override("fr"):
        certificate = dossier_services.dossier_qualify(dossier=dossier, by=decision_maker, scope="Compute")
    assert list(certificate.events.values_list("reason", flat=True)) == ["Qualification granted."]
    api = client.get(f"/api/v1/certificates/{certificate.number}/history/", **FR).content.decode()
    assert "Qualification granted." in api
    page = client.get(reverse("registry:verify-number", args=[certificate.number]), **FR).content.decode()
    assert "Qualification accordée." in page


def test_a_reason_a_person_typed_is_shown_as_typed(issued):
    event = CertificateEvent.objects.create(certificate=issued, status="suspended", reason="Validity period ended")
    with translation.override("fr"):
        assert event.reason_display == "Validity period ended"


def test_ownership_percentages_are_written_in_the_readers_number_format(db):
    provider = f.provider()
    f.shareholder(provider, name="Big Cloud Inc.", country="US", capital_percent="30.50", voting_percent="30.50")
    scheme = f.scheme(with_requirements=False)
    with translation.override("fr"):
        results = sovereignty.check_ownership(provider, scheme, list(provider.shareholders.all()))
    assert "30,50" in results[0].reason
    assert "30.50" not in results[0].reason


def test_every_page_names_the_agency_in_the_readers_language_or_as_configured(client, db, settings):
    assert "Certification agency for trusted cloud services" in client.get("/", **EN).content.decode()
    assert "Agence de certification des services cloud de confiance" in client.get("/", **FR).content.decode()
    settings.AGENCY_NAME = "Agence nationale de la sécurité des systèmes d'information"
    page = client.get(reverse("registry:list"), **EN).content.decode()
    assert "Agence nationale de la sécurité des systèmes d&#x27;information" in page


def test_the_account_menu_names_the_signed_in_person_without_widening_the_navbar(client, owner):
    client.force_login(owner)
    page = client.get(reverse("portal:home"), follow=True, **FR).content.decode()
    toggle = re.search(r'<a class="nav-link dropdown-toggle"[^>]*>([^<]*)</a>', page)
    assert toggle.group(1) == "Mon compte"
    assert f"Connecté en tant que {owner.email}" in page
