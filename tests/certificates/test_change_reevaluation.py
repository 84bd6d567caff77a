"""A re-evaluation asked on a change notice opens a dossier of kind "change" renewing the certificate, which follows
the usual workflow; qualified, the notice is accepted and its record applied before the new certificate is issued.
(Needs migration 0023: the dossier check constraint lets a change dossier name the certificate it renews.)"""

import pytest

from registry.certificates import changes
from registry.providers.models import Site
from registry.qualification.models import Dossier
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(provider):
    return f.certified_service(provider, name="Nuage Storage", slug="nuage-storage")


def storage_countries(service):
    return set(Site.objects.filter(service=service, role="storage").values_list("country", flat=True))


def test_a_reevaluation_opens_a_change_dossier_and_its_qualification_applies_the_change(
    certificate, editor, reviewer, decision_maker, center
):
    from registry.qualification.services.dossiers import dossier_qualify

    notice = f.filed_notice(certificate, editor)
    changes.notice_take(notice=notice, by=reviewer)
    changes.notice_reevaluate(notice=notice, by=reviewer, comment="The new site needs an audit.")
    notice.refresh_from_db()
    dossier = notice.reevaluation
    assert (notice.status, dossier.kind, dossier.renews, dossier.status) == (
        "reevaluation", Dossier.Kind.CHANGE, certificate, "draft",
    )  # fmt: skip
    assert storage_countries(certificate.service) == {"FR"}

    dossier.scheme.requirements.all().delete()  # nothing to answer: the walk is the workflow's, tested elsewhere
    f.complete(dossier, editor)
    dossier = f.walk(dossier, "decision", provider_user=editor, reviewer=reviewer, center=center)
    new = dossier_qualify(dossier=dossier, by=decision_maker, scope="Storage.")
    notice.refresh_from_db()
    certificate.refresh_from_db()
    assert notice.status == "accepted" and certificate.status == "superseded"
    assert storage_countries(certificate.service) == {"US"}
    assert {s["country"] for s in new.records.get().content["sites"] if s["role"] == "storage"} == {"US"}


def test_a_reevaluation_that_ends_without_a_qualification_lets_the_reviewer_refuse(certificate, editor, reviewer):
    from registry.qualification.services.dossiers import dossier_withdraw
    from registry.qualification.workflow import Refused

    notice = f.filed_notice(certificate, editor)
    changes.notice_take(notice=notice, by=reviewer)
    changes.notice_reevaluate(notice=notice, by=reviewer)
    notice.refresh_from_db()
    with pytest.raises(Refused, match="under way"):
        changes.notice_refuse(notice=notice, by=reviewer, outcome_note="No.")
    owner = f.member(certificate.service.provider, "owner")
    dossier_withdraw(dossier=notice.reevaluation, by=owner)
    changes.notice_refuse(notice=notice, by=reviewer, outcome_note="The re-evaluation was withdrawn.")
    notice.refresh_from_db()
    assert notice.status == "refused" and storage_countries(certificate.service) == {"FR"}


def test_the_provider_opens_the_change_dossier_in_the_portal(certificate, editor, reviewer, client):
    from django.urls import reverse

    notice = f.filed_notice(certificate, editor)
    changes.notice_take(notice=notice, by=reviewer)
    changes.notice_reevaluate(notice=notice, by=reviewer)
    notice.refresh_from_db()
    client.force_login(editor)
    page = client.get(reverse("portal:change-notice", args=[certificate.service.provider.slug, notice.reference]))
    assert notice.reevaluation.reference in page.text
    assert client.get(reverse("portal:dossier", args=[notice.reevaluation.reference])).status_code == 200
