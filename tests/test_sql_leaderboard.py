"""The Leaderboard and My customers with SALES_ENGINE=sql: each customer's cadence (last order,
days since, median gap, overdue, at risk) from the engine interface holds the hand-computed
answers of the cadence shop on the frames, SQLite, PostgreSQL and DuckDB; both screens' CSV is
the same file from the frames, the SQLite database and the DuckDB file for a leader, a manager
and a salesperson (rows worked out by hand on the shop and the cadence shop of
tests.test_sql_engine); crafted requests outside a user's scope get nothing of it; the cards,
the PDF and `flask export` work on sql."""

import json
from dataclasses import replace
from datetime import date
from urllib.parse import quote

import numpy as np
import pytest

from data.access import Scope, scoped
from data.db import make_engine, read_tables, write_tables
from data.frames import build_frames
from data.sql_engine import Database, SqlEngine
from metrics.engine import CADENCE, FramesEngine
from metrics.filters import Filters
from tests.cli import flask
from tests.test_sql_engine import cadence_tables, write_duckdb
from tests.test_sql_reports import (
    USERS,
    callback,
    client_of,
    company,
    export_both_ways,
    grid_callback,
    rows_of,
    shop,
)

PERIOD = "from=2025-12-01&to=2026-04-30"
FEBRUARY = "from=2026-02-01&to=2026-02-27"
NONE = float("nan")
# The cadence shop (tests.test_sql_engine.CADENCE_LINES) as of 27 Feb 2026: customer -> (last
# order, days since it, median gap, overdue days, at risk), worked out by hand from SPEC §3
CADENCE_AS_OF_27_FEB = {
    "D": ("2026-01-09", 49, 4, 45, True),  # 5, 5 and 9 Jan: one gap of 4 days, 3 orders
    "E": ("2026-01-08", 50, 25, 25, False),  # gaps 10, 20, 30, 100: 50 days are not over 2 x 25
    "F": ("2026-02-05", 22, 2, 20, True),  # 1, 3 and 5 Feb
    "N": (None, NONE, NONE, NONE, False),  # never ordered
    "R": ("2026-01-31", 27, 10, 17, True),  # every 10 days from 1 Jan
    "T": ("2026-02-27", 0, 56, -56, False),  # 2 Jan and 27 Feb (T2 of 10 Feb is a draft)
}
LEADERBOARD_OUTPUTS = [("leaderboard-rows", "data"), ("leaderboard-grid", "columnDefs"),
                       ("leaderboard-grid", "columnState"), ("leaderboard-grid", "filterModel")]  # fmt: skip
__all__ = ["shop"]  # the module fixture of tests.test_sql_reports: the shop with its users


def day_number(day: str | None) -> float:
    return NONE if day is None else float((date.fromisoformat(day) - date(1970, 1, 1)).days)


@pytest.fixture(scope="module")
def cadence_shop(tmp_path_factory):
    """(SQLite URL, DuckDB URL) of the cadence shop, with a user of each scope (USERS: Sam owns
    D, E, N, R and T; Nora manages North, the same customers; F is South's)."""
    return company(tmp_path_factory.mktemp("sql-leaderboard-cadence"), cadence_tables())


def test_sqlb001_each_customers_cadence_holds_by_hand_on_every_engine(database_url, tmp_path):
    write_tables(make_engine(database_url), cadence_tables(), replace=True)
    frames = build_frames(read_tables(make_engine(database_url)))
    duckdb_url = write_duckdb(tmp_path / "sales.duckdb", database_url)
    february = Filters(start=date(2026, 2, 1), end=date(2026, 2, 27))
    expected = [
        [day_number(last), since, gap, overdue, at_risk]
        for last, since, gap, overdue, at_risk in CADENCE_AS_OF_27_FEB.values()
    ]
    for scope in (Scope("leadership"), Scope("manager", team="North")):
        engines = {"frames": FramesEngine(scoped(frames, scope)),
                   "sql": SqlEngine(Database(database_url), scope),
                   "sql, from the lines": SqlEngine(Database(database_url), scope, rollups=False),
                   "duckdb": SqlEngine(Database(duckdb_url), scope)}  # fmt: skip
        mine = [c for c in CADENCE_AS_OF_27_FEB if scope.sees_everything or c != "F"]
        rows = [row for c, row in zip(CADENCE_AS_OF_27_FEB, expected, strict=True) if c in mine]
        # the data's last line is T3's of 27 Feb: an open end is the same day
        for filters in (february, replace(february, end=None)):
            for name, engine in engines.items():
                got = engine.customers(filters, (*CADENCE, "confirmed_orders", "draft_amount"))
                assert list(got["customer"]) == mine, name
                figures = got[list(CADENCE)].to_numpy(object).tolist()
                assert np.array_equal(np.array(figures, float), np.array(rows, float),
                                      equal_nan=True), (name, figures)  # fmt: skip
                # in February: F's three orders, T's T3 and its draft T2 (£100)
                counts = got.set_index("customer")[["confirmed_orders", "draft_amount"]]
                assert counts.loc["T"].tolist() == [1, 100], name
                assert counts["confirmed_orders"].sum() == (4 if "F" in mine else 1), name
    only = engines["sql"].customers(february, ("at_risk",))
    assert list(only.columns) == ["customer", "at_risk"]
    assert list(only.loc[only["at_risk"], "customer"]) == ["D", "R"]  # North: F is South's
    with pytest.raises(ValueError, match="unknown customer figure 'colour'"):
        engines["duckdb"].customers(february, ("colour",))


