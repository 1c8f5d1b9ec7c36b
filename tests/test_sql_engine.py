"""The engine interface on both engines: every dimension × a set of filters and scopes (the
customer status among them) and the customers' order days (the lifecycle's), over a hand-made
shop, a hand-made shop of ordering cadences and a 20,000-line demo company, on SQLite and
PostgreSQL (the `database_url` fixture) and on a DuckDB file loaded from the same tables. The
frames engine (today's tested code) gives the expected sums; the SPEC worked examples and the
customer statuses of the cadence shop are checked against hand-computed answers on every
engine."""

import csv
import io
import os
import re
import shutil
from dataclasses import replace
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from app import create_app
from bench.scale import build_lines_by_customer
from data.access import Scope, scoped
from data.db import make_engine, read_tables, write_tables
from data.demo import generate
from data.frames import build_frames
from data.models import DATA_TABLES, Base
from data.spark import Spark, write_parquet
from data.sql_engine import SCHEMAS, Database, SqlEngine
from data.users import create_user
from metrics.amounts import AMOUNT_COLUMNS, amount_columns
from metrics.commission import EVENTS
from metrics.engine import (
    CADENCE,
    CUSTOMER_FIGURES,
    DIMENSIONS,
    MADE_TO_ORDER_ROW,
    OWNER_COUNTS,
    OWNER_SUMS,
    REPORT_SUMS,
    SUMS,
    FramesEngine,
    dimensions_of,
)
from metrics.filters import Filters, period_of, with_period
from metrics.kpis import kpis_of
from tests.cli import flask
from tests.conftest import DEMO_END
from tests.factory import make_tables

COUNTS = ("known_lines", "revenue_lines", "confirmed_orders", "draft_orders", "orders", "customers",
          *OWNER_COUNTS, "new_customers")  # fmt: skip
VAT = {"vat_rate": 0.2, "prices_include_vat": True}
HOME = {"item_id": "A", "category": "Home", "brand": "Acme", "supplier": "Acme Ltd"}
GARDEN = {"item_id": "B", "category": "Garden", "brand": "Bolt"}  # no supplier: N/A
# Sam (SP1) and Kim (SP2) are team North, Pat (SP3) South. C4 never ordered; C5 has no owner;
# C9 ordered but is missing from the customer list; item C is missing from the catalogue.
SHOP_LINES = [
    # SPEC §3 worked example: £712.50 sales, £570 cost, £142.50 profit, 20.00% margin
    dict(order_id="O1", order_date="2026-01-10", customer_id="C1", quantity=30, unit_price=6,
         unit_cost=4, **VAT, **HOME),
    dict(order_id="O1", order_date="2026-01-10", customer_id="C1", quantity=25, unit_price=15,
         unit_cost=10, **VAT, **HOME),
    dict(order_id="O1", order_date="2026-01-10", customer_id="C1", quantity=10, unit_price=30,
         unit_cost=20, **VAT, **HOME),
    # Unknown cost, and a cancelled line that is neither revenue nor in the order amount
    dict(order_id="O2", order_date="2026-02-05", customer_id="C1", channel="phone", quantity=2,
         unit_price=100, **GARDEN),
    dict(order_id="O2", order_date="2026-02-05", customer_id="C1", channel="phone", quantity=1,
         unit_price=50, unit_cost=30, status="cancelled", **HOME),
    dict(order_id="O3", order_date="2026-02-20", customer_id="C2", order_status="draft",
         quantity=3, unit_price=50, unit_cost=30, salesperson="SP2", **HOME),
    dict(order_id="O4", order_date="2026-03-03", customer_id="C2", order_status="quote",
         quantity=1, unit_price=100, salesperson="SP2", **GARDEN),
    dict(order_id="O5", order_date="2026-03-15", customer_id="C3", channel="store", quantity=5,
         unit_price=100, unit_cost=60, salesperson="SP3", **GARDEN),
    dict(order_id="O5", order_date="2026-03-15", customer_id="C3", channel="store", quantity=2,
         unit_price=50, unit_cost=30, status="returned", salesperson="SP3", **HOME),
    dict(order_id="O6", order_date="2026-04-01", customer_id="C3", quantity=1, unit_price=20,
         cost_non_inv=2, salesperson="SP3", item_id="C", document_type="receipt"),
    dict(order_id="O7", order_date="2025-12-20", customer_id="C9", quantity=1, unit_price=50,
         unit_cost=30, **HOME),
    dict(order_id="O8", order_date="2026-04-10", customer_id="C1", order_status="abandoned",
         quantity=1, unit_price=50, **HOME),
    dict(order_id="O9", order_date="2026-03-01", customer_id="C5", quantity=1, unit_price=100,
         discount_pct=0.1, unit_cost=50, cost_non_inv=5, **GARDEN),
]  # fmt: skip
SHOP_CUSTOMERS = [
    dict(customer_id="C1", name="Aster", owner="SP1"),
    dict(customer_id="C2", name="Birch", owner="SP2"),
    dict(customer_id="C3", name="Cedar", owner="SP3"),
    dict(customer_id="C4", name="Dune", owner="SP1"),
    dict(customer_id="C5", name="Elm", owner=None),
]
SHOP_SALESPEOPLE = [
    dict(code=code, name=name, team=team, commission_rate=0.1, commission_basis="items_sold")
    for code, name, team in (("SP1", "Sam", "North"), ("SP2", "Kim", "North"),
                             ("SP3", "Pat", "South"))
]  # fmt: skip
SHOP_FIELDS = [dict(customer_id="C1", field="tier", value="Gold"),
               dict(customer_id="C3", field="tier", value="Silver")]  # fmt: skip


