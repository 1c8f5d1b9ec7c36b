"""Browser tests of the first screen: the KPI cards show the metric engine's numbers."""

from datetime import date

from app import create_dash
from callbacks.router import default_period
from data.frames import from_day
from layouts.formatting import money, percent
from metrics.filters import Filters
from metrics.kpis import compare
from tests.conftest import sign_in


def card(name):
    return f".kpi-{name} .kpi-value"


def test_ovw001_kpi_cards_follow_the_period_and_comparison(dash_duo, demo_db):
    app = create_dash({"DATABASE_URL": demo_db})
    dash_duo.start_server(app, navigate=False)
    sign_in(dash_duo, "leader")
    frames = app.server.extensions["sales_store"].frames()

    start, end = default_period(frames)
    shown = compare(frames, Filters(start=start, end=end), "previous_period")
    dash_duo.wait_for_text_to_equal(card("sales_amount"), money(shown.current.sales_amount))
    dash_duo.wait_for_text_to_equal(
        card("gross_profit_margin"), percent(shown.current.gross_profit_margin)
    )
    assert (
        dash_duo.find_element(card("active_customers")).text
        == f"{shown.current.active_customers:,}"
    )
    assert "Data as of" in dash_duo.find_element("#nav-as-of").text

    dash_duo.select_dcc_dropdown("#overview-preset", "All data")
    first, last = from_day(frames.first_day).date(), from_day(frames.last_day).date()
    everything = compare(frames, Filters(start=first, end=last), "previous_year")
    assert everything.current.sales_amount != shown.current.sales_amount
    dash_duo.wait_for_text_to_equal(card("sales_amount"), money(everything.current.sales_amount))

    dash_duo.find_element(
        "label[for='_dbcprivate_radioitems_overview-compare_input_previous_year']"
    ).click()
    compared = money(everything.compared.sales_amount)
    dash_duo.wait_for_contains_text(".kpi-sales_amount .kpi-change", f"vs {compared}")
    dash_duo.wait_for_contains_text(
        "#overview-compared-period", f"{date(first.year - 1, first.month, first.day)}"
    )
    assert dash_duo.get_logs() == []
