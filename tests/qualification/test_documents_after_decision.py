"""Documents filed on a certificate's dossier after the decision (a surveillance report, an incident report, a change
notice's or a condition's evidence) support what they were filed for: the dossier's own pages and its instruction's
reads never list them, on either side."""

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from registry.qualification.choices import AFTER_QUALIFICATION_DOCUMENT_KINDS
from registry.qualification.models import Document
from registry.qualification.services.dossiers import current_documents
from tests import factories as f

pytestmark = pytest.mark.django_db


def _filed(dossier, kind, title, by):
    content = f.PDF_BYTES
    return Document.objects.create(
        dossier=dossier,
        kind=kind,
        title=title,
        file=ContentFile(content, name=f"{kind}.pdf"),
        original_name=f"{kind}.pdf",
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        content_type="application/pdf",
        scan_status=Document.ScanStatus.CLEAN,
        uploaded_by=by,
    )


@pytest.fixture
def certified(provider, owner, reviewer):
    certificate = f.certificate(f.service(provider))
    own = _filed(certificate.dossier, Document.Kind.SECURITY_POLICY, "Security policy of the dossier", owner)
    later = [
        _filed(certificate.dossier, kind, f"Filed after the decision: {kind}", reviewer)
        for kind in AFTER_QUALIFICATION_DOCUMENT_KINDS
    ]
    return certificate, own, later


def test_the_dossiers_current_documents_are_its_own(certified):
    certificate, own, later = certified
    assert list(current_documents(certificate.dossier)) == [own]


def test_the_providers_documents_page_lists_only_the_dossiers_own(client, owner, certified):
    certificate, own, later = certified
    client.force_login(owner)
    page = client.get(reverse("portal:dossier-documents", args=[certificate.dossier.reference])).content.decode()
    assert own.title in page
    for document in later:
        assert document.title not in page


def test_the_workspaces_documents_part_lists_only_the_dossiers_own(client, reviewer, certified):
    certificate, own, later = certified
    f.login_with_mfa(client, reviewer)
    url = reverse("admin:registry_dossier_change", args=[certificate.dossier.pk]) + "?part=documents"
    page = client.get(url).content.decode()
    assert own.title in page
    for document in later:
        assert document.title not in page
