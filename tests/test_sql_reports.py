"""The sales reports the engine interface answers (Sales by Channel, Category, Brand, Collection,
Supplier, Department; Sales by Date by day, week and month; Sales by User) served with SALES_ENGINE=sql: the same CSV as with
frames, numbers checked by hand on the shop and the cadence shop of tests.test_sql_engine (the
customer-status filter on the latter), the user's scope in every answer (crafted exports and
callbacks), and what the sql engine does not compute yet said in words."""

import csv
import io
import re

import pandas as pd
import pytest

from app import create_app
from data.db import make_engine, write_tables
from data.users import create_user
from tests.cli import flask
from tests.factory import make_tables
from tests.test_sql_engine import cadence_tables, shop_tables, write_duckdb

PERIOD = "from=2025-12-01&to=2026-04-30"
REPORTS = ("sales-by-channel", "sales-by-category", "sales-by-brand", "sales-by-collection",
           "sales-by-supplier", "sales-by-department")  # fmt: skip
USERS = {"lee": ("leadership", {}), "nora": ("manager", {"team": "North"}),
         "sam": ("salesperson", {"salesperson": "SP1"})}  # fmt: skip
REPORT_OUTPUTS = [("report-chart", "figure"), ("report-grid", "rowData"),
                  ("report-grid", "columnDefs"), ("report-grid", "columnState"),
                  ("report-grid", "filterModel"), ("report-note", "children")]  # fmt: skip


def company(folder, tables: dict) -> tuple[str, str]:
    """(SQLite URL, DuckDB URL) of a company written from `tables`, with a user of each scope
    (USERS)."""
    url = f"sqlite:///{folder / 'sales.db'}"
    engine = make_engine(url)
    write_tables(engine, tables, replace=True)
    for username, (role, where) in USERS.items():
        create_user(engine, username, f"{username}-pass-123", role, **where)
    return url, write_duckdb(folder / "sales.duckdb", url)


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """(SQLite URL, DuckDB URL) of the shop, with a user of each scope (USERS) and Ada, the
    admin."""
    url, duckdb_url = company(tmp_path_factory.mktemp("sql-reports-shop"), shop_tables())
    create_user(make_engine(url), "ada", "ada-pass-123", "admin")
    return url, duckdb_url


def app_client(url: str, engine: str = "sql", analytics: str | None = None):
    """A test client of a server with SALES_ENGINE=`engine`, nobody signed in."""
    config = {"DATABASE_URL": url, "SECRET_KEY": "sql-reports-test", "TESTING": True,
              "SALES_ENGINE": engine, "ANALYTICS_URL": analytics or url}  # fmt: skip
    return create_app(config).test_client()


def sign_in(client, username: str):
    """The response to `username` signing in through the form."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    return client.post("/login", data={"username": username, "password": f"{username}-pass-123",
                                       "csrf_token": token})  # fmt: skip


def client_of(url: str, username: str, engine: str = "sql", analytics: str | None = None):
    """A test client signed in as `username`, on a server with SALES_ENGINE=`engine`."""
    client = app_client(url, engine, analytics)
    sign_in(client, username)
    return client


def freshness_of(answer) -> dict[str, str]:
    """Admin's freshness cards (label: value) in a callback's answer (JSON)."""
    found = {}

    def walk(node):
        if isinstance(node, dict):
            children = node.get("props", {}).get("children")
            if node.get("type") == "CardBody" and isinstance(children, list):
                label, value = (c["props"]["children"] for c in children)
                found[label] = value
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(answer)
    return found


def export_both_ways(url: str, *args: str):
    """`flask <args>` on the database at `url` with SALES_ENGINE=frames, then with sql: the
    two finished processes."""
    on_frames = flask(url, *args)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SALES_ENGINE", "sql")
        return on_frames, flask(url, *args)


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def callback(client, outputs: list, inputs: list, state: list = ()):
    """A callback request crafted as Dash's renderer posts it: `outputs` as (id, property)
    pairs (one pair: a single output), `inputs` and `state` as (id, property, value) triples,
    the first input the one that changed."""
    targets = [{"id": i, "property": p} for i, p in outputs]
    single = len(outputs) == 1
    body = {
        "output": (f"{outputs[0][0]}.{outputs[0][1]}" if single
                   else ".." + "...".join(f"{i}.{p}" for i, p in outputs) + ".."),
        "outputs": targets[0] if single else targets,
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
    }  # fmt: skip
    return client.post("/_dash-update-component", json=body)


def page_callback(client, path: str, query: str = ""):
    """The router's callback rendering the page at `path` with `query`."""
    return callback(client, [("app-page", "children")], [("app-url", "pathname", path)],
                    [("app-url", "search", query)])  # fmt: skip


