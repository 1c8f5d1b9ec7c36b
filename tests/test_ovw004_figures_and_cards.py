"""The Overview's figures and cards as built (no browser): the revenue bridge's step labels and
hovers, partial months on the trend, what a chart and a card show before their numbers come,
KPI change words, and report bars labelled by name. Expected texts are written out by hand."""

from datetime import date

import pytest
from dash import dcc

from data.frames import to_day
from layouts import ids
from layouts.components import chart
from layouts.figures import bridge, loading, report_bars, short_name, trend
from layouts.formatting import counted
from layouts.kpi_cards import change_text, kpi_cards
from layouts.leaderboard import layout as leaderboard_layout
from layouts.overview import layout as overview_layout
from metrics.filters import Filters, Period
from metrics.kpis import Comparison, Kpis
from metrics.overview import Bridge, monthly_sales
from tests.factory import make_frames
from views.screens import part_buckets
from views.view import View


def walk(component):
    """Every component under `component` (itself included)."""
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if hasattr(child, "to_plotly_json"):
            yield from walk(child)


def test_ovw101_bridge_bars_are_labelled_and_hovered_with_their_own_step():
    figure = bridge(Bridge(compared=1000.0, new=300.0, grown=200.25, shrunk=150.5, lost=50.0,
                           current=1299.75), "Previous period")  # fmt: skip
    waterfall = figure.data[0]
    assert list(waterfall.text) == ["£1,000", "+£300", "+£200", "-£151", "-£50", "£1,300"]
    assert waterfall.hovertemplate == "%{hovertext}<extra></extra>"
    assert list(waterfall.hovertext) == [
        "<b>Previous period</b><br>£1,000.00",
        "<b>New customers</b><br>+£300.00<br>running total £1,300.00",
        "<b>Grown</b><br>+£200.25<br>running total £1,500.25",
        "<b>Shrunk</b><br>-£150.50<br>running total £1,349.75",
        "<b>Lost customers</b><br>-£50.00<br>running total £1,299.75",
        "<b>This period</b><br>£1,299.75",
    ]


def test_ovw102_months_the_period_covers_in_part_are_marked():
    frames = make_frames(
        [
            {"order_id": "O1", "order_date": "2026-01-20", "unit_price": 100.0},
            {"order_id": "O2", "order_date": "2026-02-10", "unit_price": 40.0},
            {"order_id": "O3", "order_date": "2026-03-05", "unit_price": 7.0},
            {"order_id": "O4", "order_date": "2026-03-25", "unit_price": 1000.0},  # after the end
        ]
    )
    months = monthly_sales(frames, Filters(start=date(2026, 1, 15), end=date(2026, 3, 10)))
    assert list(months["sales_amount"]) == [100.0, 40.0, 7.0]
    assert list(months["partial"]) == [True, False, True]
    assert [d.date() for d in months["first_day"]] == [date(2026, 1, 15), date(2026, 2, 1),
                                                      date(2026, 3, 1)]  # fmt: skip
    assert [d.date() for d in months["last_day"]] == [date(2026, 1, 31), date(2026, 2, 28),
                                                     date(2026, 3, 10)]  # fmt: skip

    figure = trend(months, months, "Previous period")
    assert list(figure.layout.xaxis.ticktext) == ["Jan 2026 (from 15 Jan)", "Feb 2026",
                                                  "Mar 2026 (to 10 Mar)"]  # fmt: skip
    assert list(figure.layout.xaxis.categoryarray) == ["Jan 2026", "Feb 2026", "Mar 2026"]
    whole, part = figure.data[0], figure.data[1]
    assert (whole.name, list(whole.x)) == ("This period", ["Feb 2026"])
    assert (part.name, list(part.x)) == ("This period, part of a month", ["Jan 2026", "Mar 2026"])
    assert part.marker.pattern.shape == "/"
    assert list(part.hovertext) == [
        "Jan 2026: 15–31 Jan only (part of the month)<br>£100.00",
        "Mar 2026: 1–10 Mar only (part of the month)<br>£7.00",
    ]
    assert figure.data[2].hovertext[2] == (
        "Previous period<br>Mar 2026: 1–10 Mar only (part of the month)<br>£7.00"
    )
    one_month = monthly_sales(frames, Filters(start=date(2026, 2, 3), end=date(2026, 2, 20)))
    assert list(trend(one_month, one_month, "x").layout.xaxis.ticktext) == ["Feb 2026 (3–20 Feb)"]


