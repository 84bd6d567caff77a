"""The public API's services, providers and dossiers in process: what each shows (countries, not addresses; third
parties and the dependency warnings of the service's page), which are public at all, and nothing internal."""

import datetime

import pytest
from django.utils import timezone

from registry.providers.models import Service, Site
from registry.public import selectors as queries
from registry.qualification.models import Dossier
from tests import factories as f
from tests.public.api_helpers import certified, get, in_process

pytestmark = pytest.mark.django_db


# --- Services, providers, dossiers in process ---


def test_a_service_shows_provider_certificate_countries_and_third_parties(client, provider):
    relied = certified(name="Stockage Objet")
    c = certified(provider, name="Nuage Compute", slug="nuage-compute", conditions="Yearly audit.")
    s = c.service
    Site.objects.create(service=s, role=Site.Role.STORAGE, country="BE", city="Brussels")
    f.third_party(s, name="Hébergeur", kind="hosting", country_of_control="FR", relies_on_service=relied.service)
    f.third_party(s, name="Logiciel", kind="technology_licensor", country_of_control="US")

    r = get(client, "service-detail", "nuage-compute")

    assert r.status_code == 200
    body = r.json()
    assert body["provider"] == {
        "slug": "nuage-souverain",
        "name": "Nuage Souverain SAS",
        "urn": "urn:tcr:provider:nuage-souverain",
    }
    assert body["service_model"] == "iaas" and body["status"] == "active"
    assert body["certificate"] == queries.public_row(queries.public_certificates().get(pk=c.pk))
    assert [h["number"] for h in body["certificates"]] == [c.number]
    assert body["data_countries"] == ["BE", "DE", "FR"] == body["certificate"]["data_countries"]
    assert body["site_countries"] == {
        "storage": ["BE", "FR"],
        "processing": ["DE"],
        "administration": [],
        "support": ["PT"],
        "technical_data": [],
    }
    assert "Strasbourg" not in r.content.decode()  # countries, not addresses
    assert body["third_parties"] == [
        {
            "name": "Hébergeur",
            "kind": "hosting",
            "country_of_control": "FR",
            "relies_on": {
                "slug": relied.service.slug,
                "urn": f"urn:tcr:service:{relied.service.slug}",
                "name": "Stockage Objet",
                "provider": relied.service.provider.legal_name,
                "status": "active",
            },
        },
        {"name": "Logiciel", "kind": "technology_licensor", "country_of_control": "US", "relies_on": None},
    ]
    assert body["dependency_warnings"] == []
    assert body["in_process"] == []
    assert body["url"].endswith("/registry/nuage-compute/")


def test_a_service_warns_of_the_qualified_services_it_relies_on_that_are_no_longer_active(client, administrator):
    from registry.certificates.services import certificate_suspend, certificate_withdraw

    suspended, withdrawn, renewed, fine = (certified(name=n) for n in ("Susp", "Withdrawn", "Renewed", "Fine"))
    certificate_suspend(review_on=f.review_date(), certificate=suspended, by=administrator, reason="Incident.")
    certificate_withdraw(certificate=withdrawn, by=administrator, reason="Audit failed.")
    renewed.status = "superseded"
    renewed.save()
    f.certificate(renewed.service, issued_on=renewed.issued_on + datetime.timedelta(days=1))
    never = f.service(name="Never qualified")
    s = certified(slug="relying").service
    for relied in (suspended, withdrawn, renewed, fine):
        f.third_party(s, name=f"Supplier of {relied.service.name}", relies_on_service=relied.service)
    f.third_party(s, name="Supplier of nothing", relies_on_service=never)

    body = get(client, "service-detail", "relying").json()

    assert sorted((w["third_party"], w["status"]) for w in body["dependency_warnings"]) == [
        ("Supplier of Susp", "suspended"),
        ("Supplier of Withdrawn", "withdrawn"),
        ("Supplier of nothing", None),
    ]
    # The same warnings as the service's page, which reads queries.dependency_warnings.
    page_service = Service.objects.prefetch_related("third_parties__relies_on_service").get(slug="relying")
    assert sorted((w.third_party.name, w.service.slug) for w in queries.dependency_warnings(page_service)) == sorted(
        (w["third_party"], w["service"]) for w in body["dependency_warnings"]
    )
    relies = {tp["name"]: tp["relies_on"] for tp in body["third_parties"]}
    assert relies["Supplier of nothing"] == {"slug": never.slug, "urn": f"urn:tcr:service:{never.slug}", "name": "Never qualified", "provider": never.provider.legal_name, "status": None}  # fmt: skip
    assert relies["Supplier of Renewed"]["status"] == "active"


