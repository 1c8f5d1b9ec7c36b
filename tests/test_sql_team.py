"""Team performance with SALES_ENGINE=sql: metrics.team.team_report, from the engine's
owner_sums, new_customers, salespeople and event_sums, equals today's team_performance (and the
charts' new customers per month and compared sales) for every case of tests.test_sql_engine on
the shop and the cadence shop, on SQLite, PostgreSQL and DuckDB; its CSV is the same file from
the frames, the SQLite database and the DuckDB file for a leader and a manager, with the numbers
worked out by hand; crafted requests outside a manager's team get nothing of it; its page, PDF
and CLI export work on sql."""

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from data.access import Scope, scoped
from data.db import make_engine, read_tables, write_tables
from data.frames import build_frames, from_day
from data.sql_engine import Database, SqlEngine
from metrics.engine import FramesEngine
from metrics.filters import Filters
from metrics.team import (
    TEAM_COLUMNS,
    new_customers_by_month,
    new_customers_of,
    sales_by_salesperson,
    sales_of,
    team_performance,
    team_report,
)
from tests.test_sql_engine import CASES, EVERYONE, cadence_tables, company_tables, write_duckdb
from tests.test_sql_reports import (
    callback,
    client_of,
    company,
    export_both_ways,
    page_callback,
    rows_of,
    shop,
)

PERIOD = "from=2025-12-01&to=2026-04-30"
TEXTS = ("salesperson", "salesperson_name", "team", "commission_basis")
COUNTS = ("confirmed_order_count", "new_customers", "customers", "active_customers",
          "at_risk_customers")  # fmt: skip
RATIOS = ("gross_profit_margin",)
TEAM_OUTPUTS = [("team-grid", "rowData"), ("team-grid", "columnDefs"),
                ("team-grid", "columnState"), ("team-grid", "filterModel"),
                ("team-sales", "figure"), ("team-new", "figure")]  # fmt: skip
__all__ = ["shop"]  # the module fixture of tests.test_sql_reports: the shop with its users


def team_differences(expected: pd.DataFrame, got: pd.DataFrame, where: str) -> list[str]:
    """Where two team tables differ: names, codes and counts exactly; money to the cent, ratios
    to 1e-9, Unknown where Unknown."""
    if list(got.columns) != list(TEAM_COLUMNS) or len(expected) != len(got):
        return [f"{where}: shape\n{expected}\n{got}"]
    found = [f"{where}: {c}" for c in (*TEXTS, *COUNTS) if list(expected[c]) != list(got[c])]
    for column in set(TEAM_COLUMNS) - {*TEXTS, *COUNTS}:
        e, g = expected[column].to_numpy(np.float64), got[column].to_numpy(np.float64)
        close = np.allclose(e, g, rtol=1e-9 if column in RATIOS else 0,
                            atol=0 if column in RATIOS else 0.005, equal_nan=True)  # fmt: skip
        if not close or not np.array_equal(np.isnan(e), np.isnan(g)):
            found.append(f"{where}: {column} {e} != {g}")
    return found


def listed(table: pd.DataFrame) -> list[tuple]:
    """A frame's rows as tuples, missing values as None."""
    return [tuple(None if pd.isna(v) else v for v in row) for row in table.to_numpy(object)]


