"""A qualification keeps version 1 of the certified record: what the decision certified."""

import pytest

from registry.certificates import records
from registry.certificates.models import CertifiedRecord
from registry.qualification.services.dossiers import dossier_qualify

pytestmark = pytest.mark.django_db


def test_a_qualification_keeps_version_1_of_the_certified_record(walk, complete_draft, decision_maker, service):
    dossier = walk(complete_draft, "decision")
    certificate = dossier_qualify(dossier=dossier, by=decision_maker, scope="Virtual machines.")
    [record] = CertifiedRecord.objects.filter(certificate=certificate)
    assert record.version == 1 and record.change_notice is None
    assert record.content == records.capture(service, scope="Virtual machines.")
    assert record.content["service"]["name"] == "Nuage Compute"