def grid_callback(client, outputs: list, query: str, grid: str, more_inputs: list = ()):
    """The rows callback of a screen whose grid is `grid`, crafted: the view's query in (the
    grid holding no columns, state or filters yet), `outputs` back."""
    state = [("view-grid", "data", query),
             *((grid, p, None) for p in ("columnDefs", "columnState", "filterModel"))]  # fmt: skip
    return callback(client, outputs, [("view", "data", query), *more_inputs], state)


def report_callback(client, query: str, screen: str):
    """The report pages' callback, crafted: the view's query in, its six outputs back."""
    return callback(client, REPORT_OUTPUTS, [("view", "data", query)],
                    [("view-grid", "data", query), ("view-screen", "data", screen)])  # fmt: skip


def test_sqr001_every_report_csv_is_the_same_file_with_frames_and_with_sql(shop):
    """Each report the engine answers, for a user of each scope, from the frames, from the
    SQLite database and from the DuckDB file: the same bytes (HTTP), and the same from the
    command line."""
    queries = [f"/export/{name}.csv?{PERIOD}&headers=fields" for name in REPORTS]
    queries += [f"/export/sales-by-date.csv?{PERIOD}&by={by}&headers=fields"
                for by in ("day", "week", "month")]  # fmt: skip
    queries += ["/export/sales-by-date.csv?from=2026-01-07&to=2026-03-04&by=week&channel=web"
                "&headers=fields",
                f"/export/sales-by-user.csv?{PERIOD}&headers=fields",
                f"/export/sales-by-user.csv?{PERIOD}&channel=web&headers=fields",
                f"/export/sales-by-category.csv?{PERIOD}&channel=web&headers=fields",
                f"/export/sales-by-brand.csv?{PERIOD}&status=active&status=at_risk&headers=fields",
                "/export/sales-by-channel.csv?from=2026-02-01&to=2026-03-31&headers=fields"]  # fmt: skip
    queries += [f"/export/sell-through.csv?{PERIOD}&combine={combine}&unsold={unsold}"
                "&headers=fields" for combine in ("no", "yes") for unsold in ("no", "yes")]  # fmt: skip
    queries += [f"/export/sell-through.csv?{PERIOD}&unsold=yes&category=Garden&headers=fields",
                f"/export/sell-through.csv?{PERIOD}&channel=phone&headers=fields",
                f"/export/made-to-order.csv?{PERIOD}&headers=fields",
                f"/export/made-to-order.csv?{PERIOD}&amount_min=250&headers=fields"]  # fmt: skip
    for username in USERS:
        clients = [client_of(shop[0], username, "frames"), client_of(shop[0], username),
                   client_of(shop[0], username, analytics=shop[1])]  # fmt: skip
        for query in queries:
            answers = [client.get(query) for client in clients]
            assert [a.status_code for a in answers] == [200] * 3, (username, query)
            assert answers[0].text == answers[1].text == answers[2].text, (username, query)
            assert len(rows_of(answers[0].text)) > 0, (username, query)
    for args, shows in (
        (("export", "sales-by-brand", "--as", "nora", "--view", f"?{PERIOD}"), "Acme"),
        (("export", "sell-through", "--as", "sam", "--view", f"?{PERIOD}&combine=yes"), "Tee"),
        (("export", "made-to-order", "--as", "lee", "--view", f"?{PERIOD}"), "Engraved"),
    ):
        on_frames, on_sql = export_both_ways(shop[0], *args)
        assert on_frames.returncode == on_sql.returncode == 0, (args, on_sql.stderr)
        assert on_sql.stdout == on_frames.stdout and shows in on_sql.stdout, args


