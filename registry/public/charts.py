"""Small SVG charts drawn on the server: no JavaScript, no library to download, readable without colour."""

from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP, PAD_RIGHT = 640, 240, 40, 42, 22, 28


def n(value) -> str:
    """A coordinate as text: format_html escapes its arguments, so numbers are formatted first."""
    return f"{value:.1f}"


def _scale(values):
    top = max([v for v in values if v is not None] + [1])
    return top, (HEIGHT - PAD_BOTTOM - PAD_TOP) / top


# An 11 px label's average character width: labels are wrapped by words to fit their bar's slot, never cut.
LABEL_CHAR_WIDTH = 6.2
LINE_HEIGHT = 13


def wrap(label: str, width: float) -> list[str]:
    """`label` in lines of whole words, each at most `width` px wide when it can be (a longer word keeps a line)."""
    most = max(int(width / LABEL_CHAR_WIDTH), 1)
    lines = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= most:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _lines(x, y, lines) -> str:
    """A label's lines as <tspan>s under one another, centred on x."""
    return format_html_join(
        "", '<tspan x="{}" y="{}">{}</tspan>', ((n(x), n(y + i * LINE_HEIGHT), line) for i, line in enumerate(lines))
    )


def bar_chart(items, *, title: str, describe=None) -> str:
    """Vertical bars for (label, value) pairs; the value is written above each bar, the label below, whole, wrapped into
    lines. A value of None is no data: no bar, and "—" where the value goes, as the tables say.

    describe(value) words the value in each bar's tooltip with its unit, in the reader's language ("7 days")."""
    items = [(str(label), value) for label, value in items]
    if not items:
        return ""
    top, ratio = _scale([v for _, v in items])
    slot = (WIDTH - PAD_LEFT) / len(items)
    bar = min(slot * 0.6, 60)
    wrapped = [wrap(label, slot - 6) for label, _ in items]
    extra = (max(len(lines) for lines in wrapped) - 1) * LINE_HEIGHT
    parts = []
    for i, ((label, value), lines) in enumerate(zip(items, wrapped, strict=True)):
        middle = PAD_LEFT + i * slot + slot / 2
        label_svg = format_html(
            '<text text-anchor="middle" class="tcr-chart-label">{}</text>',
            _lines(middle, HEIGHT - PAD_BOTTOM + 16, lines),
        )
        if value is None:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle" class="tcr-chart-value" data-no-data="">—<title>{}</title></text>{}',
                    n(middle),
                    HEIGHT - PAD_BOTTOM - 4,
                    format_html("{}: {}", label, gettext("no data")),
                    label_svg,
                )  # fmt: skip
            )
            continue
        height = value * ratio
        x = middle - bar / 2
        y = HEIGHT - PAD_BOTTOM - height
        shown = f"{value:.0f}" if isinstance(value, float) else str(value)
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" class="tcr-bar"><title>{}: {}</title></rect>'
                '<text x="{}" y="{}" text-anchor="middle" class="tcr-chart-value">{}</text>{}',
                n(x),
                n(y),
                n(bar),
                n(height),
                label,
                describe(value) if describe else shown,
                n(middle),
                n(y - 4),
                shown,
                label_svg,
            )  # fmt: skip
        )
    return _svg(title, mark_safe("".join(parts)), extra_height=extra)  # each part is format_html output  # nosec B308, B703


def line_chart(points, *, title: str) -> str:
    """A line for (date, value) pairs, with the last value labelled; every third month is named (the month in full,
    the year under it: "juin" and "juillet" are never cut to one "Jui"), counted back from the latest so that it always
    is. A value of None is a month without data: a gap in the line, no point, as the table's "—"."""
    if not points:
        return ""
    top, ratio = _scale([v for _, v in points])
    step = (WIDTH - PAD_LEFT - PAD_RIGHT) / max(len(points) - 1, 1)
    coords = [
        (PAD_LEFT + i * step, None if v is None else HEIGHT - PAD_BOTTOM - v * ratio) for i, (_, v) in enumerate(points)
    ]
    # The runs of months with data, each drawn as its own line and area.
    runs, run = [], []
    for x, y in coords:
        if y is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append((x, y))
    if run:
        runs.append(run)
    lines, areas = [], []
    for run in runs:
        path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(run))
        lines.append(path)
        areas.append(path + f" L{run[-1][0]:.1f},{HEIGHT - PAD_BOTTOM} L{run[0][0]:.1f},{HEIGHT - PAD_BOTTOM} Z")
    labels = format_html_join(
        "",
        '<text text-anchor="middle" class="tcr-chart-label">{}</text>',
        (
            (_lines(x, HEIGHT - PAD_BOTTOM + 16, [date_format(day, "F"), date_format(day, "Y")]),)
            for i, ((day, _), (x, _)) in enumerate(zip(points, coords, strict=True))
            if (len(points) - 1 - i) % 3 == 0
        ),
    )
    dots = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="3" class="tcr-dot"><title>{}: {}</title></circle>',
        (
            (n(x), n(y), date_format(day, "YEAR_MONTH_FORMAT"), v)
            for (day, v), (x, y) in zip(points, coords, strict=True)
            if v is not None
        ),
    )
    shapes = format_html_join("", '<path d="{}" class="tcr-area"/>', ((a,) for a in areas))
    shapes += format_html_join("", '<path d="{}" class="tcr-line"/>', ((line,) for line in lines))
    last = next(
        ((x, y, v) for (x, y), (_, v) in zip(reversed(coords), reversed(points), strict=True) if v is not None), None
    )
    value = (
        format_html(
            '<text x="{}" y="{}" class="tcr-chart-value" text-anchor="end">{}</text>',
            n(last[0]),
            n(last[1] - 8),
            last[2],
        )
        if last
        else ""
    )
    return _svg(title, format_html("{}{}{}{}", shapes, dots, labels, value), top=top, extra_height=LINE_HEIGHT)


def _svg(title, body, top=None, extra_height=0) -> str:
    axis = format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" class="tcr-axis"/>',
        PAD_LEFT - 4, HEIGHT - PAD_BOTTOM, WIDTH, HEIGHT - PAD_BOTTOM,
    )  # fmt: skip
    scale = (
        format_html(
            '<text x="{}" y="{}" class="tcr-chart-label" text-anchor="end">{}</text>', PAD_LEFT - 8, PAD_TOP + 4, top
        )
        if top
        else ""
    )
    return format_html(
        '<svg viewBox="0 0 {} {}" class="tcr-chart" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">'
        "<title>{}</title>{}{}{}</svg>",
        WIDTH, HEIGHT + extra_height, title, title, axis, scale, body,
    )  # fmt: skip
