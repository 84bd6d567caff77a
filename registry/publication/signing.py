"""The registry's Ed25519 signing key: SNAPSHOT_SIGNING_KEY in production, a generated development key otherwise.

The development key is written once in private storage (never in the repository, never under a public URL) so that
every process of one installation signs with the same key and the published key does not change at each restart.
"""

import base64
import binascii
import functools
import hashlib
import logging
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)

DEVELOPMENT_KEY_NAME = "signing/snapshot-ed25519-development.pem"


class SigningKey:
    """A private key with what is published about it: the public key (PEM SubjectPublicKeyInfo) and its fingerprint."""

    algorithm = "Ed25519"

    def __init__(self, private: Ed25519PrivateKey):
        self._private = private
        public = private.public_key()
        self.public_pem: bytes = public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        # SHA-256 of the DER public key: `openssl pkey -pubin -in signing-key.pem -outform DER | sha256sum` shows it.
        self.fingerprint: str = hashlib.sha256(der).hexdigest()

    def sign(self, data: bytes) -> str:
        """The Ed25519 signature of data, base64."""
        return base64.b64encode(self._private.sign(data)).decode("ascii")


def signing_key() -> SigningKey:
    configured = getattr(settings, "SNAPSHOT_SIGNING_KEY", "")
    if configured:
        return _configured_key(configured)
    return _development_key(str(_development_key_path()))


@functools.lru_cache(maxsize=4)
def _configured_key(value: str) -> SigningKey:
    text = value.strip()
    if "-----BEGIN" in text:
        # Environments often hold a PEM on one line with literal "\n" separators.
        text = text.replace("\\n", "\n")
        try:
            private = serialization.load_pem_private_key(text.encode("ascii"), password=None)
        except (ValueError, TypeError, UnicodeEncodeError) as exc:
            raise ImproperlyConfigured(f"SNAPSHOT_SIGNING_KEY is not a readable unencrypted PEM key: {exc}") from exc
        if not isinstance(private, Ed25519PrivateKey):
            raise ImproperlyConfigured("SNAPSHOT_SIGNING_KEY must be an Ed25519 key.")
        return SigningKey(private)
    try:
        raw = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured("SNAPSHOT_SIGNING_KEY must be a PEM key or the base64 of 32 raw bytes.") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured(f"SNAPSHOT_SIGNING_KEY must decode to 32 bytes, not {len(raw)}.")
    return SigningKey(Ed25519PrivateKey.from_private_bytes(raw))


def _development_key_path() -> Path:
    try:
        return Path(default_storage.path(DEVELOPMENT_KEY_NAME))
    except NotImplementedError:  # a remote default storage: keep the key beside where private files would be
        return Path(settings.PRIVATE_MEDIA_ROOT) / DEVELOPMENT_KEY_NAME


@functools.lru_cache(maxsize=4)
def _development_key(path: str) -> SigningKey:
    target = Path(path)
    if not target.exists():
        _write_new_key(target)
    private = serialization.load_pem_private_key(target.read_bytes(), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"The development signing key file {target.name} is not an Ed25519 key.")
    logger.warning(
        "SNAPSHOT_SIGNING_KEY is not set: registry snapshots are signed with a development key kept in private "
        "storage (%s). Set SNAPSHOT_SIGNING_KEY in production.",
        DEVELOPMENT_KEY_NAME,
    )
    return SigningKey(private)


def _write_new_key(target: Path) -> None:
    """Write a fresh key readable by the owner only; if another process got there first, its key wins."""
    target.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".key-")  # mkstemp creates it with mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        # link() refuses to replace an existing file: a reader never sees a half-written key, nor a second one.
        os.link(temporary, target)
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)
