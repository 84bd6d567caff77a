"""Opening a dossier through the services: who may, one dossier in progress per service and scheme, a scheme closed to
applications, a renewal naming a certificate of the same service and scheme, the references, and which requirements
apply to the service's model."""

import re

import pytest
from django.utils import timezone

from registry.catalogue.models import Requirement
from registry.qualification.models import Dossier, DossierEvent
from registry.qualification.services import dossiers as svc
from registry.qualification.workflow import Refused
from tests import factories as f

pytestmark = pytest.mark.django_db

S = Dossier.Status


# Creation and references.


@pytest.mark.parametrize("who", ["owner", "editor"])
def test_an_owner_or_editor_opens_a_dossier(request, service, scheme, who):
    user = request.getfixturevalue(who)
    d = svc.dossier_create(service=service, scheme=scheme, by=user)
    assert (d.status, d.kind, d.created_by, d.renews) == (S.DRAFT, Dossier.Kind.INITIAL, user, None)
    event = DossierEvent.objects.get(dossier=d)
    assert (event.action, event.to_status, event.actor) == ("create", S.DRAFT, user)
    assert event.notified_at is not None  # nobody needs telling about a new draft


@pytest.mark.parametrize("who", ["viewer", "other_owner", "reviewer", "administrator"])
def test_it_refuses_to_open_a_dossier_for_a_non_member_or_a_viewer(request, service, scheme, who):
    with pytest.raises(Refused, match="owner or editor"):
        svc.dossier_create(service=service, scheme=scheme, by=request.getfixturevalue(who))
    assert not Dossier.objects.exists()


def test_it_refuses_a_second_open_dossier_for_the_same_service_and_scheme(draft, service, scheme, editor):
    with pytest.raises(Refused, match="already has a dossier in progress"):
        svc.dossier_create(service=service, scheme=scheme, by=editor)
    assert Dossier.objects.filter(service=service, scheme=scheme).count() == 1


def test_another_scheme_or_a_closed_dossier_does_not_block_a_new_one(draft, service, scheme, owner):
    assert svc.dossier_create(service=service, scheme=f.scheme(), by=owner)
    svc.dossier_withdraw(dossier=draft, by=owner)
    assert svc.dossier_create(service=service, scheme=scheme, by=owner).status == S.DRAFT


def test_it_refuses_a_scheme_closed_to_applications(service, owner):
    closed = f.scheme(active=False)
    with pytest.raises(Refused, match="no longer accepts"):
        svc.dossier_create(service=service, scheme=closed, by=owner)


def test_a_renewal_must_name_a_certificate_of_the_same_service_and_scheme(service, scheme, owner):
    with pytest.raises(Refused, match="must name a certificate"):
        svc.dossier_create(service=service, scheme=scheme, by=owner, kind=Dossier.Kind.RENEWAL)
    elsewhere = f.certificate(f.service(service.provider), scheme)
    with pytest.raises(Refused, match="must name a certificate"):
        svc.dossier_create(service=service, scheme=scheme, by=owner, kind=Dossier.Kind.RENEWAL, renews=elsewhere)
    assert not Dossier.objects.filter(service=service).exists()


def test_references_are_unique_increasing_and_carry_the_year(provider, scheme, owner):
    references = [svc.dossier_create(service=f.service(provider), scheme=scheme, by=owner).reference for _ in range(3)]
    year = timezone.now().year
    assert all(re.fullmatch(rf"DOS-{year}-\d{{5}}", ref) for ref in references)
    numbers = [int(ref.rsplit("-", 1)[1]) for ref in references]
    assert numbers == sorted(set(numbers))
    assert numbers[1] == numbers[0] + 1


def test_applicable_requirements_follow_the_service_model(draft, scheme):
    assert [r.ref for r in svc.applicable_requirements(draft)] == ["19.2", "19.6"]
    saas = f.service(draft.service.provider, service_model="saas")
    saas_dossier = f.dossier(saas, scheme)
    assert [r.ref for r in svc.applicable_requirements(saas_dossier)] == ["19.2", "19.6", "19.9"]
    assert Requirement.objects.filter(scheme=scheme, parent__isnull=True).count() == 1  # the chapter is never asked
