"""Sales by Customer with SALES_ENGINE=sql: its matrix (customers by KPIs, months or categories,
and one customer's items) from the engine's sums equals today's frames code on the shop, the
cadence shop and the demo, on SQLite, PostgreSQL and DuckDB; its CSV is the same file from the
frames and the database for a leader, a manager and a salesperson (hand-computed on the shop);
crafted requests outside a user's scope get nothing of it; its page, PDF and CLI export work."""

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
from metrics.kpis import compare, compare_of
from metrics.matrix import MATRIX_COLUMNS, matrix, matrix_of
from tests.test_sql_engine import CASES, company_tables, write_duckdb
from tests.test_sql_reports import (
    USERS,
    callback,
    client_of,
    export_both_ways,
    grid_callback,
    page_callback,
    rows_of,
    shop,
)

PERIOD = "from=2025-12-01&to=2026-04-30"
RATIOS = ("gross_profit_margin", "cost_coverage")
SBC_OUTPUTS = [("sbc-bar", "figure"), ("sbc-matrix-rows", "data"), ("sbc-matrix", "columnDefs"),
               ("sbc-matrix", "columnState"), ("sbc-matrix", "filterModel"),
               ("sbc-empty", "children")]  # fmt: skip
__all__ = ["shop"]  # the module fixture of tests.test_sql_reports: the shop with its users


def matrix_differences(expected: pd.DataFrame, got: pd.DataFrame, where: str) -> list[str]:
    """Where two matrices differ: rows, names and columns exactly; money to the cent, ratios
    to 1e-9, Unknown where Unknown."""
    if list(expected.columns) != list(got.columns) or len(expected) != len(got):
        return [
            f"{where}: shape {list(expected.columns)} != {list(got.columns)}\n{expected}\n{got}"
        ]
    found = [f"{where}: {c}" for c in ("key", "name") if list(expected[c]) != list(got[c])]
    for column in expected.columns.drop(["key", "name"]):
        e, g = expected[column].to_numpy(np.float64), got[column].to_numpy(np.float64)
        close = np.allclose(e, g, rtol=1e-9 if column in RATIOS else 0,
                            atol=0 if column in RATIOS else 0.005, equal_nan=True)  # fmt: skip
        if not close or not np.array_equal(np.isnan(e), np.isnan(g)):
            found.append(f"{where}: {column} {e} != {g}")
    return found


def names_of(table: pd.DataFrame, key: str) -> pd.Series:
    return pd.Series(table["name"].to_numpy(object), index=table[key].to_numpy(object))


def assert_matrices_agree(url: str, company: str, analytics_url: str | None = None) -> None:
    """Every case of tests.test_sql_engine × every matrix mode: the customers, and the items of
    the case's first customer (by one mode per case, in turn), from matrix_of on both engines
    equal metrics.matrix.matrix."""
    frames = build_frames(read_tables(make_engine(url)))
    database = Database(analytics_url or url)
    found = []
    for case, (what, filters, scope) in enumerate(CASES[company]):
        mine = scoped(frames, scope)
        # the month columns need the period (a screen's view always has one): the data's
        start, end = filters.start or from_day(frames.first_day).date(), filters.end
        filters = replace(filters, start=start, end=end or from_day(frames.last_day).date())
        engines = (FramesEngine(mine), SqlEngine(database, scope))
        customers, items = names_of(mine.customers, "customer_id"), names_of(mine.items, "item_id")
        for mode in MATRIX_COLUMNS:
            expected = matrix(mine, filters, mode)
            for engine in engines:
                got = matrix_of(engine, filters, mode, customers)
                found += matrix_differences(expected, got, f"{what}, {mode}, {type(engine)}")
            if len(expected) and mode == MATRIX_COLUMNS[case % 3]:  # each mode in turn
                first = expected["key"].iloc[0]
                bought = matrix(mine, filters, mode, customer_id=first)
                got = matrix_of(engines[1], filters, mode, items, customer_id=first)
                found += matrix_differences(bought, got, f"{what}, {mode}, items of {first}")
    assert found == []


@pytest.mark.parametrize("company", ["shop", pytest.param("demo", marks=pytest.mark.slow)])
def test_sqc001_the_matrix_on_sqlite_and_postgresql_equals_the_frames(database_url, company):
    write_tables(make_engine(database_url), company_tables(company), replace=True)
    assert_matrices_agree(database_url, company)


@pytest.mark.slow
def test_sqc002_the_matrix_on_a_duckdb_file_equals_the_frames(tmp_path):
    url = f"sqlite:///{tmp_path / 'sales.db'}"
    write_tables(make_engine(url), company_tables("cadence"), replace=True)
    assert_matrices_agree(url, "cadence", write_duckdb(tmp_path / "sales.duckdb", url))


