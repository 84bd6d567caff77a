"""Protection from extra-EU law: the rules of SecNumCloud 19.6 and 19.2 (and 5.3.d) evaluated on what a provider declared.

Each rule gives PASS, FAIL or MISSING (not enough data to tell) with one line a reviewer or provider can read. A rule
with nothing declared to judge is MISSING, never PASS: its line says what to declare ("not declared yet").
Thresholds come from the scheme. Failing results never block a submission: they are shown and weighed by people.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import localize
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.core.countries import is_eu
from registry.providers.models import Provider, Service, Shareholder, Site, ThirdParty
from registry.qualification.choices import DocumentKind
from registry.qualification.workflow import Refused

PASS, FAIL, MISSING = "pass", "fail", "missing"


@dataclass(frozen=True)
class Result:
    rule: str
    title: str
    outcome: str  # PASS, FAIL or MISSING
    reason: str

    @property
    def passed(self) -> bool:
        return self.outcome == PASS


def requirement_ref(rule: str) -> str:
    """The requirement of the referential a rule checks: "19.6" for "19.6.b-individual", "5.3" for "5.3.d"."""
    return ".".join(rule.split(".")[:2])


TITLES = {
    "19.6.a": gettext_lazy("Head office, central administration and principal establishment in the EU"),
    "19.6.b-individual": gettext_lazy("No single non-EU entity above the individual cap"),
    "19.6.b-collective": gettext_lazy("Non-EU entities together below the collective cap"),
    "19.6.b-control": gettext_lazy("No non-EU veto or board majority"),
    "19.6.c": gettext_lazy("No third party controlled from outside the EU can access the data"),
    "19.6.d": gettext_lazy("Operational autonomy from third parties"),
    "19.2.a-b": gettext_lazy("Customer data stored and processed in the EU"),
    "19.2.c": gettext_lazy("Administration and supervision from the EU"),
    "19.2.d": gettext_lazy("Technical data kept in the EU"),
    "19.2.e": gettext_lazy("Support outside the EU limited to listed operations"),
    "5.3.d": gettext_lazy("Residual risks from extra-EU laws documented"),
}


ORDER = {FAIL: 0, MISSING: 1, PASS: 2}


def worst_first(results) -> list[Result]:
    """Failing results first, then those not declared yet, then the passes; the referential's order within each."""
    return sorted(results, key=lambda r: ORDER[r.outcome])


def tally(results) -> dict:
    """How many results fail, are not declared yet and pass: {"fail": n, "missing": n, "pass": n}."""
    counts = dict.fromkeys((FAIL, MISSING, PASS), 0)
    for r in results:
        counts[r.outcome] += 1
    return counts


def _result(rule, outcome, reason) -> Result:
    return Result(rule=rule, title=str(TITLES[rule]), outcome=outcome, reason=reason)


def _names(items) -> str:
    return ", ".join(items)


def check_locations(provider) -> Result:
    places = {
        _("registered office"): provider.registered_office_country,
        _("central administration"): provider.central_administration_country,
        _("principal establishment"): provider.principal_establishment_country,
    }
    missing = [label for label, country in places.items() if not country]
    if missing:
        return _result("19.6.a", MISSING, _("Not declared: %(places)s.") % {"places": _names(missing)})
    outside = [f"{label} ({country.name})" for label, country in places.items() if not is_eu(country)]
    if outside:
        return _result("19.6.a", FAIL, _("Outside the EU: %(places)s.") % {"places": _names(outside)})
    return _result("19.6.a", PASS, _("All three are in EU member states."))


def pct(value) -> str:
    """A percentage's figure in the reader's number format ("7.20" in English, "7,20" in French)."""
    return localize(value)


