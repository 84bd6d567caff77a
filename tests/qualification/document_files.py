"""What the document check tests share: PDFs built with pypdf's writer (one with the EICAR test string inside), an
upload through the service, a download from the portal or the admin, the files in storage, and how far to push an
upload into the past for the periodic check."""

import datetime
import io

from django.conf import settings
from django.urls import reverse
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject

from registry.qualification.services.documents import document_add
from tests import factories as f

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def build_pdf(pages=1, configure=None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if configure is not None:
        configure(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _name(value):
    return NameObject(value)


def eicar_inside(writer):
    stream = DecodedStreamObject()
    stream.set_data(EICAR)
    writer.pages[0][_name("/Contents")] = writer._add_object(stream)


def stored_files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def add(dossier, by, content=None, *, kind="evidence", title="Network diagram", name="evidence.pdf"):
    return document_add(dossier=dossier, kind=kind, title=title, uploaded=f.pdf(name, content or build_pdf()), by=by)


def download(client, document, *, admin=False):
    name = "admin:registry_document_download" if admin else "portal:document-download"
    return client.get(reverse(name, args=[document.pk]))


def past_the_grace():
    """How far to push an upload into the past for the periodic check to take it."""
    return datetime.timedelta(seconds=settings.DOCUMENT_CHECK_GRACE + 1)