def three_clients(urls, username: str) -> list:
    """Clients of a server on frames, on sql over SQLite and on sql over DuckDB, signed in."""
    url, duckdb_url = urls
    return [client_of(url, username, "frames"), client_of(url, username),
            client_of(url, username, analytics=duckdb_url)]  # fmt: skip


def same_csv(clients, path: str) -> list[dict]:
    """The rows of the CSV export `path`: the same file from every client."""
    answers = [client.get(path) for client in clients]
    assert [a.status_code for a in answers] == [200] * len(clients), path
    assert answers[0].text == answers[1].text == answers[2].text, path
    return rows_of(answers[1].text)


def test_sqlb002_the_leaderboard_csv_holds_the_hand_computed_rows_on_every_engine(shop):
    """The leader's leaderboard of Dec 2025 - Apr 2026 over the shop, to 30 Apr: C1 Aster, O1
    (the SPEC example, £712.50) and O2 (£200; its cancelled line is not in the amount), 26 days
    apart, last on 5 Feb; C3 Cedar, O5 (£500; the returned line is not) and O6 (£20) on 15 Mar
    and 1 Apr; C5 Elm, O9 (£90) on 1 Mar; C9 (missing from the customer list: its ID names it),
    O7 (£50) on 20 Dec; C2 Birch, only a draft (£150) and a quote; C4 Dune, no order."""
    rows = same_csv(three_clients(shop, "lee"), f"/export/leaderboard.csv?{PERIOD}&headers=fields")
    assert [(r["customer_id"], r["customer_name"], r["status"], r["sales_amount"],
             r["last_order"], r["days_since_last_order"], r["overdue_days"],
             r["total_order_count"], r["total_order_amount"], r["confirmed_order_count"],
             r["draft_order_amount"], r["average_order_amount"]) for r in rows] == [
        ("C1", "Aster", "Active", "912.5", "2026-02-05", "84", "58.0", "2", "912.5", "2",
         "0.0", "456.25"),
        ("C3", "Cedar", "Active", "520.0", "2026-04-01", "29", "12.0", "2", "520.0", "2",
         "0.0", "260.0"),
        ("C5", "Elm", "Active", "90.0", "2026-03-01", "60", "", "1", "90.0", "1", "0.0", "90.0"),
        ("C9", "C9", "Active", "50.0", "2025-12-20", "131", "", "1", "50.0", "1", "0.0", "50.0"),
        ("C2", "Birch", "Inactive", "0.0", "", "", "", "1", "150.0", "0", "150.0", "150.0"),
        ("C4", "Dune", "Inactive", "0.0", "", "", "", "0", "0.0", "0", "0.0", ""),
    ]  # fmt: skip


@pytest.mark.parametrize("username", list(USERS))
def test_sqlb003_every_scope_gets_the_same_leaderboard_from_frames_and_sql(shop, username):
    """Quick filters, statuses, line filters, picks, the grid's columns, sort and column filter,
    and the PDF and `flask export`."""
    queries = ["", "&show=active", "&show=inactive", "&status=active&status=inactive",
               "&channel=web", "&selected=C1", "&compare=previous_year",
               "&columns=customer_id,days_since_last_order,status&sort=days_since_last_order:desc",
               "&filter=" + quote(json.dumps({"sales_amount": {"filterType": "number",
                                                               "type": "greaterThan",
                                                               "filter": 100}}))]  # fmt: skip
    clients = three_clients(shop, username)
    for query in queries:
        same_csv(clients, f"/export/leaderboard.csv?{PERIOD}{query}")
    pdf = clients[2].get(f"/export/leaderboard.pdf?{PERIOD}&show=active")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    args = ("export", "leaderboard", "--as", username, "--view", f"?{PERIOD}&show=active")
    on_frames, on_sql = export_both_ways(shop[0], *args)
    assert on_frames.returncode == on_sql.returncode == 0, on_sql.stderr
    assert on_sql.stdout == on_frames.stdout and "Aster" in on_sql.stdout


