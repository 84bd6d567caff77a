"""Small SVG charts drawn on the server: no JavaScript, no library to download, readable without colour."""

from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP, PAD_RIGHT = 640, 240, 40, 42, 22, 28


def n(value) -> str:
    """A coordinate as text: format_html escapes its arguments, so numbers are formatted first."""
    return f"{value:.1f}"


def _scale(values):
    top = max([v for v in values if v is not None] + [1])
    return top, (HEIGHT - PAD_BOTTOM - PAD_TOP) / top


def bar_chart(items, *, title: str, describe=None) -> str:
    """Vertical bars for (label, value) pairs; the value is written above each bar, the label below.

    describe(value) words the value in each bar's tooltip with its unit, in the reader's language ("7 days")."""
    items = [(str(label), value or 0) for label, value in items]
    if not items:
        return ""
    top, ratio = _scale([v for _, v in items])
    slot = (WIDTH - PAD_LEFT) / len(items)
    bar = min(slot * 0.6, 60)
    parts = []
    for i, (label, value) in enumerate(items):
        height = value * ratio
        x = PAD_LEFT + i * slot + (slot - bar) / 2
        y = HEIGHT - PAD_BOTTOM - height
        shown = f"{value:.0f}" if isinstance(value, float) else str(value)
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" class="tcr-bar"><title>{}: {}</title></rect>'
                '<text x="{}" y="{}" text-anchor="middle" class="tcr-chart-value">{}</text>'
                '<text x="{}" y="{}" text-anchor="middle" class="tcr-chart-label">{}</text>',
                n(x),
                n(y),
                n(bar),
                n(height),
                label,
                describe(value) if describe else shown,
                n(x + bar / 2),
                n(y - 4),
                shown,
                n(x + bar / 2),
                HEIGHT - PAD_BOTTOM + 16,
                label[:18],
            )  # fmt: skip
        )
    return _svg(title, mark_safe("".join(parts)))  # each part is format_html output, escaped  # nosec B308, B703


def line_chart(points, *, title: str) -> str:
    """A step line for (date, value) pairs, with the last value labelled; every third month is named, counted back
    from the latest so that it always is."""
    if not points:
        return ""
    top, ratio = _scale([v for _, v in points])
    step = (WIDTH - PAD_LEFT - PAD_RIGHT) / max(len(points) - 1, 1)
    coords = [(PAD_LEFT + i * step, HEIGHT - PAD_BOTTOM - v * ratio) for i, (_, v) in enumerate(points)]
    path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(coords))
    area = path + f" L{coords[-1][0]:.1f},{HEIGHT - PAD_BOTTOM} L{coords[0][0]:.1f},{HEIGHT - PAD_BOTTOM} Z"
    labels = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle" class="tcr-chart-label">{}</text>',
        ((n(x), HEIGHT - PAD_BOTTOM + 16, date_format(day, "M Y")) for i, ((day, _), (x, _)) in enumerate(zip(points, coords, strict=True)) if (len(points) - 1 - i) % 3 == 0),
    )  # fmt: skip
    dots = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="3" class="tcr-dot"><title>{}: {}</title></circle>',
        (
            (n(x), n(y), date_format(day, "YEAR_MONTH_FORMAT"), v)
            for (day, v), (x, y) in zip(points, coords, strict=True)
        ),
    )
    body = format_html(
        '<path d="{}" class="tcr-area"/><path d="{}" class="tcr-line"/>{}{}'
        '<text x="{}" y="{}" class="tcr-chart-value" text-anchor="end">{}</text>',
        area, path, dots, labels, n(coords[-1][0]), n(coords[-1][1] - 8), points[-1][1],
    )  # fmt: skip
    return _svg(title, body, top=top)


def _svg(title, body, top=None) -> str:
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
        WIDTH, HEIGHT, title, title, axis, scale, body,
    )  # fmt: skip
