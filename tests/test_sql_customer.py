"""The customer page, its PDF brief and an order's lines with SALES_ENGINE=sql: every section
of views.customer.customer_sections built from one customer's frames (Engine.customer_frames)
and the group's purchases computed in the database (Engine.group_purchases) equals the frames
engine's (today's tested code) for customers of the hand-made shop, the cadence shop and a
hand-made group shop, for a leader, a manager and a salesperson, with and without a narrowing
filter and with an open end, on SQLite, PostgreSQL and a DuckDB file; the group shop's
cross-sell gaps hold by hand in two scopes; crafted requests outside a user's scope get "not
found", a refused brief and no order lines."""

import os
from dataclasses import fields, is_dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from pandas.testing import assert_frame_equal

from data import db, sql_engine
from data.access import Scope, scoped
from data.db import make_engine, read_tables, write_tables
from data.frames import (
    PAGE_LINE_COLUMNS,
    SPARSE_COLUMNS,
    Frames,
    build_frames,
    customer_code,
    lines_of_customer,
    to_day,
)
from data.sql_engine import Database, SqlEngine
from metrics.engine import FramesEngine
from reports.brief import customer_brief_pdf
from tests.factory import make_tables
from tests.test_sql_engine import cadence_tables, shop_tables, write_duckdb
from tests.test_sql_reports import callback, client_of, company, page_callback
from views.customer import customer_page_of, customer_sections
from views.view import parse

LEADER, NORTH, SAM = (
    Scope("leadership"),
    Scope("manager", team="North"),
    Scope("salesperson", salesperson="SP1"),
)
SCOPES = {"leader": LEADER, "manager": NORTH, "salesperson": SAM}
# the views of the comparison: a closed period, a narrowing filter (a category), an open end
# with a customer-level filter (the custom field tier: Gold keeps C1 of the shop and of the
# group shop, nobody else; the cadence shop has no such field: refused on both engines alike)
VIEWS = ("from=2025-03-01&to=2026-02-15", "from=2025-03-01&to=2026-02-15&category=Home",
         "from=2025-12-01&f.tier=Gold")  # fmt: skip
AS_OF = to_day(date(2026, 2, 15))


def buy(day, item, customer, order_id=None, **line):
    """One line; its own order unless order_id is given."""
    order_id = order_id or f"{customer}-{item}-{day}"
    return dict(order_id=order_id, order_date=day, customer_id=customer, item_id=item, **line)


# The group shop: Retail is C1..C6, Solo C7 alone; C8 has no group. Sam (SP1, North) owns C1..C4,
# C7 and C8, Kim (SP2, North) C5, Pat (SP3, South) C6. The year to 15 Feb 2026 starts 16 Feb
# 2025. X and X2 are the variants Red and Blue of the product MUG; L is C1's lapsed product.
GROUP_LINES = [
    buy("2026-01-10", "A", "C1", unit_price=50, category="Home"),
    buy("2026-01-10", "Y", "C1", status="cancelled"),
    buy("2026-03-01", "Z", "C1"),  # after the as-of day
    *(buy(d, "L", "C1", unit_price=30) for d in ("2025-01-01", "2025-01-11", "2025-01-21")),
    buy("2026-01-05", "X", "C2", unit_price=100),
    buy("2026-01-06", "V", "C2", order_status="draft"),
    buy("2025-06-01", "X2", "C3", unit_price=300),
    buy("2025-07-01", "Y", "C3", order_id="C3-7", unit_price=400),
    buy("2025-07-01", "A", "C3", order_id="C3-7", unit_price=50),
    buy("2024-06-01", "X", "C4", unit_price=999),
    buy("2025-12-01", "X", "C4", order_id="C4-12", unit_price=200),
    buy("2025-12-01", "Z", "C4", order_id="C4-12", unit_price=1000),
    buy("2025-12-01", "A", "C4", order_id="C4-12", unit_price=70),
    buy("2026-02-15", "Y", "C5", order_id="C5-2", unit_price=200, salesperson="SP2"),
    buy("2026-02-15", "A", "C5", order_id="C5-2", unit_price=60, salesperson="SP2"),
    buy("2026-02-15", "W", "C5", order_id="C5-2", status="cancelled", salesperson="SP2"),
    buy("2025-09-01", "W", "C6", unit_price=500, salesperson="SP3"),
    buy("2026-01-01", "X", "C7"),
    buy("2026-01-01", "X", "C8"),
]
GROUPS = {**{f"C{n}": "Retail" for n in range(1, 7)}, "C7": "Solo", "C8": None}
OWNERS = {**{c: "SP1" for c in GROUPS}, "C5": "SP2", "C6": "SP3"}
SALESPEOPLE = [
    dict(code=code, name=name, team=team, commission_rate=0.1, commission_basis="items_sold")
    for code, name, team in (("SP1", "Sam", "North"), ("SP2", "Kim", "North"),
                             ("SP3", "Pat", "South"))
]  # fmt: skip


