"""The statistics' SVG charts (registry/public/charts.py): month labels nobody can misread, labels whole, and a month
or a stage without data drawn as a gap, as the tables' "—", never as zero."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from registry.public import charts
from tests import factories as f


def label_texts(svg: str) -> list[str]:
    """Each label of the chart as read: its lines joined by a space."""
    return [
        " ".join(re.findall(r"<tspan[^>]*>([^<]*)</tspan>", body))
        for body in re.findall(r'<text text-anchor="middle" class="tcr-chart-label">(.*?)</text>', svg)
    ]


def test_bar_labels_are_whole_words_wrapped_into_lines_never_cut():
    stages = ["Déposé", "En instruction", "Modifications demandées", "En évaluation", "En attente de décision"]
    svg = charts.bar_chart([(stage, 3) for stage in stages], title="Median days")
    assert label_texts(svg) == stages
    assert "…" not in svg and "Modifications dema<" not in svg
    # A long label takes two lines, one under the other, within its bar's slot.
    lines = re.findall(r'<tspan x="([\d.]+)" y="([\d.]+)">([^<]*)</tspan>', svg)
    assert ("Modifications" in [t for _, _, t in lines]) and ("demandées" in [t for _, _, t in lines])
    slot = (charts.WIDTH - charts.PAD_LEFT) / len(stages)
    assert all(len(text) * charts.LABEL_CHAR_WIDTH <= slot for _, _, text in lines)


def test_a_stage_without_data_has_no_bar_but_a_dash_as_in_the_table():
    svg = charts.bar_chart([("Submitted", 4.0), ("Changes requested", None), ("In review", 12.0)], title="Median days")
    assert svg.count("<rect") == 2
    assert "Changes requested: 4" not in svg and re.search(r"data-no-data=\"\">—<title>Changes requested: no data", svg)


def points(values, start=datetime.date(2025, 1, 31)):
    days, day = [], start
    for _ in values:
        days.append(day)
        day = (day.replace(day=1) + datetime.timedelta(days=62)).replace(day=1) - datetime.timedelta(days=1)
    return list(zip(days, values, strict=True))


def test_a_month_without_data_is_a_gap_in_the_line_with_no_point():
    svg = charts.line_chart(points([None, None, 2, 3, None, 4, 4]), title="Certified services")
    assert svg.count("<circle") == 4
    lines = re.findall(r'<path d="([^"]+)" class="tcr-line"/>', svg)
    # Two runs of months with data, each its own line: nothing is drawn across the month without data.
    assert len(lines) == 2 and all(line.count("M") == 1 for line in lines)
    assert [line.count("L") for line in lines] == [1, 1]
    assert re.search(r'class="tcr-chart-value" text-anchor="end">4</text>', svg)


@pytest.mark.parametrize("language, june, july", [("fr", "juin", "juillet"), ("en", "June", "July")])
def test_month_labels_name_the_month_in_full_with_its_year(language, june, july):
    # Every third month is named, counted back from the latest: June then September 2025, and July's own chart.
    with translation.override(language):
        june_chart = charts.line_chart(points([1, 1, 1, 1, 1, 1], start=datetime.date(2025, 1, 31)), title="t")
        july_chart = charts.line_chart(points([1, 1, 1, 1, 1, 1, 1], start=datetime.date(2025, 1, 31)), title="t")
    assert f"{june} 2025" in label_texts(june_chart)
    assert f"{july} 2025" in label_texts(july_chart)
    assert "Jui " not in june_chart + july_chart and "Jun 2025" not in june_chart


@pytest.mark.django_db
def test_the_statistics_show_months_before_the_first_certificate_as_without_data(client):
    issued = timezone.localdate() - datetime.timedelta(days=100)
    f.certificate(f.service(name="Alpha"), issued_on=issued)
    page = client.get(reverse("registry:stats"))
    assert page.status_code == 200
    table = page.text[page.text.index("<details") : page.text.index("</details>")]
    counts = re.findall(r'<td data-label="Certified services">([^<]*)</td>', table)
    assert len(counts) == 24
    assert counts[:19] == ["—"] * 19 and counts[-3:] == ["1"] * 3
    chart = page.text[page.text.index("<svg") : page.text.index("</svg>")]
    assert chart.count("<circle") == counts.count("1") + counts.count("0")