def cadence_order(order_id: str, day: str, **line) -> dict:
    """One order of one £100 line (cost £60, item I1 of category Coffee) of the cadence shop; its
    customer is the order's first letter."""
    return dict(order_id=order_id, order_date=day, customer_id=order_id[0], quantity=1,
                unit_price=100, unit_cost=60, category="Coffee", **line)  # fmt: skip


# SPEC §3: at risk = at least 3 confirmed orders, and days since the last one above twice the
# median gap between (distinct) confirmed order dates and at least 14; active = a confirmed
# order in the period. Each customer's facts, as of a day up to which all its orders count:
CADENCE_LINES = [
    # R: every 10 days (gaps 10, 10, 10: median 10): at risk from 21 days after 31 Jan (21 Feb)
    *(cadence_order(f"R{n}", day, channel="phone" if n == 3 else "web")
      for n, day in enumerate(("2026-01-01", "2026-01-11", "2026-01-21", "2026-01-31"), 1)),
    # F: every 2 days (median 2): 2 x 2 is passed at once, at risk from 14 days after 5 Feb
    *(cadence_order(f"F{n}", day)
      for n, day in enumerate(("2026-02-01", "2026-02-03", "2026-02-05"), 1)),
    # E: gaps 10, 20, 30, 100: median 25 (mean 40), at risk from 51 days after 8 Jan (28 Feb)
    *(cadence_order(f"E{n}", day) for n, day in enumerate(
        ("2025-08-01", "2025-08-11", "2025-08-31", "2025-09-30", "2026-01-08"), 1)),
    # D: three orders on two dates (one gap, 4 days): at risk from 14 days after 9 Jan
    *(cadence_order(f"D{n}", day)
      for n, day in enumerate(("2026-01-05", "2026-01-05", "2026-01-09"), 1)),
    # T: two confirmed orders and a draft: never at risk; active only on its confirmed days
    cadence_order("T1", "2026-01-02"),
    cadence_order("T2", "2026-02-10", order_status="draft"),
    cadence_order("T3", "2026-02-27", channel="phone"),
]  # fmt: skip
# N never ordered; F belongs to team South, the others to North
CADENCE_CUSTOMERS = [dict(customer_id=c, name=f"Customer {c}", owner="SP2" if c == "F" else "SP1")
                     for c in "DEFNRT"]  # fmt: skip
CADENCE_SALESPEOPLE = [
    dict(code=code, name=name, team=team, commission_rate=0.1, commission_basis="items_sold")
    for code, name, team in (("SP1", "Sam", "North"), ("SP2", "Pat", "South"))
]  # fmt: skip
# (period, channel filter) -> the customers of each status, worked out by hand from the above
CADENCE_STATUSES = [
    # as of 20 Jan R has 2 orders, E's 12 and D's 11 days are under 14: all four ordered
    (("2026-01-01", "2026-01-20", ()), {"active": "DERT", "inactive": "FN", "at_risk": ""}),
    # as of 22 Jan D's 13 days are under 14; E last ordered before the period
    (("2026-01-20", "2026-01-22", ()), {"active": "R", "inactive": "DEFNT", "at_risk": ""}),
    # as of 23 Jan D's 14 days exceed 2 x 4 and reach 14
    (("2026-01-10", "2026-01-23", ()), {"active": "R", "inactive": "EFNT", "at_risk": "D"}),
    # the cadence reads every confirmed order; active reads the filtered lines (R3 by phone)
    (("2026-01-20", "2026-01-23", ("phone",)), {"active": "R", "inactive": "EFNT", "at_risk": "D"}),
    (("2026-01-20", "2026-01-23", ("web",)), {"active": "", "inactive": "EFNRT", "at_risk": "D"}),
    # as of 20 Feb R's 20 days do not exceed 2 x 10; F ordered in the period yet is at risk (15
    # days); E's 43 days are under 2 x 25 (though over 2 x 20); T's draft is not an order
    (("2026-02-01", "2026-02-20", ()), {"active": "", "inactive": "ENRT", "at_risk": "DF"}),
    # as of 21 Feb R's 21 days do; as of 27 Feb E's 50 days do not exceed 50, T ordered
    (("2026-02-21", "2026-02-21", ()), {"active": "", "inactive": "ENT", "at_risk": "DFR"}),
    (("2026-02-01", "2026-02-27", ()), {"active": "T", "inactive": "EN", "at_risk": "DFR"}),
    # as of 28 Feb E's 51 days do (2 x the mean 40 would wait till 80)
    (("2026-02-28", "2026-02-28", ()), {"active": "", "inactive": "NT", "at_risk": "DEFR"}),
]

