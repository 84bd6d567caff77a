"""How long the document check takes on a 50 MB PDF (the upload limit).

    DEBUG=1 .venv/bin/python bench/check_document.py [--megabytes 50] [--pages 500] [--runs 3]

Builds, in a temporary folder, a PDF the size of the largest upload: PAGES pages, each with a compressed text content
stream and a scanned-page image (incompressible bytes, as a JPEG is), then times registry.qualification.services.document_checks.check_content
on it: type by magic bytes, the PDF opened with pypdf, its pages counted, every reachable object searched for active
content, and, when CLAMD_SOCKET or CLAMD_HOST is set, the ClamAV scan over INSTREAM. Prints the best of RUNS.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustedcloud.settings")


def build_pdf(path: Path, *, megabytes: int, pages: int) -> None:
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, NumberObject, StreamObject

    image_bytes = megabytes * 1024 * 1024 // pages
    writer = PdfWriter()
    for number in range(pages):
        page = writer.add_blank_page(width=595, height=842)
        image = StreamObject()
        image._data = os.urandom(image_bytes)
        image.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Image"),
                NameObject("/Width"): NumberObject(1240),
                NameObject("/Height"): NumberObject(1754),
                NameObject("/ColorSpace"): NameObject("/DeviceGray"),
                NameObject("/BitsPerComponent"): NumberObject(8),
                NameObject("/Filter"): NameObject("/DCTDecode"),
            }
        )
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/XObject"): DictionaryObject({NameObject("/Im0"): writer._add_object(image)})}
        )
        text = "".join(f"BT /F1 10 Tf 50 {800 - 12 * i} Td (Page {number + 1}, line {i}.) Tj ET\n" for i in range(60))
        content = DecodedStreamObject()
        content.set_data(f"q 595 0 0 842 0 0 cm /Im0 Do Q\n{text}".encode())
        page[NameObject("/Contents")] = writer._add_object(content.flate_encode())
    with path.open("wb") as out:
        writer.write(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=50)
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings

    from registry.qualification.services import document_checks as checks

    with tempfile.TemporaryDirectory(prefix="tcr-bench-") as folder:
        path = Path(folder) / "evidence.pdf"
        started = time.perf_counter()
        build_pdf(path, megabytes=args.megabytes, pages=args.pages)
        size = path.stat().st_size
        print(
            f"built {path.name}: {size / 1024 / 1024:.1f} MiB, {args.pages} pages in {time.perf_counter() - started:.1f} s"
        )

        def best(step) -> tuple[float, object]:
            timings, result = [], None
            for _ in range(args.runs):
                with path.open("rb") as stream:
                    started = time.perf_counter()
                    result = step(stream)
                    timings.append(time.perf_counter() - started)
            return min(timings), result

        pdf_time, pages = best(checks.inspect_pdf)
        print(f"PDF checks (open, count pages, search active content): {pdf_time:.2f} s, {pages} pages")
        clamd = checks.scanner()
        if clamd is not None:
            scan_time, result = best(clamd.scan)
            print(f"clamd INSTREAM scan ({clamd}): {scan_time:.2f} s, {result}")
        else:
            print("clamd: not configured (set CLAMD_SOCKET or CLAMD_HOST to include the antivirus scan)")
        total, verdict = best(checks.check_content)
        print(f"check_content, whole check: {total:.2f} s -> {verdict.status}, {verdict.pages} pages")
        print(f"FIGURE: {size / 1024 / 1024:.0f} MiB PDF checked in {total:.2f} s (clamd: {'yes' if clamd else 'no'})")
        if total >= settings.DOCUMENT_CHECK_SOFT_TIME_LIMIT:
            print(f"WARNING: over DOCUMENT_CHECK_SOFT_TIME_LIMIT ({settings.DOCUMENT_CHECK_SOFT_TIME_LIMIT} s)")


if __name__ == "__main__":
    main()