def assert_teams_agree(url: str, company_name: str, analytics_url: str | None = None) -> None:
    """Every case of tests.test_sql_engine (the period closed as a screen's view has it): the
    team table, the new customers per month and the compared sales from both engines equal
    today's frames code."""
    frames = build_frames(read_tables(make_engine(url)))
    database = Database(analytics_url or url)
    found = []
    for what, filters, scope in CASES[company_name]:
        mine = scoped(frames, scope)
        filters = replace(filters, start=filters.start or from_day(frames.first_day).date(),
                          end=filters.end or from_day(frames.last_day).date())  # fmt: skip
        expected = team_performance(mine, filters)
        months = listed(new_customers_by_month(mine, filters))
        sales = sales_by_salesperson(mine, filters)
        for engine in (FramesEngine(mine), SqlEngine(database, scope)):
            where = f"{what}, {type(engine).__name__}"
            by_month = new_customers_of(engine, filters)
            found += team_differences(expected, team_report(engine, filters, by_month), where)
            if listed(by_month) != months:
                found.append(f"{where}: new customers by month {listed(by_month)} != {months}")
            got = sales_of(engine, filters)
            if list(got["salesperson"]) != list(sales["salesperson"]) or not np.allclose(
                got["sales_amount"], sales["sales_amount"], rtol=0, atol=0.005
            ):
                found.append(f"{where}: compared sales\n{got}\n{sales}")
    assert found == []


@pytest.mark.parametrize("company_name", ["shop", "cadence"])
def test_sqt001_the_team_on_sqlite_and_postgresql_equals_the_frames(database_url, company_name):
    write_tables(make_engine(database_url), company_tables(company_name), replace=True)
    assert_teams_agree(database_url, company_name)


@pytest.mark.parametrize("company_name", ["shop", "cadence"])
def test_sqt002_the_team_on_a_duckdb_file_equals_the_frames(tmp_path, company_name):
    url = f"sqlite:///{tmp_path / 'sales.db'}"
    write_tables(make_engine(url), company_tables(company_name), replace=True)
    assert_teams_agree(url, company_name, write_duckdb(tmp_path / "sales.duckdb", url))


@pytest.mark.parametrize("analytics", [None, 0, 1], ids=["frames", "sqlite", "duckdb"])
def test_sqt003_owner_sums_and_new_customers_hold_by_hand_on_every_engine(shop, analytics):
    """The shop (tests.test_sql_engine.SHOP_LINES) from Dec 2025 to Apr 2026: Sam (SP1) owns C1
    (O1, the SPEC example, and O2: £912.50, 2 orders) and C4 (no order); Kim (SP2) C2 (a draft
    and a quote: no sale); Pat (SP3) C3 (O5 less its returned line, O6 without cost: £520);
    C5 (O9, £90) and C9 (O7, £50; missing from the customer list) have no owner. None has three
    orders: no one is at risk. From 1 Mar, C3 and C5 are new; C1 is not (first order 10 Jan)."""
    if analytics is None:
        engine = FramesEngine(build_frames(read_tables(make_engine(shop[0]))))
    else:
        engine = SqlEngine(Database(shop[analytics]), EVERYONE)
    filters = Filters(start=date(2025, 12, 1), end=date(2026, 4, 30))
    owners = engine.owner_sums(filters)
    columns = ["owner", "sales_amount", "known_sales", "cost_amount", "confirmed_orders",
               "customers", "active_customers", "at_risk_customers", "unknown_cost_customers"]  # fmt: skip
    assert owners[columns].values.tolist() == [
        ["SP1", 912.5, 712.5, 570.0, 2, 2, 1, 0, 0],
        ["SP2", 0.0, 0.0, 0.0, 0, 1, 0, 0, 0],
        ["SP3", 520.0, 500.0, 300.0, 2, 1, 1, 0, 0],
        ["N/A", 140.0, 140.0, 80.0, 2, 2, 2, 0, 0],  # C5 and C9
    ]
    # February: only O2 (C1, Garden, no cost) sells; C3 is not kept by the team filter
    february = engine.owner_sums(Filters(start=date(2026, 2, 1), end=date(2026, 2, 28),
                                         teams=("North",)))  # fmt: skip
    assert february[columns].values.tolist() == [
        ["SP1", 200.0, 0.0, 0.0, 1, 2, 1, 0, 1],  # C1's profit is Unknown this month
        ["SP2", 0.0, 0.0, 0.0, 0, 1, 0, 0, 0],
    ]
    assert engine.new_customers(filters).values.tolist() == [
        ["SP1", "2026-01", 1], ["SP3", "2026-03", 1], ["N/A", "2025-12", 1],
        ["N/A", "2026-03", 1]]  # fmt: skip
    march_on = engine.new_customers(replace(filters, start=date(2026, 3, 1)))
    assert march_on.values.tolist() == [["SP3", "2026-03", 1], ["N/A", "2026-03", 1]]
    sam = SqlEngine(Database(shop[0]), Scope("salesperson", salesperson="SP1"))
    assert sam.owner_sums(filters)["owner"].tolist() == ["SP1"]  # the scope's WHERE
    assert sam.new_customers(Filters(customers=("C3",), start=filters.start,
                                     end=filters.end)).empty  # fmt: skip