EVERYONE = Scope("leadership")
# (what, filters, scope) per company
CASES = {
    "shop": [
        ("no filter", Filters(), EVERYONE),
        ("a period", Filters(start=date(2026, 2, 1), end=date(2026, 3, 31)), EVERYONE),
        ("a team", Filters(teams=("North",)), EVERYONE),
        ("two categories", Filters(categories=("Home", "Outdoor")), EVERYONE),
        ("a channel", Filters(channels=("web",)), EVERYONE),
        ("order amount 150 to 600", Filters(order_amount_min=150, order_amount_max=600), EVERYONE),
        (
            "no supplier and a salesperson",
            Filters(suppliers=("N/A",), salespeople=("SP3",)),
            EVERYONE,
        ),
        ("a custom field or none", Filters(custom=(("tier", ("Gold", "N/A")),)), EVERYONE),
        ("salesperson scope", Filters(), Scope("salesperson", salesperson="SP1")),
        (
            "manager scope, a period",
            Filters(start=date(2026, 2, 1)),
            Scope("manager", team="North"),
        ),
        (
            "active in a period",
            Filters(start=date(2026, 2, 1), end=date(2026, 3, 31), customer_status=("active",)),
            EVERYONE,
        ),
        (
            "inactive, manager scope",
            Filters(customer_status=("inactive",)),
            Scope("manager", team="North"),
        ),
        (
            "active or at risk by a channel",
            Filters(channels=("phone",), customer_status=("active", "at_risk")),
            EVERYONE,
        ),
    ],  # fmt: skip
    "cadence": [
        (
            # from 20 January: those days from the lines, February (to the data's last day) whole
            "at risk or active",
            Filters(
                start=date(2026, 1, 20),
                end=date(2026, 2, 27),
                customer_status=("at_risk", "active"),
            ),
            EVERYONE,
        ),
        (
            "inactive on a day",
            Filters(start=date(2026, 2, 28), end=date(2026, 2, 28), customer_status=("inactive",)),
            EVERYONE,
        ),
        (
            "active by a channel",
            Filters(
                start=date(2026, 1, 20),
                end=date(2026, 1, 23),
                channels=("phone",),
                customer_status=("active",),
            ),
            EVERYONE,
        ),
        (
            "at risk to the data's last day, manager scope",
            Filters(start=date(2026, 2, 1), customer_status=("at_risk",)),
            Scope("manager", team="North"),
        ),
    ],  # fmt: skip
    "demo": [
        ("no filter", Filters(), EVERYONE),
        ("a period", Filters(start=date(2026, 1, 1), end=date(2026, 3, 31)), EVERYONE),
        ("a team", Filters(teams=("North",)), EVERYONE),
        ("two categories", Filters(categories=("Home", "Outdoor")), EVERYONE),
        ("a channel", Filters(channels=("web",)), EVERYONE),
        ("order amount from 500", Filters(order_amount_min=500), EVERYONE),
        ("salesperson scope", Filters(), Scope("salesperson", salesperson="SP01")),
        (
            "manager scope, a period",
            Filters(start=date(2026, 1, 1)),
            Scope("manager", team="North"),
        ),
        (
            "at risk in a period",
            Filters(start=date(2026, 1, 1), end=date(2026, 3, 31), customer_status=("at_risk",)),
            EVERYONE,
        ),
        (
            "active or at risk, order amount from 500, salesperson scope",
            Filters(order_amount_min=500, customer_status=("active", "at_risk")),
            Scope("salesperson", salesperson="SP01"),
        ),
    ],  # fmt: skip (more status combinations: the cadence shop; on the demo each costs CI ~1 min)
}
# two dimensions at once: the bench's month x item of one customer and customer x month, a
# customer's items, and two attributes as sold (N/A in both)
PAIRS = (("customer", "month"), ("month", "item"), ("customer", "item"), ("category", "channel"))
BY = (None, *DIMENSIONS, *PAIRS)
# every dimension on every third case of a company (the first, and others spread over the
# filters, scopes and statuses); on the others the dimensions each read path groups by (the
# rollups' customer, month and item, an attribute as sold, a pair): every query is compiled by
# Ibis (~0.1 s), and every dimension on every case took the CI over 10 minutes here
FEW = (None, "customer", "month", "item", "category", "channel", ("customer", "month"),
       ("month", "item"))  # fmt: skip
# what the (day, customer) sums can answer, and the (month, customer, item) sums (whole months)
ROLLUP_DIMENSIONS = (None, "customer", "month", ("customer", "month"))
ITEM_ROLLUP_DIMENSIONS = ("item", ("month", "item"), ("customer", "item"))
ROLLUP_TABLES = (
    "daily_customer_sums",
    "monthly_customer_item_sums",
    "monthly_customer_attribute_sums",
    "monthly_customer_made_to_order_sums",
    "customer_event_sums",
    "customer_order_days",
    "rollup_state",
    "data_version",
)
# ~170 queries per company, each built and compiled by Ibis (~0.1-0.2 s): the demo, and every
# DuckDB run, are not in the fast subset (the worked examples, scope and exports run on DuckDB
# there)
COMPANIES = ["shop", "cadence", pytest.param("demo", marks=pytest.mark.slow)]


def shop_tables() -> dict:
    """SHOP_LINES, with products for Sell Through and Made to Order: item A is the variant Red
    of the product TEE ("Tee Red"), whose variant A2 ("Tee Blue") never sold; D (Garden) never
    sold either; B is made to order, engraved on O5's first line; O1's first line (an A) is
    gift-wrapped."""
    tables = make_tables(SHOP_LINES, SHOP_CUSTOMERS, SHOP_SALESPEOPLE, SHOP_FIELDS)
    customers = tables["customers"]
    tables["customers"] = customers[customers["customer_id"] != "C9"]
    items = tables["items"][tables["items"]["item_id"] != "C"].set_index("item_id")
    items.loc["A", ["product_id", "name", "variant"]] = ["TEE", "Tee Red", "Red"]
    items.loc["A2"] = {**items.loc["A"], "name": "Tee Blue", "variant": "Blue"}
    items.loc["D"] = {**items.loc["B"], "product_id": "D", "name": "Item D"}
    items.loc["B", "made_to_order"] = True
    tables["items"] = items.reset_index()
    lines = tables["order_lines"]
    # as sold: the first line of O5 was an Outdoor item sold on a marketplace
    first_of_o5 = ((lines["order_id"] == "O5") & (lines["line_no"] == 1)).to_numpy()
    first_of_o1 = ((lines["order_id"] == "O1") & (lines["line_no"] == 1)).to_numpy()
    tables["order_lines"] = lines.assign(
        category=np.where(first_of_o5, "Outdoor", None),
        channel=np.where(first_of_o5, "marketplace", None),
        customisation=np.where(first_of_o5, "Engraved", np.where(first_of_o1, "Gift wrap", None)),
    )
    return tables