@pytest.mark.parametrize("analytics", [0, 1], ids=["sqlite", "duckdb"])
def test_sqr002_sales_by_category_and_by_month_hold_the_hand_computed_numbers(shop, analytics):
    client = client_of(shop[0], "lee", analytics=shop[analytics])
    rows = rows_of(client.get(f"/export/sales-by-category.csv?{PERIOD}&headers=fields").text)
    # Home: O1 (the SPEC example, £712.50 on £570 cost) and C9's O7 (£50 on £30); the returned
    # and the cancelled Home lines are not revenue. Outdoor: O5's first line as sold. Garden:
    # O2 (£200, no cost) and O9 (£90, £50 cost, £5 non-inv). N/A: O6's item C, no cost.
    assert [(r["category"], r["sales_amount"], r["sales_quantity"], r["orders"],
             r["customers"], r["cost_amount"], r["gross_profit"], r["cost_coverage"])
            for r in rows] == [
        ("Home", "762.5", "66.0", "2", "2", "600.0", "162.5", "1.0"),
        ("Outdoor", "500.0", "5.0", "1", "1", "300.0", "200.0", "1.0"),
        ("Garden", "290.0", "3.0", "2", "2", "50.0", "35.0", f"{90 / 290}"),
        ("N/A", "20.0", "1.0", "1", "1", "", "", "0.0"),  # Unknown cost, never 0
    ]  # fmt: skip
    assert float(rows[2]["gross_profit_margin"]) == pytest.approx(35 / 90, rel=1e-12)
    months = rows_of(client.get("/export/sales-by-date.csv?from=2025-11-15&to=2026-04-30"
                                "&by=month&headers=fields").text)  # fmt: skip
    assert [(r["date"], r["sales_amount"], r["orders"], r["customers"]) for r in months] == [
        ("2025-11-01", "0.0", "0", "0"),  # no sale: still a row
        ("2025-12-01", "50.0", "1", "1"),
        ("2026-01-01", "712.5", "1", "1"),
        ("2026-02-01", "200.0", "1", "1"),  # O2; the draft O3 is not revenue
        ("2026-03-01", "590.0", "2", "2"),  # O5 less its returned line, and O9
        ("2026-04-01", "20.0", "1", "1"),  # O6; the abandoned O8 is not revenue
    ]
    # weeks run Monday to Sunday: the first (from Mon 23 Feb) starts before the period
    weeks = rows_of(client.get("/export/sales-by-date.csv?from=2026-02-26&to=2026-03-16"
                               "&by=week&headers=fields").text)  # fmt: skip
    assert [
        (r["date"], r["sales_amount"], r["cost_amount"], r["cost_coverage"]) for r in weeks
    ] == [
        ("2026-02-23", "90.0", "50.0", "1.0"),  # O9 on Sun 1 Mar: £100 less 10%
        ("2026-03-02", "0.0", "0.0", ""),  # the quote O4 (3 Mar) is not revenue: no sale
        ("2026-03-09", "500.0", "300.0", "1.0"),  # O5 on Sun 15 Mar, less its returned line
        ("2026-03-16", "0.0", "0.0", ""),  # the last week: only its Monday is in the period
    ]
    days = rows_of(client.get("/export/sales-by-date.csv?from=2026-01-09&to=2026-01-11"
                              "&headers=fields").text)  # fmt: skip
    assert [(r["date"], r["sales_amount"], r["gross_profit"]) for r in days] == [
        ("2026-01-09", "0.0", "0.0"), ("2026-01-10", "712.5", "142.5"), ("2026-01-11", "0.0", "0.0")]  # fmt: skip


