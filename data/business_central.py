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
- A document's Posting Date, Source No. and Document Type must agree on all its entries; the
  salesperson is kept per line as sold (SPEC §2), the order showing the most frequent one.

All or nothing, with every problem as `file:row:column: message` (row = the file's row number,
the header being row 1; columns named as in the file), as data.importer.import_lines. Files are
read as the order-lines file is (delimiter and encoding sniffed, CSV or XLSX); they are held in
memory whole (value entries exports are far smaller than a year of order lines).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from data.import_files import FileError, read_small
from data.importer import (
    ID,
    MAX_AMOUNT,
    MAX_QUANTITY,
    ImportResult,
    LineImport,
    Options,
    Problems,
    _quoted,
    _shown,
    finish,
    header_key,
    parse_dates,
    parse_numbers,
)
from data.models import LINE_ATTRIBUTES

# our name -> Business Central's column name (matched case-, space- and underscore-insensitively)
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
FILE_KINDS = ("value_entries", "customers", "items", "salespeople")


def import_business_central(
    engine: Engine,
    value_entries: str | Path,
    customers: str | Path | None = None,
    items: str | Path | None = None,
    salespeople: str | Path | None = None,
    replace: bool = False,
    dry_run: bool = False,
    options: Options | None = None,
    report_path: str | Path | None = None,
) -> ImportResult:
    """Check every file, then write them in one transaction unless a problem was found."""
    options = options or Options()
    problems = Problems()
    notes: list[str] = []
    files = {"value_entries": value_entries, "customers": customers, "items": items,
             "salespeople": salespeople}  # fmt: skip
    columns = {"value_entries": VALUE_ENTRY, "customers": CUSTOMER, "items": ITEM,
               "salespeople": SALESPERSON}  # fmt: skip
    required = {"value_entries": VALUE_ENTRY_REQUIRED, "customers": ("customer_id", "name"),
                "items": ("item_id",), "salespeople": ("code",)}  # fmt: skip
    raw, formats = {}, {}
    try:
        for kind, path in files.items():
            if path is not None:
                raw[kind] = _read_bc(path, columns[kind], required[kind], problems, formats)
        if problems:
            return _failed(problems, report_path, notes, formats)
        masters = {}
        for kind, reader in (("customers", _customers), ("items", _items),
                             ("salespeople", _salespeople)):  # fmt: skip
            if kind in raw:
                masters[kind] = reader(raw[kind], Path(files[kind]).name, problems)
        entries = _value_entry_lines(
            raw["value_entries"], Path(value_entries).name, problems, notes, options
        )
        if problems:
            return _failed(problems, report_path, notes, formats)
        with tempfile.TemporaryDirectory(prefix="import-") as work:
            collected = LineImport(Path(work))
            try:
                lines, facts = entries
                names = masters.get("items")
                if names is not None:
                    listed = names.set_index("item_id")["name"].dropna()
                    lines["item_name"] = lines["item_name"].fillna(lines["item_id"].map(listed))
                collected.facts(facts.assign(document_type="invoice"))  # checked above
                collected.add(lines)
                tables = _tables(collected.tables(), masters)
                notes = [f"{name}: read as {fmt}" for name, fmt in formats.items()] + notes
                return finish(engine, tables, collected, replace, dry_run, notes, formats)
            finally:
                collected.close()
    finally:
        problems.close()


def _failed(problems: Problems, report_path, notes, formats) -> ImportResult:
    result = problems.result(report_path, notes)
    result.formats = formats
    return result


