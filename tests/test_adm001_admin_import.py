"""Browser test of the Admin import: a file with errors changes nothing; a good one shows up."""

from datetime import date
from pathlib import Path

from app import create_dash
from data.db import make_engine, write_tables
from data.demo import generate
from data.users import add_demo_users
from layouts.formatting import money
from metrics.filters import Filters
from metrics.kpis import kpis
from tests.conftest import sign_in, until

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_adm001_bad_file_changes_nothing_then_a_good_file_moves_the_totals(dash_duo, tmp_path):
    url = f"sqlite:///{tmp_path / 'sales.db'}"
    engine = make_engine(url)
    write_tables(engine, generate(lines=5_000, seed=5, end=date(2026, 6, 30)), replace=True)
    add_demo_users(engine)
    app = create_dash({"DATABASE_URL": url})
    dash_duo.start_server(app, navigate=False)
    sign_in(dash_duo, "admin")
    store = app.server.extensions["sales_store"]
    before = kpis(store.frames(), Filters()).sales_amount

    upload = dash_duo.find_element("#admin-upload-lines input[type=file]")
    upload.send_keys(str(FIXTURES / "bad_lines.csv"))
    dash_duo.wait_for_contains_text("#admin-import-report", "Nothing was imported: 4 problem(s)")
    report = dash_duo.find_element("#admin-import-report").text
    assert "bad_lines.csv:2:quantity: not a number: 'ten'" in report
    assert "bad_lines.csv:5:unit_price: not a number: 'abc'" in report
    assert not dash_duo.find_element("#admin-confirm").is_enabled()
    assert kpis(store.frames(), Filters()).sales_amount == before

    upload = dash_duo.find_element("#admin-upload-lines input[type=file]")
    upload.send_keys(str(FIXTURES / "good_lines.csv"))
    dash_duo.wait_for_contains_text("#admin-import-report", "No problems found")
    until(lambda: dash_duo.find_element("#admin-confirm").is_enabled(), timeout=10)
    dash_duo.find_element("#admin-confirm").click()
    dash_duo.wait_for_contains_text("#admin-import-report", "Imported:")
    after = kpis(store.frames(), Filters()).sales_amount
    assert after == before + 438.0  # the good file's hand-computed Sales Amount (test_importer)

    # the Overview, over all data, shows the new total
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/?from=2023-01-01&to=2026-12-31")
    dash_duo.wait_for_text_to_equal(".kpi-sales_amount .kpi-value", money(after))
    assert dash_duo.get_logs() == []
