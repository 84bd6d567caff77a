"""Registry administrators keep providers, services and the catalogue in the admin through the portal's own services:
the organisation's rules refuse there with the portal's words and nothing half-saved, published addresses and a filed
service's provider are read-only (a forged POST changes nothing), an accepted edit writes an audit line and shows on
the public pages at once, and a reviewer is refused every write."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from registry.accounts.models import AuditEvent
from registry.catalogue.models import EvaluationCenter, Scheme
from registry.providers import offerings
from registry.providers.models import Invitation, Membership, Provider, Service, Shareholder, Site, ThirdParty
from registry.qualification.models import Dossier
from registry.qualification.workflow import Refused
from tests import factories as f
from tests.public.test_public_pages import certified

pytestmark = pytest.mark.django_db

TOTAL_REFUSAL = "The shareholders hold 120 % of the share capital in all; the total cannot exceed 100 %."
DEMOTION_REFUSAL = "The organisation needs at least one owner; name another owner first."
LEAVING_REFUSAL = "The last owner cannot leave the organisation; name another owner first."
MOVE_REFUSAL = "This service holds a certificate issued to its provider; it cannot move to another provider."


def change_url(obj):
    return reverse(f"admin:registry_{obj._meta.model_name}_change", args=[obj.pk])


def _value(bound):
    value = bound.value()
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return list(value)
    return str(value)


def form_data(response) -> dict:
    """What the admin's change or add page would post back untouched: the form's and every inline's fields."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context.get("inline_admin_formsets", ()):  # none on a past version's page
        formset = inline.formset
        data.update({formset.add_prefix(k): v for k, v in formset.management_form.initial.items()})
        forms.extend(formset.forms)
    for form in forms:
        for name, field in form.fields.items():
            key = form.add_prefix(name)
            if getattr(field.widget, "input_type", None) == "checkbox":
                if form[name].value():
                    data[key] = "on"
            else:
                data[key] = _value(form[name])
    return data


def edit(client, obj, **changes):
    """Post the change page of `obj` back with `changes` (admin field names, inline rows as "prefix-0-field")."""
    page = client.get(change_url(obj))
    assert page.status_code == 200
    return client.post(change_url(obj), form_data(page) | changes)


def errors(response) -> str:
    return response.content.decode()


def audit_lines(action):
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


@pytest.fixture
def admin_client(client, administrator):
    f.login_with_mfa(client, administrator)
    return client


# Ownership: the totals, checked over the whole list


def test_it_refuses_shareholders_above_100_percent_in_the_providers_page_with_the_portals_words(admin_client, provider):
    holder = f.shareholder(provider, name="Holding SAS", capital_percent=Decimal(60), voting_percent=Decimal(60))
    response = edit(
        admin_client,
        provider,
        legal_name="Renamed SAS",
        **{
            "shareholders-TOTAL_FORMS": "2",
            "shareholders-1-name": "Fonds Alpha",
            "shareholders-1-country": "FR",
            "shareholders-1-capital_percent": "60",
            "shareholders-1-voting_percent": "10",
            "shareholders-1-provider": str(provider.pk),
        },
    )
    assert response.status_code == 200
    assert TOTAL_REFUSAL in errors(response)
    provider.refresh_from_db()
    assert provider.legal_name == "Nuage Souverain SAS"  # nothing of the save is kept
    assert list(Shareholder.objects.filter(provider=provider)) == [holder]


def test_it_refuses_one_shareholder_pushing_the_total_over_100_percent_in_the_shareholder_admin(admin_client, provider):
    holder = f.shareholder(provider, capital_percent=Decimal(60), voting_percent=Decimal(60))
    page = admin_client.get(reverse("admin:registry_shareholder_add"))
    data = form_data(page) | {
        "provider": str(provider.pk),
        "name": "Fonds Alpha",
        "country": "US",
        "capital_percent": "60",
        "voting_percent": "10",
    }
    response = admin_client.post(reverse("admin:registry_shareholder_add"), data)
    assert response.status_code == 200
    assert TOTAL_REFUSAL in errors(response)
    assert list(Shareholder.objects.all()) == [holder]

    response = edit(admin_client, holder, capital_percent="120")  # beyond one holder's own bound: the field says so
    assert response.status_code == 200
    holder.refresh_from_db()
    assert holder.capital_percent == 60