def cadence_tables() -> dict:
    return make_tables(CADENCE_LINES, CADENCE_CUSTOMERS, CADENCE_SALESPEOPLE)


def company_tables(company: str) -> dict:
    if company == "cadence":
        return cadence_tables()
    return shop_tables() if company == "shop" else generate(lines=20_000, seed=7, end=DEMO_END)


def write_duckdb(path, url: str, by_customer: bool = False) -> str:
    """A DuckDB file holding the tables of the database at `url` (the sales data as
    data.db.read_tables returns it, and the rollups with their state), dates as DATE; with
    `by_customer`, the lines a second time by customer too (bench/scale.py's)."""
    engine = make_engine(url)
    tables = read_tables(engine)
    for name in ROLLUP_TABLES:
        tables[name] = pd.read_sql_table(name, engine)
    models = [*DATA_TABLES, *(Base.metadata.tables[n] for n in ROLLUP_TABLES)]
    with duckdb.connect(str(path)) as conn:
        for table in models:
            conn.register("frame", tables[table.name])
            conn.execute(f"CREATE TABLE {table.name} AS SELECT * FROM frame")
            conn.unregister("frame")
            for column in table.columns:
                if type(column.type).__name__ == "Date":
                    conn.execute(
                        f"ALTER TABLE {table.name} ALTER {column.name} TYPE DATE"
                        f" USING CAST({column.name} AS DATE)"
                    )
        if by_customer:
            build_lines_by_customer(conn)
    return f"duckdb:///{path}"


def differences(
    expected: pd.DataFrame, got: pd.DataFrame, where: str, sums: tuple[str, ...] = SUMS
) -> list[str]:
    """Where two answers (of `sums`) differ: labels exactly, counts exactly, money and
    quantities to the cent; then the derived amounts (ratios to 1e-9, Unknown where Unknown)."""
    if list(expected.columns) != list(got.columns) or len(expected) != len(got):
        return [f"{where}: shape {expected.shape} != {got.shape}\n{expected}\n{got}"]
    found = []
    for label in [c for c in expected.columns if c not in sums]:
        if list(expected[label]) != list(got[label]):
            found.append(f"{where}: rows {list(expected[label])} != {list(got[label])}")
    for name in sums:
        e, g = expected[name].to_numpy(), got[name].to_numpy()
        same = np.array_equal(e, g) if name in COUNTS else np.allclose(e, g, rtol=0, atol=0.005)
        if not same:
            found.append(f"{where}: {name} {e} != {g}")
    if "sales_amount" not in sums:  # counts only (new customers)
        return found
    derived_e = amount_columns({n: expected[n].to_numpy() for n in sums})
    derived_g = amount_columns({n: got[n].to_numpy() for n in sums})
    for name in AMOUNT_COLUMNS:
        e, g = derived_e[name].to_numpy(), derived_g[name].to_numpy()
        if not np.allclose(e, g, rtol=1e-9, atol=0.005, equal_nan=True) or not np.array_equal(
            np.isnan(e), np.isnan(g)
        ):
            found.append(f"{where}: {name} {e} != {g}")
    return found


def customer_differences(expected: pd.DataFrame, got: pd.DataFrame, where: str) -> list[str]:
    """Where two answers of Engine.customers (every figure) differ: the sums as differences
    has them; the cadence's days exactly, NaN where NaN (none); at risk exactly."""
    found = differences(expected.drop(columns=list(CADENCE)), got.drop(columns=list(CADENCE)),
                        where)  # fmt: skip
    for name in CADENCE:
        e, g = expected[name].to_numpy(), got[name].to_numpy()
        if len(e) != len(g) or not np.array_equal(e, g, equal_nan=name != "at_risk"):
            found.append(f"{where}: {name} {e} != {g}")
    return found


