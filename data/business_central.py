"""Import of a Business Central export (SPEC §7): Value Entries, with the optional Customers, Items
and Salespeople lists, as exported to Excel or CSV, with Business Central's column names.

Mapping onto the model of SPEC §2:

- one order per Document No. (document type invoice, status confirmed): date = Posting Date,
  customer = Source No., salesperson = Salespers./Purch. Code;
- one order line per (Document No., Item No.): the value entries of the pair are added up, so that
  cost adjustments posted later on the same document (Invoiced Quantity 0) land on their line.
  quantity = −Invoiced Quantity (Business Central counts sales as outbound, negative), net line
  amount = Sales Amount (Actual), line cost = −Cost Amount (Actual) (blank = unknown cost),
  cost_non_inv = −Cost Amount (Non-Invtbl.) (negative on sales entries, as Cost Amount (Actual));
- a **Sales Credit Memo** becomes an order of its own whose lines have a negative quantity, amount
  and cost (Business Central posts them with the opposite signs of an invoice), so it reduces
  Sales Amount, Sales Quantity, Cost Amount and Cost Amount Non-Inv in its posting period;
- Sales Shipment and Sales Return Receipt entries (expected amounts only; their invoice or credit
  memo carries the actual ones) and entries whose Item Ledger Entry Type is not Sale are left out,
  and counted in the result's notes.
- Customers: No., Name, City, Country/Region Code, Customer Price Group (else Customer Posting
  Group) -> customer_group, Salesperson Code -> owner. Items: No., Description, Item Category Code
  -> category, Vendor No. -> supplier, Type -> item_type. Salespeople: Code, Name, Commission %.
  Other columns of the lists are ignored.

All or nothing, with every problem as `file:row:column: message` (row = the file's row number,
the header being row 1; columns named as in the file), as data.importer.import_lines.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from data.db import Tables
from data.importer import (
    ITEM_COLUMNS,
    ImportResult,
    Problems,
    _check_consistent,
    _dates,
    _numbers,
    _read,
    _tables_from_lines,
    _write,
    normal_name,
)

# our name -> Business Central's column name (matched case- and space-insensitively)
VALUE_ENTRY = {
    "posting_date": "Posting Date",
    "document_no": "Document No.",
    "document_type": "Document Type",
    "customer_id": "Source No.",
    "item_id": "Item No.",
    "invoiced_quantity": "Invoiced Quantity",
    "sales_amount": "Sales Amount (Actual)",
    "cost_amount": "Cost Amount (Actual)",
    "cost_non_inv": "Cost Amount (Non-Invtbl.)",
    "salesperson": "Salespers./Purch. Code",
    "description": "Description",
    "entry_type": "Item Ledger Entry Type",
}
VALUE_ENTRY_REQUIRED = (
    "posting_date", "document_no", "document_type", "customer_id", "item_id",
    "invoiced_quantity", "sales_amount", "cost_amount",
)  # fmt: skip
CUSTOMER = {
    "customer_id": "No.",
    "name": "Name",
    "city": "City",
    "country": "Country/Region Code",
    "price_group": "Customer Price Group",
    "posting_group": "Customer Posting Group",
    "owner": "Salesperson Code",
}
ITEM = {
    "item_id": "No.",
    "name": "Description",
    "category": "Item Category Code",
    "supplier": "Vendor No.",
    "item_type": "Type",
}
SALESPERSON = {"code": "Code", "name": "Name", "commission_pct": "Commission %"}

INVOICE_TYPES = {"sales invoice", "sale invoice", "invoice"}
CREDIT_MEMO_TYPES = {"sales credit memo", "sale credit memo", "credit memo"}
LEFT_OUT_TYPES = {
    "sales shipment", "sale shipment", "shipment",
    "sales return receipt", "sale return receipt", "return receipt",
}  # fmt: skip
ITEM_TYPES = {"": "inventory", "inventory": "inventory", "service": "service",
              "non-inventory": "non_inventory", "non inventory": "non_inventory"}  # fmt: skip


def import_business_central(
    engine: Engine,
    value_entries: str | Path,
    customers: str | Path | None = None,
    items: str | Path | None = None,
    salespeople: str | Path | None = None,
    replace: bool = False,
    dry_run: bool = False,
) -> ImportResult:
    """Check every file, then write them in one transaction unless a problem was found."""
    problems = Problems()
    notes: list[str] = []
    files = {"value_entries": value_entries, "customers": customers, "items": items,
             "salespeople": salespeople}  # fmt: skip
    columns = {"value_entries": VALUE_ENTRY, "customers": CUSTOMER, "items": ITEM,
               "salespeople": SALESPERSON}  # fmt: skip
    required = {"value_entries": VALUE_ENTRY_REQUIRED, "customers": ("customer_id", "name"),
                "items": ("item_id",), "salespeople": ("code",)}  # fmt: skip
    raw = {}
    for kind, path in files.items():
        if path is not None:
            raw[kind] = _read_bc(path, columns[kind], required[kind], problems)
    if problems:
        return ImportResult(problems=problems.lines())
    data = _value_entry_lines(raw["value_entries"], Path(value_entries).name, problems, notes)
    masters = {}
    for kind, reader in (("customers", _customers), ("items", _items),
                         ("salespeople", _salespeople)):  # fmt: skip
        if kind in raw:
            masters[kind] = reader(raw[kind], Path(files[kind]).name, problems)
    if problems:
        return ImportResult(problems=problems.lines(), notes=notes)
    tables = _tables(data, masters)
    counts = {name: len(frame) for name, frame in tables.items()}
    changes = _write(engine, tables, replace, dry_run)
    return ImportResult(counts=counts, changes=changes, notes=notes)


def _read_bc(path, names: dict[str, str], required, problems: Problems) -> pd.DataFrame | None:
    """The file with our column names; `.attrs["header"]` maps them to the file's own."""
    frame = _read(path, problems, normalise=False)
    if frame is None:
        return None
    name = Path(path).name
    ours = {normal_name(bc): key for key, bc in names.items()}
    header = {ours[normal_name(c)]: c for c in frame.columns if normal_name(c) in ours}
    for key in required:
        if key not in header:
            problems.add(name, 1, names[key], "missing required column")
    frame = frame[list(header.values())].set_axis(list(header), axis=1)
    for key in names:
        if key not in frame:
            frame[key] = ""
    frame.attrs["header"] = {key: header.get(key, bc) for key, bc in names.items()}
    return frame


