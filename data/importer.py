"""Import of the order-lines file (and optional customers file) of SPEC §7, all or nothing.

Every value is checked before anything is written; every problem is reported as
`file:row:column: message` (row = line number in the file, the header being line 1).
Orders in the file replace the same orders in the database, customers and items are updated
by key, so importing the same file twice changes nothing; `replace` empties the data first.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Boolean, Engine, Float, Integer, func, select

from data.db import DATE_COLUMNS, Tables, delete_all_data, insert_frame
from data.models import (
    DOCUMENT_TYPES,
    LINE_STATUSES,
    ORDER_STATUSES,
    Base,
    Customer,
    CustomerField,
    Item,
    Order,
    OrderLine,
    Payment,
    Salesperson,
    Setting,
)

REQUIRED = ("order_id", "order_date", "customer_id", "item_id", "quantity")
OPTIONAL = (
    "unit_price", "line_amount", "customer_name", "item_name", "unit_cost", "line_cost",
    "cost_non_inv", "discount_pct", "vat_rate", "prices_include_vat", "order_status",
    "line_status", "document_type", "salesperson", "team", "channel", "source", "device",
    "campaign", "category", "brand", "collection", "supplier", "department", "product_id",
    "variant", "customisation", "delivered_on", "cancelled_on", "returned_on",
)  # fmt: skip
NUMBERS = ("quantity", "unit_price", "line_amount", "unit_cost", "line_cost", "cost_non_inv")
FRACTIONS = ("discount_pct", "vat_rate")
DATES = ("order_date", "delivered_on", "cancelled_on", "returned_on")
CHOICES = {
    "order_status": (ORDER_STATUSES, "confirmed"),
    "line_status": (LINE_STATUSES, "delivered"),
    "document_type": (DOCUMENT_TYPES, "invoice"),
}
ORDER_COLUMNS = (
    "order_date", "customer_id", "order_status", "document_type", "salesperson", "channel",
    "source", "device", "campaign",
)  # fmt: skip
ITEM_COLUMNS = (
    "category",
    "brand",
    "collection",
    "supplier",
    "department",
    "product_id",
    "variant",
)
CUSTOMER_STANDARD = ("customer_id", "name", "owner", "customer_group", "city", "country", "region")
TRUE_WORDS = {"true", "yes", "y", "1"}
FALSE_WORDS = {"false", "no", "n", "0", ""}


@dataclass
class ImportResult:
    """What an import did (or, on a dry run, would do); `problems` non-empty means nothing was."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. rows left out on purpose, and why
    counts: dict[str, int] = field(default_factory=dict)  # rows per table in the files
    # per table: rows added, updated, unchanged, removed (see `_changes`)
    changes: dict[str, dict[str, int]] = field(default_factory=dict)

    def change_lines(self) -> list[str]:
        """What changed (or, on a dry run, would change): `orders: 3 added, 1 updated, …`."""
        return change_lines(self.changes)


class Problems(list):
    """Problems as (file, row, column, message), listed by file and row."""

    def add(self, file: str, row: int, column: str, message: str) -> None:
        self.append((file, row, column, message))

    def lines(self) -> list[str]:
        files = list(dict.fromkeys(p[0] for p in self))
        ordered = sorted(self, key=lambda p: (files.index(p[0]), p[1]))
        return [f"{file}:{row}:{column}: {message}" for file, row, column, message in ordered]


def import_lines(
    engine: Engine,
    lines_path: str | Path,
    customers_path: str | Path | None = None,
    replace: bool = False,
    dry_run: bool = False,
) -> ImportResult:
    """Check both files, then write them in one transaction unless a problem was found."""
    problems = Problems()
    lines = _read(lines_path, problems)
    customers = _read(customers_path, problems) if customers_path else None
    tables: Tables = {}
    if lines is not None:
        tables = _line_tables(lines, Path(lines_path).name, problems)
    if customers is not None and not problems:
        _customer_tables(customers, Path(customers_path).name, tables, problems)
    if problems:
        return ImportResult(problems=problems.lines())
    counts = {name: len(frame) for name, frame in tables.items()}
    changes = _write(engine, tables, replace, dry_run)
    return ImportResult(counts=counts, changes=changes)


