"""Browser tests of the leaderboard: columns kept per user, the quick filter, the export."""

import csv
import io
from datetime import date

import requests
from selenium.webdriver.common.keys import Keys

from app import create_dash
from data.access import Scope
from metrics.customers import leaderboard
from metrics.filters import Filters
from tests.cli import flask
from tests.conftest import sign_in, until


def header_ids(dash_duo) -> list[str]:
    """The shown columns in the order the grid displays them."""
    return dash_duo.driver.execute_script(
        "return dash_ag_grid.getApi('leaderboard-grid').getAllDisplayedColumns()"
        ".map(c => c.getColId())"
    )


def choose(dash_duo, label: str) -> None:
    """Click the leaderboard's status choice `label` (All, Active, Inactive, At risk)."""
    options = dash_duo.find_elements(".leaderboard-show label")
    next(o for o in options if o.text == label).click()


def test_ldb001_hidden_and_moved_columns_come_back_after_signing_in_again(dash_duo, demo_db):
    app = create_dash({"DATABASE_URL": demo_db})
    dash_duo.start_server(app, navigate=False)
    sign_in(dash_duo, "manager")
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/leaderboard")
    dash_duo.wait_for_element("#leaderboard-grid .ag-row")
    assert "cost_amount" in header_ids(dash_duo)

    # hide Cost Amount with the column chooser
    dash_duo.find_element("#leaderboard-columns").click()
    option = next(
        o for o in dash_duo.find_elements(".dash-dropdown-option") if o.text == "Cost Amount"
    )
    option.click()
    dash_duo.find_element("body").send_keys(Keys.ESCAPE)  # close the list
    until(lambda: "cost_amount" not in header_ids(dash_duo), timeout=10)

    # move Orders before Sales Amount: the move a header drag makes, through AG Grid's own API
    # (a mouse drag of a header is not reliable in headless Chrome)
    dash_duo.driver.execute_script(
        "dash_ag_grid.getApi('leaderboard-grid').moveColumns(['total_order_count'], 2)"
    )
    until(
        lambda: (
            header_ids(dash_duo).index("total_order_count")
            < header_ids(dash_duo).index("sales_amount")
        ),
        timeout=10,
    )
    layout = header_ids(dash_duo)

    def saved() -> list[str]:  # what the server has stored for the user, shown columns in order
        state = app.server.extensions["preferences"].get("manager", "leaderboard_columns") or []
        return [c["colId"] for c in state if not c["hide"]]

    until(lambda: saved() == layout, timeout=10)
    dash_duo.find_element("#nav-sign-out").click()
    dash_duo.wait_for_element("#sign-in")
    sign_in(dash_duo, "manager")
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/leaderboard")
    dash_duo.wait_for_element("#leaderboard-grid .ag-row")
    until(lambda: header_ids(dash_duo) == layout, timeout=10)
    assert "cost_amount" not in header_ids(dash_duo)
    assert dash_duo.get_logs() == []


def test_ldb002_at_risk_quick_filter_and_the_csv_equals_the_cli_export(dash_duo, demo_db):
    app = create_dash({"DATABASE_URL": demo_db})
    dash_duo.start_server(app, navigate=False)
    sign_in(dash_duo, "sales")
    dash_duo.driver.get(
        dash_duo.server.url.rstrip("/") + "/leaderboard?from=2025-01-01&to=2025-12-31"
    )
    dash_duo.wait_for_element("#leaderboard-grid .ag-row")
    choose(dash_duo, "At risk")
    frames = app.server.extensions["sales_store"].frames_for(
        Scope("salesperson", salesperson="SP01")
    )
    board = leaderboard(frames, Filters(start=date(2025, 1, 1), end=date(2025, 12, 31)))
    at_risk = board[board["status"] == "at_risk"]
    assert 0 < len(at_risk) < len(board)
    until(
        lambda: (
            len(dash_duo.find_elements("#leaderboard-grid .ag-center-cols-container .ag-row"))
            == len(at_risk)
        ),
        timeout=10,
    )
    statuses = {
        c.text for c in dash_duo.find_elements("#leaderboard-grid .ag-cell[col-id='status']")
    }
    assert statuses == {"At risk"}

    # the screen's CSV (All) is the CLI's export for the same period and user, byte for byte
    choose(dash_duo, "All")
    until(lambda: "show=" not in dash_duo.find_element(".export-csv").get_attribute("href"), 10)
    href = dash_duo.find_element(".export-csv").get_attribute("href")
    session = requests.Session()
    for cookie in dash_duo.driver.get_cookies():
        session.cookies.set(cookie["name"], cookie["value"])
    screen = session.get(href).text
    cli = flask(
        demo_db,
        "export",
        "leaderboard",
        "--from",
        "2025-01-01",
        "--to",
        "2025-12-31",
        "--as",
        "sales",
    )
    assert cli.returncode == 0, cli.stderr
    assert screen == cli.stdout
    assert len(list(csv.DictReader(io.StringIO(screen)))) == len(board)
    assert dash_duo.get_logs() == []