def csv_rows(clients, query: str) -> list[dict]:
    """The team CSV of `query` from each client: the same file, as rows."""
    answers = [client.get(f"/export/team.csv?{query}&headers=fields") for client in clients]
    assert [a.status_code for a in answers] == [200] * len(clients), query
    assert all(a.text == answers[0].text for a in answers), query
    return rows_of(answers[0].text)


def numbers(rows: list[dict]) -> list[tuple]:
    return [(r["salesperson"], r["salesperson_name"], r["team"], r["sales_amount"],
             r["gross_profit"], r["confirmed_order_count"], r["average_order_amount"],
             r["new_customers"], r["customers"], r["active_customers"], r["at_risk_customers"],
             r["commission_basis"], r["commission"]) for r in rows]  # fmt: skip


def test_sqt004_the_team_csv_holds_the_hand_computed_numbers_on_every_engine(shop):
    """A leader and North's manager, the shop from Dec 2025 to Apr 2026: the same file from
    the frames, the SQLite database and the DuckDB file. Commission (10% of items sold) goes to
    the orders' salesperson: Sam took O1, O2 (£962.50 sold, a £50 line cancelled), O7 (£50) and
    O9 (£90), Pat O5 (£600 sold, £100 returned) and O6 (£20); Kim's draft and quote are not
    sales. North's manager sees only the orders of North's customers (O1 and O2)."""
    sam = ("SP1", "Sam", "North", "912.5", "142.5", "2", "456.25", "1", "2", "1", "0",
           "Items sold")  # fmt: skip
    pat = ("SP3", "Pat", "South", "520.0", "200.0", "2", "260.0", "1", "1", "1", "0",
           "Items sold", "52.0")  # fmt: skip
    kim = ("SP2", "Kim", "North", "0.0", "0.0", "0", "", "0", "1", "0", "0", "Items sold", "0.0")
    for username, expected in (("lee", [(*sam, "105.25"), pat, kim]),
                               ("nora", [(*sam, "91.25"), kim])):  # fmt: skip
        clients = [client_of(shop[0], username, "frames"), client_of(shop[0], username),
                   client_of(shop[0], username, analytics=shop[1])]  # fmt: skip
        rows = csv_rows(clients, PERIOD)
        assert numbers(rows) == expected, username
        margins = [float(r["gross_profit_margin"] or "nan") for r in rows]
        assert margins[:-1] == pytest.approx([142.5 / 712.5, 200 / 500][: len(rows) - 1])
        assert rows[-1]["gross_profit_margin"] == ""  # Kim sold nothing: no margin
        # a filter inside orders, a status and the grid's sort apply the same on every engine
        phone = csv_rows(clients, f"{PERIOD}&channel=phone&sort=sales_amount:asc")
        assert [(r["salesperson"], r["sales_amount"]) for r in phone][-1] == ("SP1", "200.0")
        inactive = csv_rows(clients, f"{PERIOD}&status=inactive")
        assert {r["salesperson"]: r["customers"] for r in inactive}["SP1"] == "1"  # C4