def assert_engines_agree(url: str, company: str, analytics_url: str | None = None) -> None:
    """Every case × every dimension, the reports' sums, the figures per customer and the KPIs,
    equal on both engines; where the SQL engine reads the rollups (data.rollups), also when it
    reads the lines."""
    frames = build_frames(read_tables(make_engine(url)))
    database = Database(analytics_url or url)
    assert database.rollups_current()  # kept by write_tables
    found, item_rollup_read, attribute_rollup_read, with_days = [], 0, 0, 0
    made_read, events_read = 0, 0
    for case, (what, filters, scope) in enumerate(CASES[company]):
        expected_engine = FramesEngine(scoped(frames, scope))
        sql_engine = SqlEngine(database, scope)
        for by in BY if case % 3 == 0 else FEW:
            expected, got = expected_engine.sums(filters, by), sql_engine.sums(filters, by)
            found += differences(expected, got, f"{what}, by {by}")
            if by in ROLLUP_DIMENSIONS or by in ITEM_ROLLUP_DIMENSIONS:
                got = SqlEngine(database, scope, rollups=False).sums(filters, by)
                found += differences(expected, got, f"{what}, by {by}, from the lines")
            expected, got = (
                expected_engine.report_sums(filters, by),
                sql_engine.report_sums(filters, by),
            )
            found += differences(expected, got, f"{what}, report by {by}", REPORT_SUMS)
            if by in ITEM_ROLLUP_DIMENSIONS:
                got = SqlEngine(database, scope, rollups=False).report_sums(filters, by)
                found += differences(expected, got, f"{what}, report by {by}, from the lines",
                                     REPORT_SUMS)  # fmt: skip
                reads = "monthly_customer_item_sums" in sql_engine.sql(
                    sql_engine.report_sums_expression(filters, dimensions_of(by), rollups=True)
                )
                item_rollup_read += reads
            if by in ("category", "channel"):  # by an attribute: the monthly sums, some days
                sql = sql_engine.sql(
                    sql_engine.report_sums_expression(filters, dimensions_of(by), rollups=True)
                )
                attribute_rollup_read += "monthly_customer_attribute_sums" in sql
                with_days += "monthly_customer_attribute_sums" in sql and "order_lines" in sql
        # Made to Order's question (by product and customisation, of the lines made to order),
        # both ways, on the cases that ask every dimension
        made = ("product", "customisation")
        if case % 3 == 0:
            expected = expected_engine.report_sums(filters, made, MADE_TO_ORDER_ROW)
            for rollups in (True, False):
                got = SqlEngine(database, scope, rollups=rollups).report_sums(
                    filters, made, MADE_TO_ORDER_ROW
                )
                found += differences(expected, got, f"{what}, made to order, {rollups=}",
                                     REPORT_SUMS)  # fmt: skip
            made_read += "monthly_customer_made_to_order_sums" in sql_engine.sql(
                sql_engine.report_sums_expression(filters, made, True, MADE_TO_ORDER_ROW)
            )
        expected = expected_engine.customers(filters, CUSTOMER_FIGURES)
        for rollups in (True, False):
            got = SqlEngine(database, scope, rollups=rollups).customers(filters, CUSTOMER_FIGURES)
            found += customer_differences(expected, got, f"{what}, per customer, {rollups=}")
        # Sales by User's event sums need a whole period; the scope's salespeople
        dated = replace(filters, start=filters.start or date(2020, 1, 1),
                        end=filters.end or date(2030, 12, 31))  # fmt: skip
        expected = expected_engine.event_sums(dated)
        for rollups in (True, False):  # from the event rollup (no order filter), or the lines
            got = SqlEngine(database, scope, rollups=rollups).event_sums(dated)
            if list(expected["salesperson"]) != list(got["salesperson"]) or not np.allclose(
                expected[list(EVENTS)], got[list(EVENTS)], rtol=0, atol=0.005
            ):
                found.append(f"{what}: event sums, {rollups=}\n{expected}\n{got}")
        events_read += "customer_event_sums" in sql_engine.sql(
            sql_engine.event_sums_expression(dated, rollups=True)
        )
        if not expected_engine.salespeople().equals(sql_engine.salespeople()):
            found.append(f"{what}: salespeople")
        # Team performance's: per owner, and new customers per owner and month
        for name, sums in (("owner_sums", OWNER_SUMS), ("new_customers", ("new_customers",))):
            expected, got = getattr(expected_engine, name)(dated), getattr(sql_engine, name)(dated)
            found += differences(expected, got, f"{what}, {name}", sums)

        # the lifecycle's order days of the case's period (closed at the data's first and last
        # day): exactly the same days, none where none
        closed = with_period(filters, period_of(expected_engine.frames, filters))
        expected, got = expected_engine.order_days(closed), sql_engine.order_days(closed)
        if not expected.equals(got):
            found.append(f"{what}: order days\n{expected}\n{got}")
        expected_kpis = kpis_of(expected_engine, filters).as_dict()
        got_kpis = kpis_of(sql_engine, filters).as_dict()
        for name, value in expected_kpis.items():
            if value is None or got_kpis[name] is None:
                same = value is got_kpis[name]
            else:
                same = got_kpis[name] == pytest.approx(value, rel=1e-9, abs=0.005)
            if not same:
                found.append(f"{what}: KPI {name} {value} != {got_kpis[name]}")
    assert found == []
    assert item_rollup_read  # the questions by item of some cases read the item rollup
    assert made_read  # and some of Made to Order's the made-to-order rollup
    # some by an attribute read the attribute rollup, with some days from the lines (a cadence
    # shop's period starts mid-month)
    assert attribute_rollup_read and (with_days or company != "cadence")
    assert events_read  # the event sums of the cases without an order filter read the events


@pytest.mark.parametrize("company", COMPANIES)
def test_sql001_every_sum_on_sqlite_and_postgresql_equals_the_frames_engine(database_url, company):
    write_tables(make_engine(database_url), company_tables(company), replace=True)
    assert_engines_agree(database_url, company)


@pytest.mark.slow
@pytest.mark.parametrize("company", COMPANIES)
def test_sql002_every_sum_on_a_duckdb_file_equals_the_frames_engine(tmp_path, company):
    url = f"sqlite:///{tmp_path / 'sales.db'}"
    engine = make_engine(url)
    write_tables(engine, company_tables(company), replace=True)
    analytics = write_duckdb(tmp_path / "sales.duckdb", url)
    assert_engines_agree(url, company, analytics)


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """(SQLite URL, DuckDB URL) of the shop."""
    folder = tmp_path_factory.mktemp("sql-engine-shop")
    url = f"sqlite:///{folder / 'sales.db'}"
    engine = make_engine(url)
    write_tables(engine, shop_tables(), replace=True)
    create_user(engine, "nora", "nora-pass-123", "manager", team="North")
    return url, write_duckdb(folder / "sales.duckdb", url)


