"""Import formats of SPEC §7 beyond the order-lines CSV: XLSX order lines and customers, a Business
Central export, dry-run change counts, and an import killed mid-way."""

import csv
import os
import signal
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from data.business_central import import_business_central
from data.db import make_engine, read_tables
from data.frames import build_frames
from data.importer import import_lines
from metrics.filters import Filters
from metrics.kpis import kpis
from tests.cli import ROOT, dump, flask
from tests.conftest import until

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BC = FIXTURES / "bc"


def to_xlsx(csv_path: Path, xlsx_path: Path, edit=None) -> Path:
    """Write a CSV as a workbook: numbers as numbers, dates as dates (as Excel users have them)."""
    from datetime import date

    book = openpyxl.Workbook()
    sheet = book.active
    with open(csv_path, newline="") as f:
        for i, row in enumerate(csv.reader(f)):
            cells = []
            for value in row:
                cell = value
                if i:
                    try:
                        cell = date.fromisoformat(value) if len(value) == 10 else float(value)
                    except ValueError:
                        cell = value or None
                cells.append(cell)
            sheet.append(cells)
    if edit:
        edit(sheet)
    book.save(xlsx_path)
    return xlsx_path


def totals(url):
    return kpis(build_frames(read_tables(make_engine(url))), Filters()).as_dict()


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'sales.db'}"
    result = flask(url, "init-demo", "--lines", "2000", "--seed", "3", "--end", "2026-06-30")
    assert result.returncode == 0, result.stderr
    return url


# --- 1. XLSX -------------------------------------------------------------------------------


def test_imp101_xlsx_imports_to_the_same_totals_as_the_csv(tmp_path):
    lines = to_xlsx(FIXTURES / "good_lines.csv", tmp_path / "good_lines.xlsx")
    customers = to_xlsx(FIXTURES / "good_customers.csv", tmp_path / "good_customers.xlsx")
    csv_url, xlsx_url = (f"sqlite:///{tmp_path / name}" for name in ("csv.db", "xlsx.db"))
    from_csv = import_lines(
        make_engine(csv_url), FIXTURES / "good_lines.csv", FIXTURES / "good_customers.csv"
    )
    from_xlsx = import_lines(make_engine(xlsx_url), lines, customers)
    assert from_csv.problems == from_xlsx.problems == []
    assert from_xlsx.counts == from_csv.counts
    assert totals(xlsx_url) == totals(csv_url)
    assert totals(xlsx_url)["sales_amount"] == pytest.approx(438.0)  # see test_importer imp003
    assert dump(xlsx_url) == dump(csv_url)  # the very same rows, custom fields included


def test_imp102_xlsx_with_bad_values_lists_them_all_and_changes_nothing(db, tmp_path):
    def spoil(sheet):
        sheet["G2"] = "ten"  # Quantity
        sheet["B3"] = "2026-13-45"  # Order Date (text, not a date)
        sheet["H4"] = "abc"  # Unit Price
        sheet["O5"] = "shipped"  # Order Status
        sheet["L3"] = "maybe"  # Prices Include VAT

    path = to_xlsx(FIXTURES / "good_lines.csv", tmp_path / "bad.xlsx", spoil)
    before = dump(db)
    result = flask(db, "import-lines", str(path))
    assert result.returncode != 0
    problems = [line for line in result.stderr.splitlines() if line.startswith("bad.xlsx:")]
    assert problems == [
        "bad.xlsx:2:Quantity: not a number: 'ten' (expected a number such as 1234.50)",
        "bad.xlsx:3:Order Date: not a date: '2026-13-45' (expected YYYY-MM-DD, or give the date "
        "format)",
        "bad.xlsx:3:Prices Include VAT: unknown value 'maybe' (use true or false, yes or no)",
        "bad.xlsx:4:Unit Price: not a number: 'abc' (expected a number such as 1234.50)",
        "bad.xlsx:5:Order Status: unknown value 'shipped' (use one of draft, quote, confirmed, "
        "abandoned)",
    ]
    assert dump(db) == before


def test_imp103_a_file_that_is_not_a_workbook_is_a_problem(tmp_path):
    path = tmp_path / "lines.xlsx"
    path.write_text("order_id\nSO1\n")
    result = import_lines(make_engine(f"sqlite:///{tmp_path / 's.db'}"), path)
    assert len(result.problems) == 1
    assert result.problems[0].startswith("lines.xlsx:1:-: cannot read the file: not an Excel")


# --- 2. Business Central -------------------------------------------------------------------

BC_FILES = dict(
    customers=BC / "customers.csv", items=BC / "items.csv", salespeople=BC / "salespeople.csv"
)