def test_sqc003_the_matrix_csv_holds_the_hand_computed_numbers_on_every_engine(shop):
    """The leader's matrix over the shop's history, by KPIs, months and categories: the same
    file from the frames, the SQLite database and the DuckDB file, and the numbers worked out
    by hand (tests.test_sql_engine.SHOP_LINES)."""
    clients = [client_of(shop[0], "lee", "frames"), client_of(shop[0], "lee"),
               client_of(shop[0], "lee", analytics=shop[1])]  # fmt: skip

    def csv_of(query: str) -> list[dict]:
        answers = [c.get(f"/export/sales-by-customer.csv?{PERIOD}&headers=fields{query}")
                   for c in clients]  # fmt: skip
        assert [a.status_code for a in answers] == [200] * 3, query
        assert answers[0].text == answers[1].text == answers[2].text, query
        return rows_of(answers[1].text)

    # C1 Aster: O1 (the SPEC example: £712.50, cost £570) and O2's Garden line (£200, no cost;
    # its cancelled line is not revenue). C3 Cedar: O5's Outdoor line (£500, cost £300; the
    # returned line is not) and O6 (£20, no cost, £2 non-inv). C5 Elm: O9 (£90, cost £50, £5
    # non-inv). C9 (not in the customer list: named by its ID): O7 (£50, cost £30). C2 has a
    # draft and a quote only, C4 no order: not in the matrix.
    kpis = csv_of("")
    assert [(r["customer_id"], r["customer_name"], r["sales_amount"], r["cost_amount"],
             r["cost_amount_non_inv"], r["gross_profit"]) for r in kpis] == [
        ("C1", "Aster", "912.5", "570.0", "0.0", "142.5"),
        ("C3", "Cedar", "520.0", "300.0", "2.0", "200.0"),
        ("C5", "Elm", "90.0", "50.0", "5.0", "35.0"),
        ("C9", "C9", "50.0", "30.0", "0.0", "20.0"),
    ]  # fmt: skip
    assert [float(r["cost_coverage"]) for r in kpis] == pytest.approx([712.5 / 912.5, 500 / 520,
                                                                       1, 1], rel=1e-12)  # fmt: skip
    assert [float(r["gross_profit_margin"]) for r in kpis] == pytest.approx(
        [142.5 / 712.5, 200 / 500, 35 / 90, 20 / 50], rel=1e-12)  # fmt: skip
    months = csv_of("&matrix=months")
    assert list(months[0]) == ["customer_name", "customer_id", "m2025-12", "m2026-01",
                               "m2026-02", "m2026-03", "m2026-04", "sales_amount"]  # fmt: skip
    assert [list(r.values())[2:] for r in months] == [
        ["0.0", "712.5", "200.0", "0.0", "0.0", "912.5"],
        ["0.0", "0.0", "0.0", "500.0", "20.0", "520.0"],
        ["0.0", "0.0", "0.0", "90.0", "0.0", "90.0"],
        ["50.0", "0.0", "0.0", "0.0", "0.0", "50.0"],
    ]
    # categories as sold, N/A last (item C is missing from the catalogue)
    categories = csv_of("&matrix=categories")
    assert list(categories[0])[2:] == ["c0", "c1", "c2", "c3", "sales_amount"]
    with_headers = clients[1].get(f"/export/sales-by-customer.csv?{PERIOD}&matrix=categories")
    assert with_headers.text.splitlines()[0] == (
        "Customer,Customer ID,Garden,Home,Outdoor,N/A,Sales Amount"
    )
    assert [list(r.values())[2:6] for r in categories] == [
        ["200.0", "712.5", "0.0", "0.0"],
        ["0.0", "0.0", "500.0", "20.0"],
        ["90.0", "0.0", "0.0", "0.0"],
        ["0.0", "50.0", "0.0", "0.0"],
    ]
    # the grid's sort and column filter, a pick and a status apply the same on every engine
    # C9 has no name in the customer list: its ID stands in (between Aster and Cedar)
    by_name = csv_of("&sort=customer_name:asc")
    assert [r["customer_id"] for r in by_name] == ["C1", "C9", "C3", "C5"]
    picked = csv_of("&selected=C3&matrix=months")  # picks are marked, not filtered
    assert [(r["customer_id"], r["picked"]) for r in picked] == [
        ("C1", ""), ("C3", "yes"), ("C5", ""), ("C9", "")]  # fmt: skip
    assert [r["customer_id"] for r in csv_of("&status=active")] == ["C1", "C3", "C5", "C9"]