def test_shareholders_within_the_totals_are_saved_with_an_audit_line(admin_client, provider, administrator):
    f.shareholder(provider, capital_percent=Decimal(60), voting_percent=Decimal(60))
    response = edit(
        admin_client,
        provider,
        **{
            "shareholders-TOTAL_FORMS": "2",
            "shareholders-1-name": "Fonds Alpha",
            "shareholders-1-country": "DE",
            "shareholders-1-capital_percent": "40",
            "shareholders-1-voting_percent": "40",
            "shareholders-1-provider": str(provider.pk),
        },
    )
    assert response.status_code == 302
    assert Shareholder.objects.filter(provider=provider).count() == 2
    [line] = audit_lines("provider.shareholders")
    assert line.actor == administrator and line.object_id == str(provider.pk)
    assert line.detail["added"] == 1


# Members: an organisation keeps an owner


def membership_row(provider, membership) -> str:
    rows = list(Membership.objects.filter(provider=provider).order_by("provider", "user"))
    return f"memberships-{rows.index(membership)}"


def test_it_refuses_to_demote_the_last_owner_with_the_portals_words(admin_client, provider, owner, editor):
    membership = Membership.objects.get(user=owner)
    row = membership_row(provider, membership)
    response = edit(admin_client, provider, legal_name="Renamed SAS", **{f"{row}-role": "editor"})
    assert response.status_code == 200
    assert DEMOTION_REFUSAL in errors(response)
    membership.refresh_from_db()
    provider.refresh_from_db()
    assert membership.role == "owner" and provider.legal_name == "Nuage Souverain SAS"


def test_it_refuses_to_remove_the_last_owner_with_the_portals_words(admin_client, provider, owner, editor):
    membership = Membership.objects.get(user=owner)
    response = edit(admin_client, provider, **{f"{membership_row(provider, membership)}-DELETE": "on"})
    assert response.status_code == 200
    assert LEAVING_REFUSAL in errors(response)
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert not audit_lines("membership.remove")


def test_an_owner_named_in_the_same_save_lets_the_former_one_go(admin_client, provider, owner, editor):
    leaving, staying = Membership.objects.get(user=owner), Membership.objects.get(user=editor)
    response = edit(
        admin_client,
        provider,
        **{
            f"{membership_row(provider, staying)}-role": "owner",
            f"{membership_row(provider, leaving)}-DELETE": "on",
        },
    )
    assert response.status_code == 302
    assert list(Membership.objects.filter(provider=provider).values_list("user", "role")) == [(editor.pk, "owner")]
    assert [line.detail["member"] for line in audit_lines("membership.role")] == [editor.email]
    assert [line.detail["member"] for line in audit_lines("membership.remove")] == [owner.email]


def test_a_members_account_cannot_be_swapped_by_a_forged_post(admin_client, provider, owner, other_owner):
    membership = Membership.objects.get(user=owner)
    row = membership_row(provider, membership)
    response = edit(admin_client, provider, **{f"{row}-user": str(other_owner.pk)})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.user == owner


# Organisations and their addresses


@pytest.mark.usefixtures("eager_tasks")  # the invitation is read as sent by the outbox's task, not as queued
def test_an_administrator_registers_an_organisation_and_invites_its_first_owner(
    admin_client, administrator, django_capture_on_commit_callbacks
):
    page = admin_client.get(reverse("admin:registry_provider_add"))
    assert 'name="slug"' not in page.text  # the service names it
    data = form_data(page) | {
        "legal_name": "Nouvelle Offre SAS",
        "owner_email": "Founder@Nouvelle.test",
        "registered_office_country": "FR",
        "central_administration_country": "FR",
        "principal_establishment_country": "FR",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:registry_provider_add"), data)
    assert response.status_code == 302
    provider = Provider.objects.get(legal_name="Nouvelle Offre SAS")
    assert provider.slug == "nouvelle-offre-sas"
    assert not provider.memberships.exists()  # the administrator does not become a member
    invitation = Invitation.objects.get(provider=provider)
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "founder@nouvelle.test",
        "owner",
        administrator,
    )
    assert [m.to for m in mail.outbox] == [["founder@nouvelle.test"]]
    assert audit_lines("provider.create")[0].actor == administrator


def test_a_providers_slug_is_read_only_and_a_forged_post_changes_nothing(admin_client, provider):
    page = admin_client.get(change_url(provider))
    assert 'name="slug"' not in page.text and "nuage-souverain" in page.text
    response = admin_client.post(change_url(provider), form_data(page) | {"slug": "dossiers"})
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.slug == "nuage-souverain"


def test_a_published_services_slug_is_read_only_and_a_forged_post_changes_nothing(admin_client):
    service = certified("Alpha Cloud").service
    page = admin_client.get(change_url(service))
    assert 'name="slug"' not in page.text
    response = admin_client.post(change_url(service), form_data(page) | {"slug": "alpha-renamed"})
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.slug == "alpha-cloud"


