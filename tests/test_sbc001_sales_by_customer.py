"""Browser tests of Sales by Customer: cross-filtering from the chart, drill-through with filters."""

import csv
import io
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.action_chains import ActionChains

from app import create_dash
from layouts.formatting import money
from metrics.filters import Filters
from metrics.kpis import kpis
from metrics.matrix import matrix
from tests.conftest import sign_in

YEAR = Filters(start=date(2025, 1, 1), end=date(2025, 12, 31))
PAGE = "/sales-by-customer?from=2025-01-01&to=2025-12-31"
ROWS = "#sbc-matrix .ag-pinned-left-cols-container .ag-row"


def test_sbc001_click_a_bar_filters_the_matrix_and_drill_through_keeps_the_filters(
    dash_duo, demo_db
):
    app = create_dash({"DATABASE_URL": demo_db})
    dash_duo.start_server(app, navigate=False)
    sign_in(dash_duo, "leader")
    frames = app.server.extensions["sales_store"].frames()
    table = matrix(frames, YEAR, "kpis")
    top_id, top_name = table.loc[0, "key"], table.loc[0, "name"]
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + PAGE)
    dash_duo.wait_for_contains_text(".sbc-summary-0", money(kpis(frames, YEAR).sales_amount))
    dash_duo.wait_for_element(ROWS)
    assert len(dash_duo.find_elements(ROWS)) > 1

    # the tallest bar is the top customer; plotly's drag layer takes the click at that point
    bar = dash_duo.find_element("#sbc-bar .trace.bars .point path")
    ActionChains(dash_duo.driver).move_to_element(bar).click().perform()
    dash_duo.wait_for_contains_text("#sbc-chips", top_name)
    dash_duo.wait_for_text_to_equal(".sbc-summary-0 strong", money(table.loc[0, "sales_amount"]))
    dash_duo.wait_for_text_to_equal(ROWS + " .ag-cell[col-id='name']", top_name)
    assert len(dash_duo.find_elements(ROWS)) == 1
    assert parse_qs(urlsplit(dash_duo.driver.current_url).query)["selected"] == [top_id]

    link = dash_duo.find_element(ROWS + " .ag-cell[col-id='name'] a")
    dash_duo.driver.execute_script("arguments[0].click()", link)  # below the fold of the window
    dash_duo.wait_for_contains_text("h1", top_name)
    url = urlsplit(dash_duo.driver.current_url)
    assert url.path == f"/customers/{top_id}"
    assert parse_qs(url.query) == {"from": ["2025-01-01"], "to": ["2025-12-31"]}
    assert dash_duo.get_logs() == []


def test_sbc002_chip_removal_brings_everyone_back(dash_duo, demo_db):
    app = create_dash({"DATABASE_URL": demo_db})
    dash_duo.start_server(app, navigate=False)
    sign_in(dash_duo, "leader")
    frames = app.server.extensions["sales_store"].frames()
    table = matrix(frames, YEAR, "kpis")
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + PAGE + f"&selected={table.loc[1, 'key']}")
    dash_duo.wait_for_contains_text("#sbc-chips", table.loc[1, "name"])
    dash_duo.wait_for_text_to_equal(ROWS + " .ag-cell[col-id='name']", table.loc[1, "name"])
    dash_duo.find_element("#sbc-chips .chip").click()
    dash_duo.wait_for_text_to_equal(".sbc-summary-0 strong", money(kpis(frames, YEAR).sales_amount))
    assert "selected" not in dash_duo.driver.current_url
    assert dash_duo.get_logs() == []


def test_sbc003_matrix_csv_has_exactly_the_rows_on_screen(dash_duo, demo_db):
    app = create_dash({"DATABASE_URL": demo_db})
    dash_duo.start_server(app, navigate=False)
    sign_in(dash_duo, "leader")
    frames = app.server.extensions["sales_store"].frames()
    team = Filters(start=date(2025, 1, 1), end=date(2025, 12, 31), teams=("East",))
    expected = matrix(frames, team, "kpis")
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + PAGE + "&team=East")
    api = "dash_ag_grid.getApi('sbc-matrix')"
    dash_duo.wait_for_element(ROWS)
    until(
        lambda: (
            dash_duo.driver.execute_script(f"return {api}.getDisplayedRowCount()") == len(expected)
        ),
        10,
    )
    # the text the Export CSV button downloads (AG Grid's own export of the filtered, sorted rows)
    text = dash_duo.driver.execute_script(f"return {api}.getDataAsCsv()")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["Customer"] for r in rows] == list(expected["name"])
    assert [float(r["Sales Amount"]) for r in rows] == pytest.approx(list(expected["sales_amount"]))
    dash_duo.find_element("#sbc-csv").click()
    assert dash_duo.get_logs() == []
