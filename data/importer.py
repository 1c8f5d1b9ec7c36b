"""Import of the order-lines file (and optional customers file) of SPEC §7, all or nothing.

The file is read in chunks (data.import_files) and checked chunk by chunk; every problem is
reported as `file:row:column: message` (row = the file's row, the header being row 1; column as
the file names it), with the value and what would be accepted. Only when there is none is anything
written, in one transaction: orders in the file replace the same orders in the database;
salespeople, customers and items are updated by key, keeping stored values the file leaves empty,
so importing the same file twice changes nothing; `replace` empties the data first.

Attributes as sold (SPEC §2): each line keeps the category, brand, collection, supplier,
department, channel, source, device, campaign and salesperson it carries; the items table keeps
each item's latest values (by order date, then row), the orders table each order's most frequent
ones, and a line stores an attribute only where it differs from that (NULL = its item's / order's
value; when an import changes an item's value, the lines sold under the old one get it written
on them first). Only order date, customer, order status and document type must agree on every
line of an order. Memory stays bounded: checked lines wait in a temporary Arrow file between the check and
the write, problems in a temporary text file.
"""

from __future__ import annotations

import contextlib
import heapq
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Boolean, Engine, Float, Integer, func, select

from data import change_log, rollups
from data.db import (
    DATE_COLUMNS,
    Tables,
    bulk_insert,
    bump_data_version,
    delete_all_data,
    insert_frame,
)
from data.import_files import FileError, Source, open_source, read_small
from data.models import (
    DOCUMENT_TYPES,
    ID,
    LINE_ATTRIBUTES,
    LINE_ITEM_ATTRIBUTES,
    LINE_ORDER_ATTRIBUTES,
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
FIELDS = REQUIRED + OPTIONAL
QUANTITIES = ("quantity",)
AMOUNTS = ("unit_price", "line_amount", "unit_cost", "line_cost", "cost_non_inv")
FRACTIONS = ("discount_pct", "vat_rate")
DATES = ("order_date", "delivered_on", "cancelled_on", "returned_on")
CHOICES = {
    "order_status": (ORDER_STATUSES, "confirmed"),
    "line_status": (LINE_STATUSES, "delivered"),
    "document_type": (DOCUMENT_TYPES, "invoice"),
}
TEXTS = (
    "order_id", "customer_id", "item_id", "customer_name", "item_name", "team", "product_id",
    "variant", "customisation", *LINE_ATTRIBUTES,
)  # fmt: skip
ORDER_FACTS = ("order_date", "customer_id", "order_status", "document_type")
ITEM_COLUMNS = (
    "product_id",
    "variant",
    "category",
    "brand",
    "collection",
    "supplier",
    "department",
)
CUSTOMER_STANDARD = ("customer_id", "name", "owner", "customer_group", "city", "country", "region")
TRUE_WORDS = {"true", "yes", "y", "1"}
FALSE_WORDS = {"false", "no", "n", "0", ""}
MAX_QUANTITY = 1e9
MAX_AMOUNT = 1e12
LONG_TEXT = 4000  # customisation texts
SHOWN_PROBLEMS = 1000  # problems kept in ImportResult.problems; the report file has them all
SLASH_DATE = r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{4}( .*)?$"
EXCEL_EPOCH = np.datetime64("1899-12-30", "D")

# What pass 1 keeps of each checked line for the write (one Arrow schema for every chunk).
LINE_SCHEMA = pa.schema(
    [
        ("order_id", pa.string()),
        ("item_id", pa.string()),
        ("item_name", pa.string()),
        ("sku", pa.string()),
        ("quantity", pa.float64()),
        ("unit_price", pa.float64()),
        ("discount_pct", pa.float64()),
        ("vat_rate", pa.float64()),
        ("prices_include_vat", pa.bool_()),
        ("unit_cost", pa.float64()),
        ("cost_non_inv", pa.float64()),
        ("status", pa.string()),
        ("delivered_on", pa.date32()),
        ("cancelled_on", pa.date32()),
        ("returned_on", pa.date32()),
        ("customisation", pa.string()),
        *[(a, pa.string()) for a in LINE_ATTRIBUTES],
    ]
)


@dataclass(frozen=True)
class Options:
    """How to read a file: `mapping` (their header → our field), custom fields kept from the
    other columns, the decimal separator, an explicit date format, and the accepted date range."""

    mapping: tuple[tuple[str, str], ...] = ()
    keep_extra: bool = False
    decimal: str = "."
    date_format: str | None = None
    first_date: date = date(1900, 1, 1)
    last_date: date = date(2100, 12, 31)

    def __post_init__(self) -> None:
        if self.decimal not in (".", ","):
            raise ValueError("the decimal separator must be '.' or ','")


def parse_mapping(pairs) -> tuple[tuple[str, str], ...]:
    """`["Ship Mode=channel", ...]` → (("Ship Mode", "channel"), ...); ValueError in words."""
    mapping = []
    for pair in pairs or ():
        theirs, sep, ours = str(pair).rpartition("=")
        if not sep or not theirs.strip() or not ours.strip():
            raise ValueError(f"a mapping is written 'Their column=field', not '{pair}'")
        mapping.append((theirs.strip(), ours.strip()))
    return tuple(mapping)


@dataclass
class ImportResult:
    """What an import did (or, on a dry run, would do); `problems` non-empty means nothing was."""

    problems: list[str] = field(default_factory=list)  # the first SHOWN_PROBLEMS
    problem_count: int = 0
    notes: list[str] = field(default_factory=list)  # format read, columns ignored, returns, ...
    counts: dict[str, int] = field(default_factory=dict)  # rows per table in the files
    # per table: rows added, updated, unchanged, removed (see `_changes`)
    changes: dict[str, dict[str, int]] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)  # file → its format in words
    ignored: list[str] = field(default_factory=list)  # columns of the lines file not imported
    kept: list[str] = field(default_factory=list)  # columns kept as customer fields
    returns: int = 0  # lines with a negative quantity
    owners_assigned: int = 0  # customers given the salesperson of their latest order

    def change_lines(self) -> list[str]:
        """What changed (or, on a dry run, would change): `orders: 3 added, 1 updated, …`."""
        return change_lines(self.changes)


# --- problems ------------------------------------------------------------------------------------


class Problems:
    """Every problem of one import, in bounded memory: per file, problems found chunk by chunk (in
    row order) go to a temporary file; the few found at the end are merged in by row."""

    def __init__(self) -> None:
        self._files: list[str] = []
        self._streamed: dict[str, Path] = {}
        self._late: dict[str, list[tuple[int, str, str]]] = {}
        self._renumber: dict[str, Callable[[int], int]] = {}
        self._folder: tempfile.TemporaryDirectory | None = None
        self.count = 0

    def __bool__(self) -> bool:
        return self.count > 0

    def __len__(self) -> int:
        return self.count

    def _file(self, name: str) -> None:
        if name not in self._files:
            self._files.append(name)
            self._late[name] = []

    def add(self, file: str, row: int, column: str, message: str) -> None:
        """A problem found out of row order (header, conflicts): merged in by row at the end."""
        self._file(file)
        self._late[file].append((int(row), column, _one_line(message)))
        self.count += 1

    def chunk(self, file: str, found: list[tuple[int, str, str]]) -> None:
        """The problems of one chunk (rows after every earlier chunk's)."""
        if not found:
            return
        self._file(file)
        if file not in self._streamed:
            if self._folder is None:
                self._folder = tempfile.TemporaryDirectory(prefix="import-problems-")
            self._streamed[file] = Path(self._folder.name) / f"{len(self._streamed)}.tsv"
        found.sort(key=lambda p: p[0])  # stable: within a row, in the order checked
        with open(self._streamed[file], "a", encoding="utf-8") as spill:
            spill.writelines(f"{r}\t{c}\t{_one_line(m)}\n" for r, c, m in found)
        self.count += len(found)

    def renumber(self, file: str, fix: Callable[[int], int]) -> None:
        """Row numbers of `file` found before its skipped rows were known get `fix` applied."""
        self._renumber[file] = fix

    def lines(self) -> Iterator[str]:
        """Every problem as `file:row:column: message`, by file and row."""
        for name in self._files:
            fix = self._renumber.get(name, int)
            streams = [((fix(r), c, m) for r, c, m in self._read(name))]
            streams.append(iter(sorted(self._late[name], key=lambda p: p[0])))
            for row, column, message in heapq.merge(*streams, key=lambda p: p[0]):
                yield f"{name}:{row}:{column}: {message}"

    def _read(self, name: str):
        path = self._streamed.get(name)
        if path is None:
            return
        with open(path, encoding="utf-8") as spill:
            for line in spill:
                row, column, message = line.rstrip("\n").split("\t", 2)
                yield int(row), column, message

    def result(self, report_path: str | Path | None = None, notes=()) -> ImportResult:
        shown = []
        with open(report_path or os.devnull, "w", encoding="utf-8") as out:
            for line in self.lines():
                if len(shown) < SHOWN_PROBLEMS:
                    shown.append(line)
                elif not report_path:
                    break
                out.write(line + "\n")
        self.close()
        return ImportResult(problems=shown, problem_count=self.count, notes=list(notes))

    def close(self) -> None:
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
        self._streamed = {}


