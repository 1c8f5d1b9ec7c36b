"""Browser tests: a screen's own choices live in its URL (they survive a reload and a pasted URL
in a new session) and the menu carries the shared filters to the next screen."""

from urllib.parse import parse_qs, urlsplit

from app import create_dash
from tests.conftest import PASSWORDS, sign_in, until


def query(dash_duo) -> dict:
    return parse_qs(urlsplit(dash_duo.driver.current_url).query)


def click_label(dash_duo, container: str, text: str) -> None:
    next(o for o in dash_duo.find_elements(f"{container} label") if o.text == text).click()


def texts(dash_duo, selector: str) -> list[str]:
    """The text of every element matching selector, read in one step (the grid may re-render
    between finding its cells and reading them one by one)."""
    return dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.innerText)", selector
    )


def sign_in_again(dash_duo, username: str, url: str) -> None:
    """A new session (cookies gone) opening a pasted URL: sign in, land on that URL."""
    dash_duo.driver.delete_all_cookies()
    dash_duo.driver.get(url)
    dash_duo.wait_for_element("#username").send_keys(username)
    dash_duo.find_element("#password").send_keys(PASSWORDS[username])
    dash_duo.find_element("#sign-in").click()


def matrix_headers(dash_duo) -> list[str]:
    return dash_duo.driver.execute_script(
        "return dash_ag_grid.getApi('sbc-matrix').getAllDisplayedColumns()"
        ".map(c => c.getColDef().headerName)"
    )


def test_vw001_bar_kpi_and_matrix_mode_survive_reload_and_a_new_session(dash_duo, demo_db):
    dash_duo.start_server(create_dash({"DATABASE_URL": demo_db}), navigate=False)
    sign_in(dash_duo, "leader")
    dash_duo.driver.get(
        dash_duo.server.url.rstrip("/") + "/sales-by-customer?from=2025-01-01&to=2025-12-31"
    )
    dash_duo.wait_for_element("#sbc-matrix .ag-row")
    click_label(dash_duo, "#sbc-kpi", "Gross Profit")
    click_label(dash_duo, "#sbc-columns", "Months")
    until(lambda: query(dash_duo).get("kpi") == ["gross_profit"]
          and query(dash_duo).get("matrix") == ["months"], 10)  # fmt: skip
    dash_duo.wait_for_contains_text("#sbc-bar", "Customers by Gross Profit")
    until(lambda: "2025-06" in matrix_headers(dash_duo), 10)
    url = dash_duo.driver.current_url
    dash_duo.driver.refresh()
    dash_duo.wait_for_contains_text("#sbc-bar", "Customers by Gross Profit")
    until(lambda: "2025-06" in matrix_headers(dash_duo), 10)
    sign_in_again(dash_duo, "leader", url)
    dash_duo.wait_for_contains_text("#sbc-bar", "Customers by Gross Profit")
    until(lambda: "2025-06" in matrix_headers(dash_duo), 10)
    checked = dash_duo.find_element("#sbc-kpi input:checked").get_attribute("value")
    assert checked == "gross_profit"
    assert dash_duo.get_logs() == []


def test_vw002_leaderboard_status_and_report_options_survive_reload(dash_duo, demo_db):
    dash_duo.start_server(create_dash({"DATABASE_URL": demo_db}), navigate=False)
    sign_in(dash_duo, "manager")
    base = dash_duo.server.url.rstrip("/")
    dash_duo.driver.get(base + "/leaderboard?from=2025-01-01&to=2025-12-31")
    dash_duo.wait_for_element("#leaderboard-grid .ag-row")
    click_label(dash_duo, ".leaderboard-show", "At risk")
    until(lambda: query(dash_duo).get("show") == ["at_risk"], 10)
    dash_duo.driver.refresh()
    dash_duo.wait_for_element("#leaderboard-grid .ag-row")
    until(
        lambda: set(texts(dash_duo, "#leaderboard-grid .ag-cell[col-id='status']")) == {"At risk"},
        10,
    )
    assert (
        dash_duo.find_element(".leaderboard-show input:checked").get_attribute("value") == "at_risk"
    )

    dash_duo.driver.get(base + "/reports/sell-through?from=2025-01-01&to=2025-12-31")
    dash_duo.wait_for_element("#report-grid .ag-row")
    dash_duo.find_element("#sell-through-combine label").click()
    until(lambda: query(dash_duo).get("combine") == ["yes"], 10)
    dash_duo.driver.refresh()
    dash_duo.wait_for_element("#report-grid .ag-header-cell[col-id='variants']")
    assert dash_duo.find_element("#sell-through-combine input").is_selected()
    assert dash_duo.get_logs() == []


def test_vw003_menu_links_carry_the_period_and_the_shared_filters(dash_duo, demo_db):
    dash_duo.start_server(create_dash({"DATABASE_URL": demo_db}), navigate=False)
    sign_in(dash_duo, "leader")
    base = dash_duo.server.url.rstrip("/")
    dash_duo.driver.get(base + "/?from=2025-03-01&to=2025-08-31&channel=web&team=South")
    dash_duo.wait_for_element(".kpi-sales_amount")
    until(lambda: "channel=web" in dash_duo.find_element("#nav-menu a[href*='leaderboard']")
          .get_attribute("href"), 10)  # fmt: skip
    next(a for a in dash_duo.find_elements("#nav-menu a") if a.text == "Leaderboard").click()
    dash_duo.wait_for_text_to_equal("h1", "Leaderboard")
    carried = query(dash_duo)
    assert carried["from"] == ["2025-03-01"] and carried["to"] == ["2025-08-31"]
    assert carried["channel"] == ["web"] and carried["team"] == ["South"]
    dash_duo.wait_for_contains_text(".filter-channel", "web")
    dash_duo.wait_for_contains_text(".filter-team", "South")
    assert dash_duo.get_logs() == []
