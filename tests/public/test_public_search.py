"""Search that finds things: certified services, services in process and providers in one search, each in its own
labelled section; certificate numbers however typed; the providers' index; every public list paginated; each filter's
"All" once; the unknown-number page keeping what was typed."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from registry.certificates.rules import normalise_certificate_number
from registry.qualification.models import Dossier, DossierEvent
from tests import factories as f
from tests.public.test_public_pages import certified, rows

pytestmark = pytest.mark.django_db


class Form(HTMLParser):
    """The selects' options and the inputs' values of a page, by field name."""

    def __init__(self, html):
        super().__init__()
        self.options, self.values, self._select, self._option = {}, {}, None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select":
            self._select = attrs.get("name")
            self.options[self._select] = []
        elif tag == "option" and self._select:
            self._option = [attrs.get("value"), ""]
            self.options[self._select].append(self._option)
        elif tag == "input" and attrs.get("name"):
            self.values[attrs["name"]] = attrs.get("value")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "option":
            self._option = None

    def handle_data(self, data):
        if self._option is not None:
            self._option[1] += data


def in_process(name, *, provider=None, consent=True, model="paas", status=Dossier.Status.EVALUATION):
    """A service in evaluation, listed in process when its provider consented."""
    provider = provider or f.provider(legal_name=f"{name} SAS", slug=name.lower().replace(" ", "-") + "-sas")
    service = f.service(provider, name=name, slug=name.lower().replace(" ", "-"), service_model=model)
    dossier = f.dossier(service, status=status, listed_in_process_consent=consent)
    DossierEvent.objects.create(dossier=dossier, action="admit", from_status="in_review", to_status="evaluation")
    return dossier


def section(page, ident: str) -> str:
    """The text of the page's <section> labelled by the heading `ident` ("" when the page has none)."""
    text = page.content.decode()
    start = text.find(f'aria-labelledby="{ident}"')
    return text[start : text.find("</section>", start)] if start >= 0 else ""


# --- Certificate numbers, however typed. ---


@pytest.mark.parametrize(
    "typed",
    [
        "SNC-2026-0003",
        "snc 2026 0003",
        "SNC20260003",
        "snc-2026-0003",
        "  Snc--2026--0003. ",
        "SNC-20260003",
        "SNC2026-0003",
        "SNC–2026–0003",  # en dashes, as a copy from a PDF gives them
        "snc/2026/0003",
        "SNC-2026-3",
    ],
)
def test_a_certificate_number_reads_the_same_however_typed(typed):
    assert normalise_certificate_number(typed) == "SNC-2026-0003"


@pytest.mark.parametrize("typed", ["", "Bleu", "S3NS", "2026", "snc 2026", "SNC-26-0003", "é 2026 0003"])
def test_text_without_a_number_s_shape_is_not_taken_for_one(typed):
    assert normalise_certificate_number(typed) is None


def test_a_longer_counter_and_a_prefix_with_a_digit_keep_their_parts():
    assert normalise_certificate_number("snc 2026 12345") == "SNC-2026-12345"
    assert normalise_certificate_number("c5 2026 0001") == "C5-2026-0001"


@pytest.mark.parametrize("typed", ["snc 2026 NUMBER", "SNC2026NUMBER", "snc-2026-NUMBER"])
def test_the_registry_search_finds_a_certificate_by_its_number_however_typed(client, typed):
    wanted = certified("Alpha Cloud")
    certified("Beta Cloud")
    for i in range(10):  # more numbers sharing the prefix, the year and the digits of the one asked for
        certified(f"Other {i}")
    prefix, year, counter = wanted.number.split("-")
    page = client.get(reverse("registry:list"), {"q": typed.replace("2026", year).replace("NUMBER", counter)})
    assert wanted.number in rows(page)
    assert "1 service found" in page.content.decode()