def test_bc001_kpis_equal_a_hand_computation_credit_memo_included(tmp_path):
    url = f"sqlite:///{tmp_path / 'bc.db'}"
    result = import_business_central(make_engine(url), BC / "value_entries.csv", **BC_FILES)
    assert result.problems == []
    assert result.counts == {
        "salespeople": 2, "customers": 2, "items": 4, "orders": 3, "order_lines": 6,
    }  # fmt: skip
    assert (
        "value_entries.csv: 1 value entries left out (shipments, return receipts or not a sale: "
        "no actual amounts)"
    ) in result.notes
    # Hand computation from tests/fixtures/bc/value_entries.csv (BC signs: sales are negative
    # quantities and negative costs; a credit memo has the opposite signs):
    #   invoice 103001 (customer 10000): 1896-S 2 × desk 2000.00, cost 1561.40
    #                                    1900-S 4 chairs 771.20, cost 601.60, + 20.00 freight
    #                                          (item charge entry: Cost Amount (Non-Invtbl.) −20)
    #                                    SERVICE 3 h 150.00, no cost (blank Cost Amount)
    #   invoice 103002 (customer 20000): 1906-S 5 × 1407.00, cost 1097.50
    #                                    1900-S 2 × 385.60, cost 300.80
    #   credit memo 104001 (10000):      1896-S 1 desk back: −1000.00, cost −780.70
    #   shipment 102001: no actual amounts, left out
    # Sales Amount = 2000 + 771.20 + 150 + 1407 + 385.60 − 1000            = 3713.80
    # Sales Quantity = 2 + 4 + 3 + 5 + 2 − 1                                = 15
    # Cost Amount (lines with a cost) = 1561.40 + 601.60 + 1097.50 + 300.80 − 780.70 = 2780.60
    # Cost Amount Non-Inv = 20.00
    # Sales of lines with a cost = 3713.80 − 150                            = 3563.80
    # Gross Profit = 3563.80 − 2780.60 − 20.00                              = 763.20
    # margin = 763.20 / 3563.80; cost coverage = 3563.80 / 3713.80
    got = totals(url)
    expected = {
        "sales_amount": 3713.80,
        "sales_quantity": 15.0,
        "cost_amount": 2780.60,
        "cost_amount_non_inv": 20.0,
        "gross_profit": 763.20,
        "gross_profit_margin": 763.20 / 3563.80,
        "cost_coverage": 3563.80 / 3713.80,
    }
    assert {k: got[k] for k in expected} == {k: pytest.approx(v) for k, v in expected.items()}
    tables = read_tables(make_engine(url))
    customers = tables["customers"].set_index("customer_id")
    assert customers.loc["10000", ["name", "city", "country", "customer_group", "owner"]].tolist() == [
        "Adatum Corporation", "Cambridge", "GB", "RETAIL", "JR",
    ]  # fmt: skip
    assert customers.loc["20000", "customer_group"] == "DOMESTIC"  # no price group: posting group
    items = tables["items"].set_index("item_id")
    assert items.loc["1906-S", ["category", "supplier", "item_type"]].tolist() == [
        "FURNITURE", "40000", "inventory",
    ]  # fmt: skip
    assert items.loc["SERVICE", "item_type"] == "service"
    assert tables["salespeople"].set_index("code")["commission_rate"].to_dict() == {
        "JR": pytest.approx(0.05), "PH": pytest.approx(0.035),
    }  # fmt: skip


def test_bc002_value_entries_as_xlsx_give_the_same_kpis(tmp_path):
    xlsx = to_xlsx(BC / "value_entries.csv", tmp_path / "Value Entries.xlsx")
    url = f"sqlite:///{tmp_path / 'bc.db'}"
    result = import_business_central(make_engine(url), xlsx, **BC_FILES)
    assert result.problems == []
    assert totals(url)["sales_amount"] == pytest.approx(3713.80)
    assert totals(url)["gross_profit"] == pytest.approx(763.20)


