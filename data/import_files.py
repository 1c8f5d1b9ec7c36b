"""Import files as they come (SPEC §7): a CSV whose delimiter and encoding are sniffed, or the first
sheet of an XLSX workbook, read in chunks of text columns so that a file of any size fits in
bounded memory.

Rows are numbered as the file numbers its records: the header is row 1, the first record row 2.
A CSV record with more or fewer fields than the header is a problem of that row (see
`Source.bad_rows`); the other rows keep their numbers.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

XLSX_SUFFIXES = (".xlsx", ".xlsm")
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with BOM",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16 LE",
    "utf-16-be": "UTF-16 BE",
    "cp1252": "Windows-1252 (Latin-1)",
    "latin-1": "Latin-1",
}
SAMPLE_BYTES = 1 << 16
BLOCK_BYTES = 1 << 24  # ~100,000 order lines per chunk
XLSX_CHUNK_ROWS = 50_000


class FileError(ValueError):
    """The file cannot be read at all (a problem of row 1)."""


@dataclass
class BadRow:
    row: int
    fields: int


@dataclass
class Source:
    """One import file: its format, its header (as the file names it) and its rows in chunks."""

    path: Path
    kind: str  # "csv" | "xlsx"
    header: list[str]
    encoding: str | None = None
    delimiter: str | None = None
    bad_rows: list[BadRow] = field(default_factory=list)  # filled while reading a CSV

    @property
    def name(self) -> str:
        return self.path.name

    def describe(self) -> str:
        """The format in words, for the preview: `CSV, semicolon-delimited, UTF-16`."""
        if self.kind == "xlsx":
            return "Excel workbook (first sheet)"
        return (
            f"CSV, {DELIMITERS[self.delimiter]}-delimited, "
            f"{ENCODING_NAMES.get(self.encoding, self.encoding)}"
        )

    def chunks(self, columns: list[int]) -> Iterator[tuple[np.ndarray, dict[int, pa.Array]]]:
        """(file row numbers, {header position: the chunk's column as stripped text (a pyarrow
        string array, "" when empty)}) for every chunk of rows."""
        if self.kind == "xlsx":
            yield from self._xlsx_chunks(columns)
        else:
            yield from self._csv_chunks(columns)

    def _csv_chunks(self, columns: list[int]):
        self.bad_rows = []
        skipped = []

        def on_bad_row(row) -> str:
            skipped.append(row.actual_columns)
            return "skip"

        names = [f"c{i}" for i in range(len(self.header))]
        wanted = [names[i] for i in columns]
        done = 0
        try:
            reader = pa_csv.open_csv(
                self.path,
                read_options=pa_csv.ReadOptions(
                    encoding=_arrow_encoding(self.encoding),
                    column_names=names,
                    skip_rows=1,
                    block_size=BLOCK_BYTES,
                ),
                parse_options=pa_csv.ParseOptions(
                    delimiter=self.delimiter,
                    newlines_in_values=True,
                    invalid_row_handler=on_bad_row,
                ),
                convert_options=pa_csv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()),
                    include_columns=wanted,
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            for batch in reader:
                rows = np.arange(done, done + batch.num_rows, dtype=np.int64) + 2
                done += batch.num_rows
                yield rows, _text_frame(batch, columns)
        except (pa.ArrowInvalid, UnicodeDecodeError) as error:
            raise FileError(f"cannot read the file: {_arrow_message(error)}") from error
        if skipped:
            # Rows the parser skipped: find their numbers (a slow pass, only for broken files).
            self.bad_rows = self._count_fields()

    def _count_fields(self) -> list[BadRow]:
        bad = []
        with open(self.path, encoding=self.encoding, newline="") as f:
            records = csv.reader(f, delimiter=self.delimiter)
            next(records, None)
            row = 1
            for record in records:
                if not record:
                    continue
                row += 1
                if len(record) != len(self.header):
                    bad.append(BadRow(row, len(record)))
        return bad

    def _xlsx_chunks(self, columns: list[int]):
        import openpyxl

        book = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        try:
            rows = book.worksheets[0].iter_rows(values_only=True)
            next(rows, None)
            buffer: list[list[str]] = []
            numbers: list[int] = []
            blank_run: list[tuple[int, list[str]]] = []
            row = 1
            for values in rows:
                row += 1
                cells = [_cell_text(values[i]) if i < len(values) else "" for i in columns]
                full = [_cell_text(v) for v in values[: len(self.header)]]
                if not any(full):  # trailing empty rows are dropped, others kept
                    blank_run.append((row, cells))
                    continue
                for blank_row, blank in blank_run:
                    numbers.append(blank_row)
                    buffer.append(blank)
                blank_run = []
                numbers.append(row)
                buffer.append(cells)
                if len(buffer) >= XLSX_CHUNK_ROWS:
                    yield _xlsx_frame(numbers, buffer, columns)
                    buffer, numbers = [], []
            if buffer:
                yield _xlsx_frame(numbers, buffer, columns)
        finally:
            book.close()


def open_source(path: str | Path) -> Source:
    """Sniff a file's format and read its header; FileError when it cannot be read or is empty."""
    path = Path(path)
    try:
        if path.suffix.lower() in XLSX_SUFFIXES:
            return Source(path, "xlsx", _xlsx_header(path))
        with open(path, "rb") as f:
            sample = f.read(SAMPLE_BYTES)
    except OSError as error:
        raise FileError(f"cannot read the file: {error.strerror or error}") from error
    if not sample.strip():
        raise FileError("the file is empty")
    encoding = _sniff_encoding(path, sample)
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample)
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    if not first.strip():
        raise FileError("the first line (the header) is empty")
    delimiter = _sniff_delimiter(first)
    header = next(csv.reader([first], delimiter=delimiter))
    return Source(path, "csv", [h.strip() for h in header], encoding, delimiter)


