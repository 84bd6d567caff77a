"""What an integrity check found: how many things it looked at and what is wrong with them (manage.py verify_registry
gathers one per context: documents, certificate PDFs, the snapshot chain)."""

import hashlib
from dataclasses import dataclass, field

from django.core.files.storage import Storage

from registry.core.storage import CHUNK, open_for_download


@dataclass
class Findings:
    subject: str
    checked: int = 0
    problems: list[str] = field(default_factory=list)


def stored_digest(storage: Storage, name: str) -> tuple[int, str]:
    """(size, SHA-256) of a stored file, read front to back through the storage. FileNotFoundError when missing."""
    handle, _size = open_for_download(storage, name)
    digest = hashlib.sha256()
    size = 0
    with handle:
        while block := handle.read(CHUNK):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()
