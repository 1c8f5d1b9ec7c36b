"""Reports narrowed to one row (taken_by=, item=, product=, customisation=) and the matching
products / customers lists served with SALES_ENGINE=sql, on a SQLite file, a PostgreSQL
database and a DuckDB file: the same CSV and the same report rows (with their links and the
Matching column; a customer's name links to its page on frames only) as with frames for a leader, a manager and a salesperson of the hand-made
shop (tests.test_sql_engine.shop_tables), hand-computed rows, and crafted requests narrowing
to a row outside the user's scope get nothing out of it."""

import pytest

from data.db import make_engine, write_tables
from data.users import create_user
from tests.servers import postgres_database
from tests.test_sql_engine import shop_tables
from tests.test_sql_reports import (
    PERIOD,
    USERS,
    client_of,
    company,
    export_both_ways,
    report_callback,
    rows_of,
)

# (screen, the row's narrowing and choices): the targets of the shop's row links (Sales by
# User's user -> Sales by Category, Made to Order's product and customisation -> Sell Through,
# Sell Through's item -> its customers) and others a URL may ask for
NARROWED = (
    ("sales-by-category", "taken_by=SP1"),
    ("sales-by-brand", "status=active&amount_min=150&item=B"),
    ("sales-by-department", "taken_by=SP1"),
    ("sales-by-date", "by=month&taken_by=SP1"),
    ("sales-by-channel", "product=TEE"),
    ("sales-by-user", "item=B"),
    ("sell-through", "product=B&customisation=Engraved&unsold=yes"),
    ("sell-through", "product=TEE&unsold=yes"),
    ("made-to-order", "taken_by=SP1"),
    ("matching-customers", "item=B"),
    ("matching-customers", "category=Home"),
    ("matching-products", "taken_by=SP1&customisation=N/A"),
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "duckdb"])
def shop(request, tmp_path_factory):
    """(database URL, analytics URL) of the shop with a user of each scope (USERS): a SQLite
    file read by the engine, a PostgreSQL database, or the SQLite file with a DuckDB copy."""
    if request.param != "postgresql":
        url, duckdb_url = company(tmp_path_factory.mktemp("sql-narrowed-shop"), shop_tables())
        yield url, duckdb_url if request.param == "duckdb" else url
        return
    with postgres_database("narrowed") as url:
        engine = make_engine(url)
        write_tables(engine, shop_tables(), replace=True)
        for username, (role, where) in USERS.items():
            create_user(engine, username, f"{username}-pass-123", role, **where)
        engine.dispose()
        yield url, url


def test_sqn001_narrowed_reports_and_matching_lists_are_the_same_on_frames_and_sql(shop):
    """Each narrowed report and matching list, for a user of each scope: the same CSV bytes
    from the frames and from the database, and (on SQLite) the same rows on the page (labels,
    amounts, the row's link and its Matching links; a matching customer's link to its page). PostgreSQL and DuckDB answer every other
    one (the same SQL but for the dialect: the CI's time)."""
    url, analytics = shop
    on_sqlite = url == analytics and url.startswith("sqlite")
    for username in USERS:
        frames, sql = client_of(url, username, "frames"), client_of(url, username, "sql", analytics)
        for screen, narrowing in NARROWED if on_sqlite else NARROWED[::2]:
            query = f"?{PERIOD}&{narrowing}"
            export = f"/export/{screen}.csv{query}&headers=fields"
            on_frames, on_sql = frames.get(export), sql.get(export)
            assert on_frames.status_code == on_sql.status_code == 200, (username, export)
            assert on_sql.text == on_frames.text, (username, export)
            if not on_sqlite:
                continue
            pages = [
                report_callback(c, query, screen).get_json()["response"] for c in (frames, sql)
            ]
            assert pages[1]["report-grid"] == pages[0]["report-grid"], (username, query, screen)
            assert pages[1]["report-note"] == pages[0]["report-note"], (username, query, screen)
    args = ("export", "matching-customers", "--as", "nora", "--view", f"?{PERIOD}&item=B")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ANALYTICS_URL", analytics)
        on_frames, on_sql = export_both_ways(url, *args)
    assert on_frames.returncode == on_sql.returncode == 0, on_sql.stderr
    assert on_sql.stdout == on_frames.stdout and "Aster" in on_sql.stdout