@pytest.mark.parametrize("username", ["sam", "nora"])
def test_sqr003_crafted_report_requests_on_sql_get_only_the_users_scope(shop, username):
    """Sam owns C1 and C4; Nora manages North (Sam's and Kim's C2, whose orders are a draft
    and a quote): both see O1 and O2 of C1 only, whatever they ask for."""
    client = client_of(shop[0], username)
    mine = [("Home", "712.5", "1"), ("Garden", "200.0", "1")]
    rows = rows_of(client.get(f"/export/sales-by-category.csv?{PERIOD}&headers=fields").text)
    assert [(r["category"], r["sales_amount"], r["customers"]) for r in rows] == mine
    for crafted in ("customer=C3", "customer=C9", "salesperson=SP3", "team=South"):
        refused = client.get(f"/export/sales-by-category.csv?{PERIOD}&{crafted}")
        assert refused.status_code == 400 and "unknown value" in refused.text
        assert "Outdoor" not in refused.text and "500" not in refused.text
        answer = report_callback(client, f"?{PERIOD}&{crafted}", "sales-by-category")
        assert answer.status_code == 200
        grid = answer.get_json()["response"]["report-grid"]["rowData"]
        assert [(r["category"], r["sales_amount"]) for r in grid] == [("Home", 712.5),
                                                                       ("Garden", 200.0)]  # fmt: skip
    months = rows_of(client.get(f"/export/sales-by-date.csv?{PERIOD}&by=month"
                                "&headers=fields").text)  # fmt: skip
    assert [r["sales_amount"] for r in months] == ["0.0", "712.5", "200.0", "0.0", "0.0"]
    channels = report_callback(client, f"?{PERIOD}", "sales-by-channel").get_json()
    assert sum(r["sales_amount"] for r in channels["response"]["report-grid"]["rowData"]) == 912.5


