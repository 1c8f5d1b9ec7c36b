"""Real exports import as they are (SPEC §2 "Attributes as sold", §7): per-line attributes, column
mapping, the common formats, sane values, and nothing written on any error — on SQLite and on
PostgreSQL. Every expected number is computed by hand in the comments."""

from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy import select

from data.db import make_engine, read_tables
from data.frames import build_frames
from data.importer import SHOWN_PROBLEMS, Options, import_lines, parse_numbers
from data.models import Base
from metrics.filters import Filters
from metrics.kpis import kpis
from metrics.reports import sales_by_channel, sales_by_supplier, sales_by_user


@pytest.fixture
def engine(database_url):
    """A fresh, empty database: a SQLite file, or a database of its own on the PostgreSQL
    server (tests/conftest.py `database_url`)."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every table, in key order: what "nothing changed" compares."""
    with engine.connect() as conn:
        return {
            table.name: conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            for table in Base.metadata.sorted_tables
        }


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def frames_of(engine):
    return build_frames(read_tables(engine))


def by(report, column: str) -> dict[str, float]:
    return {row[column]: round(row["sales_amount"], 2) for _, row in report.iterrows()}


# A small company: item P1 bought from two suppliers, order O2 sold over two channels and by two
# salespeople, O3 a draft, one cancelled line.
LINES = """order_id,order_date,customer_id,item_id,item_name,quantity,unit_price,supplier,channel,salesperson,order_status,line_status
O1,2026-01-05,C1,P1,Pump,2,10.00,Acme,web,SP1,,
O1,2026-01-05,C1,P2,Valve,1,5.00,Bolt,web,SP1,,
O2,2026-01-09,C2,P1,Pump,3,10.00,Zenith,web,SP2,,
O2,2026-01-09,C2,P1,Pump,1,10.00,Zenith,phone,SP1,,
O2,2026-01-09,C2,P2,Valve,4,5.00,Bolt,phone,SP1,,cancelled
O3,2026-01-12,C1,P1,Pump,7,10.00,Acme,web,SP1,draft,
O4,2026-02-01,C2,P1,Pump,1,10.00,,store,,,
"""
# Revenue lines (confirmed order, line neither cancelled nor returned):
#   O1: Pump 2×10 = 20 (Acme, web, SP1); Valve 1×5 = 5 (Bolt, web, SP1)
#   O2: Pump 3×10 = 30 (Zenith, web, SP2); Pump 1×10 = 10 (Zenith, phone, SP1); Valve cancelled
#   O3: draft, not revenue
#   O4: Pump 1×10 = 10, no supplier on the line: the item's latest supplier (Acme: the draft O3
#       on 12 Jan is the latest line that names one), channel store, no salesperson
# Sales Amount = 20 + 5 + 30 + 10 + 10 = 75
# By supplier: Acme 20 + 10 = 30, Bolt 5, Zenith 30 + 10 = 40
# By channel: web 20 + 5 + 30 = 55, phone 10, store 10
# By user (the line's salesperson): SP1 20 + 5 + 10 = 35, SP2 30 (O4 has none: omitted)


