"""Issue 16, point 4 (organisation and declaration): every sovereignty check on the organisation page, "Not declared
yet" instead of a pass, sites, third parties and shareholders entered in one page (several rows per save, a row's error
keeping every typed row), "continue" to the next task, and a declaration signed by a named person in a capacity."""

import re

import pytest
from django.urls import reverse

from registry.accounts.models import AuditEvent
from registry.providers.models import Shareholder, Site, ThirdParty
from registry.qualification.models import Dossier, DossierEvent
from registry.qualification.services import answers
from registry.qualification.services import dossiers as svc
from tests import factories as f
from tests.portal.dossier_pages import url
from tests.portal.test_portal_organisation import holders_data
from tests.portal.test_portal_services import service_post

pytestmark = pytest.mark.django_db

SIGNATORY = {"signatory_name": "Claire Martin", "signatory_capacity": "Chief executive officer"}


def provider_page(client, provider):
    return client.get(reverse("portal:provider", args=[provider.slug])).text


def check_item(page, rule):
    """The text of the organisation page's list item for `rule` (its outcome, title and reason)."""
    [item] = [
        li for li in re.findall(r"<li class=\"list-group-item.*?</li>", page, re.S) if f"<strong>{rule}</strong>" in li
    ]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip()


# The organisation page lists every check


def test_a_26_percent_us_shareholder_shows_as_a_failing_19_6_b_check_on_the_organisation_page(
    client, provider, owner, scheme
):
    client.force_login(owner)
    rows = [
        {"name": "Founders", "country": "FR", "capital_percent": "74", "voting_percent": "74"},
        {"name": "Atlantic Holdings", "country": "US", "capital_percent": "26", "voting_percent": "26"},
    ]
    assert client.post(reverse("portal:ownership", args=[provider.slug]), holders_data(rows)).status_code == 302
    page = provider_page(client, provider)
    failing = check_item(page, "19.6.b-individual")
    assert failing.startswith("✗ Fail")
    assert "Atlantic Holdings (US, 26.00 % capital, 26.00 % votes)" in failing
    assert check_item(page, "19.6.a").startswith("✓ Pass")  # and the passing ones are listed too
    assert check_item(page, "19.6.b-collective").startswith("✓ Pass")
    # Failing first: the failure comes before the 19.6.a pass.
    assert page.index("<strong>19.6.b-individual</strong>") < page.index("<strong>19.6.a</strong>")
    assert "1 failing · 0 not declared yet · 3 passing" in page


def test_no_shareholder_and_no_third_party_read_not_declared_yet_never_pass(client, provider, owner, service, scheme):
    client.force_login(owner)
    page = provider_page(client, provider)
    assert check_item(page, "19.6.b-control").startswith("○ Not declared yet")
    assert "No shareholder declared yet" in check_item(page, "19.6.b-control")
    # The service's card names its checks that cannot be judged yet.
    assert "○ Not declared yet 19.6.c No third party declared yet" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    service_page = client.get(reverse("portal:service", args=[provider.slug, service.slug])).text
    third = service_page[service_page.index('id="tp-title"') :]
    assert "Not declared yet" in third[: third.index("</ul>")]
    assert "Pass" not in third[: third.index("</ul>")]


def test_the_organisation_page_runs_a_bounded_number_of_queries(
    client, provider, owner, scheme, django_assert_max_num_queries
):
    for i in range(8):
        s = f.service(provider, name=f"Service {i}")
        f.eu_sites(s)
        f.third_party(s, name=f"Supplier {i}")
    f.shareholder(provider, country="FR", capital_percent=100, voting_percent=100)
    client.force_login(owner)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("portal:provider", args=[provider.slug]))
    assert response.status_code == 200


def test_the_organisation_page_continues_to_the_first_task_not_done(client, provider, owner, service, scheme):
    client.force_login(owner)
    page = provider_page(client, provider)
    assert f'href="{reverse("portal:ownership", args=[provider.slug])}">Continue: Declare the ownership' in page
    f.shareholder(provider, country="FR", capital_percent=100, voting_percent=100)
    page = provider_page(client, provider)
    service_url = reverse("portal:service", args=[provider.slug, service.slug])
    assert f'href="{service_url}">Continue: Declare the sites and third parties of Nuage Compute' in page
    f.third_party(service)
    page = provider_page(client, provider)
    assert f'href="{url("dossier-new", service.slug)}">Continue: Start a dossier for Nuage Compute' in page


def test_a_viewer_gets_no_continue_to_a_task_they_may_not_do(client, provider, viewer, service, scheme):
    client.force_login(viewer)
    assert "Continue:" not in provider_page(client, provider)


