"""The certificate as a one-page A4 PDF: bilingual labels (French / English), a banner when it is no longer in force,
and a QR code to its verification page.

Text is set in Helvetica, one of the fonts every PDF reader has: nothing to embed and no system font to install. It
covers Windows-1252 (French accents, “–”, “’”, “€”, “œ”); anything outside it (ł, ő, Cyrillic, emoji) is brought down
to the nearest Latin letter or “?”, instead of the black boxes reportlab would draw.

Pure drawing: the caller passes the certificate (with service, provider and scheme loaded) and the event that put it in
its current status; this module reads nothing else from the database.
"""

import io
import unicodedata
from xml.sax.saxutils import escape

import segno
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Frame, KeepInFrame, Paragraph, Spacer, Table, TableStyle

from registry.certificates.choices import CertificateStatus
from registry.core import bilingual
from registry.providers.choices import ServiceModel

# French first: the agency's language; English beside it for relying parties abroad.
LANGUAGES = ("fr", "en")

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
HEADER_HEIGHT = 34 * mm
VERIFY_BOX_HEIGHT = 50 * mm
FOOTER_HEIGHT = 12 * mm
QR_SIZE = 34 * mm
TEXT_SIZES = (10, 9, 8, 7, 6)
# The name of the QR code's form XObject in the PDF: tests read the modules back from it.
QR_FORM = "qr"

RED_HEX, GREEN_HEX, GREY_HEX = "#b91c1c", "#2e7d32", "#4b5563"
NAVY = colors.HexColor("#1f3a5f")
RED = colors.HexColor(RED_HEX)
GREY = colors.HexColor(GREY_HEX)
LIGHT = colors.HexColor("#f3f4f6")
RULE = colors.HexColor("#d1d5db")

TITLE = _("Trusted Cloud Registry – qualification certificate")
BANNERS = {
    CertificateStatus.SUSPENDED: _("SUSPENDED on %(date)s"),
    CertificateStatus.WITHDRAWN: _("WITHDRAWN on %(date)s"),
    CertificateStatus.EXPIRED: _("EXPIRED on %(date)s"),
    CertificateStatus.SUPERSEDED: _("SUPERSEDED on %(date)s"),
}
CONSEQUENCES = {
    CertificateStatus.SUSPENDED: _("While suspended, this certificate does not attest a qualification."),
    CertificateStatus.WITHDRAWN: _("This certificate is no longer valid."),
    CertificateStatus.EXPIRED: _("This certificate is no longer valid."),
    CertificateStatus.SUPERSEDED: _("This certificate is no longer valid: a renewal replaced it."),
}

# Letters that Unicode does not decompose into a Latin letter and an accent, with their nearest Latin spelling.
_LATIN = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "Ŀ": "L", "ŀ": "l"})


def pdf_text(value) -> str:
    """`value` as text Helvetica can draw: Windows-1252 characters as they are, others approximated or "?"."""
    out = []
    for char in unicodedata.normalize("NFC", str(value)).translate(_LATIN):
        if char in "\n\t" or _in_cp1252(char):
            out.append(char)
        elif unicodedata.category(char) in ("Cf", "Cc", "Mn"):
            continue  # zero-width spaces, direction marks, control characters, stray accents: nothing to draw
        elif unicodedata.category(char) == "Zs":
            out.append(" ")
        else:
            base = "".join(
                c for c in unicodedata.normalize("NFKD", char) if _in_cp1252(c) and not unicodedata.combining(c)
            )
            out.append(base or "?")
    return "".join(out)


def _in_cp1252(char: str) -> bool:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return unicodedata.category(char) != "Cc"


def versions(text, **params) -> list[str]:
    """A translatable text in each of LANGUAGES, once when they read the same ("Service" is "Service" in French)."""
    seen = []
    for language in LANGUAGES:
        with translation.override(language):
            rendered = str(text) % {k: str(v) for k, v in params.items()} if params else str(text)
        if rendered not in seen:
            seen.append(rendered)
    return seen


def both(text, **params) -> str:
    """The text in French and in English on one line, as in "Numéro / Number"."""
    return " / ".join(versions(text, **params))


def stacked(text, **params) -> str:
    """Paragraph markup with the French on one line and the English under it: for sentences, too long for " / "."""
    return "<br/>".join(escape(pdf_text(v)) for v in versions(text, **params))


def label(text) -> str:
    return " / ".join(capfirst(v) for v in versions(text))


