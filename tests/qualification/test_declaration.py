"""The signed declaration through the services: each change the rule says voids it, voids it; the others leave it."""

import pytest

from registry.qualification.models import Dossier
from registry.qualification.services import dossiers as svc
from registry.qualification.services.answers import answer_save
from registry.qualification.services.documents import document_add
from tests import factories as f

pytestmark = pytest.mark.django_db

S = Dossier.Status


def signed(dossier) -> bool:
    dossier.refresh_from_db()
    return dossier.declared_at is not None and dossier.declared_by_id is not None


def test_a_providers_new_document_voids_the_declaration(complete_draft, editor):
    assert signed(complete_draft)
    document_add(dossier=complete_draft, kind="evidence", title="Annex", uploaded=f.pdf(), by=editor)
    assert not signed(complete_draft)


def test_a_changed_answer_voids_the_declaration_and_the_same_answer_again_does_not(complete_draft, editor):
    answer = complete_draft.answers.first()
    answer_save(dossier=complete_draft, requirement=answer.requirement, by=editor, status=answer.status)
    assert signed(complete_draft)
    answer_save(
        dossier=complete_draft, requirement=answer.requirement, by=editor, status="not_met", justification="Gap."
    )
    assert not signed(complete_draft)


def test_the_centres_evaluation_report_leaves_the_declaration_standing(complete_draft, walk, reviewer):
    d = walk(complete_draft, S.EVALUATION)
    f.evaluated(d, reviewer=reviewer)
    assert signed(d)


def test_a_request_for_changes_voids_the_declaration_and_taking_the_dossier_does_not(complete_draft, walk, reviewer):
    d = walk(complete_draft, S.IN_REVIEW)
    assert signed(d)
    svc.dossier_request_changes(dossier=d, by=reviewer, comment="Detail 19.6.")
    assert not signed(d)
