"""My customers, the salesperson's landing page, on a 1366 × 768 laptop screen: the shared filter
bar, every one of their customers on the page (no box with a scrollbar of its own), "overdue by
N days" in full, and Export CSV / PDF of the same view, equal to `flask export`. The salesperson
owns about 90 customers (more than a screenful); the customers expected come from plain SQL."""

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import text

from app import create_dash
from data.db import make_engine, write_tables
from data.demo import generate
from data.users import add_demo_users
from tests.cli import flask
from tests.conftest import DEMO_END, sign_in, until

QUERY = "from=2025-11-22&to=2026-11-21"  # the demo's last 12 months
STATUS = '[id=\'{"key":"status","type":"filter-values"}\']'  # the filter bar's Status control
# how the grid sits on the page: its rows, whether its body scrolls inside a box, where its last
# row is once scrolled to, and the overdue texts that do not fit their cell
GRID = """
const grid = document.querySelector('#my-customers-grid');
const body = grid.querySelector('.ag-body-viewport');
const rows = [...grid.querySelectorAll('.ag-center-cols-container .ag-row')];
const last = rows.reduce((a, b) => +a.getAttribute('row-index') > +b.getAttribute('row-index') ? a : b);
last.scrollIntoView({block: 'end', behavior: 'instant'});  // Bootstrap scrolls smoothly
const overdue = [...grid.querySelectorAll(".ag-cell[col-id='overdue']")].filter(c => c.textContent);
return {
    ids: [...grid.querySelectorAll(".ag-center-cols-container .ag-cell[col-id='customer_id']")]
        .map(c => c.textContent),
    boxScroll: body.scrollHeight - body.clientHeight,
    gridHeight: grid.getBoundingClientRect().height,
    windowHeight: window.innerHeight,
    lastBottom: last.getBoundingClientRect().bottom,
    overdue: overdue.map(c => c.textContent),
    cut: overdue.filter(c => c.scrollWidth > c.clientWidth || c.scrollHeight > c.clientHeight)
        .map(c => c.textContent),
};
"""


@pytest.fixture(scope="module")
def book_db(tmp_path_factory) -> str:
    """A 20,000-line demo company in which SP01 (the user `sales`) owns every customer of team
    North: about 90 accounts."""
    tables = generate(lines=20_000, seed=7, end=DEMO_END)
    people = tables["salespeople"]
    north = people.loc[people["team"] == "North", "code"]
    owner = tables["customers"]["owner"]
    tables["customers"] = tables["customers"].assign(owner=owner.mask(owner.isin(north), "SP01"))
    url = f"sqlite:///{tmp_path_factory.mktemp('book') / 'sales.db'}"
    engine = make_engine(url)
    write_tables(engine, tables, replace=True)
    add_demo_users(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def their_customers(book_db) -> set[str]:
    with make_engine(book_db).connect() as conn:
        rows = conn.execute(text("SELECT customer_id FROM customers WHERE owner = 'SP01'"))
        return {r[0] for r in rows}


def open_my_customers(dash_duo, book_db, query: str = QUERY) -> None:
    dash_duo.start_server(create_dash({"DATABASE_URL": book_db}), navigate=False)
    sign_in(dash_duo, "sales")
    dash_duo.wait_for_text_to_equal("h1", "My customers")  # their landing page
    dash_duo.driver.set_window_size(1366, 768)
    dash_duo.driver.get(f"{dash_duo.server.url.rstrip('/')}/my-customers?{query}")
    dash_duo.wait_for_element("#my-customers-grid .ag-row")


def browser_session(dash_duo) -> requests.Session:
    session = requests.Session()
    for cookie in dash_duo.driver.get_cookies():
        session.cookies.set(cookie["name"], cookie["value"])
    return session


def test_myc001_every_customer_is_on_the_page_with_overdue_in_full(
    dash_duo, book_db, their_customers
):
    open_my_customers(dash_duo, book_db)
    dash_duo.wait_for_element("#filter-period")  # the shared filter bar
    dash_duo.wait_for_element(STATUS)
    until(lambda: len(dash_duo.driver.execute_script(GRID)["ids"]) == len(their_customers), 10)
    grid = dash_duo.driver.execute_script(GRID)
    assert set(grid["ids"]) == their_customers  # every row is drawn, not just a screenful
    assert grid["boxScroll"] <= 0  # the grid does not scroll inside a box: the page does
    assert grid["gridHeight"] > grid["windowHeight"]
    assert grid["lastBottom"] <= grid["windowHeight"]  # the last customer can be scrolled to
    assert grid["overdue"] and all(
        re.fullmatch(r"overdue by [\d,]+ days?", t) for t in grid["overdue"]
    )
    assert grid["cut"] == []
    assert dash_duo.get_logs() == []


def test_myc002_export_csv_and_pdf_are_the_view_of_the_page(dash_duo, book_db, their_customers):
    open_my_customers(dash_duo, book_db)
    csv_href = dash_duo.find_element(".export-csv").get_attribute("href")
    pdf_href = dash_duo.find_element(".export-pdf").get_attribute("href")
    assert urlsplit(csv_href).path == "/export/my-customers.csv"
    assert urlsplit(pdf_href).path == "/export/my-customers.pdf"
    for href in (csv_href, pdf_href):
        assert parse_qs(urlsplit(href).query)["from"] == ["2025-11-22"]
    session = browser_session(dash_duo)
    screen = session.get(csv_href).text
    rows = list(csv.DictReader(io.StringIO(screen)))
    assert {r["Customer ID"] for r in rows} == their_customers
    cli = flask(book_db, "export", "my-customers", "--as", "sales", "--view", QUERY)
    assert cli.returncode == 0, cli.stderr
    assert screen == cli.stdout  # the button's file is the command line's, byte for byte
    pdf = session.get(pdf_href)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert dash_duo.get_logs() == []


def test_myc003_the_status_filter_narrows_the_grid_the_url_and_the_csv(dash_duo, book_db):
    open_my_customers(dash_duo, book_db)
    cells = "#my-customers-grid .ag-center-cols-container .ag-cell[col-id='status']"
    statuses = dash_duo.driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(c => c.textContent)", cells
    )
    at_risk = statuses.count("At risk")
    assert 0 < at_risk < len(statuses)
    dash_duo.select_dcc_dropdown(dash_duo.find_element(STATUS), "At risk")
    until(lambda: "status=at_risk" in dash_duo.driver.current_url, 10)
    read = "return [...document.querySelectorAll(arguments[0])].map(c => c.textContent)"
    until(lambda: dash_duo.driver.execute_script(read, cells) == ["At risk"] * at_risk, 10)
    until(
        lambda: "status=at_risk" in dash_duo.find_element(".export-csv").get_attribute("href"), 10
    )
    href = dash_duo.find_element(".export-csv").get_attribute("href")
    rows = list(csv.DictReader(io.StringIO(browser_session(dash_duo).get(href).text)))
    assert len(rows) == at_risk and {r["Status"] for r in rows} == {"At risk"}
    assert dash_duo.get_logs() == []