def iso(day) -> str:
    # An ISO date reads the same in both languages, and is what /verify/<number>/?on= takes.
    return day.isoformat()


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR code's modules for `url`, row by row from the top, without the quiet zone."""
    return [[bool(module) for module in row] for row in segno.make(url, error="m", micro=False).matrix]


def _markup(value) -> str:
    """Free text (scope, conditions, reasons) as Paragraph markup: escaped, its line breaks kept."""
    return "<br/>".join(escape(pdf_text(line)) for line in str(value).strip().splitlines())


def _bilingual_markup(obj, field: str, *, colour: str | None = GREY_HEX) -> str:
    """A public text written in English and French (core.bilingual) as the certificate gives its own words: the French,
    then the English under it (in `colour`); the one written alone when the other is blank or the same."""
    texts = bilingual.both(obj, field)
    french, english = _markup(texts["fr"]), _markup(texts["en"])
    if french and english and texts["fr"].strip() != texts["en"].strip():
        return f"{french}<br/><font color='{colour}'>{english}</font>" if colour else f"{french}<br/>{english}"
    return french or english


def _styles():
    base = ParagraphStyle("base", fontName="Helvetica", fontSize=10, leading=13, textColor=colors.black)
    return {
        "base": base,
        "label": ParagraphStyle("label", base, fontSize=8, leading=10, textColor=GREY),
        "value": base,
        # The scope and conditions: free text of any length, set smaller when it would not fit (render()).
        "text": base,
        "number": ParagraphStyle("number", base, fontName="Helvetica-Bold", fontSize=18, leading=22, textColor=NAVY),
        "statement": ParagraphStyle("statement", base, fontName="Helvetica-Oblique", fontSize=9.5, leading=12.5),
        "banner_title": ParagraphStyle(
            "banner_title", base, fontName="Helvetica-Bold", fontSize=15, leading=19, textColor=colors.white
        ),
        "banner": ParagraphStyle("banner", base, fontSize=10, leading=13, textColor=colors.white),
        "small": ParagraphStyle("small", base, fontSize=8, leading=10.5, textColor=GREY, spaceAfter=1.5 * mm),
        "url": ParagraphStyle("url", base, fontName="Helvetica", fontSize=7, leading=9, alignment=1),
    }


def _banner(certificate, event, styles, width) -> Table:
    day = (
        timezone.localdate(event.created_at) if event is not None else timezone.localdate(certificate.status_changed_at)
    )
    rows = [[Paragraph(stacked(BANNERS[certificate.status], date=iso(day)), styles["banner_title"])]]
    if event is not None and not bilingual.missing(event.reason, event.reason_fr):
        rows.append([Paragraph(_bilingual_markup(event, "reason", colour=None), styles["banner"])])
    rows.append([Paragraph(stacked(CONSEQUENCES[certificate.status]), styles["banner"])])
    table = Table(rows, colWidths=[width], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), RED),
                ("LEFTPADDING", (0, 0), (-1, -1), 4 * mm),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4 * mm),
                ("TOPPADDING", (0, 0), (-1, 0), 3 * mm),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 3 * mm),
            ]
        )
    )
    return table


def _details(certificate, styles, width) -> Table:
    service = certificate.service
    provider = service.provider
    holder = f"<b>{escape(pdf_text(provider.legal_name))}</b>"
    if provider.registration_id:
        holder += (
            f"<br/><font size=8 color='{GREY_HEX}'>{escape(pdf_text(label(_('registration number'))))}:</font> "
            f"{escape(pdf_text(provider.registration_id))}"
        )
    model = both(ServiceModel(service.service_model).label) if service.service_model in ServiceModel.values else ""
    service_text = f"<b>{escape(pdf_text(service.name))}</b>"
    if model:
        service_text += f"<br/>{escape(pdf_text(model))}"
    status_text = escape(pdf_text(both(CertificateStatus(certificate.status).label)))
    status_colour = GREEN_HEX if certificate.status == CertificateStatus.ACTIVE else RED_HEX
    rows = [
        (_("Holder"), holder),
        (_("Service"), service_text),
        (_("Scheme"), escape(pdf_text(f"{certificate.scheme.name} {certificate.scheme.version}"))),
        (_("Scope"), (_bilingual_markup(certificate, "scope"), "text")),
        (
            _("conditions and reserves"),
            (_bilingual_markup(certificate, "conditions") or escape(pdf_text(both(_("None")))), "text"),
        ),
        (_("Issued"), iso(certificate.issued_on)),
        (_("Valid until"), iso(certificate.expires_on)),
        (_("Status"), f"<font color='{status_colour}'><b>{status_text}</b></font>"),
    ]
    data = []
    for name, value in rows:
        markup, style = value if isinstance(value, tuple) else (value, "value")
        data.append([Paragraph(escape(pdf_text(label(name))), styles["label"]), Paragraph(markup, styles[style])])
    table = Table(data, colWidths=[48 * mm, width - 48 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -2), 0.5, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 2.2 * mm),
                # The smaller labels a little lower, so that label and value share about the same first line.
                ("TOPPADDING", (0, 0), (0, -1), 2.2 * mm + 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.2 * mm),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
            ]
        )
    )
    return table


