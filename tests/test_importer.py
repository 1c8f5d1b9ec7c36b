"""The import-lines and export commands, run as a user runs them, against a real SQLite file."""

import csv
import io
from pathlib import Path

import pytest

from tests.cli import dump, flask

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def export_rows(db_url, *args):
    result = flask(db_url, "export", "--headers", "fields", *args)
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'sales.db'}"
    result = flask(url, "init-demo", "--lines", "2000", "--seed", "3", "--end", "2026-06-30")
    assert result.returncode == 0, result.stderr
    return url


def test_imp001_bad_rows_import_nothing_and_are_all_listed(db):
    before = dump(db)
    result = flask(db, "import-lines", str(FIXTURES / "bad_lines.csv"))
    assert result.returncode != 0
    problems = [line for line in result.stderr.splitlines() if line.startswith("bad_lines.csv:")]
    assert problems == [
        "bad_lines.csv:2:quantity: not a number: 'ten' (expected a number such as 1234.50)",
        "bad_lines.csv:3:order_date: not a date: '2026-13-45' (expected YYYY-MM-DD, or give the "
        "date format)",
        "bad_lines.csv:4:order_status: unknown value 'shipped' (use one of draft, quote, "
        "confirmed, abandoned)",
        "bad_lines.csv:5:unit_price: not a number: 'abc' (expected a number such as 1234.50)",
    ]
    assert dump(db) == before


def test_imp002_missing_required_column_imports_nothing(db):
    before = dump(db)
    result = flask(db, "import-lines", str(FIXTURES / "missing_column.csv"))
    assert result.returncode != 0
    assert (
        "missing_column.csv:1:customer_id: missing required column (the file's columns are "
        "order_id, order_date, item_id, quantity, unit_price; map one of them to customer_id)"
    ) in result.stderr
    assert dump(db) == before


def test_imp003_good_file_round_trips_to_hand_computed_totals(db):
    result = flask(
        db, "import-lines", str(FIXTURES / "good_lines.csv"),
        "--customers", str(FIXTURES / "good_customers.csv"), "--replace",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (kpis,) = export_rows(db, "kpis")
    # Hand computation (see the fixture): SO1 10×12 less 10% = 108 and 2×60 incl. 20% VAT = 100;
    # SO2 cancelled; SO3 150 without cost; SO4 a draft; SO5 line amount 80, line cost 48.
    expected = {
        "sales_amount": 438.0,
        "sales_quantity": 17.0,
        "cost_amount": 138.0,  # 10×5 + 2×20 + 48
        "cost_amount_non_inv": 0.0,
        "gross_profit": 150.0,  # (108 + 100 + 80) − 138
        "gross_profit_margin": 150 / 288,
        "cost_coverage": 288 / 438,
        "confirmed_order_amount": 438.0,
        "total_customers": 4.0,  # C4 has no orders yet
        "active_customers": 3.0,
        "average_reorder_days": 11.0,  # C2: 3 Feb → 14 Feb
    }
    assert {k: pytest.approx(float(v), abs=1e-6) for k, v in kpis.items()} == expected

    board = {row["customer_id"]: row for row in export_rows(db, "leaderboard")}
    assert list(board) == ["C1", "C2", "C3", "C4"]  # 208, 150, 80, 0
    c1 = board["C1"]
    assert (c1["total_order_count"], c1["confirmed_order_count"]) == ("2", "1")
    assert float(c1["total_order_amount"]) == pytest.approx(358.0)  # 208 + the 150 draft
    assert float(c1["draft_order_amount"]) == pytest.approx(150.0)
    assert c1["last_order"] == "2026-01-10"
    assert c1["days_since_last_order"] == "54"  # to 5 March, the last order in the data
    assert board["C2"]["gross_profit"] == ""  # no cost known: Unknown, not 0
    assert board["C4"]["status"] == "Inactive" and board["C4"]["last_order"] == ""

    march = export_rows(db, "kpis", "--from", "2026-03-01", "--to", "2026-03-31")[0]
    assert float(march["sales_amount"]) == pytest.approx(80.0)


def test_imp004_same_file_again_changes_nothing_and_dry_run_writes_nothing(db):
    args = ["import-lines", str(FIXTURES / "good_lines.csv"),
            "--customers", str(FIXTURES / "good_customers.csv")]  # fmt: skip
    assert flask(db, *args).returncode == 0
    once = dump(db)
    assert flask(db, *args).returncode == 0
    assert dump(db) == once
    dry = flask(db, *args, "--replace", "--dry-run")
    assert dry.returncode == 0 and dry.stdout.startswith("Would import")
    assert dump(db) == once


def test_imp005_export_refuses_a_reversed_period(db):
    result = flask(
        db, "export", "kpis", "--headers", "fields", "--from", "2026-03-02", "--to", "2026-03-01"
    )
    assert result.returncode != 0
    assert "starts" in result.stderr and "Traceback" not in result.stderr


def test_imp006_last_import_is_recorded(db):
    from data.db import make_engine
    from data.importer import last_import

    assert last_import(make_engine(db)) is None
    assert flask(db, "import-lines", str(FIXTURES / "good_lines.csv")).returncode == 0
    assert last_import(make_engine(db)).endswith("UTC · 6 order lines")
