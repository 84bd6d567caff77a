"""Checking the signed snapshots as a relying party would, for the whole series: each one's signature with the key
published under the fingerprint it names, and each one's link to the one before (manage.py verify_registry, after a
restore or an incident). Also the head of the chain, which a backup's manifest records."""

import base64
import binascii
import hashlib
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.utils.translation import gettext as _

from registry.core.integrity import Findings
from registry.public import signing
from registry.public.models import PublishedKey, RegistrySnapshot


def chain_head() -> dict:
    """The latest snapshot's sequence and the SHA-256 of its body (None and None before the first)."""
    latest = RegistrySnapshot.objects.order_by("-sequence").only("sequence", "body").first()
    if latest is None:
        return {"last_sequence": None, "last_sha256": None}
    return {"last_sequence": latest.sequence, "last_sha256": _body_sha256(latest.body)}


def _body_sha256(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _published_keys() -> tuple[dict[str, Ed25519PublicKey], list[str]]:
    """{fingerprint: key} of the published keys whose PEM really has that fingerprint, and the problems of the rest: a
    key row swapped for another key would otherwise make a forged signature verify."""
    keys, problems = {}, []
    for fingerprint, pem in PublishedKey.objects.values_list("fingerprint", "public_pem"):
        try:
            key = serialization.load_pem_public_key(pem.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            problems.append(
                _("The published key %(fingerprint)s is not a readable PEM key.") % {"fingerprint": fingerprint}
            )
            continue
        if not isinstance(key, Ed25519PublicKey) or signing.fingerprint(key) != fingerprint:
            problems.append(
                _("The published key %(fingerprint)s is not the Ed25519 key with that fingerprint.")
                % {"fingerprint": fingerprint}
            )
            continue
        keys[fingerprint] = key
    return keys, problems


def _signature_problem(snapshot: RegistrySnapshot, keys: dict) -> str | None:
    key = keys.get(snapshot.key_id)
    if key is None:
        return _("Snapshot %(sequence)s: its key %(fingerprint)s is not among the published keys.") % {
            "sequence": snapshot.sequence,
            "fingerprint": snapshot.key_id,
        }
    try:
        key.verify(base64.b64decode(snapshot.signature, validate=True), snapshot.body.encode("utf-8"))
    except (InvalidSignature, binascii.Error, ValueError):
        return _("Snapshot %(sequence)s: the signature does not verify with the key %(fingerprint)s.") % {
            "sequence": snapshot.sequence,
            "fingerprint": snapshot.key_id,
        }
    return None


def _document_problems(snapshot: RegistrySnapshot, previous: RegistrySnapshot | None) -> list[str]:
    """What the signed document says against its row and against the snapshot before it."""
    where = {"sequence": snapshot.sequence}
    try:
        document = json.loads(snapshot.body)
    except ValueError:
        return [_("Snapshot %(sequence)s: the document is not JSON.") % where]
    if not isinstance(document, dict):
        return [_("Snapshot %(sequence)s: the document is not a JSON object.") % where]
    problems = []
    if document.get("sequence") != snapshot.sequence:
        problems.append(
            _("Snapshot %(sequence)s: the document says it is number %(said)s.")
            % {**where, "said": document.get("sequence")}
        )
    if (document.get("signing_key") or {}).get("fingerprint_sha256") != snapshot.key_id:
        problems.append(_("Snapshot %(sequence)s: the document names another key than its signature's.") % where)
    expected = None if previous is None else {"sequence": previous.sequence, "sha256": _body_sha256(previous.body)}
    if document.get("previous") != expected:
        problems.append(
            _("Snapshot %(sequence)s: its link to the previous snapshot is %(link)s; the chain needs %(expected)s.")
            % {**where, "link": json.dumps(document.get("previous")), "expected": json.dumps(expected)}
        )
    return problems


def snapshot_chain_findings() -> Findings:
    """Every snapshot from the first, in order: signed by a published key, numbered as its row, naming the exact bytes
    of the one before it (the first names none). A snapshot removed, altered or inserted breaks a link or a
    signature."""
    findings = Findings(subject=_("registry snapshots"))
    keys, findings.problems = _published_keys()
    previous = None
    for snapshot in RegistrySnapshot.objects.order_by("sequence").iterator(chunk_size=100):
        findings.checked += 1
        signature_problem = _signature_problem(snapshot, keys)
        if signature_problem:
            findings.problems.append(signature_problem)
        findings.problems.extend(_document_problems(snapshot, previous))
        previous = snapshot
    return findings