def test_imp201_lines_keep_their_own_supplier_channel_and_salesperson(engine, tmp_path):
    result = import_lines(engine, write(tmp_path / "lines.csv", LINES))
    assert result.problems == []
    frames = frames_of(engine)
    assert kpis(frames, Filters()).sales_amount == pytest.approx(75.0)
    assert by(sales_by_supplier(frames, Filters()), "supplier") == {
        "Zenith": 40.0, "Acme": 30.0, "Bolt": 5.0,
    }  # fmt: skip
    assert by(sales_by_channel(frames, Filters()), "channel") == {
        "web": 55.0, "phone": 10.0, "store": 10.0,
    }  # fmt: skip
    assert by(sales_by_user(frames, Filters()), "salesperson") == {"SP1": 35.0, "SP2": 30.0}
    # the filters read the line's own value too
    assert kpis(frames, Filters(suppliers=("Zenith",))).sales_amount == pytest.approx(40.0)
    assert kpis(frames, Filters(channels=("phone",))).sales_amount == pytest.approx(10.0)

    tables = read_tables(engine)
    # items keep the latest value (by order date) for display; orders the most frequent one
    assert tables["items"].set_index("item_id").loc["P1", "supplier"] == "Acme"
    orders = tables["orders"].set_index("order_id")
    assert orders.loc["O2", "channel"] == "phone"  # 2 phone lines, 1 web line
    assert orders.loc["O2", "salesperson"] == "SP1"
    lines = tables["order_lines"].set_index(["order_id", "line_no"])
    assert lines.loc[("O2", 1), ["supplier", "channel", "salesperson"]].tolist() == [
        "Zenith", "web", "SP2",
    ]  # fmt: skip
    assert pd.isna(lines.loc[("O4", 1), "supplier"])  # stored as given: falls back on reading


def test_imp202_commission_events_follow_the_line_salesperson(engine, tmp_path):
    import_lines(engine, write(tmp_path / "lines.csv", LINES))
    events = frames_of(engine).events
    sold = events[events["event"] == "sold"].groupby("salesperson", observed=True)["value"].sum()
    # sold = every line of confirmed orders on the order date, whatever its status:
    # SP1 20 + 5 + 10 + 20 (the cancelled valve) = 55; SP2 30
    assert sold.round(2).to_dict() == {"SP1": 55.0, "SP2": 30.0}


def test_imp203_an_order_with_two_dates_or_customers_is_an_error_naming_both_rows(engine, tmp_path):
    text = LINES.replace("O2,2026-01-09,C2,P1,Pump,1,", "O2,2026-01-10,C3,P1,Pump,1,")
    before = snapshot(engine)
    result = import_lines(engine, write(tmp_path / "lines.csv", text))
    assert result.problems == [
        "lines.csv:5:order_date: order 'O2' has order_date 2026-01-09 on row 4 but 2026-01-10 on "
        "this row (an order's date, customer, status and document type must agree on all its "
        "lines)",
        "lines.csv:5:customer_id: order 'O2' has customer_id 'C2' on row 4 but 'C3' on this row "
        "(an order's date, customer, status and document type must agree on all its lines)",
    ]
    assert snapshot(engine) == before


def test_imp204_a_customer_without_owner_gets_the_salesperson_of_their_latest_order(
    engine, tmp_path
):
    result = import_lines(engine, write(tmp_path / "lines.csv", LINES), dry_run=True)
    # C1's latest order with a salesperson: O3 (12 Jan, SP1); C2's: O2 (9 Jan; O4 has none), whose
    # latest line with one is row 5 (SP1)
    assert "2 customer(s) without an owner get the salesperson of their latest order" in (
        result.notes
    )
    import_lines(engine, write(tmp_path / "lines.csv", LINES))
    owners = read_tables(engine)["customers"].set_index("customer_id")["owner"].to_dict()
    assert owners == {"C1": "SP1", "C2": "SP1"}
    # an owner from a customers file wins, and an owner once set is kept
    customers = write(tmp_path / "customers.csv", "customer_id,name,owner\nC2,Beta,SP2\n")
    result = import_lines(engine, tmp_path / "lines.csv", customers)
    assert result.owners_assigned == 0
    owners = read_tables(engine)["customers"].set_index("customer_id")["owner"].to_dict()
    assert owners == {"C1": "SP1", "C2": "SP2"}