@pytest.mark.parametrize("analytics", [0, 1], ids=["sqlite", "duckdb"])
def test_sql003_the_spec_worked_examples_hold_on_every_engine(shop, analytics):
    engines = [FramesEngine(build_frames(read_tables(make_engine(shop[0])))),
               SqlEngine(Database(shop[analytics]), EVERYONE)]  # fmt: skip
    for engine in engines:
        worked = kpis_of(engine, Filters(start=date(2026, 1, 10), end=date(2026, 1, 10)))
        assert round(worked.sales_amount, 2) == 712.50
        assert round(worked.cost_amount, 2) == 570.00
        assert round(worked.gross_profit, 2) == 142.50
        assert f"{worked.gross_profit_margin:.2%}" == "20.00%"
        assert worked.cost_coverage == 1.0
        # O2's Garden line has no cost: Unknown, never 0; its cancelled line is not revenue
        unknown = kpis_of(engine, Filters(customers=("C1",), categories=("Garden",)))
        assert unknown.sales_amount == 200.0
        assert (unknown.cost_amount, unknown.gross_profit, unknown.gross_profit_margin) == (
            None, None, None)  # fmt: skip
        assert unknown.cost_coverage == 0.0
        per_customer = engine.sums(Filters(), "customer").set_index("customer")
        # C1: O1 and O2 confirmed; C2: a draft O3 (£150) and a quote (neither); C4 none
        assert per_customer.loc["C1", "confirmed_orders"] == 2
        assert per_customer.loc["C1", "confirmed_amount"] == pytest.approx(712.50 + 200)
        assert per_customer.loc["C2", ["draft_orders", "draft_amount"]].tolist() == [1, 150]
        assert per_customer.loc["C4", list(SUMS)].sum() == 0
        assert list(per_customer.index) == ["C1", "C2", "C3", "C4", "C5", "C9"]
        # C1's gaps: 26 days (10 Jan → 5 Feb); C3's: 17 days (15 Mar → 1 Apr)
        assert engine.average_reorder_days(Filters()) == pytest.approx((26 + 17) / 2)


def test_sql004_scope_is_part_of_every_query(shop):
    """A salesperson's engine sees their customers only, whatever the filters ask for."""
    sam = SqlEngine(Database(shop[0]), Scope("salesperson", salesperson="SP1"))
    assert list(sam.sums(Filters(), "customer")["customer"]) == ["C1", "C4"]
    assert sam.sums(Filters(customers=("C3",)), None)["sales_amount"].tolist() == [0.0]
    assert sam.sums(Filters(customers=("C3",)), "customer").empty
    north = SqlEngine(Database(shop[1]), Scope("manager", team="North"))
    assert list(north.sums(Filters(), "customer")["customer"]) == ["C1", "C2", "C4"]
    assert "= 'SP1'" in sam.sql(sam.sums_expression(Filters(), "month"))
    assert "= 'North'" in north.sql(north.sums_expression(Filters(), "month"))


def test_sql005_an_unknown_or_repeated_dimension_is_refused_by_name(shop):
    engine = SqlEngine(Database(shop[0]), EVERYONE)
    with pytest.raises(ValueError, match="unknown dimension 'colour'"):
        engine.sums(Filters(), "colour")
    with pytest.raises(ValueError, match="unknown dimension 'colour'"):
        engine.sums(Filters(), ("month", "colour"))
    with pytest.raises(ValueError, match="distinct dimensions"):
        engine.sums(Filters(), ("month", "month"))


def test_sql006_the_kpi_export_is_the_same_file_on_both_engines(shop, monkeypatch):
    """`flask export kpis` as the manager of North, from the frames and from the database."""
    args = ("export", "kpis", "--as", "nora", "--view", "?from=2026-01-01&to=2026-03-31",
            "--headers", "fields")  # fmt: skip
    frames_csv = flask(shop[0], *args)
    monkeypatch.setenv("SALES_ENGINE", "sql")
    sql_csv = flask(shop[0], *args)
    monkeypatch.setenv("ANALYTICS_URL", shop[1])
    duckdb_csv = flask(shop[0], *args)
    assert frames_csv.returncode == sql_csv.returncode == duckdb_csv.returncode == 0
    (row,) = csv.DictReader(io.StringIO(sql_csv.stdout))
    # North's customers C1, C2 and C4: O1 (£712.50) and O2 (£200); C2's draft and quote are not
    assert float(row["sales_amount"]) == pytest.approx(912.50)
    assert (row["total_customers"], row["active_customers"]) == ("3", "1")
    assert sql_csv.stdout == frames_csv.stdout == duckdb_csv.stdout
    # by status: C1 ordered in the period (O1, O2); C2 (a draft and a quote) and C4 did not
    for status, expected in (("active", (912.50, "1", "1")), ("inactive", (0.0, "2", "0"))):
        view = ("--view", f"?from=2026-01-01&to=2026-03-31&status={status}")
        answers = []
        for engine, analytics in (("frames", shop[0]), ("sql", shop[0]), ("sql", shop[1])):
            monkeypatch.setenv("SALES_ENGINE", engine)
            monkeypatch.setenv("ANALYTICS_URL", analytics)
            answers.append(flask(shop[0], *args[:4], *view, "--headers", "fields"))
        assert [a.returncode for a in answers] == [0, 0, 0], answers[1].stderr
        assert answers[0].stdout == answers[1].stdout == answers[2].stdout
        (row,) = csv.DictReader(io.StringIO(answers[1].stdout))
        got = (float(row["sales_amount"]), row["total_customers"], row["active_customers"])
        assert got == (pytest.approx(expected[0]), *expected[1:])


def test_sql007_the_web_app_on_the_sql_engine_serves_the_kpi_export_and_the_screens(shop):
    app = create_app({"DATABASE_URL": shop[0], "SECRET_KEY": "sql-engine-test", "TESTING": True,
                      "SALES_ENGINE": "sql", "ANALYTICS_URL": shop[1]})  # fmt: skip
    client = app.test_client()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.post("/login", data={"username": "nora", "password": "nora-pass-123",
                                "csrf_token": token})  # fmt: skip
    export = client.get("/export/kpis.csv?from=2026-01-01&to=2026-03-31&headers=fields")
    assert export.status_code == 200
    (row,) = csv.DictReader(io.StringIO(export.text))
    assert float(row["sales_amount"]) == pytest.approx(912.50)
    screen = client.get("/export/matching-customers.csv")  # every screen is served on sql
    assert screen.status_code == 200 and "Traceback" not in screen.text
    with pytest.raises(ValueError, match="SALES_ENGINE='spark': use one of frames, sql"):
        create_app({"DATABASE_URL": shop[0], "SALES_ENGINE": "spark"})


