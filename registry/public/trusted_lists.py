"""Issuing the signed trusted list (registry.public.trusted_list's document): numbered, signed with an enveloped XAdES
baseline signature (ECDSA P-256, SHA-256), stored as served.

A new issue when what the list says changed, when the signing certificate changed, or when the latest is due for its
NextUpdate; otherwise nothing, so that a sequence number always means new content or a kept promise. Issued after every
public change (registry.public.publication) and on the snapshots' schedule.
"""

import base64
import binascii
import datetime
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree
from signxml import DigestAlgorithm, SignatureMethod
from signxml.exceptions import SignXMLException
from signxml.xades import XAdESSigner, XAdESVerifier

from registry.core.integrity import Findings
from registry.core.models import Counter
from registry.public import trusted_list
from registry.public.models import TrustedListIssue
from registry.public.snapshots import past_latest, read_one_state
from registry.public.trusted_list_key import ListSigningKey, list_signing_key

TRUSTED_LIST_COUNTER = "trusted-list"


def sign(root, key: ListSigningKey) -> bytes:
    """The enveloped XAdES-B signature over the whole list (the reference names the root's Id), the certificate in its
    KeyInfo and in the signed properties' SigningCertificate: what `xmlsec1 --verify` and the EU's validators check.
    Canonical XML 1.1 (signxml's default): exclusive canonicalisation breaks the SignedProperties reference.

    signxml works on copies of the tree it is given (two at once): at 10,000 services a tree of 450,000 elements, so
    the issue's peak memory is about three such trees (bench/snapshot.py measures it)."""
    signer = XAdESSigner(signature_algorithm=SignatureMethod.ECDSA_SHA256, digest_algorithm=DigestAlgorithm.SHA256)
    signed = signer.sign(
        root,
        key=key.private,
        cert=[key.certificate],
        reference_uri=f"#{trusted_list.ROOT_ID}",
    )
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def _signature_problem(document: bytes, certificate_sha256: str) -> str | None:
    """Why this signed list does not verify with the certificate it carries, or None. The certificate must be the one
    recorded for the issue: a list re-signed with another key would otherwise verify with its own."""
    try:
        root = etree.fromstring(document)
        der = base64.b64decode(root.findtext(".//{http://www.w3.org/2000/09/xmldsig#}X509Certificate") or "")
        certificate = x509.load_der_x509_certificate(der)
    except (etree.XMLSyntaxError, binascii.Error, ValueError):
        return _("the document is not a list signed with a certificate")
    if hashlib.sha256(der).hexdigest() != certificate_sha256:
        return _("it carries another certificate than the one that signed it")
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
    try:
        XAdESVerifier().verify(document, x509_cert=pem, expect_references=3)
    except SignXMLException as exc:
        return _("the signature does not verify: %(reason)s") % {"reason": exc}
    return None


def trusted_list_findings() -> Findings:
    """Every stored issue, as a relying party would check it (manage.py verify_registry): its signature verifies with
    its certificate, which is the one recorded, and the document says the number it is stored under."""
    findings = Findings(subject=_("trusted lists"))
    for issue in TrustedListIssue.objects.order_by("sequence").iterator(chunk_size=20):
        findings.checked += 1
        document = issue.document.encode("utf-8")
        problem = _signature_problem(document, issue.certificate_sha256)
        if problem is None:
            said = etree.fromstring(document).findtext(f".//{{{trusted_list.TSL}}}TSLSequenceNumber")
            if said != str(issue.sequence):
                problem = _("the document says it is number %(said)s") % {"said": said}
        if problem is not None:
            findings.problems.append(
                _("Trusted list %(sequence)s: %(problem)s.") % {"sequence": issue.sequence, "problem": problem}
            )
    return findings


def _needs_new(latest: TrustedListIssue, digest: str, key: ListSigningKey, now: datetime.datetime) -> bool:
    return (
        latest.content_sha256 != digest
        or latest.certificate_sha256 != key.fingerprint
        # Due before the next scheduled look: issue now, so that NextUpdate is a promise kept.
        or latest.next_update - now <= datetime.timedelta(seconds=settings.SNAPSHOT_CHECK_EVERY)
    )


def trusted_list_issue(*, force: bool = False) -> TrustedListIssue | None:
    """Issue a new list if needed (see the module); None when nothing was. Safe to call twice or concurrently: issuers
    wait for each other on the table's lock and read one state of the database (as the snapshots)."""
    key = list_signing_key()  # before any write: a misconfigured key fails here
    with transaction.atomic():
        read_one_state(TrustedListIssue)
        sequence = Counter.next(TRUSTED_LIST_COUNTER)
        latest = TrustedListIssue.objects.order_by("-sequence").first()
        content = trusted_list.list_content()
        digest = trusted_list.content_digest(content)
        now = timezone.now().replace(microsecond=0)
        if latest is not None and not force and not _needs_new(latest, digest, key, now):
            transaction.set_rollback(True)  # gives the sequence number back: numbers stay gap-free
            return None
        sequence = past_latest(TRUSTED_LIST_COUNTER, sequence, latest)
        next_update = now + datetime.timedelta(seconds=settings.SNAPSHOT_INTERVAL)
        root = trusted_list.list_document(content, sequence=sequence, issued_at=now, next_update=next_update)
        del content  # the rows are in the tree now: let them go before the signature makes its copies
        return TrustedListIssue.objects.create(
            sequence=sequence,
            issued_at=now,
            next_update=next_update,
            content_sha256=digest,
            certificate_sha256=key.fingerprint,
            document=sign(root, key).decode("utf-8"),
        )