def _read(path, problems: Problems, normalise: bool = True) -> pd.DataFrame | None:
    """The file as text columns named in lower_snake_case (`normalise=False`: as the header
    names them, stripped); a `.xlsx` file is read from its first sheet (the header on row 1,
    rows numbered as the spreadsheet numbers them)."""
    name = Path(path).name
    try:
        if Path(path).suffix.lower() in XLSX_SUFFIXES:
            frame = read_xlsx(path)
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (OSError, ValueError, KeyError, pd.errors.ParserError, UnicodeDecodeError) as error:
        problems.add(name, 1, "-", f"cannot read the file: {error}")
        return None
    frame.columns = [normal_name(c) if normalise else str(c).strip() for c in frame.columns]
    normal = pd.Index([normal_name(c) for c in frame.columns])
    duplicated = frame.columns[normal.duplicated()]
    for column in duplicated:
        problems.add(name, 1, column, "column appears twice")
    if len(duplicated):
        return None
    for position in range(frame.shape[1]):  # column by column: one column's copy at a time
        frame.isetitem(position, frame.iloc[:, position].str.strip())
    return frame


def normal_name(column) -> str:
    """Header names are case- and space-insensitive: ` Order ID` -> `order_id`."""
    return "_".join(str(column).strip().lower().split())


XLSX_SUFFIXES = (".xlsx", ".xlsm")


