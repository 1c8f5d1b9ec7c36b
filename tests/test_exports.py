"""One view, three ways out: the screen's Export CSV button, the HTTP export of the screen's URL
and `flask export --view` give the same file, and it holds the rows the screen shows, for a view
with a period, two dimension filters, picked customers and a grid column filter. Expected rows
are worked out by hand from the seven orders below."""

import csv
import io
import json
import re
from urllib.parse import quote

import pytest
from flask_login import login_user

from app import create_app
from auth import SignedInUser
from callbacks.filter_bar import publish
from data.access import Scope
from data.db import make_engine, write_tables
from data.users import create_user
from tests.cli import flask
from tests.factory import make_tables
from views.context import user_data, view_for

# Aster (C1), Birch (C2) and Dune (C4) belong to Sam (SP1, North), Cedar (C3) to Pat (SP2, South).
# Item A is Home / Acme at 50 (cost 30), item B is Garden / Bolt at 200.
LINES = [
    dict(order_id="O1", order_date="2026-02-10", customer_id="C1", channel="web", item_id="A",
         quantity=2, unit_price=50, unit_cost=30),
    dict(order_id="O2", order_date="2026-03-05", customer_id="C1", channel="phone", item_id="B",
         quantity=1, unit_price=200, unit_cost=120),
    dict(order_id="O3", order_date="2026-03-15", customer_id="C2", channel="web", item_id="A",
         quantity=4, unit_price=50, unit_cost=30),
    dict(order_id="O4", order_date="2026-04-01", customer_id="C3", channel="web", item_id="B",
         quantity=3, unit_price=200, unit_cost=100, salesperson="SP2"),
    dict(order_id="O5", order_date="2026-05-01", customer_id="C4", channel="web", item_id="A",
         quantity=1, unit_price=50, unit_cost=30),
    dict(order_id="O6", order_date="2025-06-01", customer_id="C2", channel="web", item_id="A",
         quantity=10, unit_price=50, unit_cost=30),
    dict(order_id="O7", order_date="2026-04-20", customer_id="C2", channel="store", item_id="B",
         quantity=1, unit_price=200, unit_cost=120),
]  # fmt: skip
for line in LINES:
    line.update({"A": dict(category="Home", brand="Acme"),
                 "B": dict(category="Garden", brand="Bolt")}[line["item_id"]])  # fmt: skip
CUSTOMERS = [
    dict(customer_id="C1", name="Aster Ltd", owner="SP1"),
    dict(customer_id="C2", name="Birch Co", owner="SP1"),
    dict(customer_id="C3", name="Cedar plc", owner="SP2"),
    dict(customer_id="C4", name="Dune LLP", owner="SP1"),
]
SALESPEOPLE = [
    dict(code="SP1", name="Sam", team="North", commission_rate=0.1, commission_basis="items_sold"),
    dict(code="SP2", name="Pat", team="South", commission_rate=0.05, commission_basis="items_sold"),
]
GRID_FILTER = json.dumps({"sales_amount": {"filterType": "number", "type": "greaterThan",
                                           "filter": 60}})  # fmt: skip
QUERY = ("from=2026-01-01&to=2026-06-30&channel=web&category=Home&selected=C1&selected=C4"
         f"&filter={quote(GRID_FILTER)}")  # fmt: skip
# screen -> (the label column's header, [(label, Sales Amount)] in the screen's order)
EXPECTED = {
    # the matrix marks the picks and keeps the others; Dune's 50 is under the grid filter's 60
    "sales-by-customer": ("Customer ID", [("C2", 200.0), ("C1", 100.0)]),
    "leaderboard": ("Customer ID", [("C1", 100.0)]),  # the picks; Dune's 50 filtered out
    "team": ("Salesperson", [("Sam", 150.0)]),  # Aster 100 + Dune 50; Pat has none of the picks
    "sales-by-date": ("Date", [("2026-02-10", 100.0)]),  # days with zeros; only O1 is over 60
    # dates only: every line of the period, whatever the channel, category or picks
    "sales-by-channel": ("Channel", [("web", 950.0), ("phone", 200.0), ("store", 200.0)]),
    "sales-by-category": ("Category", [("Home", 150.0)]),  # web, the picks; not its category
    "sales-by-brand": ("Brand", [("Acme", 150.0)]),
    "sales-by-collection": ("Collection", [("N/A", 150.0)]),
    "sales-by-supplier": ("Supplier", [("N/A", 150.0)]),
    # the order's salesperson over web lines of the period (no picks, no category here)
    "sales-by-user": ("Salesperson code", [("SP2", 600.0), ("SP1", 350.0)]),
    "sales-by-department": ("Department", [("N/A", 950.0)]),
    "sell-through": ("Item", [("A", 150.0)]),
    "made-to-order": ("Product", []),  # nothing made to order
}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('exports') / 'sales.db'}"
    engine = make_engine(url)
    tables = make_tables(LINES, customers=CUSTOMERS, salespeople=SALESPEOPLE)
    write_tables(engine, tables, replace=True)
    create_user(engine, "boss", "boss-pass-1", "leadership")
    return url


