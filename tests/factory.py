"""Hand-made table frames for tests: describe order lines as small dicts, get all the tables."""

from __future__ import annotations

import pandas as pd

from data.db import Tables
from data.frames import Frames, build_frames

LINE_DEFAULTS = {
    "customer_id": "C1",
    "item_id": "I1",
    "quantity": 1.0,
    "unit_price": 10.0,
    "discount_pct": 0.0,
    "vat_rate": 0.0,
    "prices_include_vat": False,
    "unit_cost": None,
    "cost_non_inv": 0.0,
    "status": "delivered",
    "order_status": "confirmed",
    "document_type": "invoice",
    "salesperson": "SP1",
    "channel": "web",
    "source": None,
    "device": None,
    "campaign": None,
}
ITEM_FIELDS = ("category", "brand", "collection", "supplier", "department")
ORDER_FIELDS = ("document_type", "salesperson", "channel", "source", "device", "campaign")


def make_tables(
    lines: list[dict],
    customers: list[dict] | None = None,
    salespeople: list[dict] | None = None,
    fields: list[dict] | None = None,
) -> Tables:
    """Each line dict needs order_id and order_date; everything else has a default above.
    Item fields (category, brand, ...) given on a line describe the line's item; `fields` are
    custom customer fields as {customer_id, field, value}."""
    frame = pd.DataFrame([{**LINE_DEFAULTS, **line} for line in lines])
    frame["order_date"] = pd.to_datetime(frame["order_date"]).astype("datetime64[s]")
    frame["line_no"] = frame.groupby("order_id").cumcount() + 1
    for column in ITEM_FIELDS:
        if column not in frame:
            frame[column] = None
    orders = frame.drop_duplicates("order_id")
    known = {c["customer_id"] for c in customers or []}
    extra = [{"customer_id": c, "name": f"Customer {c}"} for c in frame["customer_id"].unique()]
    customer_rows = (customers or []) + [c for c in extra if c["customer_id"] not in known]
    customer_frame = pd.DataFrame(customer_rows)
    for column in ("city", "country", "region", "customer_group", "owner", "created_on"):
        if column not in customer_frame:
            customer_frame[column] = None
    items = frame.drop_duplicates("item_id")
    return {
        "salespeople": pd.DataFrame(
            salespeople
            or [
                {
                    "code": "SP1",
                    "name": "Sam",
                    "team": "North",
                    "commission_rate": 0.1,
                    "commission_basis": "items_sold",
                }
            ]  # fmt: skip
        ),
        "customers": customer_frame,
        "customer_fields": pd.DataFrame(fields or [], columns=["customer_id", "field", "value"]),
        "items": pd.DataFrame(
            {
                "item_id": items["item_id"],
                "product_id": items["item_id"],
                "name": "Item " + items["item_id"],
                "variant": None,
                **{c: items[c] for c in ITEM_FIELDS},
                "item_type": "inventory",
                "made_to_order": False,
            }
        ),
        "orders": pd.DataFrame(
            {
                "order_id": orders["order_id"],
                "status": orders["order_status"],
                "order_date": orders["order_date"],
                "customer_id": orders["customer_id"],
                **{c: orders[c] for c in ORDER_FIELDS},
            }
        ),
        "order_lines": frame[
            [
                "order_id",
                "line_no",
                "item_id",
                "quantity",
                "unit_price",
                "discount_pct",
                "vat_rate",
                "prices_include_vat",
                "unit_cost",
                "cost_non_inv",
                "status",
            ]
        ].assign(
            item_name=lambda f: "Item " + f["item_id"],
            sku=lambda f: f["item_id"],
            delivered_on=pd.NaT,
            cancelled_on=pd.NaT,
            returned_on=pd.NaT,
            customisation=None,
        ),  # fmt: skip
        "payments": pd.DataFrame(columns=["order_id", "paid_on", "amount"]),
    }


def make_frames(lines: list[dict], **kwargs) -> Frames:
    return build_frames(make_tables(lines, **kwargs))