def test_sqr004_sql_serves_every_screen_admin_included(shop):
    client = client_of(shop[0], "lee")
    assert client.get(f"/reports/sales-by-category?{PERIOD}").status_code == 200
    assert client.get("/reports/sales-by-date?by=month").status_code == 200
    assert client.get("/admin").status_code == 403  # as on frames: Admin is the admin's
    pdf = client.get(f"/export/sales-by-supplier.pdf?{PERIOD}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # the page's callback: rows link on as on frames, with their matching lists
    answer = report_callback(client, f"?{PERIOD}", "sales-by-category").get_json()["response"]
    grid = answer["report-grid"]
    assert all(r["href"].startswith("/reports/sales-by-brand?") for r in grid["rowData"])
    assert all(r["products_href"].startswith("/reports/matching-products?")
               for r in grid["rowData"])  # fmt: skip
    assert "links" in [c["field"] for c in grid["columnDefs"]]
    collections = report_callback(client, f"?{PERIOD}", "sales-by-collection").get_json()
    assert all(r["href"].startswith("/reports/sell-through?")
               for r in collections["response"]["report-grid"]["rowData"])  # fmt: skip
    # a matching customer's name links to its customer page, as on frames
    customers = report_callback(client, f"?{PERIOD}&product=B", "matching-customers").get_json()
    rows = customers["response"]["report-grid"]["rowData"]
    assert [r["customer_id"] for r in rows] == ["C3", "C1", "C5"]
    assert [r["href"].split("?")[0] for r in rows] == ["/customers/C3", "/customers/C1",
                                                       "/customers/C5"]  # fmt: skip
    # Admin, for the admin: the page (its counts as the frames give them, by hand: 13 order
    # lines, O1-O9, C1-C5 and C9 seen only on orders) and its callbacks
    admin, on_frames = client_of(shop[0], "ada"), client_of(shop[0], "ada", "frames")
    assert admin.get("/admin").status_code == 200
    page = page_callback(admin, "/admin")
    assert page.status_code == 200 and "This server runs with" not in page.text
    cards = freshness_of(page.get_json())
    assert {k: cards[k] for k in ("Order lines", "Orders", "Customers")} == {
        "Order lines": "13", "Orders": "9", "Customers": "6"}  # fmt: skip
    assert cards == freshness_of(page_callback(on_frames, "/admin").get_json())
    choices = callback(admin, [("admin-salesperson", "options"), ("admin-team", "options")],
                       [("admin-users-grid", "rowData", [])]).get_json()["response"]  # fmt: skip
    assert [o["value"] for o in choices["admin-salesperson"]["options"]][:3] == ["SP1", "SP2",
                                                                                 "SP3"]  # fmt: skip
    assert [o["value"] for o in choices["admin-team"]["options"]][:2] == ["North", "South"]
    # the command line serves the matching lists too
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SALES_ENGINE", "sql")
        served = flask(shop[0], "export", "matching-customers", "--as", "nora", "--view",
                       f"?{PERIOD}&item=B")  # fmt: skip
    assert served.returncode == 0 and "Aster" in served.stdout and "Cedar" not in served.stdout


@pytest.mark.parametrize("username", [*USERS, "ada"])
def test_sqr005_signing_in_on_sql_lands_on_the_roles_own_page(shop, username):
    """Every role lands on its own page, as on frames: leadership's Overview, the manager's Team
    performance, the salesperson's My customers, the admin's Admin."""
    home = {"lee": "/", "sam": "/my-customers", "nora": "/team", "ada": "/admin"}[username]
    client = app_client(shop[0])
    signed = sign_in(client, username)
    assert signed.status_code == 302
    assert signed.headers["Location"] == home
    assert client.get(signed.headers["Location"]).status_code == 200
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and f'href="{home}"' in missing.text


def test_sqr006_a_customer_status_filters_the_reports_on_sql_as_on_frames(tmp_path):
    """The cadence shop from 1 to 27 Feb (tests.test_sql_engine.CADENCE_STATUSES): R, F and D
    at risk, T active, E and N inactive. Sales by Category (all Coffee) of each status holds the
    hand-computed row, the same file from the frames, the SQLite database and the DuckDB file;
    the page's callback on sql shows it; team North's manager does not see F (South)."""
    url, duckdb_url = company(tmp_path, cadence_tables())
    period = "from=2026-02-01&to=2026-02-27"
    expected = {  # F's three £100 orders; T3 (£100; T2 is a draft)
        "at_risk": [("Coffee", "300.0", "3", "1")],
        "active": [("Coffee", "100.0", "1", "1")],
        "at_risk&status=active": [("Coffee", "400.0", "4", "2")],
        "inactive": [],  # no order in the period: no sales
    }
    clients = [client_of(url, "lee", "frames"), client_of(url, "lee"),
               client_of(url, "lee", analytics=duckdb_url)]  # fmt: skip
    for status, rows in expected.items():
        query = f"/export/sales-by-category.csv?{period}&status={status}&headers=fields"
        answers = [client.get(query) for client in clients]
        assert [a.status_code for a in answers] == [200] * 3, status
        assert answers[0].text == answers[1].text == answers[2].text, status
        got = [(r["category"], r["sales_amount"], r["orders"], r["customers"])
               for r in rows_of(answers[1].text)]  # fmt: skip
        assert got == rows, status
    answer = report_callback(clients[1], f"?{period}&status=at_risk", "sales-by-category")
    grid = answer.get_json()["response"]["report-grid"]["rowData"]
    assert [(r["category"], r["sales_amount"], r["customers"]) for r in grid] == [
        ("Coffee", 300, 1)]  # fmt: skip
    north = client_of(url, "nora")
    mine = north.get(f"/export/sales-by-category.csv?{period}&status=at_risk&headers=fields")
    assert mine.status_code == 200 and rows_of(mine.text) == []


def commission_tables() -> dict:
    """SPEC §5's worked example for Sam (SP1, North, basis items_delivered, 10%; customer C1):
    A1 £100 (placed 1 Sep, delivered 5 Oct, returned 20 Oct), A2 £150 (3 Oct, delivered 7 Oct,
    returned 15 Oct), A3 £200 (10 Oct, delivered 12 Oct). Pat (SP2, South, basis payments,
    5%; customer C2): B1 £80 placed 20 Sep, paid £50 on 2 Oct, £10 refunded on 19 Oct, £30
    paid on 25 Oct (after the period)."""
    tables = make_tables(
        [dict(order_id="A1", order_date="2025-09-01", unit_price=100, status="returned"),
         dict(order_id="A2", order_date="2025-10-03", unit_price=150, status="returned"),
         dict(order_id="A3", order_date="2025-10-10", unit_price=200),
         dict(order_id="B1", order_date="2025-09-20", unit_price=80, customer_id="C2",
              salesperson="SP2")],
        [dict(customer_id="C1", name="Aster", owner="SP1"),
         dict(customer_id="C2", name="Birch", owner="SP2")],
        [dict(code="SP1", name="Sam", team="North", commission_rate=0.1,
              commission_basis="items_delivered"),
         dict(code="SP2", name="Pat", team="South", commission_rate=0.05,
              commission_basis="payments")],
    )  # fmt: skip
    days = pd.to_datetime
    tables["order_lines"] = tables["order_lines"].assign(
        delivered_on=days(["2025-10-05", "2025-10-07", "2025-10-12", "2025-09-25"]),
        returned_on=days(["2025-10-20", "2025-10-15", None, None]),
    )
    tables["payments"] = pd.DataFrame({"order_id": ["B1"] * 3, "amount": [50.0, -10.0, 30.0],
                                       "paid_on": days(["2025-10-02", "2025-10-19", "2025-10-25"])})  # fmt: skip
    return tables


def test_sqr007_sales_by_user_holds_the_spec_commission_example_on_every_engine(tmp_path):
    """Sam: delivered £450 − returned £250 = £200 adjusted, £20 commission (SPEC §5), though
    only A3 (£200) is revenue of the period by order date; Pat: £50 paid − £10 refunded, £2.
    The same file from the frames, the SQLite database and the DuckDB file for each scope (the
    manager of North and Sam see Sam only), from the command line too; on sql a row links on
    to Sales by Category narrowed to the user, as on frames."""
    url, duckdb_url = company(tmp_path, commission_tables())
    query = "/export/sales-by-user.csv?from=2025-10-01&to=2025-10-20&headers=fields"
    sam = ("SP1", "Sam", "200.0", "350.0", "0.0", "250.0", "450.0", "0.0", "0.0", "Delivered",
           "200.0", "20.0")  # fmt: skip
    pat = ("SP2", "Pat", "0.0", "0.0", "0.0", "0.0", "0.0", "50.0", "10.0", "Payments", "40.0",
           "2.0")  # fmt: skip
    for username, expected in (("lee", [sam, pat]), ("nora", [sam]), ("sam", [sam])):
        clients = [client_of(url, username, "frames"), client_of(url, username),
                   client_of(url, username, analytics=duckdb_url)]  # fmt: skip
        answers = [client.get(query) for client in clients]
        assert [a.status_code for a in answers] == [200] * 3, username
        assert answers[0].text == answers[1].text == answers[2].text, username
        got = [(r["salesperson"], r["salesperson_name"], r["sales_amount"], r["sold"],
                r["cancelled"], r["returned"], r["delivered"], r["paid"], r["refunded"],
                r["commission_basis"], r["adjusted_sales"], r["commission"])
               for r in rows_of(answers[1].text)]  # fmt: skip
        assert got == expected, username
    pdf = clients[1].get(query.replace(".csv", ".pdf"))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    answer = report_callback(client_of(url, "lee"), "?from=2025-10-01&to=2025-10-20",
                             "sales-by-user").get_json()["response"]  # fmt: skip
    grid = answer["report-grid"]["rowData"]
    assert [(r["salesperson"], r["commission"]) for r in grid] == [("SP1", 20.0), ("SP2", 2.0)]
    assert [r["href"] for r in grid] == [
        "/reports/sales-by-category?from=2025-10-01&to=2025-10-20&taken_by=SP1",
        "/reports/sales-by-category?from=2025-10-01&to=2025-10-20&taken_by=SP2",
    ]
    args = ("export", "sales-by-user", "--as", "nora", "--view", "?from=2025-10-01&to=2025-10-20")
    on_frames, on_sql = export_both_ways(url, *args)
    assert on_frames.returncode == on_sql.returncode == 0, on_sql.stderr
    assert on_sql.stdout == on_frames.stdout and "Sam" in on_sql.stdout


def amounts_of(rows: list[dict], *labels: str) -> list[tuple]:
    return [(*(r[label] for label in labels), r["sales_amount"], r["sales_quantity"], r["orders"],
             r["customers"], r["cost_amount"], r["gross_profit"], r["cost_coverage"])
            for r in rows]  # fmt: skip


@pytest.mark.parametrize("analytics", [0, 1], ids=["sqlite", "duckdb"])
def test_sqr008_sell_through_and_made_to_order_hold_the_hand_computed_numbers(shop, analytics):
    """The shop (tests.test_sql_engine.shop_tables) on sql. By item: B £790 (O2 £200 without
    cost, O5's first line 5 × £100 on £300, O9 £90 on £50 + £5 non-inv), A £762.50 (O1, the SPEC
    example, and O7 £50 on £30), the deleted C £20 (O6, no cost: Unknown). Unsold: A2 and D at
    zero. By product: TEE (A and A2) named "Tee", and D unsold. Made to Order: B's lines (made
    to order) and O1's gift-wrapped first line (30 × £6 incl. VAT = £150 on £120)."""
    client = client_of(shop[0], "lee", analytics=shop[analytics])
    query = f"{PERIOD}&headers=fields"
    items = rows_of(client.get(f"/export/sell-through.csv?{query}&unsold=yes").text)
    assert amounts_of(items, "item", "name", "product", "category", "in_catalogue") == [
        ("B", "Item B", "B", "Garden", "yes", "790.0", "8.0", "3", "3", "350.0", "235.0",
         f"{590 / 790}"),
        ("A", "Tee Red", "TEE", "Home", "yes", "762.5", "66.0", "2", "2", "600.0", "162.5", "1.0"),
        ("C", "Item C", "C", "N/A", "no", "20.0", "1.0", "1", "1", "", "", "0.0"),
        ("A2", "Tee Blue", "TEE", "Home", "yes", "0.0", "0.0", "0", "0", "0.0", "0.0", ""),
        ("D", "Item D", "D", "Garden", "yes", "0.0", "0.0", "0", "0", "0.0", "0.0", ""),
    ]  # fmt: skip
    products = rows_of(client.get(f"/export/sell-through.csv?{query}&combine=yes").text)
    assert [(r["product"], r["name"], r["variants"], r["sales_amount"]) for r in products] == [
        ("B", "Item B", "1", "790.0"), ("TEE", "Tee", "2", "762.5"), ("C", "Item C", "1", "20.0")]  # fmt: skip
    made = rows_of(client.get(f"/export/made-to-order.csv?{query}").text)
    assert amounts_of(made, "product", "customisation", "name") == [
        ("B", "Engraved", "Item B", "500.0", "5.0", "1", "1", "300.0", "200.0", "1.0"),
        ("B", "N/A", "Item B", "290.0", "3.0", "2", "2", "50.0", "35.0", f"{90 / 290}"),
        ("TEE", "Gift wrap", "Tee", "150.0", "30.0", "1", "1", "120.0", "30.0", "1.0"),
    ]  # fmt: skip


@pytest.mark.parametrize("username", ["sam", "nora"])
def test_sqr009_sell_through_and_made_to_order_on_sql_get_only_the_users_scope(shop, username):
    """Sam's and Nora's only sales are C1's O1 (A, its first line gift-wrapped) and O2 (B): the
    same CSV and PDF on frames and sql, whatever they ask for; a row links on to its customers
    (Sell Through) or to Sell Through narrowed to its product and customisation."""
    frames, sql = client_of(shop[0], username, "frames"), client_of(shop[0], username)
    mine = {"sell-through": [("A", "712.5"), ("B", "200.0"), ("A2", "0.0"), ("D", "0.0")],
            "made-to-order": [("B", "200.0"), ("TEE", "150.0")]}  # fmt: skip
    for screen, rows in mine.items():
        choice = "&unsold=yes" if screen == "sell-through" else ""
        query = f"/export/{screen}.csv?{PERIOD}{choice}&headers=fields"
        answer = sql.get(query)
        assert answer.text == frames.get(query).text
        assert [
            (r.get("item", r["product"]), r["sales_amount"]) for r in rows_of(answer.text)
        ] == rows
        pdf = query.replace(".csv", ".pdf")
        assert sql.get(pdf).data == frames.get(pdf).data
        for crafted in ("customer=C3", "customer=C9", "salesperson=SP3", "team=South"):
            refused = sql.get(f"/export/{screen}.csv?{PERIOD}&{crafted}")
            assert refused.status_code == 400 and "unknown value" in refused.text
            assert "500" not in refused.text
            answer = report_callback(sql, f"?{PERIOD}{choice}&{crafted}", screen)
            grid = answer.get_json()["response"]["report-grid"]["rowData"]
            key = "item" if screen == "sell-through" else "product"
            assert [(r[key], f"{r['sales_amount']:.1f}") for r in grid] == rows
            target = "matching-customers" if screen == "sell-through" else "sell-through"
            assert all(r["href"].startswith(f"/reports/{target}?") for r in grid)