def test_sqlb004_at_risk_customers_and_my_customers_on_the_cadence_shop(cadence_shop):
    """1-27 Feb: D, F and R at risk (overdue by 45, 20 and 17 days), F with its three orders
    (£300) in the period; T active with T3; E and N inactive. Sam's My customers (all but F)
    says how overdue each one at risk is."""
    leader = three_clients(cadence_shop, "lee")
    at_risk = same_csv(leader, f"/export/leaderboard.csv?{FEBRUARY}&show=at_risk&headers=fields")
    assert [(r["customer_id"], r["status"], r["sales_amount"], r["days_since_last_order"],
             r["overdue_days"]) for r in at_risk] == [
        ("F", "At risk", "300.0", "22", "20.0"), ("D", "At risk", "0.0", "49", "45.0"),
        ("R", "At risk", "0.0", "27", "17.0")]  # fmt: skip
    by_status = same_csv(leader, f"/export/leaderboard.csv?{FEBRUARY}&status=active&headers=fields")
    assert [(r["customer_id"], r["status"]) for r in by_status] == [("T", "Active")]
    sam = three_clients(cadence_shop, "sam")
    mine = same_csv(sam, f"/export/my-customers.csv?{FEBRUARY}&headers=fields")
    assert [(r["customer_id"], r["status"], r["last_order"], r["days_since_last_order"],
             r["overdue"], r["sales_amount"]) for r in mine] == [
        ("T", "Active", "2026-02-27", "0.0", "", "100.0"),
        ("D", "At risk", "2026-01-09", "49.0", "overdue by 45 days", "0.0"),
        ("E", "Inactive", "2026-01-08", "50.0", "", "0.0"),
        ("N", "Inactive", "", "", "", "0.0"),
        ("R", "At risk", "2026-01-31", "27.0", "overdue by 17 days", "0.0"),
    ]  # fmt: skip
    for query in ("&channel=phone", "&sort=days_since_last_order:desc", "&status=at_risk"):
        same_csv(sam, f"/export/my-customers.csv?{FEBRUARY}{query}")
    pdf = sam[1].get(f"/export/my-customers.pdf?{FEBRUARY}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    args = ("export", "my-customers", "--as", "sam", "--view", f"?{FEBRUARY}")
    on_frames = flask(cadence_shop[0], *args)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SALES_ENGINE", "sql")
        env.setenv("ANALYTICS_URL", cadence_shop[1])
        on_sql = flask(cadence_shop[0], *args)
    assert on_frames.returncode == on_sql.returncode == 0, on_sql.stderr
    assert on_sql.stdout == on_frames.stdout and "overdue by 45 days" in on_sql.stdout


def leaderboard_callback(client, query: str):
    """The leaderboard rows' callback, crafted: the view's query in, its outputs back."""
    return grid_callback(client, LEADERBOARD_OUTPUTS, query, "leaderboard-grid")


def cards_callback(client, query: str):
    return callback(client, [("leaderboard-cards", "children")], [("view", "data", query)])


@pytest.mark.parametrize("username", ["sam", "nora"])
def test_sqlb005_crafted_requests_on_sql_get_only_the_users_scope(shop, username):
    """Sam owns C1 and C4; Nora manages North (C1, C2, C4): whatever they ask for, the rows and
    the cards are theirs (C1's £912.50 the only confirmed amount); C3 Cedar never shows."""
    client = client_of(shop[0], username)
    theirs = ["C1", "C4"] if username == "sam" else ["C1", "C2", "C4"]
    for crafted in ("customer=C3", "selected=C3", "salesperson=SP3", "team=South"):
        refused = client.get(f"/export/leaderboard.csv?{PERIOD}&{crafted}")
        assert refused.status_code == 400 and "unknown value" in refused.text
        assert "Cedar" not in refused.text
        answer = leaderboard_callback(client, f"?{PERIOD}&{crafted}")
        assert answer.status_code == 200 and "Cedar" not in answer.text
        rows = answer.get_json()["response"]["leaderboard-rows"]["data"]
        assert rows["customer_id"] == theirs
        assert [h.split("?")[0] for h in rows["href"]] == [f"/customers/{c}" for c in theirs]
        cards = cards_callback(client, f"?{PERIOD}&{crafted}")
        assert cards.status_code == 200 and "£912.50" in str(cards.get_json()), crafted
    assert client.get(f"/export/my-customers.csv?{PERIOD}").status_code == (
        200 if username == "sam" else 403)  # fmt: skip


def test_sqlb006_the_cards_on_sql_say_what_the_frames_say(shop):
    """The four summary cards of the leader, Dec 2025 - Apr 2026: £1,572.50 confirmed, 6
    customers, 4 active, and the reorder time of the gaps ending in the period (C1's 26 days,
    C3's 17): 21.5 days."""
    frames, sql, duckdb = three_clients(shop, "lee")
    texts = [cards_callback(c, f"?{PERIOD}").get_json()["response"]["leaderboard-cards"]
             for c in (frames, sql, duckdb)]  # fmt: skip
    assert texts[0] == texts[1] == texts[2]
    text = str(texts[1])
    assert "£1,572.50" in text and "21.5 days" in text, text