@pytest.mark.parametrize("analytics", [None, 0, 1], ids=["frames", "sqlite", "duckdb"])
def test_sql008_two_dimensions_at_once_give_one_row_per_combination_with_a_line(shop, analytics):
    """customer x month and month x item (one customer) on the shop, against hand-made rows."""
    if analytics is None:
        engine = FramesEngine(build_frames(read_tables(make_engine(shop[0]))))
    else:
        engine = SqlEngine(Database(shop[analytics]), EVERYONE)
    columns = ["sales_amount", "cost_amount", "known_lines", "confirmed_orders", "draft_orders",
               "draft_amount"]  # fmt: skip
    by_month = engine.sums(Filters(), ("customer", "month"))
    assert by_month[["customer", "month", *columns]].values.tolist() == [
        ["C1", "2026-01", 712.5, 570.0, 3, 1, 0, 0],  # the SPEC worked example
        ["C1", "2026-02", 200.0, 0.0, 0, 1, 0, 0],  # Garden, no cost; the cancelled line is not
        ["C1", "2026-04", 0.0, 0.0, 0, 0, 0, 0],  # abandoned O8: a line, no sales
        ["C2", "2026-02", 0.0, 0.0, 0, 0, 1, 150.0],  # the draft O3
        ["C2", "2026-03", 0.0, 0.0, 0, 0, 0, 0],  # the quote O4
        ["C3", "2026-03", 500.0, 300.0, 1, 1, 0, 0],  # O5 less its returned line
        ["C3", "2026-04", 20.0, 0.0, 0, 1, 0, 0],
        ["C5", "2026-03", 90.0, 50.0, 1, 1, 0, 0],  # 10% off £100
        ["C9", "2025-12", 50.0, 30.0, 1, 1, 0, 0],  # a customer missing from the list
    ]  # C4 never ordered: no row
    assert engine.sums(Filters(), ("month", "customer"))["month"].tolist()[:2] == [
        "2025-12", "2026-01"]  # fmt: skip
    month_item = engine.sums(Filters(customers=("C1",)), ("month", "item"))
    assert month_item[["month", "item", *columns]].values.tolist() == [
        ["2026-01", "A", 712.5, 570.0, 3, 1, 0, 0],
        ["2026-02", "A", 0.0, 0.0, 0, 1, 0, 0],  # only the cancelled line: O2 counted, no sales
        ["2026-02", "B", 200.0, 0.0, 0, 1, 0, 0],
        ["2026-04", "A", 0.0, 0.0, 0, 0, 0, 0],
    ]
    assert engine.sums(Filters(customers=("C4",)), ("month", "item")).empty


@pytest.mark.slow
def test_sql009_customer_by_month_equals_plain_sql_on_the_demo(tmp_path):
    """Sales Amount and confirmed orders per customer and month of the 20,000-line demo, by both
    engines, against a plain SQL query of the SQLite file."""
    url = f"sqlite:///{tmp_path / 'sales.db'}"
    engine = make_engine(url)
    write_tables(engine, company_tables("demo"), replace=True)
    plain = pd.read_sql(
        """
        SELECT o.customer_id AS customer, substr(o.order_date, 1, 7) AS month,
            sum(CASE WHEN o.status = 'confirmed' AND l.status NOT IN ('cancelled', 'returned')
                THEN l.quantity * l.unit_price * (1 - coalesce(l.discount_pct, 0))
                     / (CASE WHEN l.prices_include_vat THEN 1 + coalesce(l.vat_rate, 0) ELSE 1 END)
                ELSE 0 END) AS sales_amount,
            count(DISTINCT CASE WHEN o.status = 'confirmed' THEN o.order_id END)
                AS confirmed_orders
        FROM order_lines l JOIN orders o ON o.order_id = l.order_id
        GROUP BY 1, 2 ORDER BY 1, 2""",
        engine,
    )
    frames = FramesEngine(build_frames(read_tables(engine)))
    for each in (frames, SqlEngine(Database(url), EVERYONE)):
        got = each.sums(Filters(), ("customer", "month"))
        assert (
            got[["customer", "month"]].values.tolist()
            == plain[["customer", "month"]].values.tolist()
        )
        assert np.allclose(got["sales_amount"], plain["sales_amount"], rtol=0, atol=0.005)
        assert got["confirmed_orders"].tolist() == plain["confirmed_orders"].astype(float).tolist()