def test_sqt005_at_risk_and_new_customers_per_salesperson_hold_by_hand(tmp_path):
    """The cadence shop (tests.test_sql_engine.CADENCE_LINES) from 1 to 27 Feb: Sam (SP1) owns
    D, E, N, R and T, of which D and R are at risk and T (T3, £100 on £60 cost) active; Pat
    (SP2) owns F, at risk though it ordered three times (£300, its first orders ever: new).
    Every order was taken by Sam: F's three and T3 are his £400 sold. The same file from the
    frames, SQLite and DuckDB; North's manager sees Sam only, and his commission on the orders
    of North's customers only (T3)."""
    url, duckdb_url = company(tmp_path, cadence_tables())
    period = "from=2026-02-01&to=2026-02-27"
    clients = [client_of(url, "lee", "frames"), client_of(url, "lee"),
               client_of(url, "lee", analytics=duckdb_url)]  # fmt: skip
    pat = ("SP2", "Pat", "South", "300.0", "120.0", "3", "100.0", "1", "1", "1", "1",
           "Items sold", "0.0")  # fmt: skip
    sam = ("SP1", "Sam", "North", "100.0", "40.0", "1", "100.0", "0", "5", "1", "2",
           "Items sold", "40.0")  # fmt: skip
    assert numbers(csv_rows(clients, period)) == [pat, sam]
    north = [client_of(url, "nora", "frames"), client_of(url, "nora")]
    assert numbers(csv_rows(north, period)) == [(*sam[:-1], "10.0")]


def team_callback(client, query: str):
    """The team page's callback, crafted: the view's query in, the table and charts back."""
    return callback(client, TEAM_OUTPUTS, [("view", "data", query)],
                    [("view-grid", "data", query)])  # fmt: skip


def test_sqt006_crafted_requests_outside_a_managers_team_get_nothing_of_it(shop):
    """Nora manages North (Sam and Kim; C1, C2, C4): whatever she asks for, Pat (South), his
    customer C3 and his £520 never show, on the CSV, the callback and the PDF."""
    client = client_of(shop[0], "nora")
    for crafted in ("customer=C3", "salesperson=SP3", "team=South"):
        refused = client.get(f"/export/team.csv?{PERIOD}&{crafted}")
        assert refused.status_code == 400 and "unknown value" in refused.text
        assert "Pat" not in refused.text and "520" not in refused.text
        answer = team_callback(client, f"?{PERIOD}&{crafted}")
        assert answer.status_code == 200
        response = answer.get_json()["response"]
        rows = response["team-grid"]["rowData"]
        assert [(r["salesperson"], r["sales_amount"]) for r in rows] == [("SP1", 912.5),
                                                                         ("SP2", 0.0)]  # fmt: skip
        assert "Pat" not in str(response) and "SP3" not in str(response)
    pdf = client.get(f"/export/team.pdf?{PERIOD}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_sqt007_the_page_and_its_exports_are_served_on_sql(shop):
    """The page renders on sql, its names open the Leaderboard of the salesperson's customers
    (as on frames), and `flask export team` writes the file the frames write, for a manager."""
    client = client_of(shop[0], "nora")
    assert client.get(f"/team?{PERIOD}").status_code == 200
    page = page_callback(client, "/team", f"?{PERIOD}")
    assert page.status_code == 200 and "team-grid" in page.text
    assert "opens the leaderboard of their customers" in page.text
    rows = team_callback(client, f"?{PERIOD}").get_json()["response"]["team-grid"]["rowData"]
    frames_rows = team_callback(client_of(shop[0], "nora", "frames"), f"?{PERIOD}")
    assert rows[0]["href"].startswith("/leaderboard?") and "salesperson=SP1" in rows[0]["href"]
    assert rows[0]["href"] == frames_rows.get_json()["response"]["team-grid"]["rowData"][0]["href"]
    args = ("export", "team", "--as", "nora", "--view", f"?{PERIOD}")
    on_frames, on_sql = export_both_ways(shop[0], *args)
    assert on_frames.returncode == on_sql.returncode == 0, on_sql.stderr
    assert on_sql.stdout == on_frames.stdout and "Sam" in on_sql.stdout