def _one_line(text: str) -> str:
    return " ".join(str(text).split("\t")).replace("\n", " ").replace("\r", " ")


def _quoted(value) -> str:
    """A value in a message: as the file has it, in quotes, cut when very long."""
    text = str(value)
    return f"'{text[:60]}…'" if len(text) > 60 else f"'{text}'"


# --- public entry point --------------------------------------------------------------------------


def import_lines(
    engine: Engine,
    lines_path: str | Path,
    customers_path: str | Path | None = None,
    replace: bool = False,
    dry_run: bool = False,
    options: Options | None = None,
    report_path: str | Path | None = None,
) -> ImportResult:
    """Check the files, then write them in one transaction unless a problem was found. With
    `report_path`, every problem is written there (the result holds the first SHOWN_PROBLEMS)."""
    options = options or Options()
    problems = Problems()
    with tempfile.TemporaryDirectory(prefix="import-") as work:
        reader = LinesFile(lines_path, options, problems)
        collected = LineImport(Path(work))
        try:
            reader.check(collected)
            customers = None
            if customers_path is not None:
                customers = read_customers(customers_path, problems)
            if problems:
                result = problems.result(report_path, reader.notes())
                result.formats, result.ignored = reader.formats, reader.ignored
                return result
            tables = collected.tables()
            if customers is not None:
                _add_customers(tables, *customers)
            result = finish(
                engine, tables, collected, replace, dry_run, reader.notes(), reader.formats
            )
            result.ignored, result.kept = reader.ignored, list(reader.extras)
            return result
        finally:
            collected.close()
            problems.close()


def finish(
    engine: Engine,
    tables: Tables,
    collected: LineImport,
    replace: bool,
    dry_run: bool,
    notes: list[str],
    formats: dict[str, str],
) -> ImportResult:
    """Write checked tables (and the lines `collected` holds) in one transaction, or on a dry run
    only work out what would change; the result says what and how."""
    counts = {name: len(frame) for name, frame in tables.items() if name != "order_lines"}
    counts["order_lines"] = collected.lines
    changes, owners = _write(engine, tables, collected, replace, dry_run)
    notes = list(notes)
    if collected.returns:
        notes.append(
            f"{collected.returns:,} line(s) with a negative quantity, imported as returns or "
            "credit lines"
        )
    if owners:
        notes.append(
            f"{owners:,} customer(s) without an owner get the salesperson of their latest order"
        )
    return ImportResult(
        counts=counts,
        changes=changes,
        notes=notes,
        formats=formats,
        returns=collected.returns,
        owners_assigned=owners,
    )


# --- the order-lines file ------------------------------------------------------------------------


def header_key(name: str) -> str:
    """Header names are case-, space- and underscore-insensitive: ` Order ID` → `orderid`."""
    return re.sub(r"[\s_]+", "", str(name).lstrip("\ufeff").lower())


def normal_name(column) -> str:
    """A column name as a field name: ` Order ID` → `order_id`."""
    return "_".join(str(column).lstrip("\ufeff").strip().lower().split())


FIELD_KEYS = {header_key(f): f for f in FIELDS}
IGNORE = "ignore"  # a mapping to "ignore" leaves a column out


def suggested_fields(header: list[str]) -> list[str | None]:
    """The field each header name is read as without a mapping (None: not a field)."""
    taken: set[str] = set()
    out = []
    for name in header:
        field = FIELD_KEYS.get(header_key(name))
        out.append(field if field and field not in taken else None)
        if field:
            taken.add(field)
    return out