def _sniff_encoding(path: Path, sample: bytes) -> str:
    """UTF-16 (by its BOM, or by zero bytes), UTF-8 (with or without BOM) when every byte of the
    file decodes, else Windows-1252, else Latin-1."""
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = sample[:4096]
    if head and head.count(0) > len(head) // 4:
        return "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
    bom = sample.startswith(codecs.BOM_UTF8)
    if _decodes(path, "utf-8"):
        return "utf-8-sig" if bom else "utf-8"
    return "cp1252" if _decodes(path, "cp1252") else "latin-1"


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with open(path, "rb") as f:
            while block := f.read(1 << 24):
                decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _sniff_delimiter(header: str) -> str:
    """The delimiter that splits the header line into the most fields (outside quotes)."""
    best, most = ",", 0
    for delimiter in DELIMITERS:
        fields = len(next(csv.reader([header], delimiter=delimiter)))
        if fields > most:
            best, most = delimiter, fields
    return best


def _arrow_encoding(encoding: str) -> str:
    return "utf8" if encoding in ("utf-8", "utf-8-sig") else encoding


def _arrow_message(error: Exception) -> str:
    text = str(error).split("\n")[0]
    return text.removeprefix("CSV parse error: ")


def _text_frame(batch: pa.RecordBatch, columns: list[int]) -> dict[int, pa.Array]:
    return {
        position: pc.utf8_trim_whitespace(array)
        for position, array in zip(columns, batch.columns, strict=True)
    }


def _xlsx_header(path: Path) -> list[str]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
        raise FileError(f"cannot read the file: not an Excel workbook ({error})") from error
    try:
        if not book.worksheets:
            raise FileError("the workbook has no sheet")
        header = next(book.worksheets[0].iter_rows(values_only=True), None)
    finally:
        book.close()
    if header is None or not any(v is not None for v in header):
        raise FileError("the first sheet is empty")
    width = len(header)
    while width and header[width - 1] is None:
        width -= 1
    return [_cell_text(c).strip() or f"column_{i + 1}" for i, c in enumerate(header[:width])]


def _xlsx_frame(numbers, buffer, columns) -> tuple[np.ndarray, dict[int, pa.Array]]:
    rows = np.array(numbers, dtype=np.int64)
    data = {
        position: pa.array([r[k].strip() for r in buffer], pa.string())
        for k, position in enumerate(columns)
    }
    return rows, data


def _cell_text(value) -> str:
    """A cell as text, as a CSV would hold it: dates YYYY-MM-DD (with the time when there is one),
    whole numbers without `.0`, booleans true/false, empty cells ""."""
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


def read_small(path: str | Path) -> tuple[Source, pd.DataFrame]:
    """A small file (a customers or items list) whole: (its source, its rows as text with the
    header's names, and `row` = the file's row numbers). Duplicate header names are kept apart
    by position (the caller reports them)."""
    source = open_source(path)
    positions = list(range(len(source.header)))
    parts = list(source.chunks(positions))
    rows = np.concatenate([r for r, _ in parts]) if parts else np.zeros(0, dtype=np.int64)
    frame = pd.DataFrame(
        {
            i: pd.Series([v for _, part in parts for v in part[i].to_pylist()], dtype=object)
            for i in positions
        }
    )
    frame.attrs["rows"] = rows
    return source, frame


def csv_text(rows: list[list[str]]) -> str:
    """Rows as CSV text (for the full problem report)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()