def test_ovw103_a_chart_reads_loading_without_axes_until_its_first_figure():
    figure = loading()
    assert figure.layout.xaxis.visible is False and figure.layout.yaxis.visible is False
    assert [a.text for a in figure.layout.annotations] == ["Loading…"]
    assert figure.data == ()
    wrapper = chart("some-chart", "some-chart")
    assert wrapper.delay_show == 300 and wrapper.show_initially is False
    assert wrapper.children.figure == figure


def test_ovw104_overview_and_leaderboard_first_paint_placeholders_not_blanks():
    page = list(walk(overview_layout(dcc.Store(id="bar"))))
    graphs = [c for c in page if isinstance(c, dcc.Graph)]
    assert {g.id for g in graphs} == {ids.OVERVIEW_PARETO, ids.OVERVIEW_TREND, ids.OVERVIEW_BRIDGE}
    for graph in graphs:  # no axes anywhere before the numbers come
        assert graph.figure == loading()
    names = [c.children for c in page if "kpi-label" in (getattr(c, "className", "") or "")]
    assert names[:3] == ["Sales Amount", "Gross Profit", "Gross Profit Margin"]
    assert len(names) == 11
    counts = [c for c in page if "count-placeholder" in (getattr(c, "className", "") or "")]
    assert len(counts) == 4

    view = View("leaderboard", Filters(start=date(2026, 1, 1), end=date(2026, 6, 30)))
    board = list(walk(leaderboard_layout(dcc.Store(id="bar"), view)))
    grid = next(c for c in board if getattr(c, "id", None) == ids.LEADERBOARD_GRID)
    assert grid.rowData is None  # AG Grid shows its loading overlay until the first rows
    assert grid.dashGridOptions["localeText"]["loadingOoo"] == "Loading…"
    labels = [c.children for c in board if "kpi-label" in (getattr(c, "className", "") or "")]
    assert labels == ["Confirmed Order Amount", "Total Customers", "Active Customers",
                      "Average Reorder Time"]  # fmt: skip


def kpis_of(**values) -> Kpis:
    base = dict(sales_amount=100.0, sales_quantity=10.0, cost_amount=50.0,
                cost_amount_non_inv=0.0, gross_profit=50.0, gross_profit_margin=0.5,
                cost_coverage=1.0, confirmed_order_amount=100.0, total_customers=5000,
                active_customers=10, average_reorder_days=30.0)  # fmt: skip
    return Kpis(**{**base, **values})


COMPARISON = Comparison(
    kpis_of(total_customers=5001, active_customers=10, gross_profit_margin=0.50004),
    kpis_of(sales_amount=80.0),
    Period(to_day("2026-01-01"), to_day("2026-12-31")),
    Period(to_day("2025-01-01"), to_day("2025-12-31")),
)


@pytest.mark.parametrize(
    "name,kind,text,sign",
    [
        ("sales_amount", "money", "+25.0%", 1),
        ("active_customers", "count", "no change", 0),
        ("total_customers", "count", "<0.1%", 1),  # +0.02%: not "+0.0%"
        ("gross_profit_margin", "percent", "<0.01 pp", 1),
    ],
)
def test_ovw105_change_words(name, kind, text, sign):
    words, direction = change_text(COMPARISON, name, kind)
    assert words == text
    assert (direction > 0) - (direction < 0) == sign