class LinesFile:
    """One order-lines file: its columns resolved to fields, its chunks checked."""

    def __init__(self, path, options: Options, problems: Problems) -> None:
        self.path = Path(path)
        self.name = self.path.name
        self.options = options
        self.problems = problems
        self.source: Source | None = None
        self.columns: dict[str, int] = {}  # field → header position
        self.labels: dict[str, str] = {}  # field → the file's header
        self.extras: dict[str, int] = {}  # custom field name → header position
        self.ignored: list[str] = []
        self.day_first: bool | None = None
        self._fix: Callable[[int], int] = int  # rows read → the file's rows (skipped rows)
        self.formats: dict[str, str] = {}
        self._notes: list[str] = []

    def notes(self) -> list[str]:
        notes = [f"{name}: read as {fmt}" for name, fmt in self.formats.items()]
        if self.ignored:
            notes.append(
                f"{self.name}: columns ignored (not fields of the order-lines format): "
                + ", ".join(self.ignored)
            )
        if self.extras:
            notes.append(f"{self.name}: kept as customer fields: " + ", ".join(self.extras))
        return notes + self._notes

    def check(self, collected: LineImport) -> None:
        try:
            self.source = open_source(self.path)
        except FileError as error:
            self.problems.add(self.name, 1, "-", str(error))
            return
        self.formats[self.name] = self.source.describe()
        if not self._resolve():
            return
        positions = sorted(set(self.columns.values()) | set(self.extras.values()))
        self._positions = positions
        try:
            rows_seen = 0
            for rows, text in self.source.chunks(positions):
                if not rows_seen and self._slash_dates_in(text):
                    self._decide_date_style()
                    if self.problems:
                        return
                rows_seen += len(rows)
                checked, facts = self._check_chunk(rows, text)
                collected.facts(facts)
                if not self.problems:
                    collected.add(checked)
        except FileError as error:
            self.problems.add(self.name, 1, "-", str(error))
            return
        self._bad_rows()
        if rows_seen == 0 and not self.source.bad_rows:
            self.problems.add(self.name, 1, "-", "the file has a header but no rows")
            return
        conflicts = collected.conflicts()
        if conflicts is not None:
            self._report_conflicts(conflicts)

    # -- columns --

    def _resolve(self) -> bool:
        header = self.source.header
        name, problems = self.name, self.problems
        keys = [header_key(h) for h in header]
        seen: dict[str, int] = {}
        for position, key in enumerate(keys):
            if not key:
                continue
            if key in seen:
                problems.add(
                    name, 1, header[position],
                    f"the column '{header[position]}' appears twice (columns "
                    f"{seen[key] + 1} and {position + 1}); rename or remove one",
                )  # fmt: skip
            seen.setdefault(key, position)
        mapped: dict[str, int] = {}
        skipped: set[int] = set()
        for theirs, ours in self.options.mapping:
            if header_key(ours) == IGNORE and header_key(theirs) in seen:
                skipped.add(seen[header_key(theirs)])
                continue
            target = FIELD_KEYS.get(header_key(ours))
            if target is None:
                problems.add(
                    name, 1, theirs,
                    f"cannot map to '{ours}': not a field; fields are {', '.join(FIELDS)} "
                    "(or ignore)",
                )  # fmt: skip
                continue
            if header_key(theirs) not in seen:
                problems.add(
                    name, 1, theirs,
                    f"the mapping names '{theirs}', which is not a column of the file "
                    f"(its columns: {', '.join(h for h in header if h)})",
                )  # fmt: skip
                continue
            if target in mapped:
                problems.add(name, 1, theirs, f"two columns are mapped to {target}; map only one")
                continue
            mapped[target] = seen[header_key(theirs)]
        if problems:
            return False
        taken = set(mapped.values())
        for position, key in enumerate(keys):
            if position in skipped:
                self.ignored.append(header[position])
                continue
            if position in taken or seen.get(key) != position:
                continue
            target = FIELD_KEYS.get(key)
            if target is not None and target not in mapped:
                mapped[target] = position
            elif key:
                if self.options.keep_extra:
                    self.extras[normal_name(header[position])] = position
                else:
                    self.ignored.append(header[position])
        for required in REQUIRED:
            if required not in mapped:
                problems.add(
                    name, 1, required,
                    "missing required column (the file's columns are "
                    f"{', '.join(h for h in header if h)}; map one of them to {required})",
                )  # fmt: skip
        if "unit_price" not in mapped and "line_amount" not in mapped:
            problems.add(
                name, 1, "unit_price", "missing required column: unit_price or line_amount"
            )
        self.columns = mapped
        self.labels = {f: (header[p] or f) for f, p in mapped.items()}
        for f in FIELDS:
            self.labels.setdefault(f, f)
        return not problems

    # -- dates --

    def _slash_dates_in(self, text: dict) -> bool:
        """Whether the first chunk has dates such as 01/02/2024 (and no date format was given)."""
        if self.options.date_format:
            return False
        return any(_slash_dates(text[self.columns[d]]).any() for d in DATES if d in self.columns)

    def _decide_date_style(self) -> None:
        """Without --date-format, dates such as 01/02/2024 are read day first or month first as
        the file shows (a day above 12); a file that never shows is ambiguous."""
        dates = [self.columns[d] for d in DATES if d in self.columns]
        day_first_row = month_first_row = example = None
        for rows, text in self.source.chunks(dates):
            for p in dates:
                values = pd.Series(text[p].to_pylist(), dtype=object)
                slash = _slash_dates(text[p])
                if not slash.any():
                    continue
                parts = values[slash].str.extract(r"^(\d{1,2})[/.-](\d{1,2})")
                first = pd.to_numeric(parts[0]).to_numpy()
                second = pd.to_numeric(parts[1]).to_numpy()
                slash_rows = rows[slash]
                if example is None:
                    example = values[slash].iloc[0]
                if day_first_row is None and (first > 12).any():
                    day_first_row = (int(slash_rows[np.argmax(first > 12)]), p)
                if month_first_row is None and (second > 12).any():
                    month_first_row = (int(slash_rows[np.argmax(second > 12)]), p)
            if day_first_row and month_first_row:
                break
        header = self.source.header
        if day_first_row and month_first_row:
            self.problems.add(
                self.name, 1, "-",
                f"dates are written both day first (row {day_first_row[0]}, "
                f"{header[day_first_row[1]]}) and month first (row {month_first_row[0]}, "
                f"{header[month_first_row[1]]}); give the date format",
            )  # fmt: skip
        elif not day_first_row and not month_first_row:
            self.problems.add(
                self.name, 1, "-",
                f"dates such as {_quoted(example)} could be day/month or month/day and no date in "
                "the file tells which; give the date format (%d/%m/%Y or %m/%d/%Y)",
            )  # fmt: skip
        else:
            self.day_first = bool(day_first_row)
            self._notes.append(
                f"{self.name}: dates read "
                + ("day first (DD/MM/YYYY)" if self.day_first else "month first (MM/DD/YYYY)")
            )

    # -- one chunk --

    def _check_chunk(self, rows: np.ndarray, text: dict, report_problems: bool = True):
        """(the chunk's valid lines in the form LineImport.add takes, or None when a problem was
        found; the order facts of its rows for the conflict check). `text` maps header positions
        to pyarrow string arrays."""
        n = len(rows)
        found: list[tuple[int, str, str]] = []
        bad = np.zeros(n, dtype=bool)
        label = self.labels
        blank = pa.array(np.full(n, "", dtype=object), pa.string())
        col = {f: text[p] for f, p in self.columns.items()}
        for f in FIELDS:
            if f not in col:
                col[f] = blank

        def report(mask: np.ndarray, column: str, message) -> None:
            nonlocal bad
            if not mask.any():
                return
            bad |= mask
            where = np.flatnonzero(mask)
            if callable(message):
                values = col[column].take(pa.array(where)).to_pylist()
                found.extend(
                    (int(rows[i]), label.get(column, column), message(v))
                    for i, v in zip(where, values, strict=True)
                )
            else:
                found.extend((int(rows[i]), label.get(column, column), message) for i in where)

        empty = {f: _numpy(pc.equal(col[f], "")) for f in FIELDS if f in self.columns}
        none = np.zeros(n, dtype=bool)
        for f in FIELDS:
            empty.setdefault(f, ~none)
        for f in REQUIRED:
            report(empty[f], f, "required value is empty")
        for f in TEXTS:
            if f not in self.columns:
                continue
            limit = LONG_TEXT if f == "customisation" else ID
            report(
                _numpy(pc.greater(pc.utf8_length(col[f]), limit)), f,
                lambda v, limit=limit: f"longer than {limit} characters ({len(v):,}): "
                f"{_quoted(v)}",
            )  # fmt: skip
        number = {}
        for f in (*QUANTITIES, *AMOUNTS, *FRACTIONS):
            if f not in self.columns:
                number[f] = np.full(n, np.nan)
                continue
            values, wrong = parse_numbers(col[f], self.options.decimal)
            report(wrong, f, lambda v: f"not a number: {_quoted(v)} ({self._number_hint(v)})")
            infinite = np.isinf(values)
            report(infinite, f, lambda v: f"not a finite number: {_quoted(v)}")
            values = np.where(infinite, np.nan, values)
            size = np.abs(np.nan_to_num(values))
            if f in QUANTITIES:
                report(
                    size >= MAX_QUANTITY, f,
                    lambda v: f"implausible quantity {_quoted(v)}: it must be smaller than "
                    "1,000,000,000 either way",
                )  # fmt: skip
            elif f in AMOUNTS:
                report(
                    size >= MAX_AMOUNT, f,
                    lambda v: f"implausible amount {_quoted(v)}: it must be smaller than "
                    "1,000,000,000,000 either way",
                )  # fmt: skip
            else:
                report(
                    (values < 0) | (values > 1), f,
                    lambda v: f"must be a fraction between 0 and 1 (0.2 = 20%), not {_quoted(v)}",
                )  # fmt: skip
            number[f] = values
        day = {}
        nat = np.full(n, np.datetime64("NaT", "D"))
        for f in DATES:
            if f not in self.columns:
                day[f] = nat
                continue
            days, wrong, outside = self._dates(col[f])
            report(wrong, f, lambda v: f"not a date: {_quoted(v)} ({self._date_hint()})")
            report(
                outside, f,
                lambda v: f"date out of range: {_quoted(v)} (dates must be between "
                f"{self.options.first_date:%Y-%m-%d} and {self.options.last_date:%Y-%m-%d})",
            )  # fmt: skip
            day[f] = days
        no_price = empty["unit_price"] & empty["line_amount"] & ~empty["quantity"]
        report(no_price, "unit_price", "needs a unit_price or a line_amount")
        quantity, unit_price = number["quantity"], number["unit_price"]
        by_amount = np.isnan(unit_price)
        zero = (quantity == 0) & (~np.isnan(number["line_amount"]) | ~np.isnan(number["line_cost"]))
        report(zero, "quantity", "cannot be 0 when the line gives a line_amount or line_cost")
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            unit_price = np.where(by_amount, number["line_amount"] / quantity, unit_price)
            unit_cost = np.where(
                np.isnan(number["unit_cost"]), number["line_cost"] / quantity, number["unit_cost"]
            )
            amount = np.abs(quantity * unit_price)
        report(
            ~bad & ~by_amount & (np.nan_to_num(amount) >= MAX_AMOUNT), "unit_price",
            "implausible line amount: quantity × unit price must be smaller than "
            "1,000,000,000,000 either way",
        )  # fmt: skip
        choice = {}
        for f, (allowed, default) in CHOICES.items():
            value = pc.utf8_lower(col[f])
            value = pc.if_else(pc.equal(value, ""), default, value)
            report(
                ~_numpy(pc.is_in(value, value_set=pa.array(allowed))), f,
                lambda v, allowed=allowed: f"unknown value {_quoted(v)} (use one of "
                f"{', '.join(allowed)})",
            )  # fmt: skip
            choice[f] = value
        include = pc.utf8_lower(col["prices_include_vat"])
        report(
            ~_numpy(pc.is_in(include, value_set=pa.array(sorted(TRUE_WORDS | FALSE_WORDS)))),
            "prices_include_vat",
            lambda v: f"unknown value {_quoted(v)} (use true or false, yes or no)",
        )  # fmt: skip
        if report_problems:
            self.problems.chunk(self.name, found)

        keep = pa.array(~bad)
        facts = pd.DataFrame(
            {
                "order_id": _series(col["order_id"].filter(keep)),
                "row": rows[~bad],
                "order_date": day["order_date"][~bad],
                "customer_id": _series(col["customer_id"].filter(keep)),
                "order_status": _series(choice["order_status"].filter(keep)),
                "document_type": _series(choice["document_type"].filter(keep)),
            }
        )
        if self.problems or not report_problems:
            return None, facts
        texts = {f: _series(_nulls(col[f])) for f in TEXTS}
        checked = pd.DataFrame(
            {
                "row": rows,
                "order_date": day["order_date"],
                "customer_id": texts["customer_id"],
                "order_status": _series(choice["order_status"]),
                "document_type": _series(choice["document_type"]),
                "customer_name": texts["customer_name"],
                "team": texts["team"],
                "product_id": texts["product_id"],
                "variant": texts["variant"],
                "order_id": texts["order_id"],
                "item_id": texts["item_id"],
                "item_name": texts["item_name"],
                "sku": texts["item_id"],
                "quantity": quantity,
                "unit_price": unit_price,
                "discount_pct": np.where(by_amount, 0.0, np.nan_to_num(number["discount_pct"])),
                "vat_rate": np.nan_to_num(number["vat_rate"]),
                "prices_include_vat": _numpy(
                    pc.is_in(include, value_set=pa.array(sorted(TRUE_WORDS)))
                )
                & ~by_amount,
                "unit_cost": unit_cost,
                "cost_non_inv": np.nan_to_num(number["cost_non_inv"]),
                "status": _series(choice["line_status"]),
                "delivered_on": day["delivered_on"],
                "cancelled_on": day["cancelled_on"],
                "returned_on": day["returned_on"],
                "customisation": texts["customisation"],
                **{a: texts[a] for a in LINE_ATTRIBUTES},
            }
        )
        for name, position in self.extras.items():
            checked["extra:" + name] = _series(_nulls(text[position]))
        return checked, facts

    def _number_hint(self, value) -> str:
        if self.options.decimal == "." and "," in str(value):
            return (
                "expected a number such as 1234.50 or 1,234.50; for decimal commas (1234,50) "
                "set the decimal separator to ','"
            )
        if self.options.decimal == ",":
            return "expected a number such as 1234,50 or 1.234,50 (decimal comma)"
        return "expected a number such as 1234.50"

    def _date_hint(self) -> str:
        if self.options.date_format:
            example = date(2026, 1, 31).strftime(self.options.date_format)
            return f"expected the date format {self.options.date_format}, e.g. {example}"
        if self.day_first is not None:
            return "expected YYYY-MM-DD or " + ("DD/MM/YYYY" if self.day_first else "MM/DD/YYYY")
        return "expected YYYY-MM-DD, or give the date format"

    def _dates(self, values: pd.Series):
        return parse_dates(values, self.options, self.day_first, self.source.kind == "xlsx")

    # -- after the last chunk --

    def _bad_rows(self) -> None:
        bad = self.source.bad_rows
        if not bad:
            return
        expected = len(self.source.header)
        for b in bad:
            self.problems.add(
                self.name, b.row, "-",
                f"has {b.fields} values but the header has {expected} columns (a value holding "
                f"the delimiter needs quotes)",
            )  # fmt: skip
        skipped = np.array(sorted(b.row - 2 for b in bad), dtype=np.int64)
        before = skipped - np.arange(len(skipped))  # valid records before each skipped one

        def fix(row: int) -> int:
            valid = row - 2
            return int(valid + np.searchsorted(before, valid, "right") + 2)

        self.problems.renumber(self.name, fix)
        self._fix = fix

    def _report_conflicts(self, firsts: pd.DataFrame) -> None:
        """Every row whose order facts differ from its order's first row, naming both rows
        (a second look at the file, only when some order has conflicting facts)."""
        conflicting = firsts.set_index("order_id")
        for rows, text in self.source.chunks(self._positions):
            _, facts = self._check_chunk(rows, text, report_problems=False)
            facts = facts[facts["order_id"].isin(conflicting.index)]
            if facts.empty:
                continue
            first = conflicting.loc[facts["order_id"]].reset_index(drop=True)
            facts = facts.reset_index(drop=True)
            for f in ORDER_FACTS:
                differs = facts[f].notna() & first[f].notna() & (facts[f] != first[f])
                for i in np.flatnonzero(differs.to_numpy(bool)):
                    self.problems.add(
                        self.name, self._fix(int(facts.at[i, "row"])), self.labels[f],
                        f"order {_quoted(facts.at[i, 'order_id'])} has {self.labels[f]} "
                        f"{_shown(first.at[i, f])} on row {self._fix(int(first.at[i, 'row']))} but "
                        f"{_shown(facts.at[i, f])} on this row (an order's date, customer, "
                        "status and document type must agree on all its lines)",
                    )  # fmt: skip


