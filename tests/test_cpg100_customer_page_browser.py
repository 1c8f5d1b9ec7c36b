"""Browser test of the customer page: a salesperson finds their customer and reads the page."""

import requests
from selenium.webdriver.common.keys import Keys

from app import create_dash
from tests.conftest import sign_in


def test_cpg100_salesperson_searches_opens_and_downloads_the_brief(dash_duo, demo_db):
    app = create_dash({"DATABASE_URL": demo_db})
    dash_duo.start_server(app, navigate=False)
    sign_in(dash_duo, "sales")
    customers = app.server.extensions["sales_store"].frames().customers
    mine = customers[customers["owner"] == "SP01"].iloc[0]
    other = customers[customers["owner"] != "SP01"].iloc[0]

    dash_duo.find_element("#nav-search").click()  # Dash 4: the search box opens with the list
    search = dash_duo.wait_for_element("input.dash-dropdown-search")
    search.send_keys(mine["name"][:10])
    dash_duo.wait_for_contains_text(".dash-dropdown-options", mine["name"])
    options = dash_duo.find_elements(".dash-dropdown-option")
    next(o for o in options if mine["customer_id"] in o.text).click()
    dash_duo.wait_for_contains_text("h1", mine["name"])
    assert dash_duo.driver.current_url.endswith(f"/customers/{mine['customer_id']}")
    for section in (
        "Orders 22 Nov 2025 to 21 Nov 2026",
        "Items bought most",
        "Lapsed items",
        "Cross-sell gaps",
    ):
        dash_duo.wait_for_contains_text("#app-page", section)
    assert dash_duo.find_elements("#customer-orders .ag-row")
    assert dash_duo.find_elements("#customer-items .ag-row")
    assert "Owner:" in dash_duo.find_element("#customer-header").text

    # the brief, downloaded with the browser's own session
    href = dash_duo.find_element("#customer-brief").get_attribute("href")
    session = requests.Session()
    for cookie in dash_duo.driver.get_cookies():
        session.cookies.set(cookie["name"], cookie["value"])
    brief = session.get(href)
    assert brief.status_code == 200 and brief.content.startswith(b"%PDF")

    # another salesperson's customer, typed into the URL: not found, nothing of theirs
    dash_duo.driver.get(f"{dash_duo.server.url.rstrip('/')}/customers/{other['customer_id']}")
    dash_duo.wait_for_contains_text("#app-page", "Customer not found")
    assert other["name"] not in dash_duo.find_element("body").text
    dash_duo.find_element("#nav-search").click()
    search = dash_duo.wait_for_element("input.dash-dropdown-search")
    search.send_keys(other["name"][:10])
    search.send_keys(Keys.ESCAPE)
    assert other["name"] not in dash_duo.find_element("body").text
    assert dash_duo.get_logs() == []
