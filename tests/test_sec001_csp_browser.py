"""Browser tests: every screen works under the Content-Security-Policy (no console error, the
grids' function formatters run, charts draw and download)."""

from __future__ import annotations

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains

from app import create_dash
from tests.conftest import sign_in, until

# role -> [(path, an element that only a working screen shows)]
SCREENS = {
    "leader": [
        ("/", "#overview-pareto .main-svg"),
        ("/team", "#team-grid .ag-cell[col-id='sales_amount']"),
        ("/sales-by-customer", "#sbc-matrix .ag-row"),
        ("/leaderboard", "#leaderboard-grid .ag-cell[col-id='sales_amount']"),
        ("/reports/sales-by-category", "#report-grid .ag-cell[col-id='sales_amount']"),
        ("/customers/C00001", "#customer-orders .ag-row"),
    ],
    "sales": [("/my-customers", "#my-customers-grid .ag-row")],
    "admin": [("/admin", "#admin-users-grid .ag-row")],
}


def test_sec001_every_screen_works_under_the_content_security_policy(dash_duo, demo_db):
    dash_duo.start_server(create_dash({"DATABASE_URL": demo_db}), navigate=False)
    root = dash_duo.server.url.rstrip("/")
    for username, screens in SCREENS.items():
        sign_in(dash_duo, username)
        for path, ready in screens:
            dash_duo.driver.get(root + path)  # a full page load: Dash's inline start-up script
            dash_duo.wait_for_element(ready, timeout=30)
        dash_duo.find_element("#nav-sign-out").click()
        dash_duo.wait_for_element("#sign-in")
    # a function formatter ran (dash-ag-grid compiles it at run time): money as "£1,234.56"
    sign_in(dash_duo, "leader")
    dash_duo.driver.get(root + "/team")
    dash_duo.wait_for_contains_text("#team-grid .ag-cell[col-id='sales_amount']", "£", timeout=30)
    # a chart's PNG download (a data: URL made in the page)
    dash_duo.driver.get(root + "/")
    dash_duo.wait_for_contains_text("#overview-kpis", "£", timeout=30)

    def download() -> bool:
        try:  # the toolbar shows on hover; the chart may still be redrawn once
            chart = dash_duo.find_element("#overview-pareto .main-svg")
            ActionChains(dash_duo.driver).move_to_element(chart).perform()
            dash_duo.find_element("#overview-pareto .modebar-btn[data-title^='Download']").click()
        except StaleElementReferenceException:
            return False
        return True

    until(download, timeout=30)
    assert dash_duo.get_logs() == []