def _read_bc(path, names: dict[str, str], required, problems: Problems, formats) -> pd.DataFrame:
    """The file with our column names (text, "" when empty); `.attrs["header"]` maps them to the
    file's own names, `.attrs["rows"]` holds the file's row numbers."""
    name = Path(path).name
    try:
        source, frame = read_small(path)
    except FileError as error:
        problems.add(name, 1, "-", str(error))
        return None
    formats[name] = source.describe()
    ours = {header_key(bc): key for key, bc in names.items()}
    header: dict[str, str] = {}
    position: dict[str, int] = {}
    for i, column in enumerate(source.header):
        key = ours.get(header_key(column))
        if key is None:
            continue
        if key in position:
            problems.add(name, 1, column, f"the column '{column}' appears twice; remove one")
            continue
        header[key], position[key] = column, i
    for key in required:
        if key not in header:
            problems.add(name, 1, names[key], "missing required column")
    if not len(frame) and not problems:
        problems.add(name, 1, "-", "the file has a header but no rows")
    rows = frame.attrs["rows"]
    out = pd.DataFrame(
        {key: frame[position[key]].astype(str) if key in position else "" for key in names},
        index=frame.index,
    )
    out.attrs["header"] = {key: header.get(key, bc) for key, bc in names.items()}
    out.attrs["rows"] = rows
    return out


def _required(raw, columns, rows, name, problems) -> list:
    found = []
    for column in columns:
        for row in rows[(raw[column] == "").to_numpy()]:
            found.append((int(row), raw.attrs["header"][column], "required value is empty"))
    return found