def parse_dates(
    values: pd.Series, options: Options, day_first: bool | None = None, xlsx: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(days as datetime64[D], NaT when blank or bad; not a date; outside the accepted range) of
    text dates: ISO dates and date-times, or `options.date_format`; DD/MM/YYYY or MM/DD/YYYY as
    `day_first` says; Excel serial day numbers from a workbook (`xlsx`). The time of day is
    dropped. Each distinct text is parsed once."""
    codes, uniques = _factorize(values)
    parsed = _parse_dates(uniques, options, day_first, xlsx)
    days = parsed.to_numpy("datetime64[D]") if len(parsed) else np.array([], "datetime64[D]")
    blank = (uniques == "").to_numpy(bool)
    wrong = np.isnat(days) & ~blank
    low = np.datetime64(options.first_date, "D")
    high = np.datetime64(options.last_date, "D")
    outside = ~np.isnat(days) & ((days < low) | (days > high))
    days = np.where(wrong | outside, np.datetime64("NaT", "D"), days)
    take = np.append(days, np.datetime64("NaT", "D"))
    return take[codes], np.append(wrong, False)[codes], np.append(outside, False)[codes]


def _parse_dates(values: pd.Series, options: Options, day_first, xlsx: bool) -> pd.Series:
    if options.date_format:
        parsed = pd.to_datetime(values, format=options.date_format, errors="coerce")
    else:
        parsed = pd.to_datetime(values, format="ISO8601", errors="coerce")
        slash = values.str.match(SLASH_DATE).fillna(False).to_numpy(bool)
        if day_first is not None and slash.any():
            fmt = "%d/%m/%Y" if day_first else "%m/%d/%Y"
            plain = values[slash].str.split(" ").str[0].str.replace(r"[.-]", "/", regex=True)
            parsed[slash] = pd.to_datetime(plain, format=fmt, errors="coerce")
    if xlsx:  # Excel serial day numbers (cells not formatted as dates)
        serial = pd.to_numeric(values, errors="coerce").to_numpy(np.float64)
        usable = parsed.isna().to_numpy() & (serial >= 1) & (serial < 2958466)
        if usable.any():
            days = EXCEL_EPOCH + np.floor(serial[usable]).astype(np.int64)
            parsed[usable] = pd.to_datetime(days)
    return parsed


def _slash_dates(values) -> np.ndarray:
    return _numpy(pc.match_substring_regex(_arrow_text(values), SLASH_DATE))


def _arrow_text(values) -> pa.Array:
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values
    return pa.array(
        pd.Series(values).astype(object).astype(str).to_numpy(dtype=object), pa.string()
    )


def _numpy(mask) -> np.ndarray:
    """A pyarrow boolean array as numpy (null = False)."""
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False).astype(bool, copy=False)


def _nulls(values: pa.Array) -> pa.Array:
    """Text with "" as null."""
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)


def _series(values) -> pd.Series:
    """A pyarrow array as a pandas Series without a copy (pyarrow-backed)."""
    return pd.Series(values, dtype=pd.ArrowDtype(values.type), copy=False)


def _factorize(values) -> tuple[np.ndarray, pd.Series]:
    """(a code per value, the distinct values as an object Series of text)."""
    if isinstance(values, pa.Array | pa.ChunkedArray):
        encoded = pc.dictionary_encode(values)
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks()
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        uniques = encoded.dictionary.to_pylist()
        return codes.astype(np.int64), pd.Series(uniques, dtype=object)
    codes, uniques = pd.factorize(pd.Series(values).astype(object).astype(str))
    return codes, pd.Series(np.asarray(uniques, dtype=object), dtype=object)


def parse_numbers(values, decimal: str = ".") -> tuple[np.ndarray, np.ndarray]:
    """(the values as floats, NaN when blank or bad; bad) with the decimal separator given and
    the other one as a thousands separator in groups of three. Each distinct text is parsed
    once."""
    codes, text = _factorize(values)
    parsed = _plain_numbers(text) if decimal == "." else None
    if parsed is None:
        parsed = _numbers(text, decimal)
    blank = (text == "").to_numpy(bool)
    wrong = np.isnan(parsed) & ~blank
    return np.append(parsed, np.nan)[codes], np.append(wrong, False)[codes]


def _plain_numbers(text: pd.Series) -> np.ndarray | None:
    """The texts as floats (NaN when blank) when each is blank or a plain number such as 1234.5,
    in one parse (as the slower one reads them); None when one is not."""
    try:
        return pc.cast(_nulls(pa.array(text, pa.string())), pa.float64()).to_numpy(
            zero_copy_only=False
        )
    except pa.ArrowInvalid:
        return None


def _numbers(text: pd.Series, decimal: str) -> np.ndarray:
    """The texts as floats (NaN when blank or bad), thousands separators and decimal commas
    read."""
    thousands = "," if decimal == "." else "."
    t, d = re.escape(thousands), re.escape(decimal)
    grouped = text.str.match(rf"^[+-]?\d{{1,3}}({t}\d{{3}})+({d}\d*)?$").to_numpy(bool)
    has_thousands = text.str.contains(thousands, regex=False).to_numpy(bool)
    plain = text.where(~grouped, text.str.replace(thousands, "", regex=False))
    if decimal == ",":
        plain = plain.str.replace(",", ".", regex=False)
    plain = plain.where(~has_thousands | grouped, "x")
    plain = plain.where(plain.str.lower().str.strip("+-") != "nan", "x")  # NaN is not a number
    return pd.to_numeric(plain, errors="coerce").to_numpy(np.float64)


def _shown(value) -> str:
    if isinstance(value, np.datetime64 | pd.Timestamp | date):
        return str(pd.Timestamp(value).date())
    return _quoted(value)


# --- what the checked lines make -----------------------------------------------------------------


class Latest:
    """Per key, each field's latest non-empty value (by order date, then row). Kept as pyarrow
    tables of one row per key and chunk, so memory stays small."""

    def __init__(self, key: str, fields: dict[str, str]) -> None:
        self.key, self.fields = key, fields  # our column → the table's column
        self.parts: dict[str, list[pa.Table]] = {f: [] for f in fields}
        self.keys: list[pa.Array] = []  # every key seen, with or without values

    def add(self, lines: pd.DataFrame, order: np.ndarray, by_order: np.ndarray) -> None:
        """A chunk of lines; `order` ranks them (order date, then row), `by_order` sorts them."""
        codes, keys = _encode(lines[self.key])
        self.keys.append(keys)
        sorted_codes = codes[by_order]
        for column in self.fields:
            if column not in lines:
                continue
            valid = _valid(lines[column])[by_order]
            rows = np.flatnonzero(valid & (sorted_codes >= 0))
            if not len(rows):
                continue
            last = np.full(len(keys), -1, dtype=np.int64)  # per key, its last row in order
            np.maximum.at(last, sorted_codes[rows], rows)
            pick = np.sort(by_order[last[last >= 0]])
            self.parts[column].append(
                pa.table(
                    {
                        "k": pc.take(keys, pa.array(codes[pick])),
                        "o": pa.array(order[pick]),
                        "v": pc.take(_arrow_array(lines[column]), pa.array(pick)),
                    }
                )
            )

    def result(self, keys: pd.Index) -> pd.DataFrame:
        out = pd.DataFrame(index=keys)
        for column, target in self.fields.items():
            parts = self.parts[column]
            chosen = np.full(len(keys), None, dtype=object)
            if parts:
                table = pa.concat_tables(parts).sort_by("o")
                latest = table.group_by("k", use_threads=False).aggregate([("v", "last")])
                at = keys.get_indexer(latest.column("k").to_numpy(zero_copy_only=False))
                values = latest.column("v_last").to_numpy(zero_copy_only=False)
                chosen[at[at >= 0]] = values[at >= 0]
            out[target] = chosen
        return out


class MostFrequent:
    """Per key, each field's most frequent non-empty value (ties: the one seen first). Kept as
    pyarrow tables of (key, value, count, first row) per chunk."""

    def __init__(self, key: str, fields: tuple[str, ...]) -> None:
        self.key, self.fields = key, fields
        self.parts: dict[str, list[pa.Table]] = {f: [] for f in fields}

    def add(self, lines: pd.DataFrame) -> None:
        """A chunk of lines in file order."""
        key_codes, keys = _encode(lines[self.key])
        row = lines["row"].to_numpy(np.int64)
        for column in self.fields:
            value_codes, values = _encode(lines[column])
            ok = (key_codes >= 0) & (value_codes >= 0)
            if not ok.any():
                continue
            width = max(len(values), 1)
            pair = key_codes[ok].astype(np.int64) * width + value_codes[ok]
            cells, first, counts = np.unique(pair, return_index=True, return_counts=True)
            self.parts[column].append(
                pa.table(
                    {
                        "k": pc.take(keys, pa.array(cells // width)),
                        "v": pc.take(values, pa.array(cells % width)),
                        "n": pa.array(counts),
                        "row": pa.array(row[ok][first]),
                    }
                )
            )

    def result(self, keys: pd.Index) -> pd.DataFrame:
        """Per key (in `keys` order) the chosen values, as pyarrow-backed text columns."""
        out = {}
        known = pa.array(keys.to_numpy(dtype=object), pa.string())
        for column in self.fields:
            parts = self.parts[column]
            chosen = pa.nulls(len(keys), pa.string())
            if parts:
                table = pa.concat_tables(parts)
                at = pc.index_in(table.column("k"), value_set=known)
                table = table.filter(pc.is_valid(at))
                key = pc.drop_null(at).to_numpy().astype(np.int64)
                value_codes, values = _encode(_series(table.column("v")))
                count = table.column("n").to_numpy()
                row = table.column("row").to_numpy()
                # one (key, value) over several chunks: counts summed, its first row kept
                pair = key * max(len(values), 1) + value_codes
                by_pair = np.lexsort((row, pair))
                pair, row = pair[by_pair], row[by_pair]
                starts = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
                count = np.add.reduceat(count[by_pair], starts)
                key, value_codes = key[by_pair][starts], value_codes[by_pair][starts]
                row = row[starts]
                # per key the most frequent value, ties to the one seen first
                best = np.lexsort((row, -count, key))
                first = best[np.r_[True, key[best][1:] != key[best][:-1]]]
                position = np.full(len(keys), -1, dtype=np.int64)
                position[key[first]] = value_codes[first]
                chosen = pc.take(values, pa.array(position, mask=position < 0))
            out[column] = _series(chosen)
        return pd.DataFrame(out)


class LineImport:
    """Checked order lines, gathered chunk by chunk into what the tables need; the lines
    themselves wait in an Arrow file under `work` until they are written."""

    def __init__(self, work: Path) -> None:
        self.path = work / "lines.arrow"
        self._writer: pa.RecordBatchStreamWriter | None = None
        self._variants: list[pd.DataFrame] = []
        self.items = Latest("item_id", {"item_name": "name", **{c: c for c in ITEM_COLUMNS}})
        self.customers = Latest("customer_id", {"customer_name": "name", "salesperson": "seller"})
        self.extras: Latest | None = None
        self.teams = Latest("salesperson", {"team": "team"})
        self.orders = MostFrequent("order_id", LINE_ORDER_ATTRIBUTES)
        self.lines = 0
        self.returns = 0
        self.sellers: pd.Series | None = None
        self._order_index: pd.Index | None = None

    def facts(self, facts: pd.DataFrame) -> None:
        """The order facts of a chunk's rows (every row, checked or not)."""
        facts = facts.dropna(subset=["order_id"])
        facts = facts[facts["order_id"] != ""]
        self._variants.append(facts.drop_duplicates([c for c in facts.columns if c != "row"]))

    def conflicts(self) -> pd.DataFrame | None:
        """The first row's facts of every order whose rows disagree on them (None: none do)."""
        if not self._variants:
            return None
        variants = pd.concat(self._variants, ignore_index=True)
        variants = variants.drop_duplicates([c for c in variants.columns if c != "row"])
        self._variants = [variants]
        first = variants.drop_duplicates("order_id")
        if len(first) == len(variants):
            return None
        again = variants[variants["order_id"].duplicated(keep=False)]
        return first[first["order_id"].isin(again["order_id"])]

    def add(self, lines: pd.DataFrame) -> None:
        """A chunk of checked lines (the columns data.importer's _check_chunk makes)."""
        if lines is None or lines.empty:
            return
        self.lines += len(lines)
        self.returns += int((lines["quantity"] < 0).sum())
        order = lines["order_date"].to_numpy("datetime64[D]").astype(np.int64) * (1 << 32)
        order = order + lines["row"].to_numpy(np.int64)
        by_order = np.argsort(order, kind="stable")
        self.items.add(lines, order, by_order)
        self.customers.add(lines, order, by_order)
        self.teams.add(lines, order, by_order)
        extras = {c: c.removeprefix("extra:") for c in lines.columns if c.startswith("extra:")}
        if extras:
            if self.extras is None:
                self.extras = Latest("customer_id", extras)
            self.extras.add(lines, order, by_order)
        self.orders.add(lines)
        batch = _to_arrow(lines, LINE_SCHEMA)
        if self._writer is None:
            self._writer = pa.ipc.new_stream(str(self.path), LINE_SCHEMA)
        self._writer.write_table(batch)

    def tables(self) -> Tables:
        """salespeople, customers, customer_fields, items and orders of the lines."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        variants = pd.concat(self._variants, ignore_index=True) if self._variants else None
        self._variants = []
        if variants is None or variants.empty:
            empty = pd.DataFrame({"order_id": pd.Series([], dtype=object)})
            variants = empty.assign(
                row=0, order_date=pd.Series([], "datetime64[s]"), customer_id=None,
                order_status=None, document_type=None,
            )  # fmt: skip
        first = variants.drop_duplicates("order_id").reset_index(drop=True)
        order_ids = pd.Index(first["order_id"].to_numpy(dtype=object))
        self._order_index = order_ids
        attributes = self.orders.result(order_ids)
        orders = pd.DataFrame(  # pyarrow-backed text: millions of orders stay compact
            {
                "order_id": first["order_id"],
                "document_type": first["document_type"],
                "status": first["order_status"],
                "order_date": first["order_date"].to_numpy("datetime64[s]"),
                "customer_id": first["customer_id"],
                **{c: attributes[c] for c in LINE_ORDER_ATTRIBUTES},
            }
        )
        item_ids = pd.Index(_keys(self.items))
        items = self.items.result(item_ids).rename_axis("item_id").reset_index()
        customer_ids = pd.Index(pd.unique(first["customer_id"].to_numpy(dtype=object)))
        named = self.customers.result(customer_ids)
        customers = pd.DataFrame(
            {"customer_id": customer_ids.to_numpy(), "name": named["name"].to_numpy()}
        )
        self.sellers = named["seller"]  # per customer: the salesperson of their latest order
        fields = pd.DataFrame({"customer_id": [], "field": [], "value": []})
        if self.extras is not None:
            wide = self.extras.result(customer_ids)
            long = (
                wide.rename_axis("customer_id")
                .reset_index()
                .melt(id_vars="customer_id", var_name="field", value_name="value")
            )
            fields = long.dropna(subset=["value"]).reset_index(drop=True)
        sellers = pd.Index(_keys(self.teams))
        teams = self.teams.result(sellers)
        salespeople = pd.DataFrame(
            {"code": sellers.to_numpy(), "name": None, "team": teams["team"].to_numpy()}
        )
        tables = {
            "salespeople": salespeople,
            "customers": customers,
            "items": items,
            "orders": orders,
        }
        if self.extras is not None:
            tables["customer_fields"] = fields
        return tables

    def shown(self, items: pd.DataFrame, orders: pd.DataFrame) -> None:
        """The values the items and orders tables will keep for display: a line stores an
        attribute only where it differs from its item's / order's (NULL = the same)."""
        self._shown_items = _shown_arrays(items.set_index("item_id"), LINE_ITEM_ATTRIBUTES)
        # the orders frame is in the order of self._order_index (see `tables`)
        self._shown_orders = (
            self._order_index,
            {
                c: pa.concat_arrays([_one_chunk(orders[c]), pa.nulls(1, pa.string())])
                for c in LINE_ORDER_ATTRIBUTES
            },
        )

    def batches(self) -> Iterator[pa.Table]:
        """The lines in file order, as order_lines rows (line_no = position within the order;
        attributes as sold stored where they differ from the item's / order's, see `shown`)."""
        if not self.path.exists():
            return
        index = self._order_index
        counter = np.zeros(len(index), dtype=np.int64)
        items = getattr(self, "_shown_items", None)
        orders = getattr(self, "_shown_orders", None)
        with pa.ipc.open_stream(str(self.path)) as reader:
            for batch in reader:
                table = pa.Table.from_batches([batch])
                code = _codes(table.column("order_id"), index)
                within = pd.Series(code).groupby(code, sort=False).cumcount().to_numpy()
                line_no = counter[code] + within + 1
                np.add.at(counter, code, 1)
                table = table.add_column(1, "line_no", pa.array(line_no.astype(np.int32)))
                if orders is not None:
                    table = _unless_shown(table, orders, code, LINE_ORDER_ATTRIBUTES)
                if items is not None:
                    item = _codes(table.column("item_id"), items[0])
                    table = _unless_shown(table, items, item, LINE_ITEM_ATTRIBUTES)
                yield table

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def _shown_arrays(frame: pd.DataFrame, columns) -> tuple[pd.Index, dict[str, pa.Array]]:
    """(the keys, per column the values shown as a pyarrow array with a null appended for
    unknown keys)."""
    return frame.index, {
        c: pa.array(np.append(frame[c].to_numpy(dtype=object), None), pa.string(), from_pandas=True)
        for c in columns
    }


def _unless_shown(table: pa.Table, shown, code: np.ndarray, columns) -> pa.Table:
    """`table` with each attribute set to null where it equals the value shown (row `code`)."""
    keys, arrays = shown
    code = pa.array(np.where(code < 0, len(keys), code))
    for column in columns:
        values = table.column(column)
        if values.null_count == len(values):
            continue
        display = pc.take(arrays[column], code)
        same = pc.fill_null(pc.equal(values, display), False)
        table = table.set_column(
            table.schema.get_field_index(column), column,
            pc.if_else(same, pa.scalar(None, pa.string()), values),
        )  # fmt: skip
    return table


def _keep_sold_values(conn, before: pd.DataFrame, after: pd.DataFrame) -> None:
    """Stored lines that leave an item attribute to their item (NULL) get the item's old value
    written on them when the import changes it: a line keeps the value it was sold with."""
    if before.empty:
        return
    old = before.set_index("item_id")
    new = after.set_index("item_id").reindex(old.index)
    created = False
    for column in LINE_ITEM_ATTRIBUTES:
        changed = old[column].notna() & (old[column] != new[column]).fillna(True)
        if not changed.any():
            continue
        if not created:
            conn.exec_driver_sql(
                "CREATE TEMP TABLE import_sold_as (item_id VARCHAR(200) PRIMARY KEY, value "
                "VARCHAR(200))"
            )
            created = True
        conn.exec_driver_sql("DELETE FROM import_sold_as")
        rows = list(zip(old.index[changed], old[column][changed], strict=True))
        cursor = conn.connection.driver_connection.cursor()
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        cursor.executemany(f"INSERT INTO import_sold_as VALUES ({mark}, {mark})", rows)
        cursor.close()
        conn.exec_driver_sql(
            f"UPDATE order_lines SET {column} = (SELECT value FROM import_sold_as s WHERE "
            f"s.item_id = order_lines.item_id) WHERE {column} IS NULL AND item_id IN "
            "(SELECT item_id FROM import_sold_as)"
        )
    if created:
        conn.exec_driver_sql("DROP TABLE import_sold_as")


def _changes_sold_items(conn, before: pd.DataFrame, after: pd.DataFrame) -> bool:
    """Whether the import changes a value that the rollups by attribute and of the lines made to
    order hold for lines already stored: an item's product or made-to-order flag, an attribute
    the item had none of (an old value stays on the lines: _keep_sold_values), or a catalogue row
    for an item sold without one. The rollups then wait for `rebuild-rollups` (the sql engine
    reads the lines meanwhile): every (month, customer) where such an item was sold would have
    to be summed again, which for a best seller is most of them."""
    old = before.set_index("item_id")
    new = after.drop_duplicates("item_id").set_index("item_id")
    shared = old.index.intersection(new.index)
    old, now = old.loc[shared], new.loc[shared]

    def written(column: str, default) -> pd.Series:  # a column the file lacks: its default
        values = now[column] if column in now else pd.Series(default, index=shared, dtype=object)
        return values.astype(object).where(values.notna(), default)

    if (old["made_to_order"].fillna(False).astype(bool) != written("made_to_order", False)).any():
        return True
    if (old["product_id"].fillna("") != written("product_id", "")).any():
        return True
    if any((old[c].isna() & written(c, None).notna()).any() for c in LINE_ITEM_ATTRIBUTES):
        return True
    listed = new.index.difference(shared)
    return bool(len(listed)) and bool(
        _stored_rows(conn, OrderLine.__table__, "item_id", listed.to_series())
    )


def _arrow_array(values: pd.Series):
    if isinstance(values.dtype, pd.ArrowDtype):
        return values.array.__arrow_array__()
    return pa.array(values.to_numpy(dtype=object), pa.string(), from_pandas=True)


def _one_chunk(values: pd.Series) -> pa.Array:
    array = _arrow_array(values)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _encode(values: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """(a code per value, -1 when missing; the distinct values)."""
    encoded = pc.dictionary_encode(_arrow_array(values))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.unify_dictionaries().combine_chunks()
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, encoded.dictionary


def _codes(values, index: pd.Index) -> np.ndarray:
    """The position in `index` of each value of a pyarrow text array (-1 when not there or
    missing), looking up each distinct value once."""
    encoded = pc.dictionary_encode(values)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.unify_dictionaries().combine_chunks()
    at = index.get_indexer(encoded.dictionary.to_numpy(zero_copy_only=False))
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    return np.append(at, -1)[codes]


def _valid(values: pd.Series) -> np.ndarray:
    if isinstance(values.dtype, pd.ArrowDtype):
        return _numpy(pc.is_valid(_arrow_array(values)))
    return values.notna().to_numpy(bool)


def _keys(latest: Latest) -> np.ndarray:
    if not latest.keys:
        return np.array([], dtype=object)
    keys = pc.unique(pa.chunked_array(latest.keys, pa.string()))
    return keys.to_numpy(zero_copy_only=False).astype(object)


def _to_arrow(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    """Checked lines as an Arrow table of `schema` (NaN and NaT become null)."""
    arrays = []
    for column in schema:
        values = frame[column.name]
        if pa.types.is_date(column.type):
            arrays.append(pa.array(values.to_numpy("datetime64[D]"), pa.date32()))
        elif pa.types.is_string(column.type):
            if isinstance(values.dtype, pd.ArrowDtype):
                arrays.append(values.array.__arrow_array__(pa.string()))
            else:
                arrays.append(
                    pa.array(values.to_numpy(dtype=object), pa.string(), from_pandas=True)
                )
        else:
            arrays.append(pa.array(values.to_numpy(), column.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)


# --- the customers file --------------------------------------------------------------------------

CUSTOMER_KEYS = {header_key(c): c for c in (*CUSTOMER_STANDARD, "created_on")}


def read_customers(path, problems: Problems):
    """The customers file as (customers, custom fields); problems added to `problems`."""
    name = Path(path).name
    try:
        source, raw = read_small(path)
    except FileError as error:
        problems.add(name, 1, "-", str(error))
        return None
    if not len(raw):
        problems.add(name, 2, "-", "the file has a header but no rows")
        return None
    header = source.header
    rows = raw.attrs["rows"]
    position: dict[str, int] = {}
    custom: dict[str, int] = {}
    for i, h in enumerate(header):
        key = header_key(h)
        if not key:
            continue
        standard = CUSTOMER_KEYS.get(key)
        if standard in position or normal_name(h) in custom:
            problems.add(name, 1, h, f"the column '{h}' appears twice; rename or remove one")
        elif standard:
            position[standard] = i
        else:
            custom[normal_name(h)] = i
    for column in ("customer_id", "name"):
        if column not in position:
            problems.add(name, 1, column, "missing required column")
    if problems:
        return None
    text = {c: raw[p].astype(str) for c, p in position.items()}
    blank = pd.Series("", index=raw.index)
    found = []
    for column in ("customer_id", "name"):
        for row in rows[(text[column] == "").to_numpy()]:
            found.append((int(row), header[position[column]], "required value is empty"))
    for row in rows[(text["customer_id"].duplicated() & (text["customer_id"] != "")).to_numpy()]:
        found.append((int(row), header[position["customer_id"]], "appears on an earlier row"))
    for column, p in position.items():
        long = (text[column].str.len() > ID).to_numpy()
        for row, value in zip(rows[long], text[column][long], strict=True):
            found.append((int(row), header[p], f"longer than {ID} characters ({len(value):,})"))
    created = text.get("created_on", blank)
    created_on = pd.to_datetime(created.where(created != ""), format="ISO8601", errors="coerce")
    wrong = (created != "").to_numpy() & created_on.isna().to_numpy()
    outside = created_on.notna() & (
        (created_on < pd.Timestamp("1900-01-01")) | (created_on > pd.Timestamp("2100-12-31"))
    )
    for row, value in zip(rows[wrong | outside.to_numpy()], created[wrong | outside.to_numpy()],
                          strict=True):  # fmt: skip
        found.append(
            (int(row), header[position["created_on"]],
             f"not a date between 1900-01-01 and 2100-12-31: {_quoted(value)} (use YYYY-MM-DD)")
        )  # fmt: skip
    problems.chunk(name, found)
    if problems:
        return None
    customers = pd.DataFrame({"customer_id": text["customer_id"], "name": text["name"]})
    for column in CUSTOMER_STANDARD[2:]:
        customers[column] = text.get(column, blank).replace("", None)
    customers["created_on"] = created_on.astype("datetime64[s]")
    values = pd.DataFrame({c: raw[p].astype(str) for c, p in custom.items()}, index=raw.index)
    fields = values.assign(customer_id=text["customer_id"]).melt(
        id_vars="customer_id", value_vars=list(custom), var_name="field"
    )
    fields = fields[fields["value"] != ""].reset_index(drop=True)
    return customers, fields


def _add_customers(tables: Tables, customers: pd.DataFrame, fields: pd.DataFrame) -> None:
    """The customers file wins over names given on order lines; its owners become salespeople."""
    from_lines = tables["customers"]
    extra = from_lines[~from_lines["customer_id"].isin(customers["customer_id"])]
    tables["customers"] = pd.concat([customers, extra], ignore_index=True)
    line_fields = tables.get("customer_fields")
    if line_fields is not None and len(line_fields):
        keys = set(zip(fields["customer_id"], fields["field"], strict=True))
        keep = [k not in keys for k in zip(line_fields["customer_id"], line_fields["field"],
                                           strict=True)]  # fmt: skip
        fields = pd.concat([fields, line_fields[keep]], ignore_index=True)
    tables["customer_fields"] = fields
    owners = customers["owner"].dropna().unique()
    sellers = tables["salespeople"]
    new = [o for o in owners if o not in set(sellers["code"])]
    tables["salespeople"] = pd.concat(
        [sellers, pd.DataFrame({"code": new, "name": None, "team": None})], ignore_index=True
    )


# --- writing -------------------------------------------------------------------------------------

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
Changes = dict[str, dict[str, int]]


def _write(
    engine: Engine, tables: Tables, collected: LineImport, replace: bool, dry_run: bool
) -> tuple[Changes, int]:
    """One transaction: replace the file's orders; update salespeople, customers and items by key,
    keeping stored values the files leave empty; give customers without an owner the salesperson
    of their latest order. Returns (what changes per table, see `_changes`; owners given); a dry
    run only works that out."""
    with engine.connect() as conn, _import_settings(conn):
        return _write_in(conn, tables, collected, replace, dry_run)


# SQLite settings of the import's connection while it writes, put back after it: this import
# inserts the order of every line itself (no foreign-key check per line); 128 MB of page cache
# for the key indexes; the orders' indexes rebuilt in memory, not in temporary files.
IMPORT_PRAGMAS = {"foreign_keys": "OFF", "cache_size": "-131072", "temp_store": "MEMORY"}


@contextlib.contextmanager
def _import_settings(conn):
    if conn.dialect.name != "sqlite":
        yield
        return
    driver = conn.connection.driver_connection
    before = {p: driver.execute(f"PRAGMA {p}").fetchone()[0] for p in IMPORT_PRAGMAS}
    for pragma, value in IMPORT_PRAGMAS.items():
        driver.execute(f"PRAGMA {pragma}={value}")
    try:
        yield
    finally:
        for pragma, value in before.items():
            driver.execute(f"PRAGMA {pragma}={value}")


def _write_in(conn, tables: Tables, collected: LineImport, replace: bool, dry_run: bool):
    with conn.begin() as transaction:
        seller = collected.sellers
        stored_items = tables["items"].iloc[:0]
        if not replace:
            stored_items = _stored(conn, "items", "item_id", tables["items"]["item_id"])
            for table, key in KEYS.items():
                if table in tables:
                    tables[table] = _merge_stored(conn, table, key, tables[table])
        owners = 0
        if seller is not None:
            customers = tables["customers"]
            if "owner" not in customers:
                customers["owner"] = None
            latest = seller.reindex(customers["customer_id"]).to_numpy(dtype=object)
            unowned = customers["owner"].isna().to_numpy() & pd.notna(latest)
            if unowned.any():  # (an owner column the file left empty reads as float NaN)
                customers["owner"] = customers["owner"].astype(object)
                customers.loc[unowned, "owner"] = latest[unowned]
            owners = int(unowned.sum())
        for table, key in KEYS.items():
            if table in tables:
                tables[table] = tables[table].assign(
                    name=tables[table]["name"].fillna(tables[table][key])
                )
        collected.shown(_as_inserted("items", tables["items"]), tables["orders"])
        changes = _changes(conn, tables, replace)
        changes["order_lines"] = _line_changes(conn, collected, tables["orders"], replace)
        if replace:
            total = conn.execute(select(func.count()).select_from(Payment)).scalar_one()
            if total:
                changes["payments"] = dict.fromkeys(CHANGE_KINDS, 0) | {"removed": total}
        if dry_run:
            transaction.rollback()
            return changes, owners
        bump_data_version(conn)  # first, so the triggers stay quiet for the rows that follow
        keep_rollups = replace or rollups.were_current(conn)
        keys = set()  # the (day, customer) rows of sums that change: as stored, then as written
        if replace:
            delete_all_data(conn)
        else:
            _keep_sold_values(conn, stored_items, tables["items"])
            keep_rollups = keep_rollups and not _changes_sold_items(
                conn, stored_items, tables["items"]
            )
            order_ids = tables["orders"]["order_id"]
            change_log.record(conn, order_ids)
            keys = rollups.order_keys(conn, order_ids)
            if _stored_rows(conn, Order.__table__, "order_id", order_ids):
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
            if table == "orders":
                with _indexes_rebuilt(conn, Order.__table__, len(frame)):
                    bulk_insert(conn, "orders", _arrow(_as_inserted("orders", frame), "orders"))
            elif table == "order_lines":
                for batch in collected.batches():
                    bulk_insert(conn, "order_lines", batch)
            elif frame is not None:
                for start in range(0, len(frame), INSERT_ROWS):
                    insert_frame(conn, table, frame.iloc[start : start + INSERT_ROWS])
        if keep_rollups:
            rollups.refresh(conn, None if replace else keys | rollups.order_keys(conn, order_ids))
        stamp = Setting.__table__
        conn.execute(stamp.delete().where(stamp.c.key == LAST_IMPORT))
        conn.execute(stamp.insert().values(key=LAST_IMPORT, value=_import_summary(collected)))
    return changes, owners


@contextlib.contextmanager
def _indexes_rebuilt(conn, model, rows: int):
    """Into an empty table, many rows go in faster with the secondary indexes built after."""
    empty = not conn.execute(select(func.count()).select_from(model)).scalar_one()
    indexes = list(model.indexes) if empty and rows > 10_000 else []
    for index in indexes:
        index.drop(conn)
    yield
    for index in indexes:
        index.create(conn)


def _arrow(frame: pd.DataFrame, table: str) -> pa.Table:
    """A table frame as bulk_insert takes it (dates as date32, missing as null)."""
    model = Base.metadata.tables[table]
    arrays, names = [], []
    for column in model.columns:
        values = frame[column.name]
        if column.name in DATE_COLUMNS.get(table, ()):
            array = pa.array(pd.to_datetime(values).to_numpy("datetime64[D]"), pa.date32())
        elif isinstance(column.type, Boolean):
            array = pa.array(values.fillna(False).astype(bool).to_numpy())
        elif isinstance(column.type, Float | Integer):
            array = pa.array(pd.to_numeric(values).to_numpy(np.float64), from_pandas=True)
        elif isinstance(values.dtype, pd.ArrowDtype):
            array = _arrow_array(values)
        else:
            array = pa.array(values.to_numpy(dtype=object), pa.string(), from_pandas=True)
        arrays.append(array)
        names.append(column.name)
    return pa.Table.from_arrays(arrays, names=names)


LAST_IMPORT = "last_import"


def _import_summary(collected: LineImport) -> str:
    """When the last import ran and what it held, for the Admin screen's freshness."""
    return f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {collected.lines:,} order lines"


def last_import(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(
            select(Setting.value).where(Setting.key == LAST_IMPORT)
        ).scalar_one_or_none()


INSERT_ROWS = 100_000


def _stored_rows(conn, model, key: str, ids: pd.Series) -> int:
    """How many stored rows of `model` have one of `ids` as `key`."""
    total = conn.execute(select(func.count()).select_from(model)).scalar_one()
    if not total:
        return 0
    return sum(
        conn.execute(
            select(func.count()).select_from(model).where(model.c[key].in_(chunk))
        ).scalar_one()
        for chunk in _chunks(list(ids.unique()))
    )


def _line_changes(conn, collected: LineImport, orders: pd.DataFrame, replace: bool) -> dict:
    """order_lines added / updated / unchanged / removed, comparing the file's lines with the
    stored lines of the same orders batch by batch (nothing to compare: all added)."""
    model = OrderLine.__table__
    total = conn.execute(select(func.count()).select_from(model)).scalar_one()
    stored = _stored_rows(conn, model, "order_id", orders["order_id"]) if total else 0
    counts = dict.fromkeys(CHANGE_KINDS, 0)
    if not stored:
        counts["added"] = collected.lines
        counts["removed"] = total if replace else 0
        return counts
    matched = 0
    for batch in collected.batches():
        frame = batch.to_pandas()
        ids = list(pd.unique(frame["order_id"]))
        old = pd.concat(
            [pd.read_sql_query(select(model).where(model.c.order_id.in_(c)), conn)
             for c in _chunks(ids)],
            ignore_index=True,
        )  # fmt: skip
        both = frame.merge(old, on=["order_id", "line_no"], how="left", suffixes=("", "_stored"),
                           indicator=True)  # fmt: skip
        hit = both[both["_merge"] == "both"]
        differs = np.zeros(len(hit), dtype=bool)
        for column in model.columns:
            if column.name not in ("order_id", "line_no"):
                differs |= ~_same(
                    "order_lines", column, hit[column.name], hit[column.name + "_stored"]
                )
        matched += len(hit)
        counts["added"] += int((both["_merge"] == "left_only").sum())
        counts["updated"] += int(differs.sum())
        counts["unchanged"] += int(len(hit) - differs.sum())
    counts["removed"] = (total - matched) if replace else (stored - matched)
    return counts


def _changes(conn, tables: Tables, replace: bool) -> Changes:
    """Per table but order_lines, rows of the files that are new (added), differ from the stored
    row of the same key (updated) or equal it (unchanged), and stored rows the import deletes
    (removed): with `replace` every stored row not in the files; otherwise the custom fields of
    a re-imported customer it no longer has."""
    changes: Changes = {}
    for table, keys in TABLE_KEYS.items():
        if table == "order_lines":
            continue
        model = Base.metadata.tables[table]
        total = conn.execute(select(func.count()).select_from(model)).scalar_one()
        frame = tables.get(table)
        if frame is None:
            if replace and total:
                changes[table] = dict.fromkeys(CHANGE_KINDS, 0) | {"removed": total}
            continue
        if total == 0:  # nothing stored: every row is new
            changes[table] = dict.fromkeys(CHANGE_KINDS, 0) | {"added": len(frame)}
            continue
        frame = _as_inserted(table, frame)
        # stored rows of the rows' first key (a customer's fields)
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
        elif table != "customer_fields":
            removed = 0
        changes[table] = {
            "added": int(new.sum()),
            "updated": int(differs.sum()),
            "unchanged": int(len(matched) - differs.sum()),
            "removed": removed,
        }
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
        new = new.astype(object).where(new.notna(), None)
        stored = stored.astype(object).where(stored.notna(), None)
    missing_new, missing_stored = pd.isna(new).to_numpy(), pd.isna(stored).to_numpy()
    equal = (new.to_numpy() == stored.to_numpy()) & ~missing_new & ~missing_stored
    return equal | (missing_new & missing_stored)


def change_lines(changes: Changes) -> list[str]:
    """`orders: 3 added, 1 updated, 5 unchanged` per table (`, 2 removed` when some are)."""
    lines = []
    for table in (*TABLE_KEYS, "payments"):
        count = changes.get(table)
        if count is None:
            continue
        words = [f"{count[kind]:,} {kind}" for kind in CHANGE_KINDS[:3]]
        if count["removed"]:
            words.append(f"{count['removed']:,} removed")
        lines.append(f"{table}: {', '.join(words)}")
    return lines


def _stored(conn, table: str, key: str, ids: pd.Series) -> pd.DataFrame:
    """The stored rows of `table` whose `key` is one of `ids`."""
    model = Base.metadata.tables[table]
    if not conn.execute(select(func.count()).select_from(model)).scalar_one():
        return pd.DataFrame(columns=[c.name for c in model.columns])
    return pd.concat(
        [
            pd.read_sql_query(select(model).where(model.c[key].in_(chunk)), conn)
            for chunk in _chunks(list(ids))
        ]
        or [pd.DataFrame(columns=[c.name for c in model.columns])],
        ignore_index=True,
    )


def _merge_stored(conn, table: str, key: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The file's rows, with the stored value wherever the file leaves a column empty."""
    model = Base.metadata.tables[table]
    total = conn.execute(select(func.count()).select_from(model)).scalar_one()
    if not total:
        return frame
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
