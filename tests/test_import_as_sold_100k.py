"""A 100,000-line export in which 30% of the items are bought from two suppliers and 5% of the
orders are sold over two channels imports, and its Sales by Supplier and Sales by Channel equal a
plain-SQL computation of SPEC §3's Sales Amount over the same file (DuckDB reading the CSV)."""

import duckdb
import numpy as np
import pandas as pd
import pytest

from data.db import make_engine, read_tables
from data.frames import build_frames
from data.importer import import_lines
from metrics.filters import Filters
from metrics.kpis import kpis
from metrics.reports import sales_by_channel, sales_by_supplier

pytestmark = pytest.mark.slow  # 100,000 lines imported and checked: not in the fast subset

ORDERS, LINES_PER_ORDER, ITEMS = 25_000, 4, 2_000
CHANNELS = np.array(["web", "phone", "Store London", "Amazon", "eBay"])


def export(path) -> pd.DataFrame:
    """The file: 25,000 orders of 4 lines; items I0000–I0599 (30%) sold under two suppliers,
    I1900–I1999 under none; orders 0–1,249 (5%) with their lines on two channels; drafts, quotes,
    cancelled and returned lines, discounts, prices with and without VAT, and 10% of the lines
    giving a line_amount instead of a unit price."""
    rng = np.random.default_rng(14)
    n = ORDERS * LINES_PER_ORDER
    order = np.repeat(np.arange(ORDERS), LINES_PER_ORDER)
    item = rng.integers(0, ITEMS, n)
    main_supplier = np.array([f"Supplier {i % 40:02d}" for i in range(ITEMS)], dtype=object)
    other_supplier = np.array([f"Supplier {(i + 7) % 40:02d}" for i in range(ITEMS)], dtype=object)
    supplier = np.where(
        (item < 600) & (rng.random(n) < 0.5), other_supplier[item], main_supplier[item]
    )
    supplier[item >= 1900] = ""
    first = rng.integers(0, len(CHANNELS), ORDERS)[order]
    two = (order < 1_250) & (np.arange(n) % 2 == 1)
    channel = CHANNELS[np.where(two, (first + 1) % len(CHANNELS), first)]
    day = np.datetime64("2025-01-01") + rng.integers(0, 365, ORDERS)
    status = rng.choice(["confirmed", "draft", "quote"], ORDERS, p=[0.95, 0.03, 0.02])
    quantity = rng.integers(1, 11, n)
    price = np.round(rng.uniform(1, 200, n), 2)
    by_amount = rng.random(n) < 0.1
    discount = rng.choice([0.0, 0.05, 0.1], n)
    include = rng.random(n) < 0.4
    frame = pd.DataFrame(
        {
            "order_id": [f"SO{o:06d}" for o in order],
            "order_date": np.datetime_as_string(day[order]),
            "customer_id": [f"C{c:04d}" for c in rng.integers(0, 800, ORDERS)[order]],
            "item_id": [f"I{i:04d}" for i in item],
            "quantity": quantity,
            "unit_price": np.where(by_amount, "", price.astype(str)),
            "line_amount": np.where(by_amount, np.round(quantity * price, 2).astype(str), ""),
            "discount_pct": np.where(by_amount, "", discount.astype(str)),
            "vat_rate": "0.2",
            "prices_include_vat": np.where(include, "true", "false"),
            "order_status": status[order],
            "line_status": rng.choice(
                ["delivered", "cancelled", "returned"], n, p=[0.95, 0.03, 0.02]
            ),
            "supplier": supplier,
            "channel": channel,
        }
    )
    frame.to_csv(path, index=False)
    return frame


SALES_AMOUNT = """
    CASE WHEN COALESCE(unit_price, '') = '' THEN CAST(line_amount AS DOUBLE)
         ELSE CAST(quantity AS DOUBLE) * CAST(unit_price AS DOUBLE)
              * (1 - CAST(discount_pct AS DOUBLE))
              / CASE WHEN prices_include_vat = 'true' THEN 1 + CAST(vat_rate AS DOUBLE) ELSE 1 END
    END
"""


def by_sql(path, column: str) -> dict[str, float]:
    """Σ Sales Amount of the revenue lines (confirmed orders; lines neither cancelled nor
    returned) per value of `column`, N/A for none — computed by DuckDB from the CSV alone."""
    rows = duckdb.sql(
        f"""
        SELECT COALESCE(NULLIF({column}, ''), 'N/A') AS value, SUM({SALES_AMOUNT}) AS amount
        FROM read_csv('{path}', header = true, all_varchar = true)  -- empty cells are NULL
        WHERE order_status = 'confirmed' AND line_status NOT IN ('cancelled', 'returned')
        GROUP BY 1
        """
    ).fetchall()
    return {value: amount for value, amount in rows}


def test_imp240_100k_lines_with_two_suppliers_and_two_channels_match_plain_sql(tmp_path):
    path = tmp_path / "export.csv"
    frame = export(path)
    two_suppliers = frame[frame["item_id"] < "I0600"].groupby("item_id")["supplier"].nunique()
    assert (two_suppliers == 2).mean() > 0.99  # the file is what it says
    assert (frame.groupby("order_id")["channel"].nunique() == 2).sum() == 1_250

    engine = make_engine(f"sqlite:///{tmp_path / 'sales.db'}")
    result = import_lines(engine, path)
    assert result.problems == []
    assert result.counts["order_lines"] == 100_000
    assert result.counts["orders"] == ORDERS

    frames = build_frames(read_tables(engine))
    for report, column in ((sales_by_supplier, "supplier"), (sales_by_channel, "channel")):
        table = report(frames, Filters())
        ours = dict(zip(table[column], table["sales_amount"], strict=True))
        expected = by_sql(path, column)
        assert set(ours) == set(expected), column
        assert ours == {k: pytest.approx(v, abs=1e-6) for k, v in expected.items()}, column
        # every line counted once: the rows add up to the total
        assert sum(ours.values()) == pytest.approx(kpis(frames, Filters()).sales_amount)
    assert len(expected) == len(CHANNELS)