def test_imp205_a_later_import_that_changes_an_items_supplier_leaves_old_lines_as_sold(
    engine, tmp_path
):
    import_lines(engine, write(tmp_path / "lines.csv", LINES))
    # P1's latest supplier becomes Kestrel (a line of 1 March); the lines sold before keep theirs
    later = write(tmp_path / "later.csv", "order_id,order_date,customer_id,item_id,quantity,"
                  "unit_price,supplier\nO9,2026-03-01,C1,P1,1,10.00,Kestrel\n")  # fmt: skip
    assert import_lines(engine, later).problems == []
    assert read_tables(engine)["items"].set_index("item_id").loc["P1", "supplier"] == "Kestrel"
    frames = frames_of(engine)
    # as in imp201 (Acme 30 with O4's fallback as it was: Acme), plus O9 10 for Kestrel
    assert by(sales_by_supplier(frames, Filters()), "supplier") == {
        "Zenith": 40.0, "Acme": 30.0, "Bolt": 5.0, "Kestrel": 10.0,
    }  # fmt: skip


# --- column mapping ----------------------------------------------------------------------------


def test_imp210_unknown_columns_are_ignored_and_listed_or_kept(engine, tmp_path):
    text = (
        "Order ID,ORDER_DATE,customer id,ItemID,quantity,Unit_Price,Ship Mode,Region,"
        "account_balance\n"
        "O1,2026-01-05,C1,P1,2,10.00,Air,North,100\n"
        "O2,2026-01-06,C2,P1,1,10.00,Rail,South,-5\n"
    )
    path = write(tmp_path / "export.csv", text)
    result = import_lines(engine, path, dry_run=True)
    assert result.problems == []
    assert result.ignored == ["Ship Mode", "Region", "account_balance"]
    assert (
        "export.csv: columns ignored (not fields of the order-lines format): Ship Mode, Region, "
        "account_balance" in result.notes
    )
    result = import_lines(engine, path, options=Options(keep_extra=True))
    assert result.kept == ["ship_mode", "region", "account_balance"]
    fields = read_tables(engine)["customer_fields"]
    assert sorted(map(tuple, fields[["customer_id", "field", "value"]].to_numpy())) == [
        ("C1", "account_balance", "100"), ("C1", "region", "North"), ("C1", "ship_mode", "Air"),
        ("C2", "account_balance", "-5"), ("C2", "region", "South"), ("C2", "ship_mode", "Rail"),
    ]  # fmt: skip


def test_imp211_a_mapping_reads_a_file_without_editing_it(engine, tmp_path):
    text = (
        "Invoice,Date,Client,SKU,Qty,Price,Ship Mode,channel\n"
        "O1,2026-01-05,C1,P1,2,10.00,Air,ignored-channel\n"
        "O1,2026-01-05,C1,P2,3,1.50,Rail,ignored-channel\n"
    )
    path = write(tmp_path / "theirs.csv", text)
    before = snapshot(engine)
    refused = import_lines(engine, path)
    assert refused.problems[:2] == [
        "theirs.csv:1:order_id: missing required column (the file's columns are Invoice, Date, "
        "Client, SKU, Qty, Price, Ship Mode, channel; map one of them to order_id)",
        "theirs.csv:1:order_date: missing required column (the file's columns are Invoice, Date, "
        "Client, SKU, Qty, Price, Ship Mode, channel; map one of them to order_date)",
    ]
    assert snapshot(engine) == before
    mapping = (("Invoice", "order_id"), ("Date", "order_date"), ("Client", "customer_id"),
               ("SKU", "item_id"), ("Qty", "quantity"), ("Price", "unit_price"),
               ("Ship Mode", "channel"))  # fmt: skip
    result = import_lines(engine, path, options=Options(mapping=mapping))
    assert result.problems == []
    assert result.ignored == ["channel"]  # the mapped column wins over the same-named one
    frames = frames_of(engine)
    # 2 × 10 + 3 × 1.50 = 24.50; by the mapped channel: Air 20, Rail 4.50
    assert by(sales_by_channel(frames, Filters()), "channel") == {"Air": 20.0, "Rail": 4.5}