def test_sqn002_narrowed_rows_hold_the_hand_computed_numbers(shop):
    """Sam (SP1) took O1 (Home, £712.50 on £570), O2 (Garden £200, no cost), O7 (Home £50 on
    £30, C9) and O9 (Garden £90 on £50 + £5 non-inv, C5): Sales by Category taken by him. Item
    B's customers: C3 (O5's first line, £500 on £300), C1 (O2, £200, Unknown cost), C5 (O9);
    their PDF is the frames' one."""
    url, analytics = shop
    client = client_of(url, "lee", "sql", analytics)
    query = f"?{PERIOD}&headers=fields"
    rows = rows_of(client.get(f"/export/sales-by-category.csv{query}&taken_by=SP1").text)
    assert [(r["category"], r["sales_amount"], r["orders"], r["customers"], r["cost_amount"],
             r["gross_profit"], r["cost_coverage"]) for r in rows] == [
        ("Home", "762.5", "2", "2", "600.0", "162.5", "1.0"),
        ("Garden", "290.0", "2", "2", "50.0", "35.0", f"{90 / 290}"),
    ]  # fmt: skip
    rows = rows_of(client.get(f"/export/matching-customers.csv{query}&item=B").text)
    assert [(r["customer_id"], r["customer_name"], r["sales_amount"], r["orders"],
             r["cost_amount"]) for r in rows] == [
        ("C3", "Cedar", "500.0", "1", "300.0"),
        ("C1", "Aster", "200.0", "1", ""),  # Unknown cost, never 0
        ("C5", "Elm", "90.0", "1", "50.0"),
    ]  # fmt: skip
    # a customisation with quotes is a value, quoted in the SQL: no row has it
    crafted = client.get(f"/export/sales-by-category.csv{query}&customisation=O'Brien%22;--")
    assert crafted.status_code == 200 and rows_of(crafted.text) == []
    pdf = f"/export/matching-customers.pdf?{PERIOD}&item=B"
    assert client.get(pdf).data == client_of(url, "lee", "frames").get(pdf).data
    # the row links of Sales by User on sql lead to Sales by Category narrowed to the user,
    # and each row lists its products and customers
    grid = report_callback(client, f"?{PERIOD}", "sales-by-user").get_json()["response"]
    first = grid["report-grid"]["rowData"][0]
    assert first["salesperson"] == "SP1"
    assert (
        first["href"].startswith("/reports/sales-by-category?") and "taken_by=SP1" in first["href"]
    )
    assert first["customers_href"].startswith("/reports/matching-customers?")
    assert "links" in [c["field"] for c in grid["report-grid"]["columnDefs"]]


@pytest.mark.parametrize("username", ["sam", "nora"])
def test_sqn003_a_row_outside_the_users_scope_gives_nothing_of_it(shop, username):
    """Sam's and Nora's only sales are C1's O1 (item A, Home, taken by SP1) and O2 (B): the item
    C (sold to Pat's C3 only) narrows their reports to nothing; item B to C1's £200; a
    salesperson who took none of their orders (SP3) is refused by name, never shown."""
    url, analytics = shop
    client = client_of(url, username, "sql", analytics)
    query = f"?{PERIOD}&headers=fields"
    for screen in ("sales-by-category", "matching-customers", "matching-products"):
        answer = client.get(f"/export/{screen}.csv{query}&item=C")
        assert answer.status_code == 200 and rows_of(answer.text) == [], screen
        grid = report_callback(client, f"?{PERIOD}&item=C", screen).get_json()["response"]
        assert grid["report-grid"]["rowData"] == [], screen
    rows = rows_of(client.get(f"/export/matching-customers.csv{query}&item=B").text)
    assert [(r["customer_id"], r["sales_amount"]) for r in rows] == [("C1", "200.0")]
    refused = client.get(f"/export/matching-customers.csv{query}&taken_by=SP3")
    assert refused.status_code == 400 and "taken_by: unknown value 'SP3'" in refused.text
    assert "500" not in refused.text and "Cedar" not in refused.text
    answer = report_callback(client, f"?{PERIOD}&taken_by=SP3", "matching-customers").get_json()
    grid = answer["response"]["report-grid"]["rowData"]  # all of theirs: the row is ignored
    assert [(r["customer_id"], r["sales_amount"]) for r in grid] == [("C1", 912.5)]