def check_ownership(provider, scheme, shareholders) -> list[Result]:
    if not shareholders:
        reason = _("No shareholder declared yet: declare every holder of the capital or voting rights.")
        return [_result(rule, MISSING, reason) for rule in ("19.6.b-individual", "19.6.b-collective", "19.6.b-control")]
    non_eu = [s for s in shareholders if not is_eu(s.country)]
    cap, collective_cap = Decimal(scheme.individual_cap_percent), Decimal(scheme.collective_cap_percent)

    over = [s for s in non_eu if max(s.capital_percent, s.voting_percent) > cap]
    if over:
        detail = _names(
            _("%(name)s (%(country)s, %(capital)s %% capital, %(votes)s %% votes)")
            % {
                "name": s.name,
                "country": s.country.code,
                "capital": pct(s.capital_percent),
                "votes": pct(s.voting_percent),
            }
            for s in over
        )
        individual = _result(
            "19.6.b-individual", FAIL, _("Above %(cap)s %%: %(who)s.") % {"cap": pct(cap), "who": detail}
        )
    else:
        biggest = max((max(s.capital_percent, s.voting_percent) for s in non_eu), default=Decimal(0))
        individual = _result(
            "19.6.b-individual",
            PASS,
            _("Largest non-EU holding: %(share)s %% (cap %(cap)s %%).") % {"share": pct(biggest), "cap": pct(cap)},
        )

    capital = sum((s.capital_percent for s in non_eu), Decimal(0))
    votes = sum((s.voting_percent for s in non_eu), Decimal(0))
    figures = {"capital": pct(capital), "votes": pct(votes), "cap": pct(collective_cap)}
    if capital > collective_cap or votes > collective_cap:
        collective = _result(
            "19.6.b-collective",
            FAIL,
            _("Non-EU entities hold %(capital)s %% of capital and %(votes)s %% of votes (cap %(cap)s %%).") % figures,
        )
    else:
        collective = _result(
            "19.6.b-collective",
            PASS,
            _("Non-EU entities hold %(capital)s %% of capital and %(votes)s %% of votes (cap %(cap)s %%).") % figures,
        )

    controlling = [s for s in non_eu if s.veto_right or s.appoints_board_majority]
    if controlling:
        control = _result(
            "19.6.b-control",
            FAIL,
            _("Veto or board majority held from outside the EU: %(who)s.")
            % {"who": _names(s.name for s in controlling)},
        )
    else:
        control = _result(
            "19.6.b-control", PASS, _("No non-EU shareholder holds a veto or appoints the board majority.")
        )
    return [individual, collective, control]


def check_third_parties(third_parties) -> list[Result]:
    accessing = [t for t in third_parties if t.technical_access_to_data and not is_eu(t.country_of_control)]
    if accessing:
        access = _result(
            "19.6.c",
            FAIL,
            _("Controlled from outside the EU with access to the data: %(who)s.")
            % {"who": _names(f"{t.name} ({t.country_of_control.name})" for t in accessing)},
        )
    elif third_parties:
        access = _result("19.6.c", PASS, _("No third party controlled from outside the EU can access the data."))
    else:
        # Nothing to judge: an undeclared third party is not a pass.
        nothing = _(
            "No third party declared yet: declare the technology licensors, subcontractors and hosts the service "
            "depends on."
        )
        return [_result("19.6.c", MISSING, nothing), _result("19.6.d", MISSING, nothing)]

    without = [t for t in third_parties if not t.relies_on_service_id and not t.autonomy_evidence.strip()]
    if without:
        autonomy = _result(
            "19.6.d",
            MISSING,
            _("Neither qualified nor with autonomy evidence: %(who)s.") % {"who": _names(t.name for t in without)},
        )
    else:
        autonomy = _result("19.6.d", PASS, _("Each third party is qualified or has autonomy evidence."))
    return [access, autonomy]


def _sites_rule(rule, sites, roles, what) -> Result:
    chosen = [s for s in sites if s.role in roles]
    if not chosen:
        return _result(rule, MISSING, _("No site declared for %(what)s.") % {"what": what})
    outside = [s for s in chosen if not is_eu(s.country)]
    if outside:
        return _result(
            rule,
            FAIL,
            _("Outside the EU: %(sites)s.")
            % {"sites": _names(f"{s.get_role_display()} – {s.country.name}" for s in outside)},
        )
    return _result(rule, PASS, _("All declared sites are in the EU: %(countries)s.") % {
        "countries": _names(sorted({s.country.name for s in chosen}))
    })  # fmt: skip


def lists_support_operations(site) -> bool:
    """19.2.e for one site: support given from outside the EU names the operations allowed from there.

    `site` is a Site, saved or not (a form's row): any other site passes.
    """
    outside = site.role == Site.Role.SUPPORT and bool(site.country) and not is_eu(site.country)
    return not outside or bool((site.operations or "").strip())


def require_listed_support_operations(site) -> None:
    """The write's side of 19.2.e: a support site outside the EU is not declared without its operations."""
    if not lists_support_operations(site):
        raise Refused(_("Support outside the EU must list the operations allowed from there (19.2.e)."))


