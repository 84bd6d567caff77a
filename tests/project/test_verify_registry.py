"""verify_registry, on its own after an incident: every document's bytes against its recorded SHA-256, every
certificate's PDF present, and the signed snapshot chain (each signature with the key published under its fingerprint,
each link to the snapshot before), and every signed trusted list (its signature, with the certificate recorded for it).
Each problem is named; any problem makes the command fail."""

import io

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from registry.certificates.pdf import certificate_pdf_render
from registry.public.models import PublishedKey, RegistrySnapshot, TrustedListIssue
from registry.public.snapshots import snapshot_issue
from registry.public.trusted_list_key import derived_certificate, list_signing_key
from registry.public.trusted_lists import sign, trusted_list_issue
from registry.qualification.models import Document
from tests import factories as f
from tests.public.test_public_pages import certified

pytestmark = pytest.mark.django_db


def verify() -> tuple[bool, list[str]]:
    """(whether it passed, the lines it printed)."""
    out = io.StringIO()
    try:
        call_command("verify_registry", stdout=out)
    except CommandError:
        return False, out.getvalue().splitlines()
    return True, out.getvalue().splitlines()


@pytest.fixture
def chain():
    """Three snapshots of a registry with one certificate (its PDF drawn)."""
    certificate_pdf_render(certificate=certified("Alpha Cloud"))
    return [snapshot_issue(force=True) for _ in range(3)]


def test_an_intact_registry_verifies(chain, complete_draft):
    trusted_list_issue()
    passed, lines = verify()
    assert passed, lines
    assert "registry snapshots: 3 checked; problems: 0." in lines
    assert f"documents: {Document.objects.count()} checked; problems: 0." in lines
    assert "certificate PDFs: 1 checked; problems: 0." in lines
    assert "trusted lists: 1 checked; problems: 0." in lines
    assert lines[-1] == "No problem found."


@pytest.fixture
def lists(chain):
    trusted_list_issue()
    return [trusted_list_issue(force=True) for _ in range(2)]


def test_a_trusted_list_changed_after_signing_is_named(lists):
    second = lists[0]
    TrustedListIssue.objects.filter(pk=second.pk).update(document=second.document.replace("Alpha Cloud", "Alpha Cl0ud"))

    passed, lines = verify()

    assert not passed
    assert any(line.startswith("Trusted list 2: the signature does not verify") for line in lines), lines
    assert "trusted lists: 3 checked; problems: 1." in lines


def test_a_trusted_list_re_signed_with_another_key_is_named(lists):
    from cryptography.hazmat.primitives.asymmetric import ec
    from lxml import etree

    from registry.public.trusted_list_key import ListSigningKey

    other = ec.generate_private_key(ec.SECP256R1())
    forger = ListSigningKey(other, derived_certificate(other, "Forger", "FR"))
    unsigned = etree.fromstring(lists[1].document.encode())
    unsigned.remove(unsigned[-1])  # its signature
    TrustedListIssue.objects.filter(pk=lists[1].pk).update(document=sign(unsigned, forger).decode())

    passed, lines = verify()

    assert not passed
    assert "Trusted list 3: it carries another certificate than the one that signed it." in lines
    assert list_signing_key().fingerprint == lists[1].certificate_sha256


def test_a_snapshot_changed_after_signing_fails_its_signature_and_the_next_ones_link(chain):
    second = chain[1]
    RegistrySnapshot.objects.filter(pk=second.pk).update(body=second.body.replace("Alpha Cloud", "Alpha Cl0ud"))
    passed, lines = verify()
    assert not passed
    assert "Snapshot 2: the signature does not verify with the key " + second.key_id + "." in lines
    assert any(line.startswith("Snapshot 3: its link to the previous snapshot is") for line in lines)
    assert "registry snapshots: 3 checked; problems: 2." in lines


def test_a_snapshot_removed_from_the_series_breaks_the_chain(chain):
    RegistrySnapshot.objects.filter(pk=chain[1].pk).delete()
    passed, lines = verify()
    assert not passed
    assert any(line.startswith("Snapshot 3: its link to the previous snapshot is") for line in lines)


def test_a_published_key_swapped_for_another_is_refused(chain):
    other = Ed25519PrivateKey.generate().public_key()
    pem = other.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    PublishedKey.objects.update(public_pem=pem)
    passed, lines = verify()
    assert not passed
    fingerprint = chain[0].key_id
    assert f"The published key {fingerprint} is not the Ed25519 key with that fingerprint." in lines
    assert f"Snapshot 1: its key {fingerprint} is not among the published keys." in lines


def test_a_missing_document_and_a_missing_pdf_are_named(complete_draft):
    document = Document.objects.order_by("pk").first()
    default_storage.delete(document.file.name)
    certificate = certified("Beta Cloud")  # its PDF not drawn yet
    passed, lines = verify()
    assert not passed
    assert (
        f"Document {document.pk} “{document.title}” of {complete_draft.reference} ({document.file.name}): "
        "missing from the private storage."
    ) in lines
    assert any(line.startswith(f"Certificate {certificate.number} has no PDF yet") for line in lines)
    assert lines[-1] != "No problem found."


def test_with_nothing_issued_yet_there_is_nothing_to_contradict(db):
    f.provider()
    passed, lines = verify()
    assert passed, lines
    assert "registry snapshots: 0 checked; problems: 0." in lines
