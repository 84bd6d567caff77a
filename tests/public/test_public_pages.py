"""The public registry's pages, as anyone without an account sees them."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from registry.providers.models import Site
from registry.qualification.models import Dossier, DossierEvent
from tests import factories as f

pytestmark = pytest.mark.django_db


def certified(name, *, provider=None, model="iaas", storage="FR", status="active", reason="", issued_on=None, **kw):
    """A service with a certificate and its public history, as qualification and later moves leave them."""
    provider = provider or f.provider(legal_name=f"{name} SAS", slug=f"{name.lower().replace(' ', '-')}-sas")
    service = f.service(provider, name=name, slug=name.lower().replace(" ", "-"), service_model=model)
    Site.objects.create(service=service, role=Site.Role.STORAGE, country=storage, city="")
    Site.objects.create(service=service, role=Site.Role.PROCESSING, country=storage, city="")
    issued_on = issued_on or timezone.localdate() - datetime.timedelta(days=30)
    certificate = f.certificate(service, issued_on=issued_on, status=status, **kw)
    return f.public_history(certificate, reason=reason)


def rows(page) -> str:
    """The results table of the registry page (the filter's provider list also names services' providers)."""
    text = page.content.decode()
    return text[text.find("<tbody>") : text.find("</tbody>")] if "<tbody>" in text else ""


def test_the_home_page_says_what_the_label_means_and_counts(client):
    certified("Alpha Cloud")
    certified("Beta Cloud", status="suspended", reason="Incident under review.")
    page = client.get(reverse("registry:home"))
    assert page.status_code == 200
    assert "CLOUD Act" in page.text
    assert "Alpha Cloud" in page.text  # latest decisions
    assert "Incident under review." in page.text


def test_the_registry_lists_active_and_suspended_services_but_not_ended_ones(client):
    certified("Alpha Cloud")
    certified("Beta Cloud", status="suspended", reason="Incident.")
    certified("Gamma Cloud", status="withdrawn", reason="Sold.")
    page = client.get(reverse("registry:list"))
    assert page.status_code == 200
    assert "Alpha Cloud" in rows(page) and "Beta Cloud" in rows(page)
    assert "Gamma Cloud" not in page.text
    assert "Suspended" in page.text
    assert "2 services found" in page.text


@pytest.mark.parametrize(
    "params, shown, hidden",
    [
        ({"q": "alpha"}, ["Alpha Cloud"], ["Beta Cloud", "Delta Docs"]),
        ({"model": "saas"}, ["Delta Docs"], ["Alpha Cloud"]),
        ({"country": "DE"}, ["Beta Cloud"], ["Alpha Cloud", "Delta Docs"]),
        ({"status": "suspended"}, ["Beta Cloud"], ["Alpha Cloud"]),
        ({"provider": "alpha-cloud-sas"}, ["Alpha Cloud"], ["Beta Cloud"]),
    ],
)
def test_filters_live_in_the_url_and_narrow_the_list(client, params, shown, hidden):
    certified("Alpha Cloud")
    certified("Beta Cloud", storage="DE", status="suspended", reason="Incident.")
    certified("Delta Docs", model="saas")
    page = client.get(reverse("registry:list"), params)
    assert page.status_code == 200
    for name in shown:
        assert name in rows(page)
    for name in hidden:
        assert name not in rows(page)


def test_each_filter_choice_shows_its_result_count(client):
    certified("Alpha Cloud")
    certified("Beta Cloud", storage="DE")
    certified("Delta Docs", model="saas")
    page = client.get(reverse("registry:list")).content.decode()
    assert "IaaS – infrastructure (2)" in page
    assert "SaaS – software (1)" in page
    assert "Germany (1)" in page and "France (2)" in page
    assert "Italy" not in page  # no certified data there: not offered
    narrowed = client.get(reverse("registry:list"), {"model": "iaas"}).content.decode()
    assert "France (1)" in narrowed and "Germany (1)" in narrowed


def test_a_national_registry_offers_its_largest_providers_and_filters_by_any(client, monkeypatch):
    from registry.public.views import pages as public

    monkeypatch.setattr(public, "PROVIDER_CHOICES", 2)
    big = f.provider(legal_name="Big Cloud SAS", slug="big-cloud")
    for name in ("Big One", "Big Two", "Big Three"):
        certified(name, provider=big)
    middle = f.provider(legal_name="Middle Cloud SAS", slug="middle-cloud")
    certified("Middle One", provider=middle)
    certified("Middle Two", provider=middle)
    certified("Small One")  # its own provider, "Small One SAS", with one service

    page = client.get(reverse("registry:list")).content.decode()
    assert "Big Cloud SAS (3)" in page and "Middle Cloud SAS (2)" in page
    assert '<option value="small-one-sas"' not in page
    assert "the search finds any other by name" in page
    # A provider left out of the list still filters, and is offered as the current choice.
    narrowed = client.get(reverse("registry:list"), {"provider": "small-one-sas"})
    assert narrowed.status_code == 200
    assert "Small One" in rows(narrowed) and "Big One" not in rows(narrowed)
    assert '<option value="small-one-sas" selected' in narrowed.content.decode()
    # The search box finds it by name.
    assert "Small One" in rows(client.get(reverse("registry:list"), {"q": "Small One SAS"}))


def test_the_list_sorts_by_expiry_and_paginates(client):
    for i in range(30):
        certified(f"Service {i:02d}", issued_on=timezone.localdate() - datetime.timedelta(days=100 - i))
    first = client.get(reverse("registry:list"), {"sort": "expiry"})
    assert "Page 1 of 2" in first.text
    assert rows(first).index("Service 00") < rows(first).index("Service 01")
    second = client.get(reverse("registry:list"), {"sort": "expiry", "page": 2})
    assert "Service 29" in rows(second) and "Service 00" not in rows(second)


@pytest.mark.parametrize(
    "params", [{"country": "ZZ"}, {"model": "mainframe"}, {"sort": "sideways"}, {"page": "x"}, {"page": "99"}]
)
def test_a_malformed_filter_answers_400_with_the_reason(client, params):
    certified("Alpha Cloud")
    response = client.get(reverse("registry:list"), params)
    assert response.status_code == 400
    assert "This request cannot be answered" in response.content.decode()


def test_the_in_process_list_shows_only_consenting_providers_in_evaluation_or_decision(client):
    listed = f.dossier(status=Dossier.Status.EVALUATION, listed_in_process_consent=True)
    DossierEvent.objects.create(dossier=listed, action="admit", from_status="in_review", to_status="evaluation")
    discreet = f.dossier(status=Dossier.Status.EVALUATION, listed_in_process_consent=False)
    early = f.dossier(status=Dossier.Status.IN_REVIEW, listed_in_process_consent=True)
    page = client.get(reverse("registry:in-process")).text
    assert listed.service.name in page
    assert discreet.service.name not in page
    assert early.service.name not in page
    assert timezone.localdate().strftime("%Y") in page


def test_the_archive_shows_ended_certificates_with_their_reason(client):
    certified("Gamma Cloud", status="withdrawn", reason="Control passed to a non-EU group.")
    page = client.get(reverse("registry:archive")).text
    assert "Gamma Cloud" in page and "Control passed to a non-EU group." in page


def test_the_service_page_shows_certificate_history_locations_and_dependencies(client):
    base = certified("Base IaaS", status="suspended", reason="Audit finding.")
    top = certified("Top SaaS", model="saas")
    f.third_party(top.service, name="Base hosting", kind="hosting", relies_on_service=base.service)
    page = client.get(reverse("registry:service", args=[top.service.slug]))
    assert page.status_code == 200
    text = page.text
    assert top.number in text and "Qualification granted." in text
    assert "Data storage" in text and "France" in text
    assert "relies on Base hosting (Base IaaS), whose certificate is suspended" in text


def test_unknown_or_uncertified_services_and_providers_answer_a_helpful_404(client):
    uncertified = f.service(name="Secret Project", slug="secret-project")
    for url in (
        reverse("registry:service", args=["no-such-service"]),
        reverse("registry:service", args=[uncertified.slug]),
        reverse("registry:provider", args=["no-such-provider"]),
        reverse("registry:provider", args=[uncertified.provider.slug]),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Search the registry" in response.content.decode()


def test_the_provider_page_lists_its_services_and_locations(client):
    certificate = certified("Alpha Cloud")
    page = client.get(reverse("registry:provider", args=[certificate.service.provider.slug]))
    assert page.status_code == 200
    assert "Alpha Cloud" in page.text and "France" in page.text


def test_verify_says_valid_suspended_withdrawn_and_unknown(client):
    active = certified("Alpha Cloud")
    suspended = certified("Beta Cloud", status="suspended", reason="Incident.")
    withdrawn = certified("Gamma Cloud", status="withdrawn", reason="Sold.")
    for certificate, verdict in ((active, "valid"), (suspended, "suspended"), (withdrawn, "withdrawn")):
        page = client.get(reverse("registry:verify-number", args=[certificate.number]))
        assert page.status_code == 200
        assert f'data-verdict="{verdict}"' in page.text
        assert certificate.service.provider.legal_name in page.text
    unknown = client.get(reverse("registry:verify-number", args=["SNC-1999-0001"]))
    assert unknown.status_code == 404
    assert 'data-verdict="unknown"' in unknown.content.decode()


def test_verify_on_a_day_answers_from_the_history(client):
    issued = timezone.localdate() - datetime.timedelta(days=30)
    suspended = certified("Beta Cloud", status="suspended", reason="Incident.", issued_on=issued)
    url = reverse("registry:verify-number", args=[suspended.number])
    assert 'data-verdict="valid"' in client.get(url, {"on": (issued + datetime.timedelta(days=3)).isoformat()}).text
    assert (
        'data-verdict="suspended"' in client.get(url, {"on": (issued + datetime.timedelta(days=12)).isoformat()}).text
    )
    assert (
        'data-verdict="not-yet-valid"'
        in client.get(url, {"on": (issued - datetime.timedelta(days=1)).isoformat()}).text
    )
    bad = client.get(url, {"on": "2026-13-01"})
    assert bad.status_code == 400
    assert "YYYY-MM-DD" in bad.content.decode()


def test_the_verify_form_sends_to_the_certificate(client):
    number = certified("Alpha Cloud").number
    response = client.get(reverse("registry:verify"), {"number": f" {number.lower()} ", "on": "2026-05-01"})
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:verify-number", args=[number]) + "?on=2026-05-01"
    assert client.get(reverse("registry:verify")).status_code == 200


def test_the_statistics_page_draws_its_charts_and_medians(client):
    certified("Alpha Cloud")
    certified("Delta Docs", model="saas", storage="DE")
    d = f.dossier(status=Dossier.Status.EVALUATION)
    start = timezone.now() - datetime.timedelta(days=20)
    for days, (before, after) in enumerate(
        [("draft", "submitted"), ("submitted", "in_review"), ("in_review", "evaluation")]
    ):
        DossierEvent.objects.create(
            dossier=d,
            action="x",
            from_status=before,
            to_status=after,
            created_at=start + datetime.timedelta(days=days * 4),
        )
    page = client.get(reverse("registry:stats"))
    assert page.status_code == 200
    assert page.text.count("<svg") >= 4
    assert "Germany" in page.text
    # Submitted for 4 days, in review for 4 days: the medians of the only dossier measured.
    assert (
        '<td data-label="Stage">Submitted</td><td data-label="Median days">4.0</td>'
        '<td data-label="Dossiers measured">1</td>'
    ) in page.text


def test_public_pages_run_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    for i in range(40):
        certified(f"Service {i:02d}")
    one = certified("Top SaaS", model="saas")
    for url, bound in (
        (reverse("registry:home"), 8),
        (reverse("registry:list"), 10),
        # A search also reads the services in process and the providers it finds (tests/public/test_public_search.py).
        (reverse("registry:list") + "?q=service&sort=issued", 14),
        (reverse("registry:service", args=[one.service.slug]), 10),
        (reverse("registry:verify-number", args=[one.number]), 6),
        (reverse("registry:archive"), 6),
        (reverse("registry:in-process"), 5),
        (reverse("registry:stats"), 8),
    ):
        with django_assert_max_num_queries(bound):
            assert client.get(url).status_code == 200, url