@pytest.fixture(scope="module")
def app(db):
    return create_app({"DATABASE_URL": db, "SECRET_KEY": "exports-test", "TESTING": True})


@pytest.fixture(scope="module")
def client(app):
    client = app.test_client()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    signed = client.post("/login", data={"username": "boss", "password": "boss-pass-1",
                                         "csrf_token": token})  # fmt: skip
    assert signed.status_code == 302
    return client


def button_csv(app, client, screen: str) -> str:
    """What the screen's Export CSV button downloads: its href as the page sets it for the URL
    (the view's store, then assets/view.js's link), fetched by the signed-in browser."""
    with app.test_request_context():
        login_user(SignedInUser("boss", "leadership", Scope("leadership")))
        frames = user_data()
        _, full_query, *_ = publish(view_for("?" + QUERY, screen, frames), frames, None, None)
    href = f"/export/{screen}.csv{full_query}"
    response = client.get(href)
    assert response.status_code == 200, response.text
    return response.text


def rows_of(text: str, label: str) -> list[tuple[str, float]]:
    return [(row[label], float(row["Sales Amount"])) for row in csv.DictReader(io.StringIO(text))]


@pytest.mark.parametrize("screen", EXPECTED)
def test_exp001_button_http_and_cli_give_the_same_rows_the_screen_shows(app, client, db, screen):
    http = client.get(f"/export/{screen}.csv?{QUERY}")
    assert http.status_code == 200, http.text
    cli = flask(db, "export", screen, "--view", QUERY, "--as", "boss")
    assert cli.returncode == 0, cli.stderr
    assert http.text == cli.stdout == button_csv(app, client, screen)
    label, expected = EXPECTED[screen]
    assert rows_of(http.text, label) == expected
    header = next(csv.reader(io.StringIO(http.text)))
    assert "☐" not in header and "▸" not in header and "" not in header  # no UI-only columns


def test_exp002_the_picks_are_marked_in_the_matrix_csv(client):
    rows = list(
        csv.DictReader(io.StringIO(client.get(f"/export/sales-by-customer.csv?{QUERY}").text))
    )
    assert [(r["Picked"], r["Customer"]) for r in rows] == [("", "Birch Co"), ("yes", "Aster Ltd")]
    assert rows[1]["Gross Profit"] == "40.0" and rows[1]["Gross Profit Margin"] == "0.4"


def test_exp003_visible_columns_in_the_users_order_and_snake_case_headers(client, db):
    query = f"{QUERY}&columns=sales_amount,customer_id&sort=customer_id:desc"
    text = client.get(f"/export/sales-by-customer.csv?{query}").text
    assert text == "Sales Amount,Customer ID\r\n200.0,C2\r\n100.0,C1\r\n"
    fields = flask(db, "export", "sales-by-customer", "--view", query, "--headers", "fields")
    assert fields.stdout == "sales_amount,customer_id\r\n200.0,C2\r\n100.0,C1\r\n"
    assert client.get(f"/export/sales-by-customer.csv?{query}&headers=fields").text == fields.stdout


def test_exp004_without_a_view_the_cli_exports_all_data_and_from_to_override_the_view(db):
    everything = flask(db, "export", "kpis", "--headers", "fields")
    (row,) = csv.DictReader(io.StringIO(everything.stdout))
    assert float(row["sales_amount"]) == 100 + 200 + 200 + 600 + 50 + 500 + 200
    march = flask(db, "export", "kpis", "--view", "?channel=web", "--from", "2026-03-01",
                  "--to", "2026-03-31", "--headers", "fields")  # fmt: skip
    (row,) = csv.DictReader(io.StringIO(march.stdout))
    assert float(row["sales_amount"]) == 200  # O3 only: O2 is phone, O7 store and April


def test_exp005_a_whole_url_is_a_view_too(db, client):
    url = f"http://127.0.0.1:8050/leaderboard?{QUERY}"
    cli = flask(db, "export", "leaderboard", "--view", url, "--as", "boss")
    assert cli.stdout == client.get(f"/export/leaderboard.csv?{QUERY}").text


def test_exp006_a_filter_a_report_does_not_take_is_named_in_its_pdf(client, tmp_path):
    import subprocess

    pdf = client.get(f"/export/sales-by-user.pdf?{QUERY}")
    assert pdf.status_code == 200
    path = tmp_path / "user.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    text = " ".join(text.split())
    assert (
        "Not used by this report, so not applied: Category (Home); Picked customers (C1, C4)."
        in text
    )
