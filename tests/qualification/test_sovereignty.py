"""The extra-EU-law rules (19.6, 19.2, 5.3.d) on what a provider declared; thresholds come from the scheme."""

from decimal import Decimal

import pytest

from registry.providers.models import Site
from registry.qualification.sovereignty import FAIL, MISSING, PASS, evaluate
from tests import factories as f

pytestmark = pytest.mark.django_db

RULES = [
    "19.6.a",
    "19.6.b-individual",
    "19.6.b-collective",
    "19.6.b-control",
    "19.6.c",
    "19.6.d",
    "19.2.a-b",
    "19.2.c",
    "19.2.d",
    "19.2.e",
    "5.3.d",
]


def result(dossier, rule):
    [found] = [r for r in evaluate(dossier) if r.rule == rule]
    return found


def outcome(dossier, rule):
    return result(dossier, rule).outcome


@pytest.fixture
def dossier(service, scheme):
    return f.dossier(service, scheme)


@pytest.fixture
def provider_obj(dossier):
    return dossier.service.provider


def test_every_rule_is_evaluated_in_the_referential_order(dossier):
    results = evaluate(dossier)
    assert [r.rule for r in results] == RULES
    assert all(r.title and r.reason for r in results)


def test_a_sovereign_provider_passes_every_rule(complete_draft):
    f.shareholder(complete_draft.service.provider, country="FR", capital_percent=100, voting_percent=100)
    f.third_party(complete_draft.service, country_of_control="DE", technical_access_to_data=True)
    results = evaluate(complete_draft)
    assert {r.rule: r.outcome for r in results} == dict.fromkeys(RULES, PASS)
    assert all(r.passed for r in results)


# 19.6.a: the three places.


def test_locations_in_the_eu_pass(dossier):
    assert outcome(dossier, "19.6.a") == PASS


def test_a_missing_location_is_missing_and_named(dossier, provider_obj):
    provider_obj.central_administration_country = ""
    provider_obj.save()
    r = result(dossier, "19.6.a")
    assert r.outcome == MISSING
    assert "central administration" in r.reason


@pytest.mark.parametrize(("country", "name"), [("US", "United States"), ("NO", "Norway"), ("CH", "Switzerland")])
def test_a_location_outside_the_eu_fails_even_in_the_eea(dossier, provider_obj, country, name):
    provider_obj.principal_establishment_country = country
    provider_obj.save()
    r = result(dossier, "19.6.a")
    assert r.outcome == FAIL
    assert f"principal establishment ({name}" in r.reason


# 19.6.b: ownership.


def test_no_shareholder_declared_is_missing_for_each_ownership_rule(dossier):
    for rule in ("19.6.b-individual", "19.6.b-collective", "19.6.b-control"):
        assert outcome(dossier, rule) == MISSING


@pytest.mark.parametrize(
    ("capital", "voting", "expected"),
    [
        ("24", "0", PASS),
        ("24.00", "24.00", PASS),
        ("24.01", "0", FAIL),
        ("0", "24.01", FAIL),
        ("10", "30", FAIL),
    ],
)
def test_a_single_non_eu_holder_is_capped_at_24_percent(dossier, provider_obj, capital, voting, expected):
    f.shareholder(provider_obj, name="Big Tech Inc.", country="US", capital_percent=capital, voting_percent=voting)
    f.shareholder(provider_obj, country="FR", capital_percent=50, voting_percent=50)
    r = result(dossier, "19.6.b-individual")
    assert r.outcome == expected
    if expected == FAIL:
        assert "Big Tech Inc. (US" in r.reason
        assert "24" in r.reason


def test_an_eu_holder_has_no_cap(dossier, provider_obj):
    f.shareholder(provider_obj, country="DE", capital_percent=100, voting_percent=100)
    assert outcome(dossier, "19.6.b-individual") == PASS
    assert outcome(dossier, "19.6.b-collective") == PASS


@pytest.mark.parametrize("country", ["NO", "CH", "IS", "LI", "GB"])
def test_eea_and_neighbouring_states_count_as_non_eu_holders(dossier, provider_obj, country):
    f.shareholder(provider_obj, country=country, capital_percent=30, voting_percent=30)
    assert outcome(dossier, "19.6.b-individual") == FAIL