def read_xlsx(path) -> pd.DataFrame:
    """The first sheet of a workbook as text (as `pd.read_csv(dtype=str)` would give it): dates as
    YYYY-MM-DD (with the time when there is one), whole numbers without `.0`, booleans as
    true/false, empty cells as "". Trailing empty rows are dropped, others kept (and numbered)."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile) as error:
        raise ValueError(f"not an Excel workbook ({error})") from error
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise ValueError("the first sheet is empty")
        width = len(header)
        while width and header[width - 1] is None:
            width -= 1
        body = [[_cell_text(v) for v in row[:width]] for row in rows]
    finally:
        book.close()
    while body and not any(body[-1]):
        body.pop()
    body = [row + [""] * (width - len(row)) for row in body]
    columns = [_cell_text(c) or f"column_{i + 1}" for i, c in enumerate(header[:width])]
    return pd.DataFrame(body, columns=columns, dtype=object).astype(str)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _line_tables(raw: pd.DataFrame, name: str, problems: Problems) -> Tables:
    for column in REQUIRED:
        if column not in raw:
            problems.add(name, 1, column, "missing required column")
    if "unit_price" not in raw and "line_amount" not in raw:
        problems.add(name, 1, "unit_price", "missing required column (or line_amount)")
    for column in raw.columns:
        if column not in REQUIRED and column not in OPTIONAL:
            problems.add(name, 1, column, "unknown column")
    if problems:
        return {}
    rows = np.arange(len(raw)) + 2
    data = pd.DataFrame(index=raw.index)
    text = {c: raw.get(c, pd.Series("", index=raw.index)) for c in (*REQUIRED, *OPTIONAL)}

    for column in ("order_id", "customer_id", "item_id"):
        for row in rows[text[column] == ""]:
            problems.add(name, int(row), column, "required value is empty")
        data[column] = text[column]
    for column in DATES:
        data[column] = _dates(text[column], column, rows, name, problems)
    for row in rows[text["order_date"] == ""]:
        problems.add(name, int(row), "order_date", "required value is empty")
    for column in (*NUMBERS, *FRACTIONS):
        data[column] = _numbers(text[column], column, rows, name, problems)
    for row in rows[text["quantity"] == ""]:
        problems.add(name, int(row), "quantity", "required value is empty")
    for column in FRACTIONS:
        bad = (data[column] < 0) | (data[column] > 1)
        for row in rows[bad.to_numpy()]:
            problems.add(name, int(row), column, "must be a fraction between 0 and 1 (0.2 = 20%)")
    no_price = (text["unit_price"] == "") & (text["line_amount"] == "")
    for row in rows[no_price.to_numpy() & (text["quantity"] != "").to_numpy()]:
        problems.add(name, int(row), "unit_price", "needs unit_price or line_amount")
    zero = (data["quantity"] == 0) & (data["line_amount"].notna() | data["line_cost"].notna())
    for row in rows[zero.to_numpy()]:
        problems.add(name, int(row), "quantity", "cannot be 0 with line_amount or line_cost")
    for column, (allowed, default) in CHOICES.items():
        value = text[column].str.lower().replace("", default)
        for row in rows[~value.isin(allowed).to_numpy()]:
            problems.add(
                name, int(row), column, f"unknown value {text[column].iat[row - 2]!r}; "
                f"use one of {', '.join(allowed)}"
            )  # fmt: skip
        data[column] = value
    include = text["prices_include_vat"].str.lower()
    for row in rows[~include.isin(TRUE_WORDS | FALSE_WORDS).to_numpy()]:
        problems.add(name, int(row), "prices_include_vat", "use true or false")
    data["prices_include_vat"] = include.isin(TRUE_WORDS)
    for column in ("customer_name", "item_name", "salesperson", "team", "channel", "source",
                   "device", "campaign", "customisation", *ITEM_COLUMNS):  # fmt: skip
        data[column] = text[column].replace("", None)
    _check_consistent(data, "order_id", ORDER_COLUMNS, rows, name, problems)
    _check_consistent(data, "item_id", ITEM_COLUMNS, rows, name, problems)
    _check_consistent(data, "customer_id", ("customer_name",), rows, name, problems)
    _check_consistent(data, "salesperson", ("team",), rows, name, problems)
    if problems:
        return {}
    return _tables_from_lines(data)


def _dates(values, column, rows, name, problems) -> pd.Series:
    parsed = pd.to_datetime(values.where(values != ""), format="ISO8601", errors="coerce")
    for row in rows[(values != "").to_numpy() & parsed.isna().to_numpy()]:
        problems.add(
            name, int(row), column, f"not a date: {values.iat[row - 2]!r} (use YYYY-MM-DD)"
        )
    return parsed.astype("datetime64[s]")


def _numbers(values, column, rows, name, problems) -> pd.Series:
    parsed = pd.to_numeric(values.where(values != ""), errors="coerce").astype(float)
    bad = (values != "").to_numpy() & (parsed.isna().to_numpy() | np.isinf(parsed.to_numpy()))
    for row in rows[bad]:
        problems.add(name, int(row), column, f"not a number: {values.iat[row - 2]!r}")
    return parsed


def _check_consistent(data, key, columns, rows, name, problems) -> None:
    """Values that describe `key` (an order, an item, a customer) must agree on every row."""
    for column in columns:
        values = data[[key, column]].dropna(subset=[key])
        values = values[values[key].notna()]
        first = values.groupby(key, sort=False)[column].transform("first")
        differs = values[column].notna() & first.notna() & (values[column] != first)
        for index in values.index[differs.to_numpy()]:
            problems.add(
                name, int(rows[index]), column,
                f"{key} {data.at[index, key]!r} has {first.at[index]!r} on an earlier row",
            )  # fmt: skip


def _tables_from_lines(data: pd.DataFrame) -> Tables:
    quantity = data["quantity"]
    unit_price = data["unit_price"].fillna(data["line_amount"] / quantity)
    unit_cost = data["unit_cost"].fillna(data["line_cost"] / quantity)
    by_amount = data["unit_price"].isna()  # line_amount is net: no discount, no VAT in it
    orders = data.drop_duplicates("order_id")
    items = data.drop_duplicates("item_id", keep="last")
    sellers = data.dropna(subset=["salesperson"]).drop_duplicates("salesperson")
    customers = data.drop_duplicates("customer_id")
    return {
        "salespeople": pd.DataFrame(
            {
                "code": sellers["salesperson"].to_numpy(),
                "name": None,
                "team": sellers["team"].to_numpy(),
            }
        ),
        "customers": pd.DataFrame(
            {
                "customer_id": customers["customer_id"].to_numpy(),
                "name": customers["customer_name"].to_numpy(),
            }
        ),
        "items": pd.DataFrame(
            {
                "item_id": items["item_id"].to_numpy(),
                "name": items["item_name"].to_numpy(),
                **{c: items[c].to_numpy() for c in ITEM_COLUMNS},
            }
        ),
        "orders": pd.DataFrame(
            {
                "order_id": orders["order_id"].to_numpy(),
                "document_type": orders["document_type"].to_numpy(),
                "status": orders["order_status"].to_numpy(),
                **{c: orders[c].to_numpy() for c in ORDER_COLUMNS if c != "order_status"},
            }
        ),
        "order_lines": pd.DataFrame(
            {
                "order_id": data["order_id"].to_numpy(),
                "line_no": data.groupby("order_id", sort=False).cumcount().to_numpy() + 1,
                "item_id": data["item_id"].to_numpy(),
                "item_name": data["item_name"].to_numpy(),
                "sku": data["item_id"].to_numpy(),
                "quantity": quantity.to_numpy(),
                "unit_price": unit_price.to_numpy(),
                "discount_pct": data["discount_pct"].where(~by_amount, 0.0).fillna(0.0).to_numpy(),
                "vat_rate": data["vat_rate"].fillna(0.0).to_numpy(),
                "prices_include_vat": (data["prices_include_vat"] & ~by_amount).to_numpy(),
                "unit_cost": unit_cost.to_numpy(),
                "cost_non_inv": data["cost_non_inv"].fillna(0.0).to_numpy(),
                "status": data["line_status"].to_numpy(),
                "delivered_on": data["delivered_on"].to_numpy(),
                "cancelled_on": data["cancelled_on"].to_numpy(),
                "returned_on": data["returned_on"].to_numpy(),
                "customisation": data["customisation"].to_numpy(),
            }
        ),
    }


def _customer_tables(raw: pd.DataFrame, name: str, tables: Tables, problems: Problems) -> None:
    """Add the customers file to `tables`: it wins over names given on order lines."""
    for column in ("customer_id", "name"):
        if column not in raw:
            problems.add(name, 1, column, "missing required column")
    if problems:
        return
    rows = np.arange(len(raw)) + 2
    for column in ("customer_id", "name"):
        for row in rows[(raw[column] == "").to_numpy()]:
            problems.add(name, int(row), column, "required value is empty")
    for row in rows[raw["customer_id"].duplicated().to_numpy()]:
        problems.add(name, int(row), "customer_id", "appears on an earlier row")
    created = raw.get("created_on", pd.Series("", index=raw.index))
    created_on = _dates(created, "created_on", rows, name, problems)
    if problems:
        return
    customers = pd.DataFrame({"customer_id": raw["customer_id"], "name": raw["name"]})
    for column in CUSTOMER_STANDARD[2:]:
        customers[column] = raw.get(column, pd.Series("", index=raw.index)).replace("", None)
    customers["created_on"] = created_on
    from_lines = tables.get("customers", customers.iloc[:0])
    extra = from_lines[~from_lines["customer_id"].isin(customers["customer_id"])]
    tables["customers"] = pd.concat([customers, extra], ignore_index=True)
    custom = [c for c in raw.columns if c not in (*CUSTOMER_STANDARD, "created_on")]
    fields = raw.melt(id_vars="customer_id", value_vars=custom, var_name="field")
    tables["customer_fields"] = fields[fields["value"] != ""].reset_index(drop=True)
    owners = customers["owner"].dropna().unique()
    sellers = tables.get("salespeople", pd.DataFrame({"code": [], "name": [], "team": []}))
    new = [o for o in owners if o not in set(sellers["code"])]
    tables["salespeople"] = pd.concat(
        [sellers, pd.DataFrame({"code": new, "name": None, "team": None})], ignore_index=True
    )


KEYS = {"salespeople": "code", "customers": "customer_id", "items": "item_id"}
# Every table an import writes, in the order it is written, with the key of a row.
TABLE_KEYS = {
    "salespeople": ("code",),
    "customers": ("customer_id",),
    "customer_fields": ("customer_id", "field"),
    "items": ("item_id",),
    "orders": ("order_id",),
    "order_lines": ("order_id", "line_no"),
}
CHANGE_KINDS = ("added", "updated", "unchanged", "removed")


def _write(engine: Engine, tables: Tables, replace: bool, dry_run: bool = False) -> Changes:
    """One transaction: replace the file's orders; update salespeople, customers and items by key,
    keeping stored values the files leave empty. Returns what changes per table (see `_changes`);
    a dry run only works that out."""
    with engine.connect() as conn, conn.begin() as transaction:
        if not replace:
            for table, key in KEYS.items():
                if table in tables:
                    tables[table] = _merge_stored(conn, table, key, tables[table])
        for table, key in KEYS.items():
            if table in tables:
                tables[table] = tables[table].assign(
                    name=tables[table]["name"].fillna(tables[table][key])
                )
        changes = _changes(conn, tables, replace)
        if dry_run:
            transaction.rollback()
            return changes
        if replace:
            delete_all_data(conn)
        else:
            order_ids = tables["orders"]["order_id"]
            _delete(conn, OrderLine, OrderLine.order_id, order_ids)
            _delete(conn, Order, Order.order_id, order_ids)
            if "customer_fields" in tables:
                _delete(
                    conn,
                    CustomerField,
                    CustomerField.customer_id,
                    tables["customers"]["customer_id"],
                )
            _delete(conn, Customer, Customer.customer_id, tables["customers"]["customer_id"])
            _delete(conn, Item, Item.item_id, tables["items"]["item_id"])
            _delete(conn, Salesperson, Salesperson.code, tables["salespeople"]["code"])
        for table in TABLE_KEYS:
            frame = tables.get(table)
            for start in range(0, 0 if frame is None else len(frame), INSERT_ROWS):
                # in slices: insert_frame makes Python rows of what it is given
                insert_frame(conn, table, frame.iloc[start : start + INSERT_ROWS])
        stamp = Setting.__table__
        conn.execute(stamp.delete().where(stamp.c.key == LAST_IMPORT))
        conn.execute(stamp.insert().values(key=LAST_IMPORT, value=_import_summary(tables)))
    return changes


LAST_IMPORT = "last_import"


def _import_summary(tables: Tables) -> str:
    """When the last import ran and what it held, for the Admin screen's freshness."""
    lines = len(tables.get("order_lines", ()))
    return f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {lines:,} order lines"