@pytest.mark.parametrize("username", list(USERS))
def test_sqc004_every_scope_gets_the_same_file_from_frames_and_sql(shop, username):
    queries = ["", "&matrix=months", "&matrix=categories", "&channel=web&matrix=categories",
               "&selected=C1&kpi=gross_profit"]  # fmt: skip
    clients = [client_of(shop[0], username, "frames"), client_of(shop[0], username),
               client_of(shop[0], username, analytics=shop[1])]  # fmt: skip
    for query in queries:
        url = f"/export/sales-by-customer.csv?{PERIOD}{query}"
        answers = [client.get(url) for client in clients]
        assert [a.status_code for a in answers] == [200] * 3, (username, url)
        assert answers[0].text == answers[1].text == answers[2].text, (username, url)
    pdf = clients[1].get(f"/export/sales-by-customer.pdf?{PERIOD}&matrix=months")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    args = ("export", "sales-by-customer", "--as", username, "--view", f"?{PERIOD}&matrix=months")
    on_frames, on_sql = export_both_ways(shop[0], *args)
    assert on_frames.returncode == on_sql.returncode == 0, on_sql.stderr
    assert on_sql.stdout == on_frames.stdout and "Aster" in on_sql.stdout


def sbc_callback(client, query: str, expanded: list):
    """Sales by Customer's chart-and-matrix callback, crafted: the view's query and the
    expanded customers in, its outputs back."""
    return grid_callback(client, SBC_OUTPUTS, query, "sbc-matrix",
                         [("sbc-expanded", "data", expanded)])  # fmt: skip


def summary_callback(client, query: str):
    return callback(client, [("sbc-summary", "children")], [("view", "data", query)])


@pytest.mark.parametrize("username", ["sam", "nora"])
def test_sqc005_crafted_requests_on_sql_get_only_the_users_scope(shop, username):
    """Sam owns C1 and C4; Nora manages North (C1, C2, C4): both see C1 only in the matrix
    (C2's orders are a draft and a quote), whatever they ask for; C3's items never show."""
    client = client_of(shop[0], username)
    for crafted in ("customer=C3", "selected=C3", "salesperson=SP3", "team=South"):
        refused = client.get(f"/export/sales-by-customer.csv?{PERIOD}&{crafted}")
        assert refused.status_code == 400 and "unknown value" in refused.text
        assert "Cedar" not in refused.text
        answer = sbc_callback(client, f"?{PERIOD}&{crafted}", ["C3"])
        assert answer.status_code == 200
        response = answer.get_json()["response"]
        rows = response["sbc-matrix-rows"]["data"]
        assert rows["customer_id"] == ["C1"] and rows["sales_amount"] == [912.5]
        assert rows["href"][0].split("?")[0] == "/customers/C1"
        assert response["sbc-bar"]["figure"]["data"][0]["customdata"] == ["C1"]
        summary = str(summary_callback(client, f"?{PERIOD}&{crafted}").get_json())
        assert "£912.50" in summary and "Cedar" not in summary
    expanded = sbc_callback(client, f"?{PERIOD}&matrix=categories", ["C1", "C3"])
    rows = expanded.get_json()["response"]["sbc-matrix-rows"]["data"]
    assert rows["row_id"] == ["C1", "C1/A", "C1/B"]  # C1 and its items; C3 is not theirs
    assert rows["sales_amount"] == [912.5, 712.5, 200.0]


def test_sqc006_the_page_is_served_on_sql_and_its_customers_pages_too(shop):
    client = client_of(shop[0], "lee")
    assert client.get(f"/sales-by-customer?{PERIOD}").status_code == 200
    page = page_callback(client, "/sales-by-customer", f"?{PERIOD}")
    assert page.status_code == 200 and "sbc-matrix" in page.text
    for path in ("/customers/C1", "/export/customers/C1/brief.pdf"):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("to", ["previous_period", "previous_year"])
def test_sqc007_the_kpi_cards_compared_on_sql_equal_the_frames(shop, to):
    """The PDF's KPI cards (compare_of on sql) against compare over the frames: Feb-Apr 2026
    (C1's O2, C3's O5 and O6, C5's O9) against Nov 2025-Jan 2026 (O7 and the SPEC example O1),
    or against nothing a year before (Unknown stays Unknown)."""
    frames = build_frames(read_tables(make_engine(shop[0])))
    filters = Filters(start=date(2026, 2, 1), end=date(2026, 4, 30))
    expected = compare(frames, filters, to)
    got = compare_of(SqlEngine(Database(shop[1]), Scope("leadership")), frames, filters, to)
    assert (got.period, got.compared_period) == (expected.period, expected.compared_period)
    for now, before in ((got.current, expected.current), (got.compared, expected.compared)):
        for name, value in before.as_dict().items():  # Unknown (None) stays Unknown
            close = pytest.approx(value, rel=1e-9, abs=0.005) if value is not None else None
            assert getattr(now, name) == close, (name, getattr(now, name), value)
    assert got.current.sales_amount == 200 + 520 + 90
    assert got.compared.sales_amount == (762.5 if to == "previous_period" else 0)
    if to == "previous_year":  # no sale: nothing to divide by, so margin and coverage Unknown
        assert (got.compared.gross_profit_margin, got.compared.cost_coverage) == (None, None)