def test_a_service_listed_in_process_has_a_published_slug(service, scheme, owner, reviewer, center):
    f.dossier(service, scheme, status=Dossier.Status.EVALUATION, listed_in_process_consent=True).events.create(
        actor=reviewer, action="admit", from_status="in_review", to_status="evaluation"
    )
    with pytest.raises(Refused, match="published in the registry"):
        offerings.service_change_slug(service=service, by=owner, slug="nuage-compute-2")


def test_a_service_never_public_may_change_its_slug_but_not_to_a_reserved_or_taken_one(admin_client, service):
    f.service(service.provider, name="Other", slug="taken-slug")
    for slug, refusal in (
        ("new", "This address is reserved for the portal"),
        ("taken-slug", "Service with this Slug already exists."),
    ):
        response = edit(admin_client, service, slug=slug)
        assert response.status_code == 200 and refusal in errors(response), slug
    assert edit(admin_client, service, slug="nuage-compute-eu").status_code == 302
    service.refresh_from_db()
    assert service.slug == "nuage-compute-eu"
    assert audit_lines("service.slug")[0].detail["to_slug"] == "nuage-compute-eu"


# Services: who holds them


def test_a_certified_service_cannot_move_to_another_provider(admin_client, other_provider, administrator):
    service = certified("Alpha Cloud").service
    provider = service.provider
    page = admin_client.get(change_url(service))
    assert 'name="provider"' not in page.text
    response = admin_client.post(change_url(service), form_data(page) | {"provider": str(other_provider.pk)})
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.provider == provider
    with pytest.raises(Refused, match=MOVE_REFUSAL):
        offerings.service_move(service=service, by=administrator, provider=other_provider)


def test_a_service_never_filed_moves_to_another_provider_with_an_audit_line(admin_client, other_provider):
    service = f.service(f.provider(), name="Lone Cloud")
    response = edit(admin_client, service, provider=str(other_provider.pk))
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.provider == other_provider
    assert audit_lines("service.move")[0].detail["to_provider"] == other_provider.slug


def test_a_service_relying_on_itself_is_refused_with_the_portals_words_and_nothing_is_saved(admin_client, service):
    response = edit(
        admin_client,
        service,
        name="Nuage Compute Renamed",
        **{
            "third_parties-TOTAL_FORMS": "1",
            "third_parties-0-name": "Itself",
            "third_parties-0-kind": "hosting",
            "third_parties-0-country_of_control": "FR",
            "third_parties-0-relies_on_service": str(service.pk),
            "third_parties-0-service": str(service.pk),
        },
    )
    assert response.status_code == 200
    assert "A service cannot rely on itself." in errors(response)
    service.refresh_from_db()
    assert service.name == "Nuage Compute" and not ThirdParty.objects.exists()


def test_a_service_with_a_dossier_is_not_deleted(admin_client, draft):
    response = admin_client.post(reverse("admin:registry_service_delete", args=[draft.service.pk]), {"post": "yes"})
    assert response.status_code == 200  # the confirmation page names what protects it
    assert Service.objects.filter(pk=draft.service.pk).exists()


# Accepted edits: an audit line, and the public pages show them at once


