"""Dossiers in the agency's hands for the portal's dossier page tests: submitted, and sent back for changes."""

import pytest

from registry.qualification.services import dossiers as svc


@pytest.fixture
def submitted(complete_draft, editor):
    return svc.dossier_submit(dossier=complete_draft, by=editor)


@pytest.fixture
def changes_requested(submitted, reviewer):
    svc.dossier_take(dossier=submitted, by=reviewer)
    return svc.dossier_request_changes(dossier=submitted, by=reviewer, comment="Please describe the support sites.")


@pytest.fixture
def another_draft(provider, scheme, owner):
    """A draft of another IaaS service of the same provider, under the same scheme (an import's other end)."""
    from tests import factories as f

    other = f.service(provider, name="Nuage Backup", slug="nuage-backup", service_model="iaas")
    return svc.dossier_create(service=other, scheme=scheme, by=owner)