def group_tables() -> dict:
    customers = [dict(customer_id=c, name=f"Shop {c}", customer_group=g, owner=OWNERS[c])
                 for c, g in GROUPS.items()]  # fmt: skip
    fields = [dict(customer_id="C1", field="tier", value="Gold")]
    tables = make_tables(GROUP_LINES, customers, SALESPEOPLE, fields)
    items = tables["items"].set_index("item_id")
    items.loc["X", ["product_id", "name", "variant"]] = ["MUG", "Mug Red", "Red"]
    items.loc["X2", ["product_id", "name", "variant"]] = ["MUG", "Mug Blue", "Blue"]
    tables["items"] = items.reset_index()
    return tables


@pytest.fixture(scope="module")
def group_shop(tmp_path_factory):
    """(SQLite URL, DuckDB URL) of the group shop, with a user of each scope (USERS); the
    DuckDB file keeps its lines by customer too (bench/scale.py's), which the page reads."""
    folder = tmp_path_factory.mktemp("sql-customer-group")
    url, _ = company(folder, group_tables())
    return url, write_duckdb(folder / "by-customer.duckdb", url, by_customer=True)


# (company, customers): a stray customer (C9: orders, no customer row, the leader's only) and
# one who never ordered (C4) in the shop; at-risk customers in the cadence shop (F: South's);
# a lapsed product and cross-sell gaps (C1), a customer outside Sam's scope (C5) and no group
# (C8) in the group shop
COMPANIES = {
    "shop": (shop_tables, ("C1", "C4", "C9")),
    "cadence": (cadence_tables, ("D", "F")),
    "group": (group_tables, ("C1", "C5", "C8")),
}


def assert_same(expected, got, where: str) -> None:
    """Sections (and the dataclasses inside them) equal: tables and amounts to 1e-9 and the
    cent (float sums in another order), everything else exactly."""
    if is_dataclass(expected):
        for field in fields(expected):
            assert_same(getattr(expected, field.name), getattr(got, field.name),
                        f"{where}: {field.name}")  # fmt: skip
    elif isinstance(expected, pd.DataFrame):
        assert_frame_equal(expected, got, check_exact=False, rtol=1e-9, atol=0.005, obj=where)
    elif isinstance(expected, float):
        assert got == pytest.approx(expected, rel=1e-9, abs=0.005), where
    else:
        assert expected == got, f"{where}\n{expected}\n{got}"


