"""The view of a URL (views.view): a round trip of every part, and a message (never an error)
for bad values, on small hand-made frames."""

from dataclasses import replace
from datetime import date

import pytest

from metrics.filters import Filters
from tests.factory import make_frames
from views.view import Grid, View, ViewError, parse, query_of, to_query, unused_text

DEFAULT = (date(2025, 11, 22), date(2026, 11, 21))


@pytest.fixture(scope="module")
def frames():
    lines = [
        {"order_id": "O1", "order_date": "2026-01-05", "customer_id": "C1", "channel": "web",
         "category": "Home"},
        {"order_id": "O2", "order_date": "2026-02-05", "customer_id": "C2", "channel": "phone", "item_id": "I2",
         "category": "Alder & Co, Ltd"},
        {"order_id": "O3", "order_date": "2026-03-05", "customer_id": "C3", "channel": None},
    ]  # fmt: skip
    customers = [
        {"customer_id": c, "name": f"Customer {c}", "owner": "SP1"} for c in ("C1", "C2", "C3")
    ]
    fields = [{"customer_id": "C1", "field": "tier", "value": "Gold"},
              {"customer_id": "C2", "field": "tier", "value": "Silver"}]  # fmt: skip
    return make_frames(lines, customers=customers, fields=fields)


def test_vie001_round_trip_of_every_kind_of_filter_and_choice(frames):
    view = View(
        "sales-by-customer",
        Filters(start=date(2026, 1, 1), end=date(2026, 3, 31), customers=("C2", "C1"),
                teams=("North",), channels=("web", "N/A"), categories=("Alder & Co, Ltd",),
                order_amount_min=100.5, customer_status=("at_risk", "inactive"),
                custom=(("tier", ("Gold",)),)),
        compare_to="previous_year",
        selected=("C3", "C1"),
        choices=(("kpi", "gross_profit"), ("matrix", "months")),
        grid=Grid(("customer_name", "sales_amount"), (("sales_amount", "desc"), ("customer_name", "asc")),
                  '{"customer_name":{"filter":"a","filterType":"text","type":"contains"}}'),
        headers="fields",
    )  # fmt: skip
    query = to_query(view)
    assert query.startswith("?from=2026-01-01&to=2026-03-31&compare=previous_year")
    back = parse(query, frames, "sales-by-customer", DEFAULT)
    assert back == view and back.messages == ()
    assert back.choice("kpi") == "gross_profit" and back.choice("matrix") == "months"


def test_vie002_empty_query_is_the_screens_default_view(frames):
    view = parse("", frames, "leaderboard", DEFAULT)
    assert view.filters == Filters(start=DEFAULT[0], end=DEFAULT[1])
    assert view.compare_to == "previous_period" and view.selected == () and view.messages == ()
    assert view.choice("show") == "all" and view.grid == Grid() and view.headers == "screen"


def test_vie003_bad_values_give_messages_and_fall_back(frames):
    view = parse(
        "?from=2026-02-30&to=2026-01-01&compare=lastweek&channel=pigeon&channel=web"
        "&amount_min=lots&status=sleepy&f.shoe=9&colour=red&customer=C9&kpi=height"
        "&sort=sales_amount:up&filter={oops&headers=xml&show=all",
        frames, "sales-by-customer", DEFAULT,
    )  # fmt: skip
    assert view.filters.start == DEFAULT[0] and view.filters.end == DEFAULT[1]
    assert view.filters.channels == ("web",)
    assert view.filters.order_amount_min is None and view.filters.customer_status == ()
    assert view.filters.customers == () and view.compare_to == "previous_period"
    assert view.choice("kpi") == "sales_amount" and view.grid == Grid()
    text = " | ".join(view.messages)
    for words in ("'2026-02-30' is not a date", "compare: unknown value 'lastweek'",
                  "channel: unknown value 'pigeon'", "'lots' is not a number",
                  "status: unknown value 'sleepy'", "no customer field 'shoe'",
                  "Unknown filter 'colour'", "customer: unknown value 'C9'",
                  "kpi: unknown value 'height'", "'sales_amount:up' is not column:asc",
                  "filter: not a column filter", "headers: unknown value 'xml'",
                  "'show' is not a choice of this screen"):  # fmt: skip
        assert words in text
    with pytest.raises(ViewError):
        view.check()