def _required(raw, columns, rows, name, problems) -> None:
    for column in columns:
        for row in rows[(raw[column] == "").to_numpy()]:
            problems.add(name, int(row), raw.attrs["header"][column], "required value is empty")


def _value_entry_lines(raw: pd.DataFrame, name: str, problems: Problems, notes) -> pd.DataFrame:
    """The value entries as order lines in data.importer's checked form (see _tables_from_lines)."""
    header = raw.attrs["header"]
    rows = np.arange(len(raw)) + 2
    kind = raw["document_type"].str.lower().str.split().str.join(" ")
    not_sale = (raw["entry_type"] != "") & (raw["entry_type"].str.lower() != "sale")
    left_out = not_sale.to_numpy() | kind.isin(LEFT_OUT_TYPES).to_numpy()
    if left_out.any():
        notes.append(
            f"{name}: {int(left_out.sum())} value entries left out (shipments, return receipts "
            "or not a sale: no actual amounts)"
        )
    raw, rows, kind = raw[~left_out], rows[~left_out], kind[~left_out]
    raw = raw.reset_index(drop=True)
    kind = kind.reset_index(drop=True)
    raw.attrs["header"] = header
    credit = kind.isin(CREDIT_MEMO_TYPES).to_numpy()
    for row, value in zip(
        rows[~(credit | kind.isin(INVOICE_TYPES).to_numpy())],
        raw["document_type"][~(credit | kind.isin(INVOICE_TYPES).to_numpy())],
        strict=True,
    ):
        problems.add(
            name, int(row), header["document_type"],
            f"unknown value {value!r}; use Sales Invoice or Sales Credit Memo (shipments and "
            "return receipts are left out)",
        )  # fmt: skip
    _required(raw, ("document_no", "customer_id", "item_id", "posting_date", "invoiced_quantity",
                    "sales_amount"), rows, name, problems)  # fmt: skip
    posting = _dates(raw["posting_date"], header["posting_date"], rows, name, problems)
    number = {
        key: _numbers(raw[key], header[key], rows, name, problems)
        for key in ("invoiced_quantity", "sales_amount", "cost_amount", "cost_non_inv")
    }
    text = raw.assign(
        document_kind=np.where(credit, "credit memo", "invoice"),
        salesperson=raw["salesperson"].replace("", None),
    )
    bc_named = text.rename(columns=header)
    bc_named.index = range(len(bc_named))
    _check_consistent(
        bc_named, header["document_no"],
        [header[c] for c in ("posting_date", "customer_id", "salesperson", "document_type")],
        rows, name, problems,
    )  # fmt: skip
    if problems:
        return pd.DataFrame()
    entries = pd.DataFrame(
        {
            "order_id": raw["document_no"],
            "item_id": raw["item_id"],
            "customer_id": raw["customer_id"],
            "order_date": posting,
            "salesperson": text["salesperson"],
            "item_name": raw["description"].replace("", None),
            "quantity": -number["invoiced_quantity"],
            "line_amount": number["sales_amount"],
            "line_cost": -number["cost_amount"],
            "cost_non_inv": -number["cost_non_inv"].fillna(0.0),
            "row": rows,
        }
    )
    grouped = entries.groupby(["order_id", "item_id"], sort=False)
    lines = grouped.agg(
        customer_id=("customer_id", "first"),
        order_date=("order_date", "first"),
        salesperson=("salesperson", "first"),
        item_name=("item_name", "first"),
        quantity=("quantity", "sum"),
        line_amount=("line_amount", "sum"),
        cost_non_inv=("cost_non_inv", "sum"),
        row=("row", "first"),
    ).reset_index()
    lines["line_cost"] = grouped["line_cost"].sum(min_count=1).to_numpy()
    for line in lines[lines["quantity"] == 0].itertuples():
        problems.add(
            name, int(line.row), header["invoiced_quantity"],
            f"Item No. {line.item_id!r} of Document No. {line.order_id!r} adds up to an "
            "Invoiced Quantity of 0",
        )  # fmt: skip
    if problems:
        return pd.DataFrame()
    n = len(lines)
    empty = pd.Series([None] * n, dtype=object)
    return lines.drop(columns="row").assign(
        unit_price=np.nan, unit_cost=np.nan, discount_pct=np.nan, vat_rate=np.nan,
        prices_include_vat=False, order_status="confirmed", line_status="delivered",
        document_type="invoice", delivered_on=lines["order_date"],
        cancelled_on=pd.Series(pd.NaT, index=lines.index, dtype="datetime64[s]"),
        returned_on=pd.Series(pd.NaT, index=lines.index, dtype="datetime64[s]"),
        customer_name=empty, team=empty, channel=empty, source=empty, device=empty,
        campaign=empty, customisation=empty, **dict.fromkeys(ITEM_COLUMNS, empty),
    )  # fmt: skip