def test_ovw106_cards_name_the_compared_period_and_no_change_has_no_arrow():
    cards = {
        c.children.className.split()[-1]: c.children.children.children
        for c in kpi_cards(COMPARISON, compare_to="previous_year")
    }  # fmt: skip
    label, value, change = cards["kpi-sales_amount"]
    trend_words, against = change.children
    assert (trend_words.children, against.children) == ("▲ +25.0%", " vs last year £80.00")
    assert change.title == "Compared with same period last year: 2025-01-01 to 2025-12-31"
    steady = cards["kpi-active_customers"][2].children[0]
    assert steady.children == "no change" and steady.className == "text-secondary"
    previous = kpi_cards(COMPARISON, only=("sales_amount",))[0].children.children.children[2]
    assert previous.children[1].children == " vs prev. period £80.00"


def test_ovw107_report_bars_are_labelled_by_name_and_hovered_with_the_code():
    figure = report_bars("Sales by User: Sales Amount", ["SP22", "SP03"], [1500.0, 20.5],
                         ["Ann Lee", "SP03"])  # fmt: skip
    bars = figure.data[0]
    assert list(bars.x) == ["SP22", "SP03"]
    assert list(figure.layout.xaxis.ticktext) == ["Ann Lee", "SP03"]
    assert list(bars.hovertext) == ["Ann Lee (SP22)<br>£1,500.00", "SP03<br>£20.50"]
    plain = report_bars("Sales by Channel: Sales Amount", ["web"], [5.0])
    assert plain.layout.xaxis.ticktext is None and list(plain.data[0].hovertext) == ["web<br>£5.00"]


def test_ovw108_a_card_without_a_change_says_so_without_a_compared_value():
    nothing_before = Comparison(kpis_of(), kpis_of(sales_amount=0.0, gross_profit_margin=None),
                                COMPARISON.period, COMPARISON.compared_period)  # fmt: skip
    cards = {
        c.children.className.split()[-1]: c.children.children.children[2]
        for c in kpi_cards(nothing_before, only=("sales_amount", "gross_profit_margin"))
    }  # fmt: skip
    for name in ("kpi-sales_amount", "kpi-gross_profit_margin"):
        trend, against = cards[name].children
        assert (trend.children, against.children) == ("no comparison", " with prev. period")


@pytest.mark.parametrize(
    "value,noun,text",
    [(1, "row", "1 row"), (2, "row", "2 rows"), (1.0, "day", "1 day"), (1.4, "day", "1 day"),
     (0, "day", "0 days"), (1234, "row", "1,234 rows"), (1.6, "day", "2 days")],
)  # fmt: skip
def test_ovw109_counts_with_their_noun(value, noun, text):
    assert counted(value, noun) == text


def test_ovw110_sales_by_date_marks_the_weeks_and_months_the_period_covers_in_part():
    months = ["2025-12-01", "2026-01-01", "2026-12-01"]
    names, partial = part_buckets(months, "month", date(2025, 12, 7), date(2026, 12, 6))
    assert names == ["Dec 2025 (from 7 Dec)", "Jan 2026", "Dec 2026 (to 6 Dec)"]
    assert partial == [True, False, True]
    weeks = ["2026-11-30", "2026-12-07"]  # Mondays; the period ends on Sunday 13 Dec: whole
    assert part_buckets(weeks, "week", date(2026, 11, 30), date(2026, 12, 13)) == (
        ["week of 30 Nov 2026", "week of 7 Dec 2026"],
        [False, False],
    )
    figure = report_bars("Sales by Date: Sales Amount", months, [1.0, 2.0, 3.0], names, partial)
    assert list(figure.data[0].marker.pattern.shape) == ["/", "", "/"]
    assert (
        figure.data[0].hovertext[2]
        == "Dec 2026 (to 6 Dec)<br>£3.00<br>(the period covers only part of it)"
    )


@pytest.mark.parametrize(
    "name,short",
    [("Willow Partners Limited (2)", "Willow Partners…(2)"), ("Golden Stores Ltd (14)", "Golden Stores L…(14)"),
     ("Short Name (3)", "Short Name (3)"), ("A very long customer name", "A very long custome…"),
     ("Name (with a very long note)", "Name (with a very l…")],
)  # fmt: skip
def test_ovw111_bar_labels_keep_the_number_that_tells_namesakes_apart(name, short):
    assert short_name(name, 20) == short and len(short) <= 20