def check_sites(sites) -> list[Result]:
    if not sites:
        nothing = _("No site declared yet: declare where the service stores and processes data, is administered and "
                    "supported, and keeps technical data.")  # fmt: skip
        return [_result(rule, MISSING, nothing) for rule in ("19.2.a-b", "19.2.c", "19.2.d", "19.2.e")]
    results = [
        _sites_rule("19.2.a-b", sites, (Site.Role.STORAGE, Site.Role.PROCESSING), _("storage and processing")),
        _sites_rule("19.2.c", sites, (Site.Role.ADMINISTRATION,), _("administration and supervision")),
        _sites_rule("19.2.d", sites, (Site.Role.TECHNICAL_DATA,), _("technical data")),
    ]
    roles = {s.role for s in sites}
    if {Site.Role.STORAGE, Site.Role.PROCESSING} - roles and results[0].outcome == PASS:
        missing_role = Site.Role.STORAGE if Site.Role.STORAGE not in roles else Site.Role.PROCESSING
        results[0] = _result(
            "19.2.a-b", MISSING, _("No site declared for %(what)s.") % {"what": missing_role.label.lower()}
        )
    support_outside = [s for s in sites if s.role == Site.Role.SUPPORT and not is_eu(s.country)]
    unlisted = [s for s in support_outside if not lists_support_operations(s)]
    if unlisted:
        results.append(
            _result(
                "19.2.e",
                FAIL,
                _("Support outside the EU without listed operations: %(where)s.")
                % {"where": _names(s.country.name for s in unlisted)},
            )
        )
    elif support_outside:
        results.append(
            _result("19.2.e", PASS, _("Support outside the EU is limited to listed operations: %(where)s.") % {
                "where": _names(s.country.name for s in support_outside)
            })
        )  # fmt: skip
    else:
        results.append(_result("19.2.e", PASS, _("No support outside the EU.")))
    return results


def check_residual_risks(document_kinds) -> Result:
    if DocumentKind.EXTRA_EU_RISKS in document_kinds:
        return _result("5.3.d", PASS, _("The residual-risk document is in the dossier."))
    return _result("5.3.d", MISSING, _("Upload the document listing residual risks from extra-EU laws."))


def evaluate(dossier) -> list[Result]:
    """Every rule on a dossier, in the referential's order. Reads the provider, its ownership and the service."""
    service = dossier.service
    provider = service.provider
    shareholders = list(provider.shareholders.all())
    third_parties = list(service.third_parties.all())
    sites = list(service.sites.all())
    kinds = set(dossier.documents.filter(next_version__isnull=True).values_list("kind", flat=True))
    return [
        check_locations(provider),
        *check_ownership(provider, dossier.scheme, shareholders),
        *check_third_parties(third_parties),
        *check_sites(sites),
        check_residual_risks(kinds),
    ]


def record_rows(record: dict) -> dict:
    """A certified record (certificates.records.capture()'s dict, or the parts a change notice proposes) as the unsaved
    rows these checks read: {"provider", "shareholders", "sites", "third_parties"}, each present when the record has
    that part. One set of rules thus judges the live rows and a proposed record alike."""
    rows = {}
    if "provider" in record:
        rows["provider"] = Provider(**record["provider"])
    if "shareholders" in record:
        rows["shareholders"] = [
            Shareholder(**(row | {k: Decimal(str(row[k])) for k in ("capital_percent", "voting_percent")}))
            for row in record["shareholders"]
        ]
    if "sites" in record:
        rows["sites"] = [Site(**row) for row in record["sites"]]
    if "third_parties" in record:
        slugs = {row["relies_on"] for row in record["third_parties"] if row.get("relies_on")}
        ids = dict(Service.objects.filter(slug__in=slugs).values_list("slug", "pk")) if slugs else {}
        rows["third_parties"] = [
            ThirdParty(
                **{k: v for k, v in row.items() if k != "relies_on"}, relies_on_service_id=ids.get(row["relies_on"])
            )
            for row in record["third_parties"]
        ]
    return rows


def evaluate_record(record: dict, scheme) -> list[Result]:
    """The 19.6 and 19.2 rules on the parts of a record it has, in the referential's order (5.3.d is a dossier's)."""
    rows = record_rows(record)
    results = []
    if "provider" in rows:
        results.append(check_locations(rows["provider"]))
    if "shareholders" in rows:
        results.extend(check_ownership(rows.get("provider"), scheme, rows["shareholders"]))
    if "third_parties" in rows:
        results.extend(check_third_parties(rows["third_parties"]))
    if "sites" in rows:
        results.extend(check_sites(rows["sites"]))
    return results
