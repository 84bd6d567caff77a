from registry.models import Dossier
from registry.services import dossiers as svc


def test_a_complete_draft_can_be_submitted(complete_draft, editor):
    d = svc.dossier_submit(dossier=complete_draft, by=editor)
    assert d.status == Dossier.Status.SUBMITTED
