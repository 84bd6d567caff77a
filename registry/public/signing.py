"""The registry's Ed25519 signing key: SNAPSHOT_SIGNING_KEY in production, a generated development key in development.

The development key is written once in private storage (never in the repository, never under a public URL), local
disk or object store, so that every process of one installation signs with the same key and the published key does
not change at each restart. It is made only where SNAPSHOT_DEVELOPMENT_KEY allows it (DEBUG on, by default): anywhere
else signing without SNAPSHOT_SIGNING_KEY is refused at run time, since gunicorn and Celery start without running the
deployment checks (trustedcloud/checks.py) that refuse it at `migrate`.
"""

import base64
import binascii
import contextlib
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
from django.core.files.storage import storages

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
        self.fingerprint: str = fingerprint(public)

    def sign(self, data: bytes) -> str:
        """The Ed25519 signature of data, base64."""
        return base64.b64encode(self._private.sign(data)).decode("ascii")


def fingerprint(public_key) -> str:
    """SHA-256 of the DER public key: `openssl pkey -pubin -in signing-key.pem -outform DER | sha256sum` shows it."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def signing_key() -> SigningKey:
    configured = getattr(settings, "SNAPSHOT_SIGNING_KEY", "")
    if configured:
        return _configured_key(configured)
    if not settings.SNAPSHOT_DEVELOPMENT_KEY:
        # Logged here as well as raised: whoever asked (a snapshot task, the public key's page) fails, and the line
        # says why whatever that caller does with the error.
        logger.error(
            "SNAPSHOT_SIGNING_KEY is not set: registry snapshots cannot be signed and their public key cannot be "
            "served. Set SNAPSHOT_SIGNING_KEY (or SNAPSHOT_DEVELOPMENT_KEY=1 outside production)."
        )
        raise ImproperlyConfigured(
            "SNAPSHOT_SIGNING_KEY is not set, and no development key may be made (SNAPSHOT_DEVELOPMENT_KEY is off, as "
            "it is with DEBUG off): set SNAPSHOT_SIGNING_KEY to the installation's Ed25519 private key."
        )
    # Keyed by the storage's configuration: a process reads the key file once per storage it is pointed at.
    return _development_key(repr(settings.STORAGES["default"]))


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


@functools.lru_cache(maxsize=4)
def _development_key(storage_config: str) -> SigningKey:
    private = serialization.load_pem_private_key(development_pem(DEVELOPMENT_KEY_NAME, _new_pem), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"The development signing key file {DEVELOPMENT_KEY_NAME} is not an Ed25519 key.")
    logger.warning(
        "SNAPSHOT_SIGNING_KEY is not set: registry snapshots are signed with a development key kept in private "
        "storage (%s). Set SNAPSHOT_SIGNING_KEY in production.",
        DEVELOPMENT_KEY_NAME,
    )
    return SigningKey(private)


def development_pem(name: str, new_pem) -> bytes:
    """The development key kept in private storage under name, made with new_pem() by the first process that asks."""
    storage = storages["default"]
    try:
        return _read_key(storage, name)
    except FileNotFoundError:
        _create_key(storage, name, new_pem())
        return _read_key(storage, name)  # ours, or the one another process wrote first


def _read_key(storage, name: str) -> bytes:
    with storage.open(name, "rb") as handle:
        return handle.read()


def _create_key(storage, name: str, pem: bytes) -> None:
    """Create the key file unless another process got there first (its key wins): on local disk by a hard link, in an
    object store by a conditional write (registry.core.storage.PrivateS3Storage.save_new)."""
    try:
        path = Path(storage.path(name))
    except NotImplementedError:
        path = None
    if path is not None:
        _write_new_key(path, pem)
        return
    save_new = getattr(storage, "save_new", None)
    if save_new is None:
        raise ImproperlyConfigured(
            f"No signing key is set and the private storage cannot create the development key {name} safely."
        )
    with contextlib.suppress(FileExistsError):  # another process's key is there: it wins
        save_new(name, pem)


def _new_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write_new_key(target: Path, pem: bytes) -> None:
    """Write a fresh key readable by the owner only; if another process got there first, its key wins."""
    target.parent.mkdir(parents=True, exist_ok=True)
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
