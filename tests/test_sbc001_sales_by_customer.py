"""Browser tests of Sales by Customer: cross-filtering that picks many (click, Ctrl-click, box
select, matrix ticks), chips, drill-through with the filters, and the CSV of what is shown."""

import csv
import io
from datetime import date
from urllib.parse import parse_qs, urlsplit

import requests
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.keys import Keys

from app import create_dash
from layouts.formatting import money
from metrics.filters import Filters
from metrics.kpis import kpis
from metrics.matrix import matrix
from tests.conftest import sign_in, until

YEAR = Filters(start=date(2025, 1, 1), end=date(2025, 12, 31))
PAGE = "/sales-by-customer?from=2025-01-01&to=2025-12-31"
ROWS = "#sbc-matrix .ag-pinned-left-cols-container .ag-row"
API = "dash_ag_grid.getApi('sbc-matrix')"


def start(dash_duo, demo_db, query=""):
    app = create_dash({"DATABASE_URL": demo_db})
    dash_duo.start_server(app, navigate=False)
    sign_in(dash_duo, "leader")
    frames = app.server.extensions["sales_store"].frames()
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + PAGE + query)
    dash_duo.wait_for_element(ROWS)
    return frames, matrix(frames, YEAR, "kpis")


def picked(dash_duo) -> list[str]:
    return parse_qs(urlsplit(dash_duo.driver.current_url).query).get("selected", [])


def bars(dash_duo):
    return dash_duo.find_elements("#sbc-bar .trace.bars .point path")


def chart_marks(dash_duo, customers) -> None:
    """Wait until the chart is redrawn with `customers` standing out (its bars answer clicks
    again: the chart comes with the matrix, after the URL, the chips and the summary)."""
    until(lambda: dash_duo.driver.execute_script(
        "var g = document.querySelector('#sbc-bar .js-plotly-plot'); if (!g || !g.data) return null;"
        "var t = g.data[0]; return t.customdata.filter((c, i) => t.marker.color[i] === '#0d6efd')"
    ) == list(customers), 10)  # fmt: skip


def summary_is(dash_duo, frames, customers) -> None:
    expected = kpis(frames, Filters(start=YEAR.start, end=YEAR.end, customers=tuple(customers)))
    dash_duo.wait_for_text_to_equal(".sbc-summary-0 strong", money(expected.sales_amount))


def displayed_rows(dash_duo) -> int:
    return dash_duo.driver.execute_script(f"return {API}.getDisplayedRowCount()")


def test_sbc001_click_picks_ctrl_click_adds_and_drill_through_keeps_the_filters(dash_duo, demo_db):
    frames, table = start(dash_duo, demo_db)
    everyone = displayed_rows(dash_duo)
    first, second = table.loc[0], table.loc[1]
    ActionChains(dash_duo.driver).move_to_element(bars(dash_duo)[0]).click().perform()
    until(lambda: picked(dash_duo) == [first["key"]], 10)
    dash_duo.wait_for_contains_text("#view-chips", first["name"])
    summary_is(dash_duo, frames, [first["key"]])
    chart_marks(dash_duo, [first["key"]])

    # Ctrl-click adds the second customer; both chips show; the summary narrows to both
    chain = ActionChains(dash_duo.driver).key_down(Keys.CONTROL)
    chain.move_to_element(bars(dash_duo)[1]).click().key_up(Keys.CONTROL).perform()
    until(lambda: picked(dash_duo) == [first["key"], second["key"]], 10)
    dash_duo.wait_for_contains_text("#view-chips", second["name"])
    assert first["name"] in dash_duo.find_element("#view-chips").text
    summary_is(dash_duo, frames, [first["key"], second["key"]])
    assert displayed_rows(dash_duo) == everyone  # the matrix marks the picks, keeps the rest
    ticked = dash_duo.driver.execute_script(
        f"var out = []; {API}.forEachNode(n => {{ if (n.data.pick === '☑') out.push(n.data.row_id) }});"
        " return out"
    )  # fmt: skip
    assert sorted(ticked) == sorted([first["key"], second["key"]])
    chart_marks(dash_duo, [first["key"], second["key"]])

    # a plain click on a picked bar picks just that one again
    ActionChains(dash_duo.driver).move_to_element(bars(dash_duo)[1]).click().perform()
    until(lambda: picked(dash_duo) == [second["key"]], 10)

    link = dash_duo.find_element(ROWS + " .ag-cell[col-id='customer_name'] a")
    name = link.text
    dash_duo.driver.execute_script("arguments[0].click()", link)  # below the fold of the window
    dash_duo.wait_for_contains_text("h1", name)
    url = urlsplit(dash_duo.driver.current_url)
    assert url.path.startswith("/customers/")
    assert parse_qs(url.query) == {"from": ["2025-01-01"], "to": ["2025-12-31"]}
    assert dash_duo.get_logs() == []


