"""data.frames: the frames streamed from a database (read_frames) are the frames built from its
table frames in memory (build_frames), frame by frame, dtype by dtype; and both put the lines
where a hand check and plain SQL say."""

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from data.db import make_engine, read_tables, snapshot_connection, write_tables
from data.demo import generate
from data.frames import (
    PAGE_LINE_COLUMNS,
    PAGE_UNUSED,
    Frames,
    build_frames,
    page_frames,
    read_frames,
    to_day,
)
from tests.conftest import DEMO_END
from tests.dbtools import external_sql
from tests.factory import make_tables

AS_OF = pd.Timestamp("2026-11-21", tz="UTC")


def assert_same_frames(left: Frames, right: Frames) -> None:
    """Every frame equal (values, order, dtypes, categories and their dtypes, code widths) and
    every other field equal."""
    for field in dataclasses.fields(Frames):
        a, b = getattr(left, field.name), getattr(right, field.name)
        if not isinstance(a, pd.DataFrame):
            assert a == b and type(a) is type(b), field.name
            continue
        pd.testing.assert_frame_equal(a, b, obj=field.name)
        for name in a.columns:
            assert a[name].dtype == b[name].dtype, f"{field.name}.{name}"
            if isinstance(a[name].dtype, pd.CategoricalDtype):
                assert a[name].cat.categories.equals(b[name].cat.categories)
                assert a[name].cat.categories.dtype == b[name].cat.categories.dtype, name
                assert a[name].cat.codes.dtype == b[name].cat.codes.dtype, name


def streamed(engine, chunk_rows: int, own_process: bool = False) -> Frames:
    """read_frames in a snapshot connection; `own_process`: as the builder child reads (SQLite
    through ADBC too), with the engine's pooled connections closed before and after (they must
    not share the file with ADBC's own copy of SQLite: data.db.snapshot_connection)."""
    engine.dispose()
    with snapshot_connection(engine, own_process) as conn:
        frames = read_frames(conn, AS_OF, chunk_rows=chunk_rows)
    engine.dispose()
    return frames


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('frames') / 'demo.db'}")
    write_tables(engine, generate(lines=20_000, seed=7, end=DEMO_END), replace=True)
    return engine


def test_frm001_the_demo_streamed_equals_the_demo_built_in_memory(database_url):
    """In chunks of 997 lines (orders split across chunks) and of 20,000, as a worker and as the
    builder child read (on SQLite: the driver's cursor, ADBC)."""
    engine = make_engine(database_url)
    write_tables(engine, generate(lines=20_000, seed=7, end=DEMO_END), replace=True)
    in_memory = build_frames(read_tables(engine), as_of=AS_OF)
    assert len(in_memory.lines) == 20_038 and len(in_memory.events) > 20_038
    for chunk_rows in (997, 20_000):
        for own_process in (False, True):
            assert_same_frames(streamed(engine, chunk_rows, own_process), in_memory)
    engine.dispose()


def test_frm002_lines_in_order_date_order_with_amounts_as_plain_sql_says(demo_engine):
    frames = streamed(demo_engine, 997)
    with demo_engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT l.order_id, l.line_no, julianday(o.order_date) - 2440587.5, "
                "l.quantity * l.unit_price * (1 - l.discount_pct) "
                "  / CASE WHEN l.prices_include_vat THEN 1 + l.vat_rate ELSE 1 END "
                "FROM order_lines l JOIN orders o ON o.order_id = l.order_id "
                "ORDER BY o.order_date, o.order_id, l.line_no"
            )
        ).all()
    lines = frames.lines
    order_ids = frames.orders["order_id"].to_numpy()[lines["order"].to_numpy()]
    assert list(zip(order_ids, lines["line_no"], strict=True)) == [(r[0], r[1]) for r in rows]
    assert lines["day"].tolist() == [int(r[2]) for r in rows]
    assert lines["sales_amount"].to_numpy() == pytest.approx([r[3] for r in rows], rel=1e-12)