def test_imp212_mapping_mistakes_are_explained(engine, tmp_path):
    path = write(tmp_path / "lines.csv", LINES)
    result = import_lines(
        engine, path, options=Options(mapping=(("Qty", "quantity"), ("channel", "chanel")))
    )
    assert result.problems == [
        "lines.csv:1:Qty: the mapping names 'Qty', which is not a column of the file (its "
        "columns: order_id, order_date, customer_id, item_id, item_name, quantity, unit_price, "
        "supplier, channel, salesperson, order_status, line_status)",
        "lines.csv:1:channel: cannot map to 'chanel': not a field; fields are order_id, "
        "order_date, customer_id, item_id, quantity, unit_price, line_amount, customer_name, "
        "item_name, unit_cost, line_cost, cost_non_inv, discount_pct, vat_rate, "
        "prices_include_vat, order_status, line_status, document_type, salesperson, team, "
        "channel, source, device, campaign, category, brand, collection, supplier, department, "
        "product_id, variant, customisation, delivered_on, cancelled_on, returned_on (or "
        "ignore)",
    ]


# --- formats -------------------------------------------------------------------------------------

PLAIN = [
    ["order_id", "order_date", "customer_id", "customer_name", "item_id", "quantity", "unit_price"],
    ["O1", "2026-01-05", "C1", "Café Amélie", "P1", "2", "1234.50"],
    ["O2", "2026-02-13", "C2", "Müller & Söhne", "P2", "1", "0.75"],
]
# Sales Amount = 2 × 1234.50 + 0.75 = 2469.75


def as_text(rows, delimiter=",", convert=lambda column, value: value) -> str:
    header = rows[0]
    body = [[convert(header[i], v) for i, v in enumerate(row)] for row in rows[1:]]
    return "\n".join(delimiter.join(r) for r in [header, *body]) + "\n"


def thousands_comma(column, value):
    return "1,234.50" if value == "1234.50" else value


def decimal_comma(column, value):
    return {"1234.50": "1.234,50", "0.75": "0,75"}.get(value, value)


def day_first(column, value):
    return {"2026-01-05": "05/01/2026", "2026-02-13": "13/02/2026"}.get(value, value)


def month_first(column, value):
    return {"2026-01-05": "01/05/2026", "2026-02-13": "02/13/2026"}.get(value, value)


def with_time(column, value):
    return value + " 13:45" if column == "order_date" else value


FORMATS = {
    # name: (file text, encoding, options, what the preview says it read)
    "comma, UTF-8": (as_text(PLAIN), "utf-8", Options(), "CSV, comma-delimited, UTF-8"),
    "UTF-8 with BOM": (
        "\ufeff" + as_text(PLAIN), "utf-8", Options(), "CSV, comma-delimited, UTF-8 with BOM"
    ),
    "semicolon, decimal comma, Latin-1": (
        as_text(PLAIN, ";", decimal_comma), "cp1252", Options(decimal=","),
        "CSV, semicolon-delimited, Windows-1252 (Latin-1)",
    ),
    "tab, UTF-16": (as_text(PLAIN, "\t"), "utf-16", Options(), "CSV, tab-delimited, UTF-16"),
    "thousands separator": (
        as_text(PLAIN, ";", thousands_comma), "utf-8", Options(), "CSV, semicolon-delimited, UTF-8"
    ),
    "--date-format": (
        as_text(PLAIN, ",", day_first), "utf-8", Options(date_format="%d/%m/%Y"),
        "CSV, comma-delimited, UTF-8",
    ),
    "day first, as the file shows": (
        as_text(PLAIN, ",", day_first), "utf-8", Options(), "CSV, comma-delimited, UTF-8"
    ),
    "month first, as the file shows": (
        as_text(PLAIN, ",", month_first), "utf-8", Options(), "CSV, comma-delimited, UTF-8"
    ),
    "date-times": (as_text(PLAIN, ",", with_time), "utf-8", Options(), "CSV, comma-delimited, UTF-8"),
}  # fmt: skip


