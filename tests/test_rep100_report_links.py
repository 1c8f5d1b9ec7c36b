"""Browser test of the sales reports: follow a row link chain and check the filters it carries."""

from datetime import date
from urllib.parse import parse_qs, urlsplit

import requests

from app import create_dash
from metrics.filters import Filters
from metrics.reports import sales_by_category
from tests.conftest import sign_in

START = "/reports/sales-by-category?from=2025-01-01&to=2025-12-31"
FIRST_CELL = "#report-grid .ag-pinned-left-cols-container .ag-row[row-index='0'] a"


def follow_first_row(dash_duo, heading: str) -> dict:
    """Open the first row's link; wait for the next report; the new URL's query."""
    link = dash_duo.wait_for_element(FIRST_CELL)
    dash_duo.driver.execute_script("arguments[0].click()", link)
    dash_duo.wait_for_text_to_equal("h1", heading)
    dash_duo.wait_for_element("#report-grid .ag-row")
    return parse_qs(urlsplit(dash_duo.driver.current_url).query)


def test_rep100_category_brand_collection_sell_through_chain(dash_duo, demo_db):
    app = create_dash({"DATABASE_URL": demo_db})
    dash_duo.start_server(app, navigate=False)
    sign_in(dash_duo, "leader")
    frames = app.server.extensions["sales_store"].frames()
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + START + "&channel=web")
    dash_duo.wait_for_text_to_equal("h1", "Sales by Category")
    web = sales_by_category(frames, Filters(start=date(2025, 1, 1), end=date(2025, 12, 31),
                                            channels=("web",)))  # fmt: skip
    dash_duo.wait_for_text_to_equal(FIRST_CELL, web.loc[0, "category"])

    brand_query = follow_first_row(dash_duo, "Sales by Brand")
    assert brand_query["from"] == ["2025-01-01"] and brand_query["to"] == ["2025-12-31"]
    assert brand_query["category"] == [web.loc[0, "category"]] and brand_query["channel"] == ["web"]

    collection_query = follow_first_row(dash_duo, "Sales by Collection")
    assert collection_query["category"] == brand_query["category"]
    assert len(collection_query["brand"]) == 1 and collection_query["channel"] == ["web"]

    sell_query = follow_first_row(dash_duo, "Sell Through")
    assert sell_query["brand"] == collection_query["brand"]
    assert len(sell_query["collection"]) == 1 and sell_query["category"] == brand_query["category"]

    # the report's CSV and PDF downloads carry the same filters
    session = requests.Session()
    for cookie in dash_duo.driver.get_cookies():
        session.cookies.set(cookie["name"], cookie["value"])
    csv_href = dash_duo.find_element(".export-csv").get_attribute("href")
    assert parse_qs(urlsplit(csv_href).query)["collection"] == sell_query["collection"]
    assert session.get(csv_href).text.startswith("Item,")
    pdf = session.get(dash_duo.server.url.rstrip("/") + "/export/sell-through.pdf?"
                      + urlsplit(dash_duo.driver.current_url).query)  # fmt: skip
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert dash_duo.get_logs() == []
