"""View-only staff in the admin: a reviewer (or committee member) reads the catalogue but cannot change it by any POST
(change form, add form, delete confirmation, bulk action, or django-simple-history's "revert to this version"), and
nobody changes a certificate there behind the workflow's back (it keeps no earlier versions to revert to). Each refusal
is a 403 with nothing changed; the registry's administrators keep their rights."""

import pytest
from django.urls import NoReverseMatch, reverse

from registry.catalogue.models import EvaluationCenter, Scheme
from registry.certificates import services as certificate_services
from registry.providers.models import Provider
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(provider, scheme, center):
    return {"provider": provider, "scheme": scheme, "evaluationcenter": center}


def provider_form(provider, **changes):
    data = {
        "legal_name": provider.legal_name,
        "slug": provider.slug,
        "registration_id": provider.registration_id,
        "website": "",
        "description": "",
        "registered_office_country": "FR",
        "central_administration_country": "FR",
        "principal_establishment_country": "FR",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "shareholders-TOTAL_FORMS": "0",
        "shareholders-INITIAL_FORMS": "0",
    }
    return data | changes


def centre_form(center, **changes):
    return {"name": center.name, "country": "FR", "approval_reference": center.approval_reference, "active": "on"} | (
        changes
    )


@pytest.mark.parametrize("who", ["reviewer", "decision_maker"])
def test_view_only_staff_cannot_save_a_change(client, catalogue, request, who):
    f.login_with_mfa(client, request.getfixturevalue(who))
    provider, center = catalogue["provider"], catalogue["evaluationcenter"]
    assert client.get(reverse("admin:registry_provider_change", args=[provider.pk])).status_code == 200  # reads it
    response = client.post(
        reverse("admin:registry_provider_change", args=[provider.pk]), provider_form(provider, legal_name="Owned SAS")
    )
    assert response.status_code == 403
    response = client.post(
        reverse("admin:registry_evaluationcenter_change", args=[center.pk]), centre_form(center, active="")
    )
    assert response.status_code == 403
    provider.refresh_from_db()
    center.refresh_from_db()
    assert provider.legal_name == "Nuage Souverain SAS" and center.active


def test_view_only_staff_cannot_add_or_delete(client, catalogue, reviewer):
    f.login_with_mfa(client, reviewer)
    add = client.post(reverse("admin:registry_evaluationcenter_add"), centre_form(catalogue["evaluationcenter"]))
    assert add.status_code == 403
    for model, obj in catalogue.items():
        response = client.post(reverse(f"admin:registry_{model}_delete", args=[obj.pk]), {"post": "yes"})
        assert response.status_code == 403, model
    assert EvaluationCenter.objects.count() == 1 and Provider.objects.count() == 1 and Scheme.objects.count() == 1


@pytest.mark.parametrize("model", ["provider", "scheme", "evaluationcenter"])
def test_view_only_staff_cannot_post_a_bulk_action(client, catalogue, reviewer, model):
    f.login_with_mfa(client, reviewer)
    obj = catalogue[model]
    response = client.post(
        reverse(f"admin:registry_{model}_changelist"),
        {"action": "delete_selected", "_selected_action": [obj.pk], "index": "0", "post": "yes"},
    )
    assert response.status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_an_administrator_still_may_bulk_delete(client, catalogue, administrator):
    f.login_with_mfa(client, administrator)
    center = catalogue["evaluationcenter"]
    response = client.post(
        reverse("admin:registry_evaluationcenter_changelist"),
        {"action": "delete_selected", "_selected_action": [center.pk], "index": "0", "post": "yes"},
    )
    assert response.status_code == 302
    assert not EvaluationCenter.objects.filter(pk=center.pk).exists()


def history_form(obj):
    version = obj.history.order_by("history_date").first()
    return reverse(f"admin:registry_{obj._meta.model_name}_simple_history", args=[obj.pk, version.history_id])


def test_view_only_staff_cannot_revert_a_provider_to_an_earlier_version(client, provider, reviewer):
    provider.legal_name = "Renamed SAS"
    provider.save()
    f.login_with_mfa(client, reviewer)
    url = history_form(provider)
    assert client.get(url).status_code == 200  # the earlier version may be read
    response = client.post(url, provider_form(provider, legal_name="Nuage Souverain SAS"))
    assert response.status_code == 403
    provider.refresh_from_db()
    assert provider.legal_name == "Renamed SAS"


def test_an_administrator_still_may_revert_a_provider(client, provider, administrator):
    provider.legal_name = "Renamed SAS"
    provider.save()
    f.login_with_mfa(client, administrator)
    response = client.post(history_form(provider), provider_form(provider, legal_name="Nuage Souverain SAS"))
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.legal_name == "Nuage Souverain SAS"


@pytest.mark.parametrize("who", ["decision_maker", "administrator"])
def test_nobody_puts_a_suspended_certificate_back_to_active_in_the_admin(client, service, request, who):
    person = request.getfixturevalue(who)
    certificate = f.certificate(service)
    certificate_services.certificate_suspend(
        review_on=f.review_date(), certificate=certificate, by=person, reason="Incident."
    )
    f.login_with_mfa(client, person)
    with pytest.raises(NoReverseMatch):  # no field history, so no version page to revert from
        reverse("admin:registry_certificate_simple_history", args=[certificate.pk, 1])
    url = reverse("admin:registry_certificate_change", args=[certificate.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"status": "active", "scope": certificate.scope})
    assert response.status_code == 403
    certificate.refresh_from_db()
    assert certificate.status == "suspended"
    assert [e.status for e in certificate.events.order_by("pk")] == ["suspended"]
