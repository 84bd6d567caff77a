"""The registry's search finds what a person means: without accents or capitals, part of a word, names written with or
without their spaces, every word typed; on PostgreSQL also a word with a typo, its English or French forms, and the
names' matches first. Services in process and providers are found by name the same way for accents and case."""

import pytest
from django.db import connection
from django.urls import reverse

from registry.certificates.choices import LIVE_CERTIFICATE_STATUSES
from registry.public import selectors as queries
from registry.public.models import PublicEntry
from registry.public.search import matching_names, search_entries
from tests import factories as f
from tests.public.api_helpers import get
from tests.public.test_public_pages import rows
from tests.public.test_public_search import in_process

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: typo tolerance, stems and ranking are its full-text and trigram search (migration 0026); "
    "SQLite keeps the plain contains-every-word search tested above",
)


def live():
    return PublicEntry.objects.filter(status__in=LIVE_CERTIFICATE_STATUSES)


def found(text, entries=None) -> set[str]:
    return set(search_entries(live() if entries is None else entries, text).values_list("service_name", flat=True))


def ranked(text) -> list[str]:
    return list(search_entries(live(), text).order_by("-rank", "service_name").values_list("service_name", flat=True))


def service(name, *, provider=None, description="Virtual machines.", description_fr="", **kw):
    certificate = f.certified_service(provider, name=name, description=description, description_fr=description_fr, **kw)
    return certificate


@pytest.fixture
def registry():
    """A few services whose names and descriptions a person would search differently from how they are written."""
    outscale = f.provider(legal_name="3DS Outscale SAS", slug="outscale")
    ovh = f.provider(legal_name="OVH SAS", slug="ovh")
    return {
        "outscale": service("Outscale Cloud Region", provider=outscale),
        "ovh": service("OVHcloud Hosted Private Cloud", provider=ovh),
        "health": service(
            "Nimbus Compute",
            description="Virtual machines for health data.",
            description_fr="Machines virtuelles pour les données de santé.",
        ),
        "kubernetes": service("Tarnfield Kubernetes", description="Managed container clusters."),
        "mail": service("Yselnet Mail Secure", description="E-mail operated end to end by the provider."),
    }


# --- On both databases. ---


@pytest.mark.parametrize("typed", ["santé", "sante", "SANTÉ", "Santé."])
def test_a_word_is_found_whatever_its_accents_capitals_and_punctuation(registry, typed):
    assert found(typed) == {"Nimbus Compute"}


def test_part_of_a_name_finds_it(registry):
    assert found("outscal") == {"Outscale Cloud Region"}
    assert found("OUTSCALE") == {"Outscale Cloud Region"}


def test_a_name_is_found_with_or_without_its_spaces(registry):
    assert found("ovh cloud") == {"OVHcloud Hosted Private Cloud"}
    assert found("ovhcloud") == {"OVHcloud Hosted Private Cloud"}
    assert found("Nimbus-Compute") == {"Nimbus Compute"}
    assert found("nimbuscompute") == {"Nimbus Compute"}


def test_every_word_typed_must_be_found(registry):
    assert found("cloud") == {"Outscale Cloud Region", "OVHcloud Hosted Private Cloud"}
    assert found("cloud region") == {"Outscale Cloud Region"}
    assert found("cloud nowhere") == set()


def test_a_provider_s_name_finds_its_services(registry):
    assert found("3DS") == {"Outscale Cloud Region"}
    assert found("ovh sas") == {"OVHcloud Hosted Private Cloud"}


def test_only_the_first_eight_different_words_count(registry):
    # A pasted paragraph is no search: words after the eighth are not asked for, and a word typed twice counts once.
    service("Alpha Beta Gamma Delta Epsilon Zeta Eta Theta")
    assert found("alpha beta gamma delta epsilon zeta eta theta nowhere") == {
        "Alpha Beta Gamma Delta Epsilon Zeta Eta Theta"
    }
    assert found("alpha alpha beta gamma delta epsilon zeta eta theta") == {
        "Alpha Beta Gamma Delta Epsilon Zeta Eta Theta"
    }
    assert found("alpha alpha beta gamma delta epsilon zeta eta nowhere") == set()


def test_text_with_no_word_in_it_finds_everything_as_it_was_given(registry):
    assert found(" – / . ") == set(live().values_list("service_name", flat=True))


def test_it_searches_only_the_entries_it_is_given(registry, administrator):
    from registry.certificates.services import certificate_withdraw

    certificate_withdraw(certificate=registry["outscale"], by=administrator, reason="Gone.")
    assert found("outscale") == set()
    assert found("outscale", PublicEntry.objects.all()) == {"Outscale Cloud Region"}


def test_each_match_has_a_rank_and_the_caller_s_order_is_kept(registry):
    entries = live().order_by("number")
    matches = search_entries(entries, "cloud")
    assert matches.query.order_by == entries.query.order_by
    assert all(isinstance(rank, float) for rank in matches.values_list("rank", flat=True))


def test_a_search_is_one_query_and_serves_as_a_subquery(
    registry, django_assert_num_queries, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):  # PostgreSQL: which words no entry holds (typos), all asked at once
        matches = search_entries(live(), "cloud region kubernets outscle")
    with django_assert_num_queries(1):
        assert list(matches) == []
    matches = search_entries(live(), "cloud region")
    with django_assert_num_queries(1):  # the entries found, with their rank
        assert [e.service_name for e in matches] == ["Outscale Cloud Region"]
    # The registry's facets count the entries found through a subquery (another table alias).
    with django_assert_num_queries(1):
        assert PublicEntry.objects.filter(pk__in=matches.values("pk")).count() == 1