def _duplicates(raw, key, rows, name, problems) -> None:
    for row in rows[raw[key].duplicated().to_numpy() & (raw[key] != "").to_numpy()]:
        problems.add(name, int(row), raw.attrs["header"][key], "appears on an earlier row")


def _customers(raw: pd.DataFrame, name: str, problems: Problems) -> pd.DataFrame:
    rows = np.arange(len(raw)) + 2
    _required(raw, ("customer_id", "name"), rows, name, problems)
    _duplicates(raw, "customer_id", rows, name, problems)
    group = raw["price_group"].where(raw["price_group"] != "", raw["posting_group"])
    return pd.DataFrame(
        {
            "customer_id": raw["customer_id"],
            "name": raw["name"],
            "city": raw["city"].replace("", None),
            "country": raw["country"].replace("", None),
            "customer_group": group.replace("", None),
            "owner": raw["owner"].replace("", None),
        }
    )


def _items(raw: pd.DataFrame, name: str, problems: Problems) -> pd.DataFrame:
    rows = np.arange(len(raw)) + 2
    _required(raw, ("item_id",), rows, name, problems)
    _duplicates(raw, "item_id", rows, name, problems)
    kind = raw["item_type"].str.lower()
    for row, value in zip(rows[~kind.isin(ITEM_TYPES).to_numpy()],
                          raw["item_type"][~kind.isin(ITEM_TYPES)], strict=True):  # fmt: skip
        problems.add(
            name, int(row), raw.attrs["header"]["item_type"],
            f"unknown value {value!r}; use Inventory, Service or Non-Inventory",
        )  # fmt: skip
    return pd.DataFrame(
        {
            "item_id": raw["item_id"],
            "name": raw["name"].replace("", None),
            "category": raw["category"].replace("", None),
            "supplier": raw["supplier"].replace("", None),
            "item_type": kind.map(ITEM_TYPES),
        }
    )


def _salespeople(raw: pd.DataFrame, name: str, problems: Problems) -> pd.DataFrame:
    rows = np.arange(len(raw)) + 2
    _required(raw, ("code",), rows, name, problems)
    _duplicates(raw, "code", rows, name, problems)
    header = raw.attrs["header"]
    rate = _numbers(raw["commission_pct"], header["commission_pct"], rows, name, problems)
    for row in rows[((rate < 0) | (rate > 100)).to_numpy()]:
        problems.add(name, int(row), header["commission_pct"], "must be between 0 and 100")
    return pd.DataFrame(
        {
            "code": raw["code"],
            "name": raw["name"].replace("", None),
            "team": None,
            "commission_rate": rate / 100,
        }
    )


def _tables(data: pd.DataFrame, masters: dict[str, pd.DataFrame]) -> Tables:
    """The tables of the value entries' lines, completed and overridden by the lists."""
    tables = _tables_from_lines(data)
    for table, key in (("customers", "customer_id"), ("items", "item_id")):
        if table in masters:
            listed = masters[table]
            extra = tables[table][~tables[table][key].isin(listed[key])]
            tables[table] = pd.concat([listed, extra], ignore_index=True)
    names = tables["items"].set_index("item_id")["name"].dropna()
    lines = tables["order_lines"]
    lines["item_name"] = lines["item_name"].fillna(lines["item_id"].map(names))
    sellers = masters.get("salespeople", tables["salespeople"].iloc[:0])
    codes = pd.concat([tables["salespeople"]["code"], tables["customers"].get("owner")]).dropna()
    new = codes[~codes.isin(sellers["code"])].unique()
    tables["salespeople"] = pd.concat(
        [sellers, pd.DataFrame({"code": new, "name": None, "team": None})], ignore_index=True
    )
    return tables