def test_vie004_reversed_period_and_reversed_amounts_fall_back_with_a_message(frames):
    view = parse(
        "?from=2026-05-01&to=2026-04-01&amount_min=500&amount_max=100", frames, None, DEFAULT
    )
    assert (view.filters.start, view.filters.end) == DEFAULT
    assert view.filters.order_amount_min is None and view.filters.order_amount_max is None
    assert "starts (2026-05-01) after it ends (2026-04-01)" in view.messages[0]
    assert "runs from 500.00 down to 100.00" in view.messages[1]


def test_vie005_focused_filters_narrow_to_the_selection(frames):
    def focused(query):
        return parse(query, frames, None, DEFAULT).focused.customers

    assert focused("?customer=C1&customer=C2&selected=C2&selected=C3") == ("C2",)
    assert focused("?selected=C3") == ("C3",)
    assert focused("?customer=C1&selected=C3") == ("\x00none",)


def test_vie006_one_good_end_and_one_bad_end_never_make_a_reversed_period(frames):
    view = parse("?from=nonsense&to=2020-01-01", frames, None, DEFAULT)
    assert (view.filters.start, view.filters.end) == DEFAULT
    view = parse("?to=2020-01-01", frames, None, DEFAULT)  # before the default start
    assert (view.filters.start, view.filters.end) == DEFAULT and view.messages
    assert parse("?from=2026-06-01", frames, None, DEFAULT).filters.start == date(2026, 6, 1)


def test_vie007_report_row_keywords_round_trip_and_unknown_ones_are_named(frames):
    view = View("sell-through", Filters(start=date(2026, 1, 1), end=date(2026, 1, 31)),
                row=(("salesperson", "SP1"), ("product", "I1")))  # fmt: skip
    query = to_query(view)
    assert "taken_by=SP1" in query and "product=I1" in query
    assert parse(query, frames, "sell-through", DEFAULT) == view
    bad = parse("?taken_by=SP99&item=nothing", frames, "sell-through", DEFAULT)
    assert bad.row == () and "taken_by: unknown value 'SP99'" in bad.messages[0]


def test_vie008_filters_a_report_does_not_take_are_kept_named_and_not_applied(frames):
    view = parse("?team=North&category=Home&channel=web", frames, "sales-by-user", DEFAULT)
    assert view.unused == ("teams", "categories")
    assert view.applied.teams == () and view.applied.categories == ()
    assert view.applied.channels == ("web",) and view.filters.teams == ("North",)
    assert unused_text(view) == (
        "Not used by this report, so not applied: Team (North); Category (Home)."
    )
    assert "team=North" in to_query(view, shared_only=True)  # they travel on to other screens


def test_vie009_shared_only_leaves_out_picks_rows_choices_and_the_grid(frames):
    view = parse("?channel=web&selected=C1&kpi=gross_profit&sort=customer_name:asc&item=I1",
                 frames, "sales-by-customer", DEFAULT)  # fmt: skip
    assert "item: unknown" not in " ".join(view.messages)
    assert to_query(view, shared_only=True) == "?from=2025-11-22&to=2026-11-21&channel=web"
    assert "sort=" not in to_query(view, grid=False) and "kpi=gross_profit" in to_query(view)


@pytest.mark.parametrize(
    "text",
    [
        "?channel=web",
        "channel=web",
        "http://host:8050/leaderboard?channel=web",
        "/leaderboard?channel=web",
    ],
)
def test_vie010_a_query_with_or_without_its_mark_or_a_whole_url(text):
    assert query_of(text) == "channel=web"


def test_vie011_a_default_choice_is_not_written(frames):
    view = parse("?kpi=sales_amount", frames, "sales-by-customer", DEFAULT)
    assert view.choices == () and "kpi" not in to_query(view)
    assert replace(view, choices=(("kpi", "cost_amount"),)).choice("kpi") == "cost_amount"