def assert_customer_pages_agree(url: str, analytics: str, company: str) -> None:
    """Every customer of the company in each scope, for a view per scope (the leader two): the
    customer's lines in the same order (order_id, line_no) and the sections on the SQL engine
    equal the frames engine's, and the leader's brief of the first
    customer byte for byte; outside a scope both say "not found"."""
    frames = build_frames(read_tables(make_engine(url)))
    database = Database(analytics)
    customers = COMPANIES[company][1]
    for name, scope in SCOPES.items():
        mine = scoped(frames, scope)
        sql = SqlEngine(database, scope)
        lists = sql.lists(frames.as_of)
        seen = set(mine.customers["customer_id"])
        queries = {"leader": VIEWS[1:], "manager": VIEWS[2:], "salesperson": VIEWS[:1]}[name]
        briefed = scope != LEADER
        for customer in customers:
            if customer not in seen:  # outside the scope: not found on both engines
                for engine, data in ((FramesEngine(mine), mine), (sql, lists)):
                    with pytest.raises(ValueError):
                        customer_page_of(engine, data, customer, parse(VIEWS[0], data))
                continue
            small = sql.customer_frames(customer, lists)
            assert list(small.customers["customer_id"]) == [customer]
            assert line_keys(small, customer) == line_keys(mine, customer)
            for query in queries:
                where = f"{company} {customer} {name} {query}"
                expected = customer_sections(mine, customer, parse(query, mine))
                got = customer_page_of(sql, lists, customer, parse(query, lists))[1]
                assert_same(expected, got, where)
            if not briefed:
                briefed = True
                expected = customer_brief_pdf(
                    customer_sections(mine, customer, parse(queries[0], mine))
                )
                got = customer_brief_pdf(
                    customer_page_of(sql, lists, customer, parse(queries[0], lists))[1]
                )
                assert expected == got, f"{company} {customer} {name}: brief"


def line_keys(frames: Frames, customer: str) -> list[tuple[str, int]]:
    """(order_id, line_no) of the customer's lines in the frames' order."""
    lines = frames.lines.iloc[lines_of_customer(frames, customer_code(frames, customer))]
    order_ids = frames.orders["order_id"].to_numpy()[lines["order"].to_numpy()]
    return list(zip(order_ids.tolist(), lines["line_no"].tolist(), strict=True))


@pytest.mark.parametrize("company", list(COMPANIES))
def test_sqc001_every_section_and_the_brief_equal_the_frames_engine(
    database_url, tmp_path, company
):
    write_tables(make_engine(database_url), COMPANIES[company][0](), replace=True)
    assert_customer_pages_agree(database_url, database_url, company)


def test_sqc002_on_a_duckdb_file_too(group_shop):
    """The group shop (the other two on SQLite and PostgreSQL only: each company costs ~15 s),
    its customers' lines read from the lines kept by customer."""
    assert Database(group_shop[1]).lines_by_customer_current()
    assert_customer_pages_agree(*group_shop, "group")


def lines_in_pairs(monkeypatch) -> list[pd.DataFrame]:
    """The SQL engine reads a customer's lines in batches of at most two lines (PostgreSQL's:
    as few as ADBC sends): each batch as _compact_lines made it, as it comes."""
    monkeypatch.setattr(sql_engine, "BATCH_ROWS", 2)
    monkeypatch.setattr(db, "ANSWER_BATCH_BYTES", 1)
    chunks, compact = [], sql_engine._compact_lines
    monkeypatch.setattr(sql_engine, "_compact_lines",
                        lambda batch: chunks.append(compact(batch)) or chunks[-1])  # fmt: skip
    return chunks


def group_tables_sold_as() -> dict:
    """The group shop with C1's item A sold as an Outdoor item on 10 January 2026 (an
    attribute as sold on one of C1's six lines), its lines written last one first (the
    database may give them back in that order unless asked for another)."""
    tables = group_tables()
    lines = tables["order_lines"].iloc[::-1].reset_index(drop=True)
    outdoor = (lines["order_id"] == "C1-A-2026-01-10").to_numpy()
    tables["order_lines"] = lines.assign(category=np.where(outdoor, "Outdoor", None))
    return tables


def assert_read_two_at_a_time(chunks: list[pd.DataFrame]) -> None:
    """At most two lines a batch; C1's category as sold (Outdoor) kept in a batch, left out
    of another; an order (C4's or C5's three lines) in two batches."""
    assert chunks and max(map(len, chunks)) <= 2
    outdoor = ["category" in c and (c["category"] == "Outdoor").any() for c in chunks]
    assert any(outdoor) and not all("category" in c for c in chunks)
    orders = pd.concat([c["order_id"].astype(str).drop_duplicates() for c in chunks])
    assert orders.duplicated().any()


