"""The public texts people write, on the public side in both languages: a page shows its language's text, and the other
one where it is blank, marked with its `lang` so that a screen reader switches voice; the API, the exports and the
signed snapshot carry both texts; the PDF gives both, French first."""

import csv
import io

import pytest
from django.urls import reverse

from registry.certificates.models import CertificateEvent
from registry.certificates.pdf import certificate_pdf_bytes
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def english_only():
    """A certificate whose texts the agency and the provider wrote in English only, suspended with an English reason."""
    certificate = f.certified_service(
        name="Nuage Compute", slug="nuage-compute", description="Managed virtual machines."
    )
    certificate.__class__.objects.filter(pk=certificate.pk).update(
        scope="IaaS hosting of health data.", conditions="Paris region only.", status="suspended"
    )
    certificate.refresh_from_db()
    return f.public_history(certificate, reason="Storage moved outside the EU.")


@pytest.fixture
def both_languages():
    certificate = f.certified_service(
        name="Nuage Storage",
        slug="nuage-storage",
        description="Object storage.",
        description_fr="Stockage objet.",
    )
    certificate.__class__.objects.filter(pk=certificate.pk).update(
        scope="IaaS hosting of health data.",
        scope_fr="Hébergement IaaS de données de santé.",
        conditions="Paris region only.",
        conditions_fr="Région parisienne uniquement.",
        status="suspended",
    )
    certificate.refresh_from_db()
    f.public_history(certificate)
    CertificateEvent.objects.filter(certificate=certificate, status="suspended").update(
        reason="Storage moved outside the EU.", reason_fr="Stockage déplacé hors de l’UE."
    )
    f.accepted_change_record(certificate, summary="A second storage site.", public_summary_fr="Un second site.")
    certificate.refresh_from_db()
    return certificate


def french(client, url):
    return client.get(url, HTTP_ACCEPT_LANGUAGE="fr").text


def service_page(certificate):
    return reverse("registry:service", args=[certificate.service.slug])


def verify_page(certificate):
    return reverse("registry:verify-number", args=[certificate.number])


def test_the_french_service_page_marks_the_english_texts_standing_in(client, english_only):
    page = french(client, service_page(english_only))
    assert '<span lang="en">Managed virtual machines.</span>' in page
    assert '<div lang="en"><p>IaaS hosting of health data.</p></div>' in page
    assert '<div lang="en"><p>Paris region only.</p></div>' in page
    assert '<span lang="en">Storage moved outside the EU.</span>' in page  # the history's reason


def test_the_english_service_page_shows_the_english_texts_unmarked(client, english_only):
    page = client.get(service_page(english_only), HTTP_ACCEPT_LANGUAGE="en").text
    assert "Managed virtual machines." in page and 'lang="en">Managed' not in page
    assert "<p>IaaS hosting of health data.</p>" in page and 'lang="en"><p>IaaS' not in page


def test_the_french_service_page_shows_the_french_texts_unmarked(client, both_languages):
    page = french(client, service_page(both_languages))
    for text in ("Stockage objet.", "Hébergement IaaS de données de santé.", "Région parisienne uniquement.",
                 "Stockage déplacé hors de l’UE.", "Un second site."):  # fmt: skip
        assert text.replace("’", "&#x27;") in page or text in page, text
    assert 'lang="en"' not in page.split("<main", 1)[1].split("</main>", 1)[0]
    assert "IaaS hosting of health data." not in page


def test_the_english_page_shows_the_english_text_where_both_exist(client, both_languages):
    page = client.get(service_page(both_languages), HTTP_ACCEPT_LANGUAGE="en").text
    assert "IaaS hosting of health data." in page and "Hébergement IaaS" not in page
    assert "A second storage site." in page and "Un second site." not in page


def test_the_french_verify_page_marks_the_scope_and_conditions_standing_in(client, english_only):
    page = french(client, verify_page(english_only))
    assert '<div lang="en"><p>IaaS hosting of health data.</p></div>' in page
    assert '<div lang="en"><p>Paris region only.</p></div>' in page


def test_the_french_provider_page_marks_the_english_description(client, english_only):
    provider = english_only.service.provider
    provider.__class__.objects.filter(pk=provider.pk).update(description="Sovereign cloud provider.")
    page = french(client, reverse("registry:provider", args=[provider.slug]))
    assert '<div lang="en"><p>Sovereign cloud provider.</p></div>' in page