def test_sbc002_box_select_picks_every_bar_inside_and_clearing_restores_all(dash_duo, demo_db):
    frames, table = start(dash_duo, demo_db)
    boxes = dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('#sbc-bar .trace.bars .point path'))"
        ".slice(0, 5).map(p => p.getBoundingClientRect().toJSON())"
    )
    plot = dash_duo.driver.execute_script(
        "return document.querySelector('#sbc-bar .nsewdrag').getBoundingClientRect().toJSON()"
    )
    left, right = boxes[0]["left"] - 3, boxes[4]["right"] + 3
    top, bottom = plot["top"] + 4, plot["bottom"] - 4
    action = ActionBuilder(dash_duo.driver)
    action.pointer_action.move_to_location(int(left), int(top)).pointer_down()
    for step in (0.3, 0.6, 1.0):
        action.pointer_action.move_to_location(int(left + (right - left) * step),
                                               int(top + (bottom - top) * step))  # fmt: skip
    action.pointer_action.pointer_up()
    action.perform()
    five = list(table.loc[:4, "key"])
    until(lambda: sorted(picked(dash_duo)) == sorted(five), 10)
    summary_is(dash_duo, frames, five)
    for name in table.loc[:4, "name"]:
        dash_duo.wait_for_contains_text("#view-chips", name)

    next(
        b for b in dash_duo.find_elements("#view-chips button") if b.text == "Clear selection"
    ).click()
    until(lambda: picked(dash_duo) == [], 10)
    dash_duo.wait_for_text_to_equal(".sbc-summary-0 strong", money(kpis(frames, YEAR).sales_amount))
    assert dash_duo.get_logs() == []


def test_sbc003_matrix_ticks_add_up_and_a_chip_removes_one(dash_duo, demo_db):
    frames, table = start(dash_duo, demo_db)
    everyone = displayed_rows(dash_duo)
    for key in table.loc[2:3, "key"]:
        cell = dash_duo.find_element(f"{ROWS}[row-id='{key}'] .ag-cell[col-id='pick']")
        dash_duo.driver.execute_script("arguments[0].click()", cell)  # below the chart
        until(lambda k=key: k in picked(dash_duo), 10)
    two = list(table.loc[2:3, "key"])
    assert picked(dash_duo) == two
    until(lambda: all(
        dash_duo.find_element(f"{ROWS}[row-id='{k}'] .ag-cell[col-id='pick']").text == "☑"
        for k in two), 10)  # fmt: skip
    assert displayed_rows(dash_duo) == everyone  # unpicked rows stay, so more can be ticked
    summary_is(dash_duo, frames, two)
    dash_duo.driver.execute_script("window.scrollTo(0, 0)")
    dash_duo.find_element("#view-chips .chip").click()  # the first chip's ×
    until(lambda: picked(dash_duo) == two[1:], 10)
    summary_is(dash_duo, frames, two[1:])
    assert dash_duo.get_logs() == []


def test_sbc004_the_csv_holds_the_rows_the_grid_shows_with_its_filter_and_sort(dash_duo, demo_db):
    frames, table = start(dash_duo, demo_db, "&team=East&matrix=months")
    dash_duo.driver.execute_script(
        f"{API}.setFilterModel({{customer_name: {{filterType: 'text', type: 'contains', "
        f"filter: 'ltd'}}}}); {API}.applyColumnState({{state: [{{colId: 'customer_name', "
        "sort: 'desc'}], defaultState: {sort: null}});"
    )
    until(lambda: "filter=" in dash_duo.driver.current_url
          and "sort=customer_name" in dash_duo.driver.current_url, 10)  # fmt: skip
    shown = dash_duo.driver.execute_script(
        f"var out = []; {API}.forEachNodeAfterFilterAndSort(n => out.push(n.data.customer_id));"
        " return out"
    )
    east = matrix(frames, Filters(start=YEAR.start, end=YEAR.end, teams=("East",)), "months")
    expected = east[east["name"].str.lower().str.contains("ltd")].sort_values(
        "name", ascending=False
    )
    assert shown == list(expected["key"]) and 0 < len(shown) < len(east)
    href = dash_duo.find_element(".export-csv").get_attribute("href")
    until(lambda: "filter=" in dash_duo.find_element(".export-csv").get_attribute("href"), 10)
    href = dash_duo.find_element(".export-csv").get_attribute("href")
    session = requests.Session()
    for cookie in dash_duo.driver.get_cookies():
        session.cookies.set(cookie["name"], cookie["value"])
    rows = list(csv.DictReader(io.StringIO(session.get(href).text)))
    assert [r["Customer ID"] for r in rows] == shown
    months = [c for c in east.columns if c not in ("key", "name", "sales_amount")]
    assert list(rows[0])[2:] == [*months, "Sales Amount"]  # the months, then the total

    # the grid's state survives a reload
    dash_duo.driver.refresh()
    dash_duo.wait_for_element(ROWS)
    until(lambda: dash_duo.driver.execute_script(
        f"var out = []; {API}.forEachNodeAfterFilterAndSort(n => out.push(n.data.customer_id));"
        " return out") == shown, 10)  # fmt: skip
    assert dash_duo.get_logs() == []