@pytest.mark.parametrize("typed", ["{p} {y} {n}", "{p}{y}{n}", "{p}-{y}-{n}"])
def test_the_verify_form_finds_a_number_however_typed(client, typed):
    certificate = certified("Alpha Cloud")
    prefix, year, counter = certificate.number.split("-")
    response = client.get(
        reverse("registry:verify"), {"number": typed.format(p=prefix.lower(), y=year, n=counter), "on": "2026-05-01"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:verify-number", args=[certificate.number]) + "?on=2026-05-01"


def test_a_verification_link_with_the_number_written_otherwise_leads_to_the_number_as_issued(client):
    certificate = certified("Alpha Cloud")
    response = client.get(reverse("registry:verify-number", args=[certificate.number.lower()]), {"on": "2026-05-01"})
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:verify-number", args=[certificate.number]) + "?on=2026-05-01"


def test_the_unknown_number_page_keeps_what_was_typed_and_says_what_was_looked_for(client):
    certified("Alpha Cloud")
    page = client.get(reverse("registry:verify"), {"number": "snc 2026 9999", "on": "2026-05-01"})
    assert page.status_code == 404
    html = page.content.decode()
    assert 'data-verdict="unknown"' in html
    form = Form(html)
    assert form.values["number"] == "snc 2026 9999"
    assert form.values["on"] == "2026-05-01"
    assert "SNC-2026-9999" in html and "you typed “snc 2026 9999”" in html
    assert reverse("registry:list") + "?q=snc%202026%209999" in html


def test_the_unknown_page_says_when_the_text_is_no_number_and_offers_the_search(client):
    page = client.get(reverse("registry:verify"), {"number": "Bleu Cloud", "on": "not-a-day"})
    assert page.status_code == 404
    html = page.content.decode()
    assert "“Bleu Cloud” is not a certificate number" in html
    assert Form(html).values["number"] == "Bleu Cloud"
    assert not Form(html).values["on"]  # a date field's value must be a date
    assert reverse("registry:list") + "?q=Bleu%20Cloud" in html
    # Reached by its address, the unknown page keeps the number of the address.
    by_address = client.get(reverse("registry:verify-number", args=["SNC-1999-0001"]))
    assert by_address.status_code == 404
    assert Form(by_address.content.decode()).values["number"] == "SNC-1999-0001"


# --- One search for certified services, services in process and providers. ---


def test_searching_a_provider_in_process_shows_it_under_its_own_heading(client):
    certified("Alpha Cloud")
    bleu = in_process("Bleu Cloud Platform", provider=f.provider(legal_name="Bleu SAS", slug="bleu"))
    in_process("Bleu Discreet", provider=bleu.service.provider, consent=False)
    in_process("Bleu Early", provider=bleu.service.provider, status=Dossier.Status.IN_REVIEW)
    page = client.get(reverse("registry:list"), {"q": "bleu"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "No certified service matches" in html and rows(page) == ""
    listed = section(page, "found-in-process")
    assert "In process of qualification (not certified)" in listed
    assert "Bleu Cloud Platform" in listed
    assert reverse("registry:provider", args=["bleu"]) + "#in-process" in listed
    # Only what the provider agreed to list: neither the service it did not consent for nor one not yet admitted.
    assert "Bleu Discreet" not in html and "Bleu Early" not in html
    providers = section(page, "found-providers")
    assert "Bleu SAS" in providers and reverse("registry:provider", args=["bleu"]) in providers
    assert "1 in process of qualification" in providers
    # Above the results, a line says what else was found, with links to its sections.
    assert 'Also found: <a href="#found-in-process">1 service in process of qualification</a>' in html
    assert '<a href="#found-providers">1 provider</a>' in html


def test_certified_services_come_first_and_the_other_sections_only_when_they_match(client):
    s3ns = f.provider(legal_name="S3NS SAS", slug="s3ns")
    certified("S3NS Compute", provider=s3ns)
    in_process("S3NS Premi3ns", provider=s3ns)
    page = client.get(reverse("registry:list"), {"q": "s3ns"})
    html = page.content.decode()
    assert "S3NS Compute" in rows(page)
    assert html.index("S3NS Compute") < html.index('id="found-in-process"') < html.index('id="found-providers"')
    alpha = client.get(reverse("registry:list"), {"q": "compute"})
    assert section(alpha, "found-in-process") == "" and section(alpha, "found-providers") == ""


def test_filters_on_a_certificate_leave_services_in_process_out_and_the_model_applies_to_them(client):
    certified("Alpha Cloud")
    in_process("Bleu Cloud Platform", model="paas")
    same_model = client.get(reverse("registry:list"), {"q": "bleu", "model": "paas"})
    assert "Bleu Cloud Platform" in section(same_model, "found-in-process")
    # An in-process service has no certificate status nor published data location; another model is another model.
    for params in ({"status": "active"}, {"country": "FR"}, {"model": "saas"}):
        page = client.get(reverse("registry:list"), {"q": "bleu", **params})
        assert page.status_code == 200
        assert section(page, "found-in-process") == "", params


def test_a_search_shows_a_few_and_links_to_the_whole_list_of_the_others(client, monkeypatch):
    from registry.public.views import pages

    monkeypatch.setattr(pages, "ALSO_FOUND", 2)
    for i in range(3):
        in_process(f"Nuage {i}")
    page = client.get(reverse("registry:list"), {"q": "nuage"})
    listed = section(page, "found-in-process")
    assert listed.count("list-group-item") == 2
    assert reverse("registry:in-process") + "?q=nuage" in listed and "All 3 services in process" in listed
    assert "All 3 providers" in section(page, "found-providers")
    assert reverse("registry:providers") + "?q=nuage" in section(page, "found-providers")


def test_a_search_for_a_past_certificate_s_number_points_to_its_history(client):
    past = certified("Gamma Cloud", status="withdrawn", reason="Sold.")
    page = client.get(reverse("registry:list"), {"q": past.number.replace("-", " ").lower()})
    html = page.content.decode()
    assert rows(page) == ""
    assert f"Certificate {past.number} is no longer in force (Withdrawn)" in html
    assert reverse("registry:verify-number", args=[past.number]) in html


def test_nothing_found_anywhere_points_to_the_in_process_list_and_the_providers(client):
    page = client.get(reverse("registry:list"), {"q": "nothing-matches-this"})
    html = page.content.decode()
    assert "Nothing else matches either" in html
    assert f'href="{reverse("registry:in-process")}"' in html and f'href="{reverse("registry:providers")}"' in html


# --- The providers' index and the provider's page. ---


def test_the_providers_index_lists_every_provider_with_a_public_presence_and_its_counts(client):
    alpha = certified("Alpha Cloud")
    certified("Alpha Storage", provider=alpha.service.provider, status="suspended", reason="Audit.")
    certified("Alpha Old", provider=alpha.service.provider, status="withdrawn", reason="Sold.")
    in_process("Bleu Cloud Platform", provider=f.provider(legal_name="Bleu SAS", slug="bleu"))
    in_process("Hidden Cloud", provider=f.provider(legal_name="Hidden SAS", slug="hidden"), consent=False)
    f.service(f.provider(legal_name="Draft SAS", slug="draft"), name="Draft")
    page = client.get(reverse("registry:providers"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "2 providers." in html
    assert "Alpha Cloud SAS" in html and "Bleu SAS" in html
    assert "Hidden SAS" not in html and "Draft SAS" not in html
    assert "2 certified services · 1 past certificate" in html
    assert "0 certified services · 1 in process of qualification" in html
    assert reverse("registry:provider", args=["bleu"]) in html
    assert f'href="{reverse("registry:providers")}"' in client.get(reverse("registry:home")).content.decode()


def test_the_providers_index_searches_by_name_and_paginates(client, monkeypatch):
    from registry.public.views import pages

    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    for name in ("Alpha", "Beta", "Gamma"):
        certified(f"{name} Cloud")
    found = client.get(reverse("registry:providers"), {"q": "beta sas"}).content.decode()
    assert "Beta Cloud SAS" in found and "Alpha Cloud SAS" not in found
    assert "1 provider matches “beta sas”." in found
    assert Form(found).values["q"] == "beta sas"
    first = client.get(reverse("registry:providers")).content.decode()
    assert "Page 1 of 2" in first and "Gamma Cloud SAS" not in first and "?page=2" in first
    second = client.get(reverse("registry:providers"), {"page": 2}).content.decode()
    assert "Gamma Cloud SAS" in second and "Alpha Cloud SAS" not in second
    assert client.get(reverse("registry:providers"), {"page": 9}).status_code == 400


def test_a_provider_only_in_process_has_a_page_with_its_listed_services_and_nothing_else(client):
    bleu = f.provider(legal_name="Bleu SAS", slug="bleu", website="https://bleu.example", registration_id="RCS 123")
    in_process("Bleu Cloud Platform", provider=bleu)
    in_process("Bleu Secret", provider=bleu, consent=False)
    page = client.get(reverse("registry:provider", args=["bleu"]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="in-process"' in html and "Bleu Cloud Platform" in html
    assert "Bleu Secret" not in html
    # It consented to its name and its services' being listed: not to its identity's details.
    assert "bleu.example" not in html and "RCS 123" not in html
    assert "holds no certificate" in html
    # A provider with neither a certificate nor a consented listing has no page.
    hidden = in_process("Hidden Cloud", consent=False).service.provider
    assert client.get(reverse("registry:provider", args=[hidden.slug])).status_code == 404


def test_the_in_process_list_links_each_row_and_searches_by_name(client):
    bleu = in_process("Bleu Cloud Platform", provider=f.provider(legal_name="Bleu SAS", slug="bleu"))
    in_process("Nuage Platform")
    page = client.get(reverse("registry:in-process")).content.decode()
    assert f'href="{reverse("registry:provider", args=["bleu"])}#in-process">Bleu Cloud Platform</a>' in page
    found = client.get(reverse("registry:in-process"), {"q": "bleu"}).content.decode()
    assert bleu.service.name in found and "Nuage Platform" not in found
    assert "1 service in process matches “bleu”." in found


# --- Every public list paginated, in a bounded number of queries. ---


def test_the_in_process_list_the_archive_and_a_provider_s_lists_are_paginated(client, monkeypatch):
    from registry.public.views import pages

    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    provider = f.provider(legal_name="Big SAS", slug="big")
    for i in range(3):
        certified(f"Live {i}", provider=provider)
        certified(f"Ended {i}", provider=provider, status="withdrawn", reason="Sold.")
        in_process(f"Coming {i}", provider=provider)
    for url in (reverse("registry:in-process"), reverse("registry:archive")):
        first = client.get(url).content.decode()
        assert "Page 1 of 2" in first, url
        assert client.get(url, {"page": 2}).status_code == 200
        assert client.get(url, {"page": 3}).status_code == 400
    # The archive's pages (read by id, from whichever end is nearer) hold each certificate once.
    archive_pages = [client.get(reverse("registry:archive"), {"page": n}).content.decode() for n in (1, 2)]
    for i in range(3):
        assert sum(page.count(f">Ended {i}</a>") for page in archive_pages) == 1
    html = client.get(reverse("registry:provider", args=["big"])).content.decode()
    assert html.count("Page 1 of 2") == 3
    assert "?in_process_page=2#in-process" in html and "?past_page=2#past" in html
    second = client.get(reverse("registry:provider", args=["big"]), {"past_page": 2, "page": 2}).content.decode()
    assert "Live 2" in second and "Live 0" not in second
    assert "?page=2&amp;past_page=1#past" in second  # the other lists' pages are kept
    assert client.get(reverse("registry:provider", args=["big"]), {"past_page": "x"}).status_code == 400


def test_the_new_and_paginated_lists_run_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    provider = f.provider(legal_name="Big SAS", slug="big")
    for i in range(30):
        certified(f"Live {i:02d}", provider=provider if i % 2 else None)
        certified(f"Ended {i:02d}", provider=provider, status="withdrawn", reason="Sold.")
        in_process(f"Coming {i:02d}", provider=provider if i % 2 else None)
    # The registry's search: the certified list's queries (10 at most), two for the services in process and two for the
    # providers (the first few, and their count when there are more), one for a past certificate's number.
    for url, bound in (
        (reverse("registry:list") + "?q=big", 14),
        (reverse("registry:list") + "?q=snc+2026+0001", 15),
        (reverse("registry:providers"), 5),
        (reverse("registry:providers") + "?q=sas&page=2", 5),
        (reverse("registry:provider", args=["big"]), 10),
        (reverse("registry:provider", args=["big"]) + "?past_page=2&in_process_page=1", 10),
        (reverse("registry:in-process") + "?page=2", 5),
        (reverse("registry:archive") + "?page=2", 6),
    ):
        with django_assert_max_num_queries(bound):
            assert client.get(url).status_code == 200, url


# --- Each filter's "All" once. ---


def test_each_filter_offers_all_once(client):
    certified("Alpha Cloud")
    for params in ({}, {"q": "alpha"}, {"model": "iaas", "status": "active", "country": "FR"}):
        options = Form(client.get(reverse("registry:list"), params).content.decode()).options
        for name in ("provider", "model", "scheme", "status", "country"):
            labels = [label for _value, label in options[name]]
            assert labels.count("All") == 1, (name, params, labels)
            assert [value for value, _label in options[name]].count("") == 1, (name, params)
        assert "IaaS – infrastructure (1)" in [label for _value, label in options["model"]]


def test_the_paginated_and_searched_lists_are_kept_by_their_own_parameters(client, monkeypatch):
    from registry.public.views import pages

    monkeypatch.setattr(pages, "PAGE_SIZE", 1)
    provider = f.provider(legal_name="Big SAS", slug="big")
    for name in ("Alpha", "Beta"):
        certified(f"{name} Live", provider=provider)
        certified(f"{name} Ended", provider=provider, status="withdrawn", reason="Sold.")
        in_process(f"{name} Coming", provider=provider)
    for url, first_page, other_page in (
        (reverse("registry:providers"), {"q": "big"}, {"q": "alpha"}),
        (reverse("registry:in-process"), {}, {"page": 2}),
        (reverse("registry:in-process"), {"q": "alpha"}, {"q": "beta"}),
        (reverse("registry:archive"), {}, {"page": 2}),
        (reverse("registry:provider", args=["big"]), {}, {"past_page": 2}),
        (reverse("registry:provider", args=["big"]), {"page": 2}, {"in_process_page": 2}),
    ):
        first = client.get(url, first_page)
        assert first.headers.get("X-Public-Cache") == "miss", (url, first_page)
        other = client.get(url, other_page)
        assert other.headers.get("X-Public-Cache") == "miss", (url, other_page)  # another key, not the first's page
        assert other.content != first.content
        again = client.get(url, other_page)
        assert again.headers.get("X-Public-Cache") == "hit", (url, other_page)