def test_a_service_lists_every_certificate_it_held_and_shows_none_in_force_when_all_are_archived(client):
    old = certified(status="expired", issued_on=datetime.date(2020, 1, 1))
    f.certificate(old.service, status="withdrawn", issued_on=datetime.date(2023, 1, 1))

    body = get(client, "service-detail", old.service.slug).json()

    assert body["certificate"] is None
    assert [h["status"] for h in body["certificates"]] == ["withdrawn", "expired"]
    assert body["status"] == "withdrawn"
    assert get(client, "service-list").json()["count"] == 1


def test_only_services_that_hold_or_held_a_certificate_are_public(client, provider):
    renewing = certified(provider, slug="renewing", status="expired", issued_on=datetime.date(2022, 1, 1)).service
    renewal = in_process(renewing, status=Dossier.Status.DECISION)
    in_process(f.service(provider, name="Listed", slug="listed"))
    f.dossier(f.service(provider, name="Draft", slug="draft-only"))

    slugs = [s["slug"] for s in get(client, "service-list").json()["results"]]
    body = get(client, "service-detail", "renewing").json()

    assert slugs == ["renewing"]
    assert body["status"] == "in_process" and body["certificate"] is None
    assert body["in_process"] == [
        {"scheme": str(renewal.scheme), "scheme_code": renewal.scheme.code, "kind": "initial", "stage": "decision", "entered_on": "2026-03-02"}
    ]  # fmt: skip
    for slug in ("listed", "draft-only"):  # as on the service pages: no certificate, no page
        assert get(client, "service-detail", slug).status_code == 404
    # The list and the details agree: every service listed answers, and the one only in process is in neither.
    assert all(get(client, "service-detail", slug).status_code == 200 for slug in slugs)
    assert "listed" in [row["service"]["slug"] for row in get(client, "in-process-list").json()["results"]]


def test_a_provider_shows_its_locations_its_services_with_their_status_and_its_dossiers_in_process(
    client, provider, other_provider
):
    certified(provider, name="Compute", slug="compute")
    certified(provider, name="Kube", slug="kube", status="suspended")
    certified(provider, name="Old", slug="old", status="withdrawn")
    mail = in_process(f.service(provider, name="Mail", slug="mail"))
    in_process(f.service(provider, name="Hidden", slug="hidden"), consent=False)
    f.service(provider, name="Secret", slug="secret")
    in_process(f.service(other_provider, name="Only in process"))

    listed = get(client, "provider-list").json()
    body = get(client, "provider-detail", "nuage-souverain").json()

    assert [p["slug"] for p in listed["results"]] == ["nuage-souverain"]
    assert body["name"] == "Nuage Souverain SAS" and body["registration_id"] == provider.registration_id
    assert body["locations"] == {
        "registered_office": "FR",
        "central_administration": "FR",
        "principal_establishment": "FR",
    }
    assert [(s["slug"], s["status"]) for s in body["services"]] == [
        ("compute", "active"),
        ("kube", "suspended"),
        ("old", "withdrawn"),
    ]
    assert body["in_process"] == [
        {"service": {"slug": "mail", "name": "Mail", "urn": "urn:tcr:service:mail", "service_model": "iaas"}, "scheme": str(mail.scheme),
         "scheme_code": mail.scheme.code, "kind": "initial", "stage": "evaluation", "entered_on": "2026-03-02"}
    ]  # fmt: skip
    assert body["url"].endswith("/providers/nuage-souverain/")
    # as on the provider pages: a provider without any certificate is not in the registry
    assert get(client, "provider-detail", "autre-cloud").status_code == 404


def test_the_in_process_list_shows_consented_dossiers_in_evaluation_or_decision_and_nothing_internal(
    client, complete_draft, walk, reviewer, center, provider
):
    d = walk(complete_draft, Dossier.Status.EVALUATION)
    Dossier.objects.filter(pk=d.pk).update(listed_in_process_consent=True)
    in_process(f.service(provider, name="Deciding", slug="deciding"), status=Dossier.Status.DECISION)
    in_process(f.service(provider, name="Secret", slug="secret"), consent=False)
    f.dossier(f.service(provider, name="Submitted", slug="submitted"), status=Dossier.Status.SUBMITTED)

    r = get(client, "in-process-list")

    assert r.status_code == 200
    rows = r.json()["results"]
    assert [(row["service"]["slug"], row["stage"]) for row in rows] == [
        ("deciding", "decision"),
        ("nuage-compute", "evaluation"),
    ]
    assert rows[1]["entered_on"] == timezone.localdate().isoformat()
    assert rows[1]["provider"] == {
        "slug": "nuage-souverain",
        "name": "Nuage Souverain SAS",
        "urn": "urn:tcr:provider:nuage-souverain",
    }
    assert set(rows[1]) == {"service", "provider", "scheme", "scheme_code", "kind", "stage", "entered_on"}
    content = r.content.decode()
    for internal in (d.reference, center.name, reviewer.email, "CESTI"):
        assert internal not in content
