"""CSV formula injection (OWASP): names a spreadsheet would run as a formula are written with a
leading ' in every CSV the product writes (HTTP and the command line, every export); numbers
stay numbers."""

import csv
import io
import re

import pytest

from app import create_app
from data.db import make_engine, write_tables
from data.users import create_user
from tests.cli import flask
from tests.factory import make_tables
from views.exports import EXPORTS

PLANTED = ['=HYPERLINK("http://x","click")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3*cmd",
           "\tTab Ltd", "\rReturn Ltd"]  # fmt: skip
LINES = [
    dict(order_id="O1", order_date="2026-03-01", customer_id="C1", item_id="I1",
         category=PLANTED[2], channel=PLANTED[3], quantity=-2, unit_price=50, unit_cost=10),
    dict(order_id="O2", order_date="2026-03-02", customer_id="C2", item_id="I2",
         category=PLANTED[4], channel=PLANTED[5], quantity=3, unit_price=20, unit_cost=5),
]  # fmt: skip
CUSTOMERS = [dict(customer_id="C1", name=PLANTED[0], owner="SP1"),
             dict(customer_id="C2", name=PLANTED[1], owner="SP1")]  # fmt: skip
QUERY = "from=2026-01-01&to=2026-12-31"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('csv') / 'sales.db'}"
    engine = make_engine(url)
    write_tables(engine, make_tables(LINES, customers=CUSTOMERS), replace=True)
    create_user(engine, "boss", "boss-pass-1", "leadership")
    create_user(engine, "sam", "sam-pass-12", "salesperson", salesperson="SP1")
    return url


def client(db, username, password):
    app = create_app({"DATABASE_URL": db, "SECRET_KEY": "csv-test", "TESTING": True})
    test = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', test.get("/login").text).group(1)
    test.post("/login", data={"username": username, "password": password, "csrf_token": token})
    return test


def unsafe_cells(text: str) -> list[str]:
    """Cells a spreadsheet would evaluate: text starting =, +, -, @, tab or CR (numbers are
    fine: a negative amount is a number, not a formula)."""
    out = []
    for row in csv.reader(io.StringIO(text, newline="")):
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                try:
                    float(cell)
                except ValueError:
                    out.append(cell)
    return out


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_csv001_planted_formulas_are_escaped_in_every_export(db, name):
    username, password = (
        ("sam", "sam-pass-12") if name == "my-customers" else ("boss", "boss-pass-1")
    )
    http = client(db, username, password).get(f"/export/{name}.csv?{QUERY}")
    assert http.status_code == 200, http.text
    cli = flask(db, "export", name, "--view", QUERY, "--as", username)
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout == http.text
    assert unsafe_cells(http.text) == []


def test_csv002_the_planted_names_are_there_escaped_and_numbers_stay_numbers(db):
    text = client(db, "boss", "boss-pass-1").get(f"/export/leaderboard.csv?{QUERY}").text
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    names = {r["Customer"] for r in rows}
    assert names == {"'" + PLANTED[0], "'" + PLANTED[1]}
    amounts = {r["Customer ID"]: r["Sales Amount"] for r in rows}
    assert amounts == {"C1": "-100.0", "C2": "60.0"}  # a negative number is not escaped
    channels = client(db, "boss", "boss-pass-1").get(f"/export/sales-by-channel.csv?{QUERY}").text
    assert {r["Channel"] for r in csv.DictReader(io.StringIO(channels, newline=""))} == {
        "'" + PLANTED[3], "'" + PLANTED[5]}  # fmt: skip