# Sites and third parties in one page


def test_five_sites_and_a_third_party_are_declared_in_one_save_and_continue_to_the_dossier(
    client, provider, editor, scheme
):
    service = f.service(provider, name="Nuage Storage")
    client.force_login(editor)
    page = client.get(reverse("portal:service", args=[provider.slug, service.slug])).text
    assert 'data-formset data-prefix="sites"' in page and "Add another site" in page
    assert "__prefix__" in page  # the empty row the script copies
    assert page.count('name="sites-') >= 3 * 4  # without script: three empty site rows to fill
    sites = [
        {"role": "storage", "country": "FR", "city": "Paris"},
        {"role": "processing", "country": "FR", "city": "Lyon"},
        {"role": "administration", "country": "DE", "city": "Berlin"},
        {"role": "technical_data", "country": "FR", "city": "Lille"},
        {"role": "support", "country": "BE", "city": "Brussels"},
    ]
    third = [{"name": "Colo SA", "kind": "hosting", "country_of_control": "FR", "autonomy_evidence": "Two suppliers."}]
    data = service_post(service, sites=sites, third=third) | {"continue": "1"}
    response = client.post(reverse("portal:service", args=[provider.slug, service.slug]), data)
    assert response.status_code == 302
    assert response["Location"] == url("dossier-new", service.slug)
    assert Site.objects.filter(service=service).count() == 5
    assert ThirdParty.objects.filter(service=service).count() == 1


def test_an_error_in_one_row_keeps_every_typed_row(client, provider, editor, scheme):
    service = f.service(provider, name="Nuage Storage")
    client.force_login(editor)
    sites = [
        {"role": "storage", "country": "FR", "city": "Paris"},
        {"role": "processing", "country": "FR", "city": "Lyon"},
        {"role": "support", "country": "IN", "city": "Pune"},  # outside the EU without its operations
        {"role": "administration", "country": "DE", "city": "Berlin"},
    ]
    response = client.post(
        reverse("portal:service", args=[provider.slug, service.slug]), service_post(service, sites=sites)
    )
    assert response.status_code == 200
    assert Site.objects.filter(service=service).count() == 0
    for city in ("Paris", "Lyon", "Pune", "Berlin"):
        assert f'value="{city}"' in response.text
    assert 'name="sites-TOTAL_FORMS" value="4"' in response.text
    assert "Support outside the EU must list the operations allowed from there (19.2.e)." in response.text


def test_remove_deletes_a_saved_site(client, provider, editor, service):
    client.force_login(editor)
    kept, removed = list(service.sites.order_by("pk"))[:2]
    rows = [
        {"id": kept.pk, "role": kept.role, "country": kept.country.code, "city": kept.city},
        {"id": removed.pk, "role": removed.role, "country": removed.country.code, "city": removed.city, "DELETE": "on"},
    ]
    others = [
        {"id": s.pk, "role": s.role, "country": s.country.code, "city": s.city}
        for s in service.sites.order_by("pk")[2:]
    ]
    data = service_post(service, sites=rows + others, sites_initial=len(rows + others))
    response = client.post(reverse("portal:service", args=[provider.slug, service.slug]), data)
    assert response.status_code == 302
    assert not Site.objects.filter(pk=removed.pk).exists()
    assert Site.objects.filter(pk=kept.pk).exists()