def test_sqc006_a_customers_lines_read_two_at_a_time_give_the_same_page(database_url, monkeypatch):
    """The group shop with an attribute as sold, its customers' lines in batches of two at
    most: C1's category as sold in one batch and not in the others, C4's and C5's orders of
    three lines in two batches each. Every section and the brief still equal the frames
    engine's."""
    write_tables(make_engine(database_url), group_tables_sold_as(), replace=True)
    chunks = lines_in_pairs(monkeypatch)
    assert_customer_pages_agree(database_url, database_url, "group")
    assert_read_two_at_a_time(chunks)


def test_sqc007_on_a_duckdb_file_read_two_at_a_time_too(tmp_path, monkeypatch):
    url, _ = company(tmp_path, group_tables_sold_as())
    analytics = write_duckdb(tmp_path / "by-customer.duckdb", url, by_customer=True)
    chunks = lines_in_pairs(monkeypatch)
    assert_customer_pages_agree(url, analytics, "group")
    assert_read_two_at_a_time(chunks)


def test_sqc008_a_batch_of_lines_made_compact_and_counted_by_hand():
    """_compact_lines: text as categoricals of the values (a string view too), the attributes
    as sold with no value left out and Home kept, a cost with no value in a column of no type
    (as pandas gives SQLite's NULLs to Arrow) still a float, amounts and flags as they came;
    _line_counts: O1 cut between two batches counted in two parts (1 + 1), O2 once."""
    values = {"order_id": ["O1", "O1", "O2"], "line_no": [1, 2, 1],
              "item_id": pa.array(["A", "B", "A"], pa.string_view()),
              "quantity": [1.0, 2.0, 3.0], "unit_price": [10.0, 20.0, 30.0],
              "discount_pct": [None, 0.1, None], "vat_rate": [0.2, 0.2, 0.2],
              "prices_include_vat": [False, True, False], "unit_cost": pa.nulls(3),
              "cost_non_inv": [0.0, 1.5, 0.0], "status": ["open", "cancelled", "open"],
              "category": ["Home", None, None]}  # fmt: skip
    batch = pa.RecordBatch.from_pydict(
        {name: values.get(name, pa.nulls(3, pa.string())) for name in PAGE_LINE_COLUMNS}
    )
    lines = sql_engine._compact_lines(batch)
    assert sorted(lines.columns) == sorted(
        [*(n for n in PAGE_LINE_COLUMNS if n not in SPARSE_COLUMNS), "category"]
    )
    for name in ("order_id", "item_id", "status", "category"):
        assert isinstance(lines[name].dtype, pd.CategoricalDtype), name
        expected = [v if v is None else str(v) for v in batch[name].to_pylist()]
        assert [None if pd.isna(v) else v for v in lines[name]] == expected, name
    assert lines["unit_cost"].dtype == "float64" and lines["unit_cost"].isna().all()
    assert lines["quantity"].tolist() == [1.0, 2.0, 3.0]
    assert lines["prices_include_vat"].tolist() == [False, True, False]
    counts = sql_engine._line_counts([sql_engine._compact_lines(batch.slice(0, 1)),
                                      sql_engine._compact_lines(batch.slice(1, 2))])  # fmt: skip
    assert list(zip(counts.index, counts, strict=True)) == [("O1", 1), ("O1", 1), ("O2", 1)]