@pytest.mark.slow
def test_sql010_spark_in_local_mode_gives_the_frames_engine_numbers(shop, tmp_path):
    """The shop as Parquet read by a local Spark (ANALYTICS_URL=spark://local[1]?parquet=...):
    customer x month (dates, Unknown cost, distinct orders) and the reorder time (window
    functions over dates) as the frames engine gives them. ~40 s, most of it Spark starting."""
    pytest.importorskip("pyspark", reason="Spark runs need pyspark (bench/requirements.txt)")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark runs need a Java runtime (e.g. apt's openjdk-17-jre-headless)")
    tables = read_tables(make_engine(shop[0]))
    write_parquet(tables, tmp_path)
    frames = FramesEngine(build_frames(tables))
    database = Database(f"spark://local[1]?parquet={tmp_path}&spark.driver.memory=512m")
    spark = SqlEngine(database, EVERYONE)
    try:
        by = ("customer", "month")
        assert differences(frames.sums(Filters(), by), spark.sums(Filters(), by), "Spark") == []
        assert spark.average_reorder_days(Filters()) == pytest.approx((26 + 17) / 2)
        assert spark.average_reorder_days(Filters(start=date(2026, 4, 2))) is None
    finally:
        database.spark.start().stop()


def test_sql011_a_spark_url_names_the_spark_the_tables_and_the_settings():
    spark = Spark("spark://local[2]?parquet=/data/sales&spark.driver.memory=1g")
    assert (spark.address, spark.parquet) == ("spark://local[2]", "/data/sales")
    assert spark.settings["spark.driver.memory"] == "1g"
    assert spark.settings["spark.sql.session.timeZone"] == "UTC"  # dates are days
    assert spark.session is None  # started at the first query, not when the app starts
    assert Spark("sc://spark.example.com:15002").parquet is None  # the server's catalog
    with pytest.raises(ValueError, match="unknown Spark URL parameter 'tables'"):
        Spark("spark://local?tables=/data/sales")
    with pytest.raises(ValueError, match="not a Spark URL"):
        Spark("sqlite:///sales.db")


def test_sql012_the_parquet_tables_keep_dates_as_dates_and_missing_costs_as_null(shop, tmp_path):
    write_parquet(read_tables(make_engine(shop[0])), tmp_path)
    orders = pq.read_table(tmp_path / "orders.parquet")
    assert orders.schema.field("order_date").type == pa.date32()
    assert sorted(orders.column("order_date").to_pylist())[0] == date(2025, 12, 20)
    lines = pq.read_table(tmp_path / "order_lines.parquet")
    assert [field.name for field in lines.schema] == list(SCHEMAS["order_lines"])
    unit_cost = lines.column("unit_cost")
    # O2's Garden line, the quote O4, O6 and the abandoned O8 have no cost: NULL, never NaN
    assert unit_cost.null_count == 4
    assert not any(value != value for value in unit_cost.to_pylist() if value is not None)
    assert lines.column("category").null_count == len(SHOP_LINES) - 1  # only O5's first line


def test_sql013_the_customer_statuses_of_the_cadence_shop_hold_by_hand_on_every_engine(
    database_url, tmp_path
):
    """Each customer's status in each period of CADENCE_STATUSES, worked out by hand from SPEC
    §3, from the frames, the database (with and without its rollups) and a DuckDB file; the KPIs
    of the customers at risk; a manager's scope around the status."""
    write_tables(make_engine(database_url), cadence_tables(), replace=True)
    frames = build_frames(read_tables(make_engine(database_url)))
    duckdb_url = write_duckdb(tmp_path / "sales.duckdb", database_url)

    def engines(scope: Scope) -> dict:
        return {
            "frames": FramesEngine(scoped(frames, scope)),
            "sql": SqlEngine(Database(database_url), scope),
            "sql, from the lines": SqlEngine(Database(database_url), scope, rollups=False),
            "duckdb": SqlEngine(Database(duckdb_url), scope),
        }

    found = []
    for name, engine in engines(EVERYONE).items():
        for (start, end, channels), statuses in CADENCE_STATUSES:
            period = Filters(start=date.fromisoformat(start), end=date.fromisoformat(end),
                             channels=channels)  # fmt: skip
            for status, customers in statuses.items():
                got = engine.sums(replace(period, customer_status=(status,)), "customer")
                if "".join(got["customer"]) != customers:
                    found.append(f"{name}, {start} to {end} {channels}: {status} "
                                 f"{''.join(got['customer'])!r}, not {customers!r}")  # fmt: skip
            every = engine.sums(replace(period, customer_status=tuple(statuses)), "customer")
            if "".join(every["customer"]) != "DEFNRT":
                found.append(f"{name}, {start} to {end}: every status {list(every['customer'])}")
        # 1-27 Feb: R, F and D at risk, F with its three orders of £100 (cost £60) in the period
        # and their two 2-day gaps; T active with T3; E and N inactive
        at_risk = kpis_of(engine, Filters(start=date(2026, 2, 1), end=date(2026, 2, 27),
                                          customer_status=("at_risk",)))  # fmt: skip
        got = (at_risk.sales_amount, at_risk.cost_amount, at_risk.total_customers,
               at_risk.active_customers, at_risk.average_reorder_days)  # fmt: skip
        if got != (300.0, 180.0, 3, 1, 2.0):
            found.append(f"{name}: the KPIs of the customers at risk {got}")
        active = kpis_of(engine, Filters(start=date(2026, 2, 1), end=date(2026, 2, 27),
                                         customer_status=("active",)))  # fmt: skip
        if (active.sales_amount, active.total_customers) != (100.0, 1):
            found.append(f"{name}: the KPIs of the active customers {active}")
    # team North does not see F (South), at risk on 20 Feb; D still is
    for name, engine in engines(Scope("manager", team="North")).items():
        filters = Filters(start=date(2026, 2, 1), end=date(2026, 2, 20),
                          customer_status=("at_risk",))  # fmt: skip
        if list(engine.sums(filters, "customer")["customer"]) != ["D"]:
            found.append(f"{name}: North's customers at risk {engine.sums(filters, 'customer')}")
    assert found == []


def test_sql014_a_question_asked_again_is_not_compiled_again(tmp_path):
    """Each request builds its questions anew; an equal question's SQL comes from the process's
    compiled questions (the same string), a different one's is compiled."""
    engine = SqlEngine(Database(f"sqlite:///{tmp_path / 'sales.db'}"), EVERYONE, rollups=False)
    year = Filters(start=date(2026, 1, 1), end=date(2026, 12, 31))

    def question(filters: Filters) -> str:
        return engine.sql(engine.sums_expression(filters, ("customer",)))

    assert question(year) is question(replace(year))
    other = question(replace(year, channels=("Online",)))
    assert other != question(year) and "Online" in other