def test_the_individual_cap_is_read_from_the_scheme(dossier, provider_obj, scheme):
    f.shareholder(provider_obj, country="US", capital_percent=Decimal("24"), voting_percent=Decimal("24"))
    assert outcome(dossier, "19.6.b-individual") == PASS
    scheme.individual_cap_percent = Decimal("20")
    scheme.save()
    r = result(dossier, "19.6.b-individual")
    assert r.outcome == FAIL
    assert "20" in r.reason
    scheme.individual_cap_percent = Decimal("30")
    scheme.save()
    f.shareholder(provider_obj, country="US", capital_percent=Decimal("29.99"), voting_percent=0)
    assert outcome(dossier, "19.6.b-individual") == PASS


@pytest.mark.parametrize(
    ("holdings", "expected"),
    [
        ([("20", "20"), ("19", "19")], PASS),  # 39 % together: at the cap
        ([("20", "20"), ("19.01", "0")], FAIL),  # capital over
        ([("20", "20"), ("10", "19.01")], FAIL),  # votes over (39.01 %) while capital is 30 %
        ([("15", "15"), ("15", "15"), ("9", "9")], PASS),
        ([("15", "15"), ("15", "15"), ("10", "10")], FAIL),
    ],
)
def test_non_eu_holders_together_are_capped_at_39_percent(dossier, provider_obj, holdings, expected):
    for capital, voting in holdings:
        f.shareholder(provider_obj, country="US", capital_percent=capital, voting_percent=voting)
    f.shareholder(provider_obj, country="FR", capital_percent=50, voting_percent=50)
    r = result(dossier, "19.6.b-collective")
    assert r.outcome == expected
    assert "cap 39" in r.reason


def test_votes_over_the_collective_cap_fail_even_when_capital_is_under(dossier, provider_obj):
    f.shareholder(provider_obj, country="US", capital_percent=5, voting_percent=20)
    f.shareholder(provider_obj, country="CN", capital_percent=5, voting_percent=20)
    r = result(dossier, "19.6.b-collective")
    assert r.outcome == FAIL
    assert "10.00 % of capital and 40.00 % of votes" in r.reason


def test_the_collective_cap_is_read_from_the_scheme(dossier, provider_obj, scheme):
    f.shareholder(provider_obj, country="US", capital_percent=20, voting_percent=20)
    f.shareholder(provider_obj, country="CH", capital_percent=15, voting_percent=15)
    assert outcome(dossier, "19.6.b-collective") == PASS
    scheme.collective_cap_percent = Decimal("30")
    scheme.save()
    assert outcome(dossier, "19.6.b-collective") == FAIL


@pytest.mark.parametrize(
    ("country", "veto", "board", "expected"),
    [
        ("US", True, False, FAIL),
        ("US", False, True, FAIL),
        ("NO", True, False, FAIL),
        ("US", False, False, PASS),
        ("FR", True, True, PASS),
    ],
)
def test_no_veto_or_board_majority_from_outside_the_eu(dossier, provider_obj, country, veto, board, expected):
    f.shareholder(
        provider_obj,
        name="Holder X",
        country=country,
        capital_percent=1,
        voting_percent=1,
        veto_right=veto,
        appoints_board_majority=board,
    )
    r = result(dossier, "19.6.b-control")
    assert r.outcome == expected
    if expected == FAIL:
        assert "Holder X" in r.reason


# 19.6.c and 19.6.d: third parties.


@pytest.mark.parametrize(
    ("country", "access", "expected"),
    [
        ("US", True, FAIL),
        ("CH", True, FAIL),
        ("US", False, PASS),
        ("DE", True, PASS),
    ],
)
def test_no_third_party_controlled_from_outside_the_eu_accesses_the_data(dossier, service, country, access, expected):
    f.third_party(service, name="Hyperscaler", country_of_control=country, technical_access_to_data=access)
    r = result(dossier, "19.6.c")
    assert r.outcome == expected
    if expected == FAIL:
        assert "Hyperscaler" in r.reason


def test_no_third_party_declared_is_not_declared_yet_never_a_pass(dossier):
    for rule in ("19.6.c", "19.6.d"):
        r = result(dossier, rule)
        assert r.outcome == MISSING
        assert r.reason.startswith("No third party declared yet: declare the technology licensors")