def test_an_accepted_admin_edit_writes_an_audit_line_and_shows_on_the_public_page_at_once(
    admin_client, administrator, django_capture_on_commit_callbacks
):
    # A withdrawn certificate: still on the public page, and no longer under change control (a live one would need a
    # change notice, tests/agency/test_admin_change_control.py).
    service = certified("Alpha Cloud", status="withdrawn", reason="Ended.").service
    url = reverse("registry:service", args=[service.slug])
    visitor = Client()
    assert visitor.get(url).headers["X-Public-Cache"] == "miss"
    assert visitor.get(url).headers["X-Public-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        response = edit(admin_client, service.provider, legal_name="Alpha Holding SE")
    assert response.status_code == 302

    page = visitor.get(url)
    assert page.headers["X-Public-Cache"] == "miss" and "Alpha Holding SE" in page.text
    [line] = audit_lines("provider.update")
    assert (line.actor, line.object_id, line.detail["fields"]) == (
        administrator,
        str(service.provider.pk),
        ["legal_name"],
    )


def test_a_site_changed_in_the_admin_is_audited_and_published(
    admin_client, administrator, django_capture_on_commit_callbacks
):
    service = certified("Alpha Cloud", storage="FR", status="withdrawn", reason="Ended.").service  # see above
    url = reverse("registry:service", args=[service.slug])
    visitor = Client()
    visitor.get(url)
    storage = Site.objects.get(service=service, role="storage")
    rows = list(Site.objects.filter(service=service).order_by("service", "role", "country", "city"))
    with django_capture_on_commit_callbacks(execute=True):
        response = edit(admin_client, service, **{f"sites-{rows.index(storage)}-country": "DE"})
    assert response.status_code == 302
    assert "Germany" in visitor.get(url).text
    assert audit_lines("service.sites")[0].detail == {"object": "Alpha Cloud", "added": 0, "changed": 1, "removed": 0}


def test_an_evaluation_centre_renamed_is_audited_and_published(
    admin_client, center, administrator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = edit(admin_client, center, name="CESTI Paris-Saclay")
    assert response.status_code == 302 and callbacks  # the kept public pages dropped, a snapshot queued
    center.refresh_from_db()
    assert center.name == "CESTI Paris-Saclay"
    assert audit_lines("evaluationcenter.update")[0].actor == administrator


def test_a_schemes_code_is_read_only_and_its_label_too_once_a_certificate_was_issued(admin_client, scheme):
    response = edit(admin_client, scheme, code="renamed", validity_months="24")
    assert response.status_code == 302
    scheme.refresh_from_db()
    assert scheme.code != "renamed" and scheme.validity_months == 24
    assert audit_lines("scheme.update")[0].detail["fields"] == ["validity_months"]

    f.certificate(f.service(), scheme, issued_on=datetime.date(2026, 1, 5))
    page = admin_client.get(change_url(scheme))
    assert 'name="name"' not in page.text and 'name="version"' not in page.text
    assert admin_client.post(change_url(scheme), form_data(page) | {"version": "9.9"}).status_code == 302
    scheme.refresh_from_db()
    assert scheme.version != "9.9"


# A reviewer reads, and is refused every write


def test_a_reviewer_is_refused_every_write(client, reviewer, provider, owner, service, scheme, center):
    holder = f.shareholder(provider)
    f.login_with_mfa(client, reviewer)
    objects = {"provider": provider, "service": service, "shareholder": holder, "scheme": scheme,
               "evaluationcenter": center, "requirement": scheme.requirements.first()}  # fmt: skip
    for name, obj in objects.items():
        page = client.get(change_url(obj))
        assert page.status_code == 200, name  # read
        assert client.post(change_url(obj), {}).status_code == 403, name
        delete = reverse(f"admin:registry_{name}_delete", args=[obj.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403, name
        assert client.post(reverse(f"admin:registry_{name}_add"), {}).status_code == 403, name
        assert type(obj).objects.filter(pk=obj.pk).exists(), name
    written = AuditEvent.objects.values_list("action", flat=True)
    assert [action for action in written if not action.startswith(("login", "access."))] == []
    assert Scheme.objects.count() == 1 and EvaluationCenter.objects.count() == 1 and Provider.objects.count() == 1


def test_reverting_a_shareholder_to_a_version_over_the_totals_is_refused_and_changes_nothing(admin_client, provider):
    holder = f.shareholder(provider, capital_percent=Decimal(60), voting_percent=Decimal(60))
    first = holder.history.get()
    assert edit(admin_client, holder, capital_percent="30", voting_percent="30").status_code == 302
    f.shareholder(provider, capital_percent=Decimal(70), voting_percent=Decimal(70))
    url = reverse("admin:registry_shareholder_simple_history", args=[holder.pk, first.history_id])
    response = admin_client.post(url, form_data(admin_client.get(url)), follow=True)
    assert "The shareholders hold 130 % of the share capital in all" in response.text
    holder.refresh_from_db()
    assert holder.capital_percent == 30


def test_support_outside_the_eu_without_its_operations_is_refused_with_the_portals_words(admin_client, service):
    support = Site.objects.get(service=service, role="support")
    rows = list(Site.objects.filter(service=service).order_by("service", "role", "country", "city"))
    response = edit(admin_client, service, **{f"sites-{rows.index(support)}-country": "US"})
    assert response.status_code == 200
    assert "Support outside the EU must list the operations allowed from there (19.2.e)." in errors(response)
    support.refresh_from_db()
    assert support.country == "FR"


def test_an_organisation_registered_by_mistake_is_deleted_with_an_audit_line(admin_client, administrator):
    provider = f.provider(legal_name="Erreur SAS")
    f.shareholder(provider)
    url = reverse("admin:registry_provider_delete", args=[provider.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Provider.objects.filter(pk=provider.pk).exists() and not Shareholder.objects.exists()
    [line] = audit_lines("provider.delete")
    assert (line.actor, line.detail["object"]) == (administrator, "Erreur SAS")