def _value_entry_lines(raw: pd.DataFrame, name: str, problems: Problems, notes, options):
    """(the value entries as order lines in data.importer's checked form, the documents' facts
    per entry), each document and item's entries added up into one line."""
    header = raw.attrs["header"]
    rows = raw.attrs["rows"]
    kind = raw["document_type"].str.lower().str.split().str.join(" ")
    not_sale = (raw["entry_type"] != "") & (raw["entry_type"].str.lower() != "sale")
    left_out = not_sale.to_numpy() | kind.isin(LEFT_OUT_TYPES).to_numpy()
    if left_out.any():
        notes.append(
            f"{name}: {int(left_out.sum())} value entries left out (shipments, return receipts "
            "or not a sale: no actual amounts)"
        )
    raw, rows, kind = raw[~left_out].reset_index(drop=True), rows[~left_out], kind[~left_out]
    kind = kind.reset_index(drop=True)
    credit = kind.isin(CREDIT_MEMO_TYPES).to_numpy()
    unknown = ~(credit | kind.isin(INVOICE_TYPES).to_numpy())
    found = []
    for row, value in zip(rows[unknown], raw["document_type"][unknown], strict=True):
        found.append(
            (int(row), header["document_type"],
             f"unknown value {_quoted(value)} (use Sales Invoice or Sales Credit Memo; shipments "
             "and return receipts are left out)")
        )  # fmt: skip
    found += _required(raw, ("document_no", "customer_id", "item_id", "posting_date",
                             "invoiced_quantity", "sales_amount"), rows, name, problems)  # fmt: skip
    for key in ("document_no", "customer_id", "item_id", "salesperson", "description"):
        long = (raw[key].str.len() > ID).to_numpy()
        for row, value in zip(rows[long], raw[key][long], strict=True):
            found.append((int(row), header[key], f"longer than {ID} characters ({len(value):,})"))
    posting, wrong, outside = parse_dates(raw["posting_date"], options)
    for row, value in zip(rows[wrong], raw["posting_date"][wrong], strict=True):
        found.append(
            (int(row), header["posting_date"],
             f"not a date: {_quoted(value)} (expected YYYY-MM-DD, or give the date format)")
        )  # fmt: skip
    for row, value in zip(rows[outside], raw["posting_date"][outside], strict=True):
        found.append(
            (int(row), header["posting_date"],
             f"date out of range: {_quoted(value)} (dates must be between "
             f"{options.first_date:%Y-%m-%d} and {options.last_date:%Y-%m-%d})")
        )  # fmt: skip
    number = {}
    for key in ("invoiced_quantity", "sales_amount", "cost_amount", "cost_non_inv"):
        values, bad = parse_numbers(raw[key], options.decimal)
        for row, value in zip(rows[bad], raw[key][bad], strict=True):
            found.append((int(row), header[key], f"not a number: {_quoted(value)}"))
        limit = MAX_QUANTITY if key == "invoiced_quantity" else MAX_AMOUNT
        wild = ~np.isnan(values) & ~(np.abs(values) < limit)
        for row, value in zip(rows[wild], raw[key][wild], strict=True):
            found.append(
                (int(row), header[key],
                 f"implausible value {_quoted(value)}: it must be smaller than {limit:,.0f} "
                 "either way")
            )  # fmt: skip
        number[key] = np.where(wild, np.nan, values)
    problems.chunk(name, found)
    facts = pd.DataFrame(
        {
            "order_id": raw["document_no"].to_numpy(dtype=object),
            "row": rows,
            "order_date": posting,
            "customer_id": raw["customer_id"].to_numpy(dtype=object),
            "order_status": "confirmed",
            "document_type": np.where(credit, "credit memo", "invoice"),
        }
    )
    _conflicts(facts, header, name, problems)
    if problems:
        return None
    entries = pd.DataFrame(
        {
            "order_id": raw["document_no"],
            "item_id": raw["item_id"],
            "customer_id": raw["customer_id"],
            "order_date": posting,
            "salesperson": raw["salesperson"].replace("", None),
            "item_name": raw["description"].replace("", None),
            "quantity": -number["invoiced_quantity"],
            "line_amount": number["sales_amount"],
            "line_cost": -number["cost_amount"],
            "cost_non_inv": -np.nan_to_num(number["cost_non_inv"]),
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
    line_cost = grouped["line_cost"].sum(min_count=1).to_numpy()
    found = []
    for line in lines[lines["quantity"] == 0].itertuples():
        found.append(
            (int(line.row), header["invoiced_quantity"],
             f"Item No. {_quoted(line.item_id)} of Document No. {_quoted(line.order_id)} adds up "
             "to an Invoiced Quantity of 0")
        )  # fmt: skip
    problems.chunk(name, found)
    if problems:
        return None
    quantity = lines["quantity"].to_numpy(np.float64)
    n = len(lines)
    empty = np.full(n, None, dtype=object)
    nat = np.full(n, np.datetime64("NaT", "D"))
    checked = pd.DataFrame(
        {
            "row": lines["row"].to_numpy(),
            "order_date": lines["order_date"].to_numpy("datetime64[D]"),
            "customer_id": lines["customer_id"].to_numpy(dtype=object),
            "order_status": "confirmed",
            "document_type": "invoice",
            "customer_name": empty,
            "team": empty,
            "product_id": empty,
            "variant": empty,
            "order_id": lines["order_id"].to_numpy(dtype=object),
            "item_id": lines["item_id"].to_numpy(dtype=object),
            "item_name": lines["item_name"].to_numpy(dtype=object),
            "sku": lines["item_id"].to_numpy(dtype=object),
            "quantity": quantity,
            "unit_price": lines["line_amount"].to_numpy(np.float64) / quantity,
            "discount_pct": 0.0,
            "vat_rate": 0.0,
            "prices_include_vat": False,
            "unit_cost": line_cost / quantity,
            "cost_non_inv": lines["cost_non_inv"].to_numpy(np.float64),
            "status": "delivered",
            "delivered_on": lines["order_date"].to_numpy("datetime64[D]"),
            "cancelled_on": nat,
            "returned_on": nat,
            "customisation": empty,
            **{a: empty for a in LINE_ATTRIBUTES if a != "salesperson"},
            "salesperson": lines["salesperson"].to_numpy(dtype=object),
        }
    )
    checked["item_name"] = checked["item_name"].astype(object)
    return checked, facts


def _conflicts(facts: pd.DataFrame, header, name: str, problems: Problems) -> None:
    """A document's Posting Date, Source No. and Document Type must agree on all its entries."""
    facts = facts[(facts["order_id"] != "") & facts["order_date"].notna()]
    first = facts.drop_duplicates("order_id").set_index("order_id")
    against = first.loc[facts["order_id"]].reset_index(drop=True)
    facts = facts.reset_index(drop=True)
    labels = {"order_date": header["posting_date"], "customer_id": header["customer_id"],
              "document_type": header["document_type"]}  # fmt: skip
    for column, label in labels.items():
        differs = (facts[column] != against[column]).to_numpy(bool)
        for i in np.flatnonzero(differs):
            shown = {"invoice": "Sales Invoice", "credit memo": "Sales Credit Memo"}
            new, old = facts.at[i, column], against.at[i, column]
            problems.add(
                name, int(facts.at[i, "row"]), label,
                f"Document No. {_quoted(facts.at[i, 'order_id'])} has {label} "
                f"{shown.get(old, _shown(old))} on row {int(against.at[i, 'row'])} but "
                f"{shown.get(new, _shown(new))} on this row (a document's date, customer and "
                "type must agree on all its entries)",
            )  # fmt: skip


def _duplicates(raw, key, rows) -> list:
    dup = raw[key].duplicated().to_numpy() & (raw[key] != "").to_numpy()
    return [(int(row), raw.attrs["header"][key], "appears on an earlier row") for row in rows[dup]]


def _customers(raw: pd.DataFrame, name: str, problems: Problems) -> pd.DataFrame:
    rows = raw.attrs["rows"]
    found = _required(raw, ("customer_id", "name"), rows, name, problems)
    found += _duplicates(raw, "customer_id", rows)
    problems.chunk(name, found)
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
    rows = raw.attrs["rows"]
    found = _required(raw, ("item_id",), rows, name, problems)
    found += _duplicates(raw, "item_id", rows)
    kind = raw["item_type"].str.lower()
    for row, value in zip(rows[~kind.isin(ITEM_TYPES).to_numpy()],
                          raw["item_type"][~kind.isin(ITEM_TYPES)], strict=True):  # fmt: skip
        found.append(
            (int(row), raw.attrs["header"]["item_type"],
             f"unknown value {_quoted(value)} (use Inventory, Service or Non-Inventory)")
        )  # fmt: skip
    problems.chunk(name, found)
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
    rows = raw.attrs["rows"]
    header = raw.attrs["header"]
    found = _required(raw, ("code",), rows, name, problems)
    found += _duplicates(raw, "code", rows)
    rate, bad = parse_numbers(raw["commission_pct"])
    for row, value in zip(rows[bad], raw["commission_pct"][bad], strict=True):
        found.append((int(row), header["commission_pct"], f"not a number: {_quoted(value)}"))
    for row in rows[(rate < 0) | (rate > 100)]:
        found.append((int(row), header["commission_pct"], "must be between 0 and 100"))
    problems.chunk(name, found)
    return pd.DataFrame(
        {
            "code": raw["code"],
            "name": raw["name"].replace("", None),
            "team": None,
            "commission_rate": rate / 100,
        }
    )


def _tables(tables, masters: dict[str, pd.DataFrame]):
    """The tables of the value entries' lines, completed and overridden by the lists."""
    for table, key in (("customers", "customer_id"), ("items", "item_id")):
        if table in masters:
            listed = masters[table]
            extra = tables[table][~tables[table][key].isin(listed[key])]
            tables[table] = pd.concat([listed, extra], ignore_index=True)
    sellers = masters.get("salespeople", tables["salespeople"].iloc[:0])
    codes = pd.concat([tables["salespeople"]["code"], tables["customers"].get("owner")]).dropna()
    new = codes[~codes.isin(sellers["code"])].unique()
    tables["salespeople"] = pd.concat(
        [sellers, pd.DataFrame({"code": new, "name": None, "team": None})], ignore_index=True
    )
    return tables