@pytest.mark.parametrize("name", FORMATS)
def test_imp220_each_format_reads_to_the_same_rows(name, tmp_path):
    text, encoding, options, described = FORMATS[name]
    engine = make_engine(f"sqlite:///{tmp_path / 'sales.db'}")
    result = import_lines(engine, write(tmp_path / "lines.csv", text, encoding), options=options)
    assert result.problems == []
    assert result.formats == {"lines.csv": described}
    tables = read_tables(engine)
    assert tables["orders"]["order_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2026-01-05", "2026-02-13",
    ]  # fmt: skip
    assert tables["customers"]["name"].tolist() == ["Café Amélie", "Müller & Söhne"]
    assert kpis(build_frames(tables), Filters()).sales_amount == pytest.approx(2469.75)


def test_imp221_xlsx_dates_as_dates_or_as_excel_serial_numbers(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Order ID", "Order Date", "Customer ID", "Item ID", "Quantity", "Unit Price"])
    sheet.append(["O1", date(2026, 1, 5), "C1", "P1", 2, 1234.5])
    sheet.append(["O2", 46066, "C2", "P2", 1, 0.75])  # 46066 days after 1899-12-30: 2026-02-13
    book.save(tmp_path / "lines.xlsx")
    engine = make_engine(f"sqlite:///{tmp_path / 'sales.db'}")
    result = import_lines(engine, tmp_path / "lines.xlsx")
    assert result.problems == []
    assert result.formats == {"lines.xlsx": "Excel workbook (first sheet)"}
    tables = read_tables(engine)
    assert tables["orders"]["order_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2026-01-05", "2026-02-13",
    ]  # fmt: skip
    assert kpis(build_frames(tables), Filters()).sales_amount == pytest.approx(2469.75)


def test_imp222_an_ambiguous_day_month_file_says_so(tmp_path):
    text = as_text(PLAIN, ",", day_first).replace("13/02/2026", "12/02/2026")
    engine = make_engine(f"sqlite:///{tmp_path / 'sales.db'}")
    result = import_lines(engine, write(tmp_path / "lines.csv", text))
    assert result.problems == [
        "lines.csv:1:-: dates such as '05/01/2026' could be day/month or month/day and no date in "
        "the file tells which; give the date format (%d/%m/%Y or %m/%d/%Y)"
    ]


def test_imp223_messages_say_why_a_value_or_a_file_is_refused(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'sales.db'}")
    decimal = import_lines(engine, write(tmp_path / "a.csv", as_text(PLAIN, ";", decimal_comma)))
    assert decimal.problems[0] == (
        "a.csv:2:unit_price: not a number: '1.234,50' (expected a number such as 1234.50 or "
        "1,234.50; for decimal commas (1234,50) set the decimal separator to ',')"
    )
    twice = write(tmp_path / "b.csv", "order_id,order_date,customer_id,item_id,quantity,"
                  "unit_price,Quantity\nO1,2026-01-05,C1,P1,1,2,3\n")  # fmt: skip
    assert import_lines(engine, twice).problems == [
        "b.csv:1:Quantity: the column 'Quantity' appears twice (columns 5 and 7); rename or "
        "remove one"
    ]
    wide = write(tmp_path / "c.csv", "order_id,order_date,customer_id,item_id,quantity,unit_price\n"
                 "O1,2026-01-05,C1,P1,1,2\nO2,2026-01-05,C1,P1,1,2,extra\nO3,2026-01-05,C1,P1,x,2\n")  # fmt: skip
    assert import_lines(engine, wide).problems == [
        "c.csv:3:-: has 7 values but the header has 6 columns (a value holding the delimiter "
        "needs quotes)",
        "c.csv:4:quantity: not a number: 'x' (expected a number such as 1234.50)",
    ]
    header_only = write(
        tmp_path / "d.csv", "order_id,order_date,customer_id,item_id,quantity,unit_price\n"
    )
    assert import_lines(engine, header_only).problems == [
        "d.csv:1:-: the file has a header but no rows"
    ]
    assert import_lines(engine, write(tmp_path / "e.csv", "")).problems == [
        "e.csv:1:-: the file is empty"
    ]


# --- sane values ---------------------------------------------------------------------------------

INSANE = [
    # (column, value, message after "lines.csv:<row>:<column>: ")
    ("quantity", "1e308", "implausible quantity '1e308': it must be smaller than 1,000,000,000 "
     "either way"),
    ("unit_price", "1e308", "implausible amount '1e308': it must be smaller than "
     "1,000,000,000,000 either way"),
    ("unit_price", "inf", "not a finite number: 'inf'"),
    ("unit_price", "NaN", "not a number: 'NaN' (expected a number such as 1234.50)"),
    ("order_date", "9999-12-31", "date out of range: '9999-12-31' (dates must be between "
     "1900-01-01 and 2100-12-31)"),
    ("order_date", "1899-12-31", "date out of range: '1899-12-31' (dates must be between "
     "1900-01-01 and 2100-12-31)"),
    ("order_id", "X" * 5000, "longer than 200 characters (5,000): '" + "X" * 60 + "…'"),
    ("discount_pct", "1.5", "must be a fraction between 0 and 1 (0.2 = 20%), not '1.5'"),
]  # fmt: skip


def test_imp230_each_insane_value_is_refused_with_its_row_and_nothing_is_written(engine, tmp_path):
    import_lines(engine, write(tmp_path / "first.csv", LINES))
    before = snapshot(engine)
    header = "order_id,order_date,customer_id,item_id,quantity,unit_price,discount_pct"
    good = "O{n},2026-03-01,C1,P1,1,10.00,0"
    rows = [good.format(n=n) for n in range(len(INSANE) + 1)]
    columns = header.split(",")
    for i, (column, value, _) in enumerate(INSANE, start=1):
        cells = rows[i].split(",")
        cells[columns.index(column)] = value
        rows[i] = ",".join(cells)
    result = import_lines(engine, write(tmp_path / "lines.csv", "\n".join([header, *rows]) + "\n"))
    assert result.problems == [
        f"lines.csv:{i + 2}:{column}: {message}"
        for i, (column, _, message) in enumerate(INSANE, start=1)
    ]
    assert snapshot(engine) == before


def test_imp231_negative_quantities_import_as_returns_and_are_counted(engine, tmp_path):
    text = LINES + "O5,2026-02-03,C1,P1,Pump,-2,10.00,Acme,web,SP1,,\n"
    result = import_lines(engine, write(tmp_path / "lines.csv", text))
    assert result.problems == [] and result.returns == 1
    assert "1 line(s) with a negative quantity, imported as returns or credit lines" in result.notes
    assert kpis(frames_of(engine), Filters()).sales_amount == pytest.approx(75.0 - 20.0)


def test_imp232_every_problem_is_in_the_full_report_and_nothing_is_written(engine, tmp_path):
    import_lines(engine, write(tmp_path / "first.csv", LINES))
    before = snapshot(engine)
    bad = SHOWN_PROBLEMS + 500
    body = "".join(f"B{n},2026-03-01,C1,P1,many,10\n" for n in range(bad))
    path = write(tmp_path / "big.csv", "order_id,order_date,customer_id,item_id,quantity,"
                 "unit_price\n" + body)  # fmt: skip
    report = tmp_path / "report.txt"
    result = import_lines(engine, path, report_path=report)
    assert result.problem_count == bad
    assert len(result.problems) == SHOWN_PROBLEMS
    lines = report.read_text().splitlines()
    assert len(lines) == bad
    assert lines[-1] == (
        f"big.csv:{bad + 1}:quantity: not a number: 'many' (expected a number such as 1234.50)"
    )
    assert snapshot(engine) == before


def test_imp233_a_good_file_gives_the_same_rows_on_both_databases(engine, tmp_path):
    """The fast write paths (COPY on PostgreSQL, executemany on SQLite) store the same rows."""
    import_lines(engine, write(tmp_path / "lines.csv", LINES))
    reference = make_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    import_lines(reference, tmp_path / "lines.csv")
    mine, theirs = read_tables(engine), read_tables(reference)
    for table in ("orders", "order_lines", "items", "customers", "salespeople"):
        a = mine[table].sort_values(list(mine[table].columns[:2])).reset_index(drop=True)
        b = theirs[table].sort_values(list(theirs[table].columns[:2])).reset_index(drop=True)
        assert a.astype(object).where(a.notna(), None).to_dict("records") == b.astype(object).where(
            b.notna(), None
        ).to_dict("records"), table
    # importing it again changes nothing
    again = import_lines(engine, tmp_path / "lines.csv", dry_run=True)
    assert again.changes["order_lines"] == {"added": 0, "updated": 0, "unchanged": 7, "removed": 0}


# --- the command line and old databases ---------------------------------------------------------


def test_imp250_cli_reads_a_file_as_it_is_with_map_decimal_date_format_and_keep_extra(tmp_path):
    from tests.cli import flask

    url = f"sqlite:///{tmp_path / 'sales.db'}"
    path = write(
        tmp_path / "theirs.csv",
        "Invoice;Date;Client;SKU;Qty;Price;Region\n"
        "X1;05/01/2026;C1;P1;2;1.234,50;North\n"
        "X2;12/02/2026;C2;P2;1;0,75;South\n",
        "cp1252",
    )
    maps = ["--map", "Invoice=order_id", "--map", "Date=order_date", "--map", "Client=customer_id",
            "--map", "SKU=item_id", "--map", "Qty=quantity", "--map", "Price=unit_price"]  # fmt: skip
    ambiguous = flask(url, "import-lines", str(path), *maps, "--decimal", ",")
    assert ambiguous.returncode == 1
    assert "theirs.csv:1:-: dates such as '05/01/2026' could be day/month" in ambiguous.stderr
    result = flask(url, "import-lines", str(path), *maps, "--decimal", ",", "--date-format",
                   "%d/%m/%Y", "--keep-extra")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Note: theirs.csv: read as CSV, semicolon-delimited, UTF-8" in result.stdout
    assert "Note: theirs.csv: kept as customer fields: region" in result.stdout
    engine = make_engine(url)
    tables = read_tables(engine)
    assert tables["orders"]["order_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2026-01-05", "2026-02-12",
    ]  # fmt: skip
    assert kpis(build_frames(tables), Filters()).sales_amount == pytest.approx(2469.75)
    assert tables["customer_fields"]["value"].tolist() == ["North", "South"]
    bad_map = flask(url, "import-lines", str(path), "--map", "Invoice")
    assert bad_map.returncode != 0
    assert "a mapping is written 'Their column=field', not 'Invoice'" in bad_map.stderr
    assert "Traceback" not in bad_map.stderr


def test_imp251_a_database_of_an_earlier_version_is_upgraded_in_place(tmp_path):
    import sqlite3

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # order_lines as an earlier version made it
        conn.execute(
            "CREATE TABLE order_lines (order_id VARCHAR(64) NOT NULL, line_no INTEGER NOT NULL, "
            "item_id VARCHAR(64) NOT NULL, item_name VARCHAR(200), sku VARCHAR(64), quantity FLOAT "
            "NOT NULL, unit_price FLOAT NOT NULL, discount_pct FLOAT NOT NULL, vat_rate FLOAT NOT "
            "NULL, prices_include_vat BOOLEAN NOT NULL, unit_cost FLOAT, cost_non_inv FLOAT NOT "
            "NULL, status VARCHAR(20) NOT NULL, delivered_on DATE, cancelled_on DATE, returned_on "
            "DATE, customisation TEXT, PRIMARY KEY (order_id, line_no))"
        )
        conn.execute(
            "INSERT INTO order_lines VALUES ('O1', 1, 'P1', 'Pump', 'P1', 2, 10, 0, 0, 0, NULL, 0, "
            "'delivered', NULL, NULL, NULL, NULL)"
        )
    engine = make_engine(f"sqlite:///{path}")
    lines = read_tables(engine)["order_lines"]
    assert lines[["order_id", "quantity"]].values.tolist() == [["O1", 2.0]]
    assert lines[["supplier", "channel", "salesperson"]].isna().all().all()


BAD_FILES = {
    # name: (file text, the first problem)
    "header only": ("order_id,order_date,customer_id,item_id,quantity,unit_price\n",
                    "bad.csv:1:-: the file has a header but no rows"),
    "empty": ("", "bad.csv:1:-: the file is empty"),
    "ambiguous dates": ("order_id,order_date,customer_id,item_id,quantity,unit_price\n"
                        "O1,01/02/2026,C1,P1,1,2\n",
                        "bad.csv:1:-: dates such as '01/02/2026' could be day/month or month/day "
                        "and no date in the file tells which; give the date format (%d/%m/%Y or "
                        "%m/%d/%Y)"),
    "duplicate header": ("order_id,order_date,customer_id,item_id,quantity,unit_price,Unit Price\n"
                         "O1,2026-01-05,C1,P1,1,2,3\n",
                         "bad.csv:1:Unit Price: the column 'Unit Price' appears twice (columns 6 "
                         "and 7); rename or remove one"),
    "a row too long": ("order_id,order_date,customer_id,item_id,quantity,unit_price\n"
                       "O1,2026-01-05,C1,P1,1,2,3\n",
                       "bad.csv:2:-: has 7 values but the header has 6 columns (a value holding "
                       "the delimiter needs quotes)"),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD_FILES)
def test_imp260_a_bad_file_changes_nothing(engine, tmp_path, case):
    import_lines(engine, write(tmp_path / "first.csv", LINES))
    before = snapshot(engine)
    text, first = BAD_FILES[case]
    result = import_lines(engine, write(tmp_path / "bad.csv", text))
    assert result.problems[0] == first
    assert snapshot(engine) == before


def test_imp261_a_bad_business_central_export_changes_nothing(engine):
    from data.business_central import import_business_central

    bc = Path(__file__).resolve().parent / "fixtures" / "bc"
    assert import_business_central(engine, bc / "value_entries.csv").problems == []
    before = snapshot(engine)
    result = import_business_central(engine, bc / "bad_value_entries.csv")
    assert result.problem_count == 5
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("texts", "decimal", "numbers", "bad"),
    [
        # plain numbers and blanks: one parse of the distinct texts
        (["12.5", "", "12.5", "+5", "1e3", ".5", "-0.25", "inf"], ".",
         [12.5, None, 12.5, 5.0, 1000.0, 0.5, -0.25, float("inf")], []),
        (["nan", "7", "NaN"], ".", [None, 7.0, None], [0, 2]),  # NaN is not a number
        # one text that is not plain: every text read the slower way, with the same results
        (["1,234.50", "12.5", "", "abc", "nan"], ".", [1234.5, 12.5, None, None, None], [3, 4]),
        (["1.234,50", "12,5", "", "1,2,3"], ",", [1234.5, 12.5, None, None], [3]),
    ],
)  # fmt: skip
def test_imp262_numbers_are_read_alike_whichever_way_they_are_parsed(texts, decimal, numbers, bad):
    values, wrong = parse_numbers(pa.array(texts, pa.string()), decimal)
    expected = [float("nan") if n is None else n for n in numbers]
    assert values.tolist() == pytest.approx(expected, nan_ok=True)
    assert list(wrong.nonzero()[0]) == bad