def test_shareholders_are_entered_in_one_page_and_continue_to_the_services_sites(client, provider, owner, scheme):
    service = f.service(provider, name="Nuage Storage")
    client.force_login(owner)
    page = client.get(reverse("portal:ownership", args=[provider.slug])).text
    assert 'data-formset data-prefix="holders"' in page and "Add another shareholder" in page
    rows = [{"name": f"Holder {i}", "country": "FR", "capital_percent": "20", "voting_percent": "20"} for i in range(5)]
    response = client.post(reverse("portal:ownership", args=[provider.slug]), holders_data(rows) | {"continue": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:service", args=[provider.slug, service.slug])
    assert Shareholder.objects.filter(provider=provider).count() == 5


def test_the_dossier_sections_continue_to_the_next_task(client, editor, draft):
    client.force_login(editor)
    locations = client.get(url("dossier-section", draft.reference, "locations")).text
    assert (
        f'href="{url("dossier-section", draft.reference, "ownership")}">Continue: Ownership and third parties'
        in locations
    )
    ownership = client.get(url("dossier-section", draft.reference, "ownership")).text
    assert re.search(r'href="/portal/dossiers/[^"]+/assessment/\d+/">Continue: Self-assessment', ownership)


# The declaration


def test_the_declaration_needs_the_signatorys_name_and_capacity(client, editor, complete_draft):
    complete_draft.declared_at = None
    complete_draft.save(update_fields=["declared_at"])
    client.force_login(editor)
    response = client.post(url("dossier-declaration", complete_draft.reference), {"declare": "on"})
    assert response.status_code == 200
    assert "Give the full name of the person who signs for the provider." in response.text
    assert "Give the capacity in which the signatory commits the provider." in response.text
    complete_draft.refresh_from_db()
    assert complete_draft.declared_at is None


def test_a_signed_declaration_records_who_in_what_capacity_when_and_from_which_account(client, editor, draft, reviewer):
    client.force_login(editor)
    response = client.post(
        url("dossier-declaration", draft.reference), {"declare": "on", **SIGNATORY, "listed_in_process_consent": "on"}
    )
    assert response.status_code == 302
    assert response["Location"] == url("dossier", draft.reference) + "#submission"  # the next task
    draft.refresh_from_db()
    assert (draft.declared_by_name, draft.declared_by_capacity, draft.declared_by) == (
        "Claire Martin",
        "Chief executive officer",
        editor,
    )
    assert draft.declared_at is not None
    event = DossierEvent.objects.get(dossier=draft, action="declare")
    assert event.detail["signatory"] == "Claire Martin" and event.notified_at is not None
    audit = AuditEvent.objects.get(action="dossier.declare", object_id=str(draft.pk))
    assert audit.actor == editor and audit.detail["capacity"] == "Chief executive officer"

    overview = client.get(url("dossier", draft.reference)).text
    assert "Signed by Claire Martin, Chief executive officer, on" in overview
    assert "Declaration signed by Claire Martin, Chief executive officer (account of" in overview  # the timeline
    declaration = client.get(url("dossier-declaration", draft.reference)).text
    assert 'value="Claire Martin"' in declaration and "editor@" in declaration

    # The agency's workspace shows the signatory on the dossier's page and its timeline.
    f.login_with_mfa(client, reviewer)
    admin_page = client.get(reverse("admin:registry_dossier_change", args=[draft.pk]))
    assert admin_page.status_code == 200
    assert "Chief executive officer" in admin_page.text
    timeline = client.get(reverse("admin:registry_dossier_history", args=[draft.pk])).text
    assert "Signatory: Claire Martin, Chief executive officer" in timeline


def test_a_change_after_signing_clears_the_signatory_with_the_signature(editor, complete_draft):
    svc.dossier_declare(dossier=complete_draft, by=editor, **SIGNATORY, listed_in_process_consent=False)
    answer = complete_draft.answers.first()
    answers.answer_save(
        dossier=complete_draft, requirement=answer.requirement, by=editor, status="not_met", justification="Gap."
    )
    complete_draft.refresh_from_db()
    assert (complete_draft.declared_at, complete_draft.declared_by_name, complete_draft.declared_by_capacity) == (
        None,
        "",
        "",
    )


@pytest.mark.parametrize("blank", ["signatory_name", "signatory_capacity"])
def test_the_service_refuses_a_declaration_without_name_or_capacity(editor, draft, blank):
    from registry.qualification.workflow import Refused

    with pytest.raises(Refused, match="full name and the capacity"):
        svc.dossier_declare(dossier=draft, by=editor, **(SIGNATORY | {blank: "  "}), listed_in_process_consent=False)
    draft.refresh_from_db()
    assert draft.declared_at is None


@pytest.mark.parametrize("who", ["viewer", "other_owner", "reviewer"])
def test_a_viewer_another_provider_and_the_agency_cannot_sign(client, request, draft, who):
    person = request.getfixturevalue(who)
    f.login_with_mfa(client, person)
    response = client.post(url("dossier-declaration", draft.reference), {"declare": "on", **SIGNATORY})
    assert response.status_code == (403 if who == "viewer" else 404)
    draft.refresh_from_db()
    assert draft.declared_at is None and draft.declared_by_name == ""
    assert not DossierEvent.objects.filter(dossier=draft, action="declare").exists()
    assert Dossier.objects.filter(declared_by_name="Claire Martin").count() == 0


def test_the_timeline_names_the_account_only_when_someone_else_signed_from_it(client, editor, draft):
    editor.first_name, editor.last_name = "Claire", "Martin"
    editor.save(update_fields=["first_name", "last_name"])
    svc.dossier_declare(dossier=draft, by=editor, **SIGNATORY, listed_in_process_consent=False)
    client.force_login(editor)
    overview = client.get(url("dossier", draft.reference)).text
    assert "Declaration signed by Claire Martin, Chief executive officer." in overview
    assert "(account of" not in overview