def _draw_header(canvas: Canvas) -> None:
    top = PAGE_HEIGHT - HEADER_HEIGHT
    canvas.setFillColor(NAVY)
    canvas.rect(0, top, PAGE_WIDTH, HEADER_HEIGHT, stroke=0, fill=1)
    canvas.setFillColor(colors.white)
    canvas.setFont("Helvetica", 10)
    canvas.drawString(
        MARGIN, top + HEADER_HEIGHT - 10 * mm, pdf_text(" · ".join(versions(_("Trusted Cloud Registry"))))
    )
    lines = versions(_("Qualification certificate"))
    # The title in French, large, and its English under it; centred in the band when there is only one.
    baseline = top + HEADER_HEIGHT - (19 if len(lines) > 1 else 22) * mm
    canvas.setFont("Helvetica-Bold", 20)
    canvas.drawString(MARGIN, baseline, pdf_text(lines[0]))
    if len(lines) > 1:
        canvas.setFont("Helvetica", 13)
        canvas.drawString(MARGIN, baseline - 7 * mm, pdf_text(lines[1]))


def _draw_watermark(canvas: Canvas, status: str) -> None:
    """The status across the page, faint, so that even a cropped copy shows the certificate is not in force."""
    canvas.saveState()
    canvas.setFillColor(RED, alpha=0.09)
    canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2 - 10 * mm)
    canvas.rotate(35)
    lines = [pdf_text(v).upper() for v in versions(CertificateStatus(status).label)]
    canvas.setFont("Helvetica-Bold", 64 if len(lines) > 1 else 80)
    for index, line in enumerate(lines):
        canvas.drawCentredString(0, (len(lines) / 2 - index - 0.75) * 70, line)
    canvas.restoreState()


def _draw_qr(canvas: Canvas, url: str, x: float, y: float) -> None:
    """The QR code as vector squares in a form XObject (one rectangle per run of dark modules), on a white quiet zone."""
    matrix = qr_matrix(url)
    size = len(matrix)
    quiet = 4 * QR_SIZE / (size + 8)
    canvas.setFillColor(colors.white)
    canvas.rect(x - quiet, y - quiet, QR_SIZE + 2 * quiet, QR_SIZE + 2 * quiet, stroke=0, fill=1)
    canvas.beginForm(QR_FORM, lowerx=0, lowery=0, upperx=size, uppery=size)
    canvas.setFillColor(colors.black)
    for row_index, row in enumerate(matrix):
        y_module = size - 1 - row_index
        column = 0
        while column < size:
            if row[column]:
                start = column
                while column < size and row[column]:
                    column += 1
                canvas.rect(start, y_module, column - start, 1, stroke=0, fill=1)
            else:
                column += 1
    canvas.endForm()
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(QR_SIZE / size, QR_SIZE / size)
    canvas.doForm(QR_FORM)
    canvas.restoreState()


def _draw_verification(canvas: Canvas, url: str, styles) -> None:
    bottom = MARGIN + FOOTER_HEIGHT
    width = PAGE_WIDTH - 2 * MARGIN
    canvas.setFillColor(LIGHT)
    canvas.roundRect(MARGIN, bottom, width, VERIFY_BOX_HEIGHT, 2 * mm, stroke=0, fill=1)
    qr_column = 72 * mm
    qr_x = MARGIN + width - qr_column / 2 - QR_SIZE / 2
    qr_y = bottom + VERIFY_BOX_HEIGHT - 6 * mm - QR_SIZE
    _draw_qr(canvas, url, qr_x, qr_y)
    url_width = qr_column - 6 * mm
    # A long site address is set smaller to stay on one line; past 5 pt it wraps instead.
    size = 7.0
    while size > 5 and stringWidth(pdf_text(url), "Helvetica", size) > url_width:
        size -= 0.5
    url_style = ParagraphStyle("url-fitted", styles["url"], fontSize=size, leading=size + 2)
    url_paragraph = Paragraph(escape(pdf_text(url)), url_style)
    _w, url_height = url_paragraph.wrap(url_width, 20 * mm)
    url_paragraph.drawOn(canvas, MARGIN + width - qr_column + 3 * mm, qr_y - 2.5 * mm - url_height)
    explanation = _(
        "This document shows the status on the day it was produced. The registry is authoritative: scan the code or"
        " open the address below it."
    )
    text = [
        Paragraph(f"<b>{stacked(_('Check this certificate’s status'))}</b>", styles["base"]),
        Spacer(0, 2 * mm),
        *(Paragraph(escape(pdf_text(v)), styles["small"]) for v in versions(explanation)),
    ]
    frame = Frame(
        MARGIN + 5 * mm,
        bottom + 3 * mm,
        width - qr_column - 8 * mm,
        VERIFY_BOX_HEIGHT - 6 * mm,
        leftPadding=0,
        rightPadding=0,
        topPadding=2 * mm,
        bottomPadding=0,
    )
    frame.addFromList([KeepInFrame(frame._aW, frame._aH, text, mode="shrink")], canvas)