def test_frm003_as_sold_values_deleted_items_and_a_shuffled_table_stream_the_same(tmp_path):
    tables = generate(lines=3_000, seed=11, end=DEMO_END)
    rng = np.random.default_rng(5)
    lines = tables["order_lines"]
    for column, values in (("category", ["Zeta", "Alpha"]), ("supplier", ["S9"]),
                           ("channel", ["amazon", "web"]), ("salesperson", ["SP99", "SP01"])):  # fmt: skip
        picked = np.array([*values, None], dtype=object)[
            rng.integers(0, len(values) + 1, len(lines))
        ]
        picked[rng.random(len(lines)) < 0.7] = None
        lines[column] = pd.Series(picked, dtype="str")
    tables["items"] = tables["items"].iloc[10:].reset_index(drop=True)  # some sold items gone
    tables["orders"] = tables["orders"].sample(frac=1, random_state=3).reset_index(drop=True)
    # stored out of order: the lines come in order from the query, not from the table's order
    tables["order_lines"] = lines.sample(frac=1, random_state=4).reset_index(drop=True)
    engine = make_engine(f"sqlite:///{tmp_path / 'sold.db'}")
    write_tables(engine, tables, replace=True)
    in_memory = build_frames(read_tables(engine), as_of=AS_OF)
    assert (in_memory.lines["salesperson"] == "SP99").any()
    assert (in_memory.events["salesperson"] == "SP99").any()
    assert not in_memory.items["in_catalogue"].all()
    assert_same_frames(streamed(engine, 101), in_memory)
    assert_same_frames(streamed(engine, 101, own_process=True), in_memory)