def test_a_26_percent_us_shareholder_fails_the_individual_cap_and_says_who(dossier, provider_obj):
    f.shareholder(provider_obj, name="Atlantic Holdings", country="US", capital_percent=26, voting_percent=26)
    r = result(dossier, "19.6.b-individual")
    assert r.outcome == FAIL
    assert "Atlantic Holdings (US, 26.00 % capital, 26.00 % votes)" in r.reason


def test_a_third_party_without_autonomy_evidence_is_missing(dossier, service):
    f.third_party(service, name="Lone Supplier", autonomy_evidence="  ")
    r = result(dossier, "19.6.d")
    assert r.outcome == MISSING
    assert "Lone Supplier" in r.reason


def test_a_third_party_that_is_itself_a_qualified_service_needs_no_autonomy_evidence(dossier, service):
    f.third_party(service, autonomy_evidence="", relies_on_service=f.service())
    assert outcome(dossier, "19.6.d") == PASS


def test_a_third_party_with_autonomy_evidence_passes(dossier, service):
    f.third_party(service, autonomy_evidence="In-house team and two alternative suppliers.")
    assert outcome(dossier, "19.6.d") == PASS


# 19.2: sites.


def move_sites(service, role, country, **kw):
    Site.objects.filter(service=service, role=role).update(country=country, **kw)


@pytest.mark.parametrize(
    ("role", "rule"),
    [
        (Site.Role.STORAGE, "19.2.a-b"),
        (Site.Role.PROCESSING, "19.2.a-b"),
        (Site.Role.ADMINISTRATION, "19.2.c"),
        (Site.Role.TECHNICAL_DATA, "19.2.d"),
    ],
)
@pytest.mark.parametrize(("country", "name"), [("US", "United States"), ("NO", "Norway"), ("CH", "Switzerland")])
def test_a_site_outside_the_eu_fails_its_rule(dossier, service, role, rule, country, name):
    assert outcome(dossier, rule) == PASS
    move_sites(service, role, country)
    r = result(dossier, rule)
    assert r.outcome == FAIL
    assert name in r.reason


@pytest.mark.parametrize(
    ("role", "rule"),
    [
        (Site.Role.STORAGE, "19.2.a-b"),
        (Site.Role.PROCESSING, "19.2.a-b"),
        (Site.Role.ADMINISTRATION, "19.2.c"),
        (Site.Role.TECHNICAL_DATA, "19.2.d"),
    ],
)
def test_a_missing_site_is_missing(dossier, service, role, rule):
    Site.objects.filter(service=service, role=role).delete()
    r = result(dossier, rule)
    assert r.outcome == MISSING
    assert "No site declared" in r.reason


def test_no_site_at_all_is_missing_for_each_site_rule(dossier, service):
    Site.objects.filter(service=service).delete()
    for rule in ("19.2.a-b", "19.2.c", "19.2.d"):
        assert outcome(dossier, rule) == MISSING
    assert outcome(dossier, "19.2.e") == MISSING  # nothing declared: not judged yet, never a pass


def test_storage_outside_the_eu_fails_even_without_a_processing_site(dossier, service):
    Site.objects.filter(service=service, role=Site.Role.PROCESSING).delete()
    move_sites(service, Site.Role.STORAGE, "US")
    assert outcome(dossier, "19.2.a-b") == FAIL


def test_support_in_the_eu_passes(dossier):
    r = result(dossier, "19.2.e")
    assert (r.outcome, r.reason) == (PASS, "No support outside the EU.")


def test_support_outside_the_eu_with_listed_operations_passes(dossier, service):
    move_sites(service, Site.Role.SUPPORT, "CH", operations="Level 1 ticket triage, no access to data.")
    r = result(dossier, "19.2.e")
    assert r.outcome == PASS
    assert "Switzerland" in r.reason


def test_support_outside_the_eu_without_listed_operations_fails(dossier, service):
    Site.objects.create(service=service, role=Site.Role.SUPPORT, country="IN", city="Pune", operations=" ")
    r = result(dossier, "19.2.e")
    assert r.outcome == FAIL
    assert "India" in r.reason


# 5.3.d


def test_the_residual_risks_document_is_required(draft, owner):
    assert outcome(draft, "5.3.d") == MISSING
    complete = f.complete(draft, owner)
    assert outcome(complete, "5.3.d") == PASS