def _draw_footer(canvas: Canvas, certificate, produced_at) -> None:
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, MARGIN + FOOTER_HEIGHT - 4 * mm, PAGE_WIDTH - MARGIN, MARGIN + FOOTER_HEIGHT - 4 * mm)
    canvas.setFillColor(GREY)
    canvas.setFont("Helvetica", 7.5)
    produced = both(_("Produced on %(date)s"), date=timezone.localtime(produced_at).strftime("%Y-%m-%d %H:%M %Z"))
    canvas.drawString(MARGIN, MARGIN + 3 * mm, pdf_text(produced))
    canvas.drawRightString(PAGE_WIDTH - MARGIN, MARGIN + 3 * mm, pdf_text(f"{certificate.number} · 1/1"))


def _story(certificate, event, styles, width) -> list:
    in_force = certificate.status == CertificateStatus.ACTIVE
    scheme = f"{certificate.scheme.name} {certificate.scheme.version}"
    statement = _(
        "The Trusted Cloud Registry has qualified the service described below under the scheme %(scheme)s, within"
        " the scope and under the conditions stated."
    )
    story = []
    if not in_force:
        story += [_banner(certificate, event, styles, width), Spacer(0, 5 * mm)]
    story += [
        Paragraph(escape(pdf_text(label(_("Number")))), styles["label"]),
        Paragraph(escape(pdf_text(certificate.number)), styles["number"]),
        Spacer(0, 2 * mm),
    ]
    story += [Paragraph(escape(pdf_text(v)), styles["statement"]) for v in versions(statement, scheme=scheme)]
    story += [Spacer(0, 4 * mm), _details(certificate, styles, width)]
    return story


def _height(story, width, available) -> float:
    return sum(f.wrap(width, available)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in story)


def render(certificate, *, event, verify_url: str, produced_at=None) -> bytes:
    """The PDF of `certificate` as it stands; `event` is the CertificateEvent that gave it its current status (for
    the date and reason of a suspension, a withdrawal, …), `verify_url` the absolute address the QR code opens."""
    produced_at = produced_at or timezone.now()
    styles = _styles()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(pdf_text(f"{both(TITLE)} {certificate.number}"))
    canvas.setAuthor(pdf_text(both(_("Trusted Cloud Registry"))))
    canvas.setSubject(pdf_text(f"{certificate.service.provider.legal_name} – {certificate.service.name}"))
    canvas.setCreator("Trusted Cloud Registry")

    if certificate.status != CertificateStatus.ACTIVE:
        _draw_watermark(canvas, certificate.status)
    _draw_header(canvas)
    _draw_verification(canvas, verify_url, styles)
    _draw_footer(canvas, certificate, produced_at)

    width = PAGE_WIDTH - 2 * MARGIN
    frame_bottom = MARGIN + FOOTER_HEIGHT + VERIFY_BOX_HEIGHT + 5 * mm
    frame_height = PAGE_HEIGHT - HEADER_HEIGHT - 7 * mm - frame_bottom
    # One page whatever the length of the scope and conditions: a long text is set smaller, down to 6 pt; past
    # that (pages of it), the whole is scaled down to fit rather than spill onto a second page.
    for size in TEXT_SIZES:
        styles["text"] = ParagraphStyle("text", styles["value"], fontSize=size, leading=size * 1.3)
        story = _story(certificate, event, styles, width)
        if _height(story, width, frame_height) <= frame_height:
            break
    frame = Frame(
        MARGIN, frame_bottom, width, frame_height, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0
    )
    frame.addFromList([KeepInFrame(width, frame_height, story, mode="shrink")], canvas)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