def test_frm004_an_empty_database_streams_the_same_empty_frames(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    frames = streamed(engine, 997)
    assert len(frames.lines) == 0 and frames.first_day is None
    assert_same_frames(frames, build_frames(read_tables(engine), as_of=AS_OF))
    assert_same_frames(streamed(engine, 997, own_process=True), frames)


def test_frm005_hand_checked_lines_and_events(tmp_path):
    """Stored A2, B1 (lines 1, 2), A1; B1's first stored line then becomes line 3. By order date
    then order_id: B1 (1 May: line 2 = 1 × £5 cancelled, line 3 = 2 × £10), A1 (3 May: 1 × £7),
    A2 (3 May: 3 × £4 with 20% VAT included = £10)."""
    url = f"sqlite:///{tmp_path / 'hand.db'}"
    engine = make_engine(url)
    tables = make_tables(
        [
            {
                "order_id": "A2",
                "order_date": "2026-05-03",
                "quantity": 3.0,
                "unit_price": 4.0,
                "vat_rate": 0.2,
                "prices_include_vat": True,
            },
            {"order_id": "B1", "order_date": "2026-05-01", "quantity": 2.0, "unit_price": 10.0},
            {
                "order_id": "B1",
                "order_date": "2026-05-01",
                "unit_price": 5.0,
                "status": "cancelled",
            },
            {"order_id": "A1", "order_date": "2026-05-03", "unit_price": 7.0},
        ]  # fmt: skip
    )
    write_tables(engine, tables, replace=True)
    external_sql(url, "UPDATE order_lines SET line_no = 3 WHERE order_id = 'B1' AND line_no = 1")
    frames = streamed(engine, 2)
    lines = frames.lines
    assert frames.orders["order_id"].tolist() == ["B1", "A1", "A2"]
    may1, may3 = to_day("2026-05-01"), to_day("2026-05-03")
    assert lines["order"].tolist() == [0, 0, 1, 2]
    assert lines["line_no"].tolist() == [2, 3, 1, 1]
    assert lines["day"].tolist() == [may1, may1, may3, may3]
    assert lines["sales_amount"].tolist() == pytest.approx([5.0, 20.0, 7.0, 10.0])
    assert lines["order_amount"].tolist() == pytest.approx([20.0, 20.0, 7.0, 10.0])
    assert lines["revenue"].tolist() == [False, True, True, True]
    assert lines["line_status"].tolist() == ["cancelled", "delivered", "delivered", "delivered"]
    events = frames.events
    got = list(
        zip(events["day"], events["event"], events["order_id"], events["value"], strict=True)
    )
    assert got == [
        (may1, "sold", "B1", pytest.approx(5.0)),
        (may1, "sold", "B1", pytest.approx(20.0)),
        (may1, "cancelled", "B1", pytest.approx(5.0)),
        (may1, "delivered", "B1", pytest.approx(20.0)),
        (may3, "sold", "A1", pytest.approx(7.0)),
        (may3, "sold", "A2", pytest.approx(10.0)),
        (may3, "delivered", "A1", pytest.approx(7.0)),
        (may3, "delivered", "A2", pytest.approx(10.0)),
    ]
    assert_same_frames(frames, build_frames(read_tables(engine), as_of=AS_OF))


MONTH_ITEMS_SQL = """
SELECT o.customer_id,
       CAST(strftime('%Y', o.order_date) AS INTEGER) * 12
         + CAST(strftime('%m', o.order_date) AS INTEGER) - 1 AS month,
       l.item_id,
       SUM(l.quantity * l.unit_price * (1 - COALESCE(l.discount_pct, 0))
           / CASE WHEN l.prices_include_vat THEN 1 + COALESCE(l.vat_rate, 0) ELSE 1 END),
       SUM(l.quantity),
       SUM(CASE WHEN l.unit_cost IS NOT NULL THEN l.quantity * l.unit_cost ELSE 0 END),
       SUM(COALESCE(l.cost_non_inv, 0)),
       COUNT(l.unit_cost),
       COUNT(*)
FROM order_lines l JOIN orders o ON o.order_id = l.order_id
WHERE o.status = 'confirmed' AND l.status NOT IN ('cancelled', 'returned')
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
"""


def test_frm006_customer_month_items_as_plain_sql_says(demo_engine):
    """One row per (customer, month, item) with a revenue line, by customer, month, item."""
    frames = streamed(demo_engine, 997)
    table = frames.customer_month_items
    with demo_engine.connect() as conn:
        rows = conn.execute(text(MONTH_ITEMS_SQL)).all()
    assert len(table) == len(rows) > 1000
    customer_ids = frames.customers["customer_id"].to_numpy()[table["customer"].to_numpy()]
    item_ids = frames.items["item_id"].to_numpy()[table["item"].to_numpy()]
    assert list(zip(customer_ids, table["month"], item_ids, strict=True)) == [r[:3] for r in rows]
    for position, name in enumerate(
        ["sales_amount", "sales_quantity", "cost_amount", "cost_non_inv"], start=3
    ):
        assert table[name].to_numpy() == pytest.approx([r[position] for r in rows], rel=1e-12)
    assert table["known_lines"].tolist() == [r[7] for r in rows]
    assert table["revenue_lines"].tolist() == [r[8] for r in rows]


def test_frm007_a_pages_frames_equal_the_whole_frames_without_what_a_page_does_not_read(
    demo_engine,
):
    """page_frames from the tables without payments and the lines without their event dates
    (PAGE_LINE_COLUMNS) in three chunks by order_id then line_no, orders cut between two
    chunks counted in two parts: every field a page reads equal to the whole build's; each of
    PAGE_UNUSED raises, naming itself, when read."""
    tables = read_tables(demo_engine)
    whole = build_frames(tables, as_of=AS_OF)
    lines = tables["order_lines"].sort_values(["order_id", "line_no"], ignore_index=True)
    order_id = lines["order_id"].to_numpy()
    inside = np.flatnonzero(order_id[1:] == order_id[:-1]) + 1  # rows after one of their order
    cuts = [0, inside[len(inside) // 3], inside[2 * len(inside) // 3], len(lines)]
    chunks = [lines.iloc[a:b][PAGE_LINE_COLUMNS] for a, b in itertools.pairwise(cuts)]
    counts = pd.concat([chunk.groupby("order_id").size() for chunk in chunks])
    assert counts.index.duplicated().sum() == 2  # the cuts fall inside orders
    read = {n: t for n, t in tables.items() if n not in ("payments", "order_lines")}
    sold = lines[["item_id", "item_name", "sku"]]
    page = page_frames(read, counts, iter(chunks), sold, AS_OF)
    for field in dataclasses.fields(Frames):
        if field.name in PAGE_UNUSED:
            with pytest.raises(AttributeError, match=field.name):
                getattr(page, field.name).to_numpy()
            continue
        a, b = getattr(page, field.name), getattr(whole, field.name)
        if isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b, obj=field.name)
        else:
            assert a == b, field.name