def test_sqc005_the_lines_by_customer_are_read_only_for_the_files_data_version(
    group_shop, tmp_path
):
    """One Database on a DuckDB file of the group shop without the lines by customer, then
    that file renamed over by one with them: C1's lines (6, by hand: A, the cancelled Y, Z and
    L three times) come from the lines kept by customer (C1's taken out there, the page finds
    none) while their state names the file's data version, and from the lines again once it
    names another (a writer changed the data and not them)."""
    import duckdb

    path = Path(write_duckdb(tmp_path / "sales.duckdb", group_shop[0]).removeprefix("duckdb:///"))
    database = Database(f"duckdb:///{path}")
    engine = SqlEngine(database, LEADER)
    lists = engine.lists(pd.Timestamp("2026-03-02"))

    def c1_lines() -> int:
        return len(engine.customer_frames("C1", lists).lines)

    def renamed_over(source: Path, sql: str | None = None) -> None:
        """A new file (a copy of `source`, changed by `sql`) renamed over the open one, as a
        writer does."""
        copy = tmp_path / "next.duckdb"
        copy.write_bytes(source.read_bytes())
        if sql:
            with duckdb.connect(str(copy)) as conn:
                conn.execute(sql)
        os.replace(copy, path)

    assert not database.lines_by_customer_current() and c1_lines() == 6
    renamed_over(Path(group_shop[1].removeprefix("duckdb:///")))
    assert database.lines_by_customer_current() and c1_lines() == 6
    renamed_over(path, "DELETE FROM order_lines_by_customer WHERE customer_id = 'C1'")
    assert c1_lines() == 0
    renamed_over(path, "UPDATE order_lines_by_customer_state SET version = version - 1")
    assert not database.lines_by_customer_current() and c1_lines() == 6


def cross_sell(*rows, group_customers: int) -> pd.DataFrame:
    """The expected cross-sell table of the group shop's C1: (product_id, product_name,
    variants, buyers, median_spend) per row; never bought by C1 (last_bought NaT)."""
    table = pd.DataFrame(rows, columns=["product_id", "product_name", "variants", "buyers",
                                        "median_spend"])  # fmt: skip
    penetration = table["buyers"] / group_customers
    return pd.DataFrame({
        **table[["product_id", "product_name", "variants", "buyers"]],
        "group_customers": group_customers,
        "penetration": penetration,
        "median_spend": table["median_spend"].astype(float),
        "expected_value": penetration * table["median_spend"],
        "last_bought": pd.Series([pd.NaT] * len(table), dtype="datetime64[ns]"),
        "evidence": [f"bought by {p:.0%} of Retail customers ({b} of {group_customers}), "
                     f"median £{m:,.0f}/yr" for p, b, m in zip(penetration, table["buyers"],
                                                               table["median_spend"], strict=True)],
    })  # fmt: skip


# C1's cross-sell gaps as of 15 Feb 2026, by hand. The leader's Retail peers with a revenue line
# in the year: C2..C6 (5). MUG: C2 £100 (X), C3 £300 (X2), C4 £200 (X): median £200, 3/5;
# Y: C3 £400, C5 £200: median of an even number of buyers, (400 + 200) / 2 = £300, 2/5; Z: C4
# £1,000, 1/5; W: C6 £500, 1/5 (C5's W was cancelled); A is out (C1 bought it in January).
# Expected values: Z 200, MUG 120 and Y 120 (a tie: by product ID), W 100. Sam's peers: C2, C3,
# C4 (3): Z 1/3 × 1000, MUG 3/3 × 200, Y 1/3 × 400 (C5's is Kim's).
C1_CROSS_SELL = {
    LEADER: cross_sell(("Z", "Item Z", "", 1, 1000), ("MUG", "Mug", "Red, Blue", 3, 200),
                       ("Y", "Item Y", "", 2, 300), ("W", "Item W", "", 1, 500),
                       group_customers=5),
    SAM: cross_sell(("Z", "Item Z", "", 1, 1000), ("MUG", "Mug", "Red, Blue", 3, 200),
                    ("Y", "Item Y", "", 1, 400), group_customers=3),
}  # fmt: skip