@pytest.mark.parametrize("typed", ["sante", "SANTE", "santé"])
def test_services_in_process_and_providers_are_found_by_name_without_accents(typed):
    in_process("Nimbus Santé Platform", provider=f.provider(legal_name="Clinique Numérique SAS", slug="clinique"))
    in_process("Other Platform")
    dossiers = matching_names(queries.in_process_dossiers(), typed, queries.IN_PROCESS_SEARCH_FIELDS)
    assert [d.service.name for d in dossiers] == ["Nimbus Santé Platform"]
    by_provider = matching_names(queries.in_process_dossiers(), "numerique", queries.IN_PROCESS_SEARCH_FIELDS)
    assert [d.service.name for d in by_provider] == ["Nimbus Santé Platform"]
    providers = matching_names(queries.public_providers(), "clinique " + typed[:3], queries.PROVIDER_SEARCH_FIELDS)
    assert [p.legal_name for p in providers] == []  # "san…" is no part of the provider's name
    providers = matching_names(queries.public_providers(), "CLINIQUE numérique", queries.PROVIDER_SEARCH_FIELDS)
    assert [p.legal_name for p in providers] == ["Clinique Numérique SAS"]


def test_names_need_every_word_in_either_name_and_text_without_words_keeps_every_row():
    in_process("Nimbus Santé Platform", provider=f.provider(legal_name="Cœur Numérique SAS", slug="coeur"))
    in_process("Nimbus Archive")
    fields = queries.IN_PROCESS_SEARCH_FIELDS

    def names(text):
        return [d.service.name for d in matching_names(queries.in_process_dossiers(), text, fields)]

    assert names("nimbus sante") == ["Nimbus Santé Platform"]
    assert names("coeur platform") == ["Nimbus Santé Platform"]  # one word in each name, œ written out
    assert names("nimbus nowhere") == []
    assert matching_names(queries.in_process_dossiers(), " ? ", fields).count() == 2


# --- PostgreSQL's full-text and trigram search. ---


@postgresql_only
def test_a_word_with_a_typo_is_found_when_no_entry_has_it_as_typed(registry):
    assert found("kubernets") == {"Tarnfield Kubernetes"}
    assert found("tarnfild kubernets") == {"Tarnfield Kubernetes"}
    assert found("outscle") == {"Outscale Cloud Region"}


@postgresql_only
def test_english_and_french_forms_of_a_word_find_it(registry):
    assert found("clusters") == found("cluster") == {"Tarnfield Kubernetes"}
    assert found("operating") == {"Yselnet Mail Secure"}  # "operated"
    assert found("donnée") == {"Nimbus Compute"}  # "données"


@postgresql_only
def test_a_short_word_is_only_the_start_of_a_word(registry):
    # "ud" is inside "cloud" but starts no word; "ou" starts "outscale".
    assert found("ud") == set()
    assert found("ou") == {"Outscale Cloud Region"}


@postgresql_only
def test_a_match_in_a_name_comes_before_one_only_in_a_description(registry):
    service("Santé Cloud Archive", description="Archiving.")
    service("Clinic Records", description="Records kept for clinics.", description_fr="Dossiers de santé.")
    assert ranked("santé")[0] == "Santé Cloud Archive"
    assert set(ranked("santé")[1:]) == {"Nimbus Compute", "Clinic Records"}
    service("Outscale Object Storage", provider=f.provider(legal_name="Storage Corp", slug="storage-corp"))
    first, *others = ranked("outscale object")
    assert first == "Outscale Object Storage"


@postgresql_only
def test_the_search_reads_its_indexes(registry):
    # The plan of a search names the full-text and trigram indexes of migration 0026 (not a scan of every entry).
    sql, params = search_entries(PublicEntry.objects.all(), "outscal").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "publicentry_search_vector" in plan and "publicentry_search_trgm" in plan


# --- Through the registry's page and the API, which search with it (registry.public.filters.RegistryFilter). ---


def listed(client, **params) -> list[str]:
    """The service names of the registry page's rows, in their order."""
    html = rows(client.get(reverse("registry:list"), params))
    return sorted(
        (name for name in PublicEntry.objects.values_list("service_name", flat=True) if name in html),
        key=html.index,
    )


def api_listed(client, **params) -> list[str]:
    return [row["service"] for row in get(client, "certificate-list", **params).json()["results"]]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("santé", ["Nimbus Compute"]),
        ("sante", ["Nimbus Compute"]),
        ("outscal", ["Outscale Cloud Region"]),
        ("ovh cloud", ["OVHcloud Hosted Private Cloud"]),
        ("cloud region", ["Outscale Cloud Region"]),
    ],
)
def test_the_registry_page_and_the_api_find_what_was_meant(client, registry, typed, expected):
    assert listed(client, q=typed) == expected
    assert api_listed(client, q=typed) == expected


def test_a_chosen_sort_orders_the_matches_instead_of_their_rank(client, registry):
    service("Zeta Cloud Archive")
    by_name = PublicEntry.objects.filter(service_name__icontains="cloud").order_by("service_name")  # the collation's
    assert listed(client, q="cloud", sort="name") == list(by_name.values_list("service_name", flat=True))
    assert len(by_name) == 3


@postgresql_only
def test_the_registry_page_and_the_api_list_the_best_matches_first(client, registry):
    service("Clinic Records", description="Records kept for clinics.", description_fr="Dossiers de santé.")
    service("Santé Cloud Archive", description="Archiving.")
    assert listed(client, q="santé")[0] == "Santé Cloud Archive"
    assert api_listed(client, q="santé")[0] == "Santé Cloud Archive"
    assert listed(client, q="kubernets") == api_listed(client, q="kubernets") == ["Tarnfield Kubernetes"]
