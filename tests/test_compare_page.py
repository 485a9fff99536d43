"""The compare page: the visitor's council first, a server-drawn dot plot, sorting without ranks."""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs

import pytest

from councils.models import CouncilType, Outcome
from councils.pages import dotplot
from councils.pages.tables import CouncilRow, selected_first
from councils.statistics import CouncilRef, Verdict
from tests.factories import CouncilFactory, DecisionFactory, ReportingYearFactory

D = datetime.date


@dataclass(frozen=True)
class FigureCell:
    """A published figure with the value and interval a test needs (as statistics.PublishedFigure
    reads them)."""

    value: Decimal | int | None
    base: int
    interval: tuple | None
    small_base: bool
    greyed: bool
    unit: str = "%"


def _row(slug, value, interval=None, unit="%"):
    council = CouncilRef(
        id=hash(slug), code="E07000001", slug=slug, name=slug.title(),
        official_name=f"{slug.title()} District Council", type="district", type_name="District",
    )  # fmt: skip
    cell = FigureCell(value, base=20, interval=interval, small_base=False, greyed=False, unit=unit)
    return CouncilRow(council, cell, cell, Verdict.SIMILAR)


def _cell(value, unit="%"):
    return FigureCell(value, base=100, interval=None, small_base=False, greyed=False, unit=unit)


def test_the_selected_council_moves_first_and_the_rest_keep_their_order():
    rows = [_row("a", 10), _row("b", 20), _row("c", 30)]
    assert [r.council.slug for r in selected_first(rows, "b")] == ["b", "a", "c"]
    assert selected_first(rows, None) == rows


def test_rates_are_placed_on_a_scale_from_0_to_100_percent():
    plot = dotplot.dot_plot([_row("a", 13, (Decimal(5), Decimal("30.5")))], _cell(40), "a")

    [dot] = plot.dots
    assert (dot.x, dot.low, dot.high, dot.selected) == ("13.00%", "5.00%", "30.50%", True)
    assert plot.average == "40.00%"
    assert [t.label for t in plot.ticks] == ["0%", "25%", "50%", "75%", "100%"]


def test_per_residents_figures_get_a_round_scale_that_holds_every_range():
    rows = [_row("a", Decimal("3.1"), (Decimal("2.0"), Decimal("6.3")), unit=""), _row("b", None)]
    plot = dotplot.dot_plot(rows, _cell(Decimal("2.5"), unit=""), None)

    assert [t.label for t in plot.ticks] == ["0", "2", "4", "6", "8"]
    assert plot.dots[0].high == "78.75%"  # 6.3 of 8
    assert plot.dots[1].x is None  # no figure: listed, not placed


@pytest.fixture
def year():
    year = ReportingYearFactory(label="2023-24", published_on=D(2024, 7, 24))
    for name, upheld, not_upheld in (("Adur", 9, 1), ("Barrow", 1, 9), ("Corby", 5, 5)):
        council = CouncilFactory(
            type=CouncilType.DISTRICT, name=name, official_name=f"{name} District Council",
            slug=name.lower(),
        )  # fmt: skip
        for outcome, count in ((Outcome.UPHELD, upheld), (Outcome.NOT_UPHELD, not_upheld)):
            for _ in range(count):
                DecisionFactory(council=council, outcome=outcome, decided=D(2023, 9, 1))
    return year


def _names_in_order(page: str, names) -> list[str]:
    return sorted(names, key=page.index)


@pytest.mark.django_db
def test_the_council_the_visitor_came_from_comes_first_in_the_plot_and_the_table(client, year):
    page = client.get("/compare/district/2023-24/?council=corby&sort=figure&order=desc")
    html = page.content.decode()
    plot, table = html.split('class="dot-plot"')[1].split("<table", 1)

    assert _names_in_order(plot, ["Adur", "Barrow", "Corby"]) == ["Corby", "Adur", "Barrow"]
    assert _names_in_order(table, ["Adur D", "Barrow D", "Corby D"]) == [
        "Corby D",
        "Adur D",
        "Barrow D",
    ]
    assert '<li class="dot-row selected">' in plot


@pytest.mark.django_db
def test_sorting_is_links_that_keep_the_council_and_statistic(client, year):
    html = client.get(
        "/compare/district/2023-24/?council=corby&statistic=uphold_rate"
    ).content.decode()

    assert '<strong aria-current="true">Name</strong>' in html
    [href] = re.findall(r'<a href="\?([^"]+)">Lowest figure first</a>', html)
    assert parse_qs(unescape(href)) == {
        "council": ["corby"],
        "statistic": ["uphold_rate"],
        "sort": ["figure"],
        "order": ["asc"],
    }
    ascending = client.get("/compare/district/2023-24/?sort=figure&order=asc").content.decode()
    plot = ascending.split('class="dot-plot"')[1].split("<table", 1)[0]
    assert _names_in_order(plot, ["Adur", "Barrow", "Corby"]) == ["Barrow", "Corby", "Adur"]


@pytest.mark.django_db
def test_the_compare_page_needs_no_script(client, year):
    html = client.get("/compare/district/2023-24/").content.decode()
    assert "<script" not in html and "<svg" in html