def test_sqc003_cross_sell_gaps_and_lapsed_items_by_hand_on_every_engine(database_url, tmp_path):
    write_tables(make_engine(database_url), group_tables(), replace=True)
    frames = build_frames(read_tables(make_engine(database_url)))
    urls = [database_url]  # and a DuckDB file once, from the SQLite run
    if database_url.startswith("sqlite"):
        urls.append(write_duckdb(tmp_path / "sales.duckdb", database_url))
    view = "from=2025-02-16&to=2026-02-15"
    for scope, expected in C1_CROSS_SELL.items():
        mine = scoped(frames, scope)
        engines = [(FramesEngine(mine), mine)]
        for url in urls:
            database = Database(url)
            assert database.rollups_current()  # the group's purchases from the item rollup
            sql = SqlEngine(database, scope)
            engines.append((sql, sql.lists(frames.as_of)))
            # the year's whole months from the rollup, its partial months from the lines (C5's
            # Y and A on 15 Feb 2026; none on 16-28 Feb 2025): as from the lines alone
            assert_frame_equal(sql.group_purchases("C1", AS_OF),
                               SqlEngine(database, scope, rollups=False).group_purchases(
                                   "C1", AS_OF))  # fmt: skip
        assert_frame_equal(engines[1][0].group_purchases("C1", AS_OF),
                           engines[0][0].group_purchases("C1", AS_OF))  # fmt: skip
        for engine, data in engines:
            sections = customer_page_of(engine, data, "C1", parse(view, data))[1]
            assert_frame_equal(sections.cross_sell, expected, check_dtype=False)
            # L: 1, 11 and 21 Jan 2025 (gaps 10): 390 days since, stopped while buying A
            lapsed = sections.lapsed
            assert lapsed[
                ["product_id", "orders", "median_gap_days", "days_since"]
            ].values.tolist() == [["L", 3, 10.0, 390]]
            assert bool(lapsed["stopped_early"].iloc[0])
            assert lapsed["yearly_sales_amount"].iloc[0] == 90.0


@pytest.mark.parametrize("engine", ["frames", "sql"])
def test_sqc004_crafted_requests_outside_the_scope_get_nothing(group_shop, engine):
    """Sam (C1..C4, C7, C8) asks for Kim's C5: the page says "not found", the brief export
    refuses (404), and expanding C5's order gives nothing, as for a customer or order that does
    not exist; his own customer's page, brief and order lines come."""
    url = group_shop[0]
    sam = client_of(url, "sam", engine)
    for customer in ("C5", "NOPE"):
        page = page_callback(sam, f"/customers/{customer}")
        assert page.status_code == 200 and "Customer not found." in page.text
        assert "C5-2" not in page.text
        brief = sam.get(f"/export/customers/{customer}/brief.pdf?from=2025-02-16&to=2026-02-15")
        assert (brief.status_code, brief.text) == (404, "Customer not found.\n")
    page = page_callback(sam, "/customers/C1", "?from=2025-02-16&to=2026-02-15")
    assert page.status_code == 200 and "Shop C1" in page.text and "Mug" in page.text
    brief = sam.get("/export/customers/C1/brief.pdf?from=2025-02-16&to=2026-02-15")
    assert brief.status_code == 200 and brief.data.startswith(b"%PDF")

    def expand(order_id: str):
        rows = [{"row_id": order_id, "expand": "▸"}]
        clicked = {"colId": "expand", "rowId": order_id}
        return callback(sam, [("customer-orders", "rowData")],
                        [("customer-orders", "cellClicked", clicked)],
                        [("customer-orders", "rowData", rows)])  # fmt: skip

    for order_id in ("C5-2", "NOPE"):
        assert expand(order_id).status_code == 204  # nothing to update
    mine = expand("C4-12").json["response"]["customer-orders"]["rowData"]
    assert [r["item_name"] for r in mine[1:]] == ["↳ Mug Red", "↳ Item Z", "↳ Item A"]
    assert [r["amount"] for r in mine[1:]] == [200.0, 1000.0, 70.0]


def test_sqc005_the_brief_is_the_same_file_on_frames_and_sql(group_shop):
    query = "/export/customers/C1/brief.pdf?from=2025-02-16&to=2026-02-15&category=Home"
    on_frames = client_of(group_shop[0], "nora", "frames").get(query)
    on_sql = client_of(group_shop[0], "nora", "sql").get(query)
    assert on_frames.status_code == on_sql.status_code == 200
    assert on_frames.data == on_sql.data