def last_import(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(
            select(Setting.value).where(Setting.key == LAST_IMPORT)
        ).scalar_one_or_none()


INSERT_ROWS = 100_000


Changes = dict[str, dict[str, int]]


def _changes(conn, tables: Tables, replace: bool) -> Changes:
    """Per table, rows of the files that are new (added), differ from the stored row of the same
    key (updated) or equal it (unchanged), and stored rows the import deletes (removed): with
    `replace` every stored row not in the files; otherwise the lines of a re-imported order it
    no longer has, and the custom fields of a re-imported customer it no longer has."""
    changes: Changes = {}
    for table, keys in TABLE_KEYS.items():
        model = Base.metadata.tables[table]
        total = conn.execute(select(func.count()).select_from(model)).scalar_one()
        frame = tables.get(table)
        if frame is None:
            if replace and total:
                changes[table] = dict.fromkeys(CHANGE_KINDS, 0) | {"removed": total}
            continue
        frame = _as_inserted(table, frame)
        if total == 0:
            stored = frame.iloc[:0]
        else:
            # stored rows of the rows' first key (an order's lines, a customer's fields)
            stored = pd.concat(
                [
                    pd.read_sql_query(select(model).where(model.c[keys[0]].in_(chunk)), conn)
                    for chunk in _chunks(list(frame[keys[0]].unique()))
                ]
                or [frame.iloc[:0]],
                ignore_index=True,
            )
        both = frame.merge(
            stored, on=list(keys), how="outer", suffixes=("", "_stored"), indicator=True
        )
        new, old = both["_merge"] == "left_only", both["_merge"] == "right_only"
        matched = both[both["_merge"] == "both"]
        differs = np.zeros(len(matched), dtype=bool)
        for column in model.columns:
            if column.name not in keys:
                differs |= ~_same(
                    table, column, matched[column.name], matched[column.name + "_stored"]
                )
        removed = int(old.sum())
        if replace:
            removed = total - len(matched)
        elif table not in ("order_lines", "customer_fields"):
            removed = 0
        changes[table] = {
            "added": int(new.sum()),
            "updated": int(differs.sum()),
            "unchanged": int(len(matched) - differs.sum()),
            "removed": removed,
        }
    total = conn.execute(select(func.count()).select_from(Payment)).scalar_one()
    if replace and total:
        changes["payments"] = dict.fromkeys(CHANGE_KINDS, 0) | {"removed": total}
    return changes


def _as_inserted(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every column of the table, as data.db.insert_frame stores it (the model's
    defaults for missing values)."""
    frame = frame.copy()
    for column in Base.metadata.tables[table].columns:
        default = (
            column.default.arg if column.default is not None and column.default.is_scalar else None
        )
        if column.name not in frame:
            frame[column.name] = default
        elif default is not None:
            frame[column.name] = frame[column.name].fillna(default)
    return frame


def _same(table: str, column, new: pd.Series, stored: pd.Series) -> np.ndarray:
    """Whether a row's new value equals the stored one (both missing counts as equal)."""
    if column.name in DATE_COLUMNS.get(table, ()):
        new = pd.to_datetime(new, format="ISO8601").astype("datetime64[s]")
        stored = pd.to_datetime(stored, format="ISO8601").astype("datetime64[s]")
    elif isinstance(column.type, Boolean):
        new, stored = new.fillna(False).astype(bool), stored.fillna(False).astype(bool)
    elif isinstance(column.type, Float | Integer):
        new = pd.to_numeric(new, errors="coerce").astype(float)
        stored = pd.to_numeric(stored, errors="coerce").astype(float)
    else:
        new, stored = new.astype(object), stored.astype(object)
    missing_new, missing_stored = new.isna().to_numpy(), stored.isna().to_numpy()
    equal = (new.to_numpy() == stored.to_numpy()) & ~missing_new & ~missing_stored
    return equal | (missing_new & missing_stored)


def change_lines(changes: Changes) -> list[str]:
    """`orders: 3 added, 1 updated, 5 unchanged` per table (`, 2 removed` when some are)."""
    lines = []
    for table, count in changes.items():
        words = [f"{count[kind]:,} {kind}" for kind in CHANGE_KINDS[:3]]
        if count["removed"]:
            words.append(f"{count['removed']:,} removed")
        lines.append(f"{table}: {', '.join(words)}")
    return lines


def _merge_stored(conn, table: str, key: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The file's rows, with the stored value wherever the file leaves a column empty."""
    model = Base.metadata.tables[table]
    stored = pd.concat(
        [
            pd.read_sql_query(select(model).where(model.c[key].in_(chunk)), conn)
            for chunk in _chunks(list(frame[key]))
        ]
        or [pd.DataFrame(columns=[key])],
        ignore_index=True,
    )
    if stored.empty:
        return frame
    for column in DATE_COLUMNS.get(table, []):
        stored[column] = pd.to_datetime(stored[column], format="ISO8601").astype("datetime64[s]")
    merged = frame.set_index(key).combine_first(stored.set_index(key))
    return merged.loc[frame[key]].reset_index()


def _delete(conn, model, column, ids: pd.Series) -> None:
    for chunk in _chunks(list(ids.unique())):
        conn.execute(model.__table__.delete().where(column.in_(chunk)))


def _chunks(values: list, size: int = 500):
    for start in range(0, len(values), size):
        yield values[start : start + size]