def test_bc003_cli_imports_reimport_changes_nothing_and_bad_file_changes_nothing(db):
    args = ["import-bc", str(BC / "value_entries.csv"), "--customers", str(BC / "customers.csv"),
            "--items", str(BC / "items.csv"), "--salespeople", str(BC / "salespeople.csv")]  # fmt: skip
    dry = flask(db, *args, "--replace", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "  orders: 3 added, 0 updated, 0 unchanged, " in dry.stdout  # the demo's go: removed
    result = flask(db, *args, "--replace")
    assert result.returncode == 0, result.stderr
    assert "value entries left out" in result.stdout
    (kpis_row,) = csv.DictReader(
        flask(db, "export", "kpis", "--headers", "fields").stdout.splitlines()
    )
    assert float(kpis_row["sales_amount"]) == pytest.approx(3713.80)
    assert float(kpis_row["gross_profit"]) == pytest.approx(763.20)
    once = dump(db)
    again = flask(db, *args)
    assert again.returncode == 0, again.stderr
    assert "  orders: 0 added, 0 updated, 3 unchanged\n" in again.stdout
    assert dump(db) == once

    bad = flask(db, "import-bc", str(BC / "bad_value_entries.csv"))
    assert bad.returncode != 0
    assert [p for p in bad.stderr.splitlines() if p.startswith("bad_value_entries.csv:")] == [
        "bad_value_entries.csv:2:Invoiced Quantity: not a number: 'minus two'",
        "bad_value_entries.csv:3:Posting Date: not a date: '2026-02-30' (expected YYYY-MM-DD, or "
        "give the date format)",
        "bad_value_entries.csv:4:Document Type: unknown value 'Sales Order' (use Sales Invoice "
        "or Sales Credit Memo; shipments and return receipts are left out)",
        "bad_value_entries.csv:5:Cost Amount (Actual): not a number: 'n/a'",
        "bad_value_entries.csv:6:Document No.: required value is empty",
    ]
    assert dump(db) == once


def test_bc004_a_document_must_agree_on_its_customer_and_date(tmp_path):
    path = tmp_path / "ve.csv"
    path.write_text(
        "Posting Date,Document Type,Document No.,Item No.,Source No.,Invoiced Quantity,"
        "Sales Amount (Actual),Cost Amount (Actual)\n"
        "2026-01-15,Sales Invoice,103001,A,10000,-1,10,-5\n"
        "2026-01-16,Sales Invoice,103001,B,20000,-1,10,-5\n"
    )
    result = import_business_central(make_engine(f"sqlite:///{tmp_path / 's.db'}"), path)
    assert result.problems == [
        "ve.csv:3:Posting Date: Document No. '103001' has Posting Date 2026-01-15 on row 2 but "
        "2026-01-16 on this row (a document's date, customer and type must agree on all its "
        "entries)",
        "ve.csv:3:Source No.: Document No. '103001' has Source No. '10000' on row 2 but '20000' "
        "on this row (a document's date, customer and type must agree on all its entries)",
    ]


# --- 3. Dry-run change counts --------------------------------------------------------------


def test_imp104_dry_run_reports_rows_added_and_updated_per_table(db, tmp_path):
    lines = FIXTURES / "good_lines.csv"
    first = flask(db, "import-lines", str(lines), "--dry-run")
    assert first.returncode == 0, first.stderr
    assert "  orders: 5 added, 0 updated, 0 unchanged\n" in first.stdout
    assert "  order_lines: 6 added, 0 updated, 0 unchanged\n" in first.stdout
    assert flask(db, "import-lines", str(lines)).returncode == 0
    before = dump(db)
    changed = tmp_path / "changed.csv"
    text = lines.read_text().splitlines()
    # SO3's price changes, SO5 loses nothing, a new order SO9 with one line
    text = [t.replace("SO3,2026-02-14,C2,Beta plc,I3,Service call,1,150.00", "SO3,2026-02-14,C2,"
                      "Beta plc,I3,Service call,1,155.00") for t in text]  # fmt: skip
    text.append("SO9,2026-03-09,C3,Gamma Co,I1,Widget,1,12.00,,,,,5.00,,,,SP2,South,web,Tools")
    changed.write_text("\n".join(text) + "\n")
    dry = flask(db, "import-lines", str(changed), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "  orders: 1 added, 0 updated, 5 unchanged\n" in dry.stdout
    assert "  order_lines: 1 added, 1 updated, 5 unchanged\n" in dry.stdout
    assert "  customers: 0 added, 0 updated, 3 unchanged\n" in dry.stdout
    assert dump(db) == before
    # lines an order no longer has are counted as removed
    shorter = tmp_path / "shorter.csv"
    shorter.write_text("\n".join(lines.read_text().splitlines()[:2]) + "\n")
    dry = flask(db, "import-lines", str(shorter), "--dry-run")
    assert "  order_lines: 0 added, 0 updated, 1 unchanged, 1 removed\n" in dry.stdout
    assert dump(db) == before


# --- 4. Interrupted import -----------------------------------------------------------------


def test_imp105_an_import_killed_mid_way_leaves_the_database_as_before(db, tmp_path):
    big = tmp_path / "big.csv"
    with open(big, "w") as f:
        f.write("order_id,order_date,customer_id,item_id,quantity,unit_price,unit_cost\n")
        for i in range(200_000):
            o = i // 4  # four lines an order
            f.write(f"K{o},2026-0{1 + o % 6}-1{o % 10},KC{o % 997},KI{i % 311},"
                    f"{1 + i % 5},{10 + i % 17}.5,{4 + i % 7}.25\n")  # fmt: skip
    before = dump(db)
    wal = Path(db.removeprefix("sqlite:///") + "-wal")
    start_size = wal.stat().st_size if wal.exists() else 0
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "import-lines", str(big)],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": db},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        # wait until it is writing the lines (the write-ahead log grows), or it has stopped
        until(
            lambda: (
                process.poll() is not None
                or (wal.exists() and wal.stat().st_size > start_size + 4_000_000)
            ),
            timeout=120,
            poll=0.01,
        )
        assert process.poll() is None, "the import finished before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    assert dump(db) == before
    assert flask(db, "export", "kpis", "--headers", "fields").returncode == 0  # and it still works
