"""Whether every evidence document's bytes in storage are still the ones uploaded: its recorded SHA-256 and size
against the file read back through the storage (manage.py verify_registry, after a restore or an incident)."""

from django.utils.translation import gettext as _

from registry.core.integrity import Findings, stored_digest
from registry.qualification.models import Document


def document_findings() -> Findings:
    findings = Findings(subject=_("documents"))
    storage = Document._meta.get_field("file").storage
    documents = (
        Document.objects.order_by("pk")
        .values_list("pk", "title", "dossier__reference", "file", "sha256", "size")
        .iterator(chunk_size=500)
    )
    for pk, title, dossier, name, sha256, size in documents:
        findings.checked += 1
        which = _("Document %(id)s “%(title)s” of %(dossier)s (%(name)s)") % {
            "id": pk,
            "title": title,
            "dossier": dossier,
            "name": name,
        }
        try:
            found_size, found_sha256 = stored_digest(storage, name)
        except FileNotFoundError:
            findings.problems.append(_("%(document)s: missing from the private storage.") % {"document": which})
            continue
        if (found_sha256, found_size) != (sha256, size):
            findings.problems.append(
                _(
                    "%(document)s: the stored file has SHA-256 %(found)s (%(found_size)s bytes); the record says "
                    "%(expected)s (%(expected_size)s bytes)."
                )
                % {
                    "document": which,
                    "found": found_sha256,
                    "found_size": found_size,
                    "expected": sha256,
                    "expected_size": size,
                }
            )
    return findings