def test_the_archive_gives_the_reason_in_the_pages_language(client, both_languages):
    both_languages.__class__.objects.filter(pk=both_languages.pk).update(status="withdrawn")
    CertificateEvent.objects.filter(certificate=both_languages, status="suspended").update(status="withdrawn")
    page = french(client, reverse("registry:archive"))
    assert "Stockage déplacé hors de l" in page and "Storage moved outside the EU." not in page


def test_the_feed_in_french_marks_the_english_reason(client, english_only):
    feed = client.get(reverse("registry:feed"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '&lt;p lang="en"&gt;Storage moved outside the EU.' in feed
    assert "&lt;p&gt;Qualification accord" in feed  # the registry's own reason, translated


def test_the_api_carries_both_texts(client, both_languages):
    body = client.get(f"/api/v1/certificates/{both_languages.number}/").json()
    assert (body["scope"], body["scope_fr"]) == (
        "IaaS hosting of health data.",
        "Hébergement IaaS de données de santé.",
    )
    assert (body["conditions"], body["conditions_fr"]) == ("Paris region only.", "Région parisienne uniquement.")
    suspended = next(e for e in body["history"] if e["status"] == "suspended")
    assert (suspended["reason"], suspended["reason_fr"]) == (
        "Storage moved outside the EU.",
        "Stockage déplacé hors de l’UE.",
    )
    change = next(e for e in body["history"] if e["type"] == "change")["change"]
    assert (change["summary"], change["summary_fr"]) == ("A second storage site.", "Un second site.")
    service = client.get(f"/api/v1/services/{both_languages.service.slug}/").json()
    assert (service["description"], service["description_fr"]) == ("Object storage.", "Stockage objet.")


def test_the_csv_export_carries_both_texts_after_the_other_columns(client, both_languages):
    both_languages.__class__.objects.filter(pk=both_languages.pk).update(status="active")
    rows = list(
        csv.DictReader(io.StringIO(b"".join(client.get(reverse("registry:export-csv")).streaming_content).decode()))
    )
    assert (rows[0]["scope"], rows[0]["scope_fr"], rows[0]["conditions_fr"]) == (
        "IaaS hosting of health data.",
        "Hébergement IaaS de données de santé.",
        "Région parisienne uniquement.",
    )


def test_the_pdf_gives_the_french_text_then_the_english(both_languages, english_only):
    from tests.certificates.test_certificate_pdf import text_of

    text = text_of(certificate_pdf_bytes(both_languages))
    assert text.index("Hébergement IaaS de données de santé.") < text.index("IaaS hosting of health data.")
    assert "Stockage déplacé hors de l" in text and "Storage moved outside the EU." in text
    assert "IaaS hosting of health data." in text_of(certificate_pdf_bytes(english_only))


def test_a_search_finds_a_service_by_its_french_description(client, both_languages):
    both_languages.__class__.objects.filter(pk=both_languages.pk).update(status="active")
    page = client.get(reverse("registry:list"), {"q": "stockage objet"}, HTTP_ACCEPT_LANGUAGE="fr").text
    assert "Nuage Storage" in page
    assert client.get("/api/v1/certificates/", {"q": "Stockage"}).json()["count"] == 1


def test_the_homes_latest_decisions_give_a_change_summary_in_the_pages_language(client, both_languages):
    page = client.get(reverse("registry:home"), HTTP_ACCEPT_LANGUAGE="fr").text
    assert "Un second site." in page and "A second storage site." not in page
    page = client.get(reverse("registry:home"), HTTP_ACCEPT_LANGUAGE="en").text
    assert "A second storage site." in page and "Un second site." not in page


def test_the_homes_english_summary_standing_in_is_marked_but_not_the_french_kind_before_it(client):
    certificate = f.certified_service(name="Nuage Vault", slug="nuage-vault")
    f.public_history(certificate)
    f.accepted_change_record(certificate, kind="location", summary="A second storage site.")
    page = french(client, reverse("registry:home"))
    # The kind of change is French, outside the span the English summary stands in, which alone says lang="en".
    assert (
        '<div class="small text-body-secondary">Localisation des données ou des opérations\u00a0: '
        '<span lang="en">A second storage site.</span></div>'
    ) in page
