"""The trusted list's signing key (ECDSA P-256) and the X.509 certificate relying parties verify its signature with.

XML signature verifiers (xmlsec1, the EU's DSS, signxml) take an X.509 certificate, and the Ed25519 key of the JSON
snapshots has no signature method in the XML signature specifications that Debian's xmlsec1 1.2 knows: the list has its
own key, TRUSTED_LIST_SIGNING_KEY. Its certificate is TRUSTED_LIST_SIGNING_CERTIFICATE when the agency had one issued
(by its own or a public CA); otherwise a self-signed certificate derived from the key alone (deterministic ECDSA, RFC
6979, fixed names and dates), so every process of an installation publishes the same bytes and a restart changes
nothing. Without the key, a development key is made in private storage where SNAPSHOT_DEVELOPMENT_KEY allows it (DEBUG
on), as for the snapshots' key, and refused anywhere else.
"""

import base64
import binascii
import datetime
import functools
import hashlib
import logging

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from registry.public.signing import development_pem

logger = logging.getLogger(__name__)

DEVELOPMENT_KEY_NAME = "signing/trusted-list-p256-development.pem"
# The derived certificate's validity: fixed, so that the key alone gives the same certificate in every process.
DERIVED_VALID_FROM = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
DERIVED_VALID_UNTIL = datetime.datetime(2035, 1, 1, tzinfo=datetime.UTC)
# The operator's name when AGENCY_NAME is unset: the certificate's subject, in English (a certificate has one).
DEFAULT_OPERATOR = "Certification agency for trusted cloud services"


class ListSigningKey:
    """The private key and the certificate published with it (PEM), with the certificate's SHA-256 fingerprint."""

    def __init__(self, private: ec.EllipticCurvePrivateKey, certificate: x509.Certificate):
        self.private = private
        self.certificate = certificate
        self.certificate_pem: bytes = certificate.public_bytes(serialization.Encoding.PEM)
        self.fingerprint: str = hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def operator_name() -> str:
    return settings.AGENCY_NAME or DEFAULT_OPERATOR


def list_signing_key() -> ListSigningKey:
    configured = settings.TRUSTED_LIST_SIGNING_KEY.strip()
    certificate = settings.TRUSTED_LIST_SIGNING_CERTIFICATE.strip()
    if configured:
        return _configured(configured, certificate, operator_name(), settings.TRUSTED_LIST_TERRITORY)
    if not settings.SNAPSHOT_DEVELOPMENT_KEY:
        logger.error(
            "TRUSTED_LIST_SIGNING_KEY is not set: the trusted list cannot be signed and its certificate cannot be "
            "served. Set TRUSTED_LIST_SIGNING_KEY (or SNAPSHOT_DEVELOPMENT_KEY=1 outside production)."
        )
        raise ImproperlyConfigured(
            "TRUSTED_LIST_SIGNING_KEY is not set, and no development key may be made (SNAPSHOT_DEVELOPMENT_KEY is "
            "off, as it is with DEBUG off): set TRUSTED_LIST_SIGNING_KEY to the installation's P-256 private key."
        )
    return _development(repr(settings.STORAGES["default"]), operator_name(), settings.TRUSTED_LIST_TERRITORY)


def _text(value: str) -> str:
    # Environments often hold a PEM on one line with literal "\n" separators.
    return value.replace("\\n", "\n")


@functools.lru_cache(maxsize=4)
def _configured(value: str, certificate_pem: str, operator: str, territory: str) -> ListSigningKey:
    private = _private_key(value)
    if not certificate_pem:
        return ListSigningKey(private, derived_certificate(private, operator, territory))
    try:
        certificate = x509.load_pem_x509_certificate(_text(certificate_pem).encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise ImproperlyConfigured(
            f"TRUSTED_LIST_SIGNING_CERTIFICATE is not a readable PEM certificate: {exc}"
        ) from exc
    if certificate.public_key() != private.public_key():
        raise ImproperlyConfigured(
            "TRUSTED_LIST_SIGNING_CERTIFICATE is not the certificate of TRUSTED_LIST_SIGNING_KEY."
        )
    return ListSigningKey(private, certificate)


def _private_key(value: str) -> ec.EllipticCurvePrivateKey:
    if "-----BEGIN" in value:
        try:
            private = serialization.load_pem_private_key(_text(value).encode("ascii"), password=None)
        except (ValueError, TypeError, UnicodeEncodeError) as exc:
            raise ImproperlyConfigured(
                f"TRUSTED_LIST_SIGNING_KEY is not a readable unencrypted PEM key: {exc}"
            ) from exc
    else:
        try:
            raw = base64.b64decode("".join(value.split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ImproperlyConfigured(
                "TRUSTED_LIST_SIGNING_KEY must be a PEM key or the base64 of a P-256 private scalar (32 bytes)."
            ) from exc
        if len(raw) != 32:
            raise ImproperlyConfigured(f"TRUSTED_LIST_SIGNING_KEY must decode to 32 bytes, not {len(raw)}.")
        try:
            private = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
        except ValueError as exc:
            raise ImproperlyConfigured(f"TRUSTED_LIST_SIGNING_KEY is not a P-256 private scalar: {exc}") from exc
    if not isinstance(private, ec.EllipticCurvePrivateKey) or not isinstance(private.curve, ec.SECP256R1):
        raise ImproperlyConfigured("TRUSTED_LIST_SIGNING_KEY must be an ECDSA key on the P-256 curve.")
    return private


@functools.lru_cache(maxsize=4)
def _development(storage_config: str, operator: str, territory: str) -> ListSigningKey:
    pem = development_pem(DEVELOPMENT_KEY_NAME, _new_pem)
    logger.warning(
        "TRUSTED_LIST_SIGNING_KEY is not set: the trusted list is signed with a development key kept in private "
        "storage (%s). Set TRUSTED_LIST_SIGNING_KEY in production.",
        DEVELOPMENT_KEY_NAME,
    )
    private = _private_key(pem.decode("ascii"))
    return ListSigningKey(private, derived_certificate(private, operator, territory))


def _new_pem() -> bytes:
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def derived_certificate(private: ec.EllipticCurvePrivateKey, operator: str, territory: str) -> x509.Certificate:
    """A self-signed certificate that depends on the key, the operator's name and the territory only."""
    public = private.public_key()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, territory),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, operator[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, "Trusted list signing"),
        ]
    )
    spki = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    serial = int.from_bytes(hashlib.sha256(spki).digest()[:19], "big") or 1  # positive, at most 20 bytes (RFC 5280)
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(serial)
        .not_valid_before(DERIVED_VALID_FROM)
        .not_valid_after(DERIVED_VALID_UNTIL)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(private, hashes.SHA256(), ecdsa_deterministic=True)
    )
