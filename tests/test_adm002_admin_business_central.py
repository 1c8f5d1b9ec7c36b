"""Browser tests of the Admin imports: a Business Central export with its preview, and an order-
lines file read through the mapping step, with the full problem report to download."""

from datetime import date
from pathlib import Path

from selenium.common.exceptions import (
    ElementClickInterceptedException,
    StaleElementReferenceException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from app import create_dash
from data.db import make_engine, read_tables, write_tables
from data.demo import generate
from data.users import add_demo_users
from layouts.formatting import money
from metrics.filters import Filters
from metrics.kpis import kpis
from tests.conftest import sign_in, until

BC = Path(__file__).resolve().parent / "fixtures" / "bc"
WAIT = 60  # seconds: a check or an import runs on a shared, busy machine


def click(dash_duo, selector: str) -> None:
    """Click an element after scrolling it to the middle of the window (not under the navbar)."""
    element = dash_duo.find_element(selector)
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element
    )
    element.click()


def choose(dash_duo, selector: str, value: str) -> bool:
    """Pick an option of a dropdown scrolled to the middle of the window; False when the page
    moved under the pointer (a check re-rendering the report below), so that it is tried again."""
    box = dash_duo.find_element(selector)
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", box
    )
    try:
        dash_duo.select_dcc_dropdown(box, value)
    except (ElementClickInterceptedException, StaleElementReferenceException):
        return False
    return True


def start(dash_duo, tmp_path):
    url = f"sqlite:///{tmp_path / 'sales.db'}"
    engine = make_engine(url)
    write_tables(engine, generate(lines=3_000, seed=5, end=date(2026, 6, 30)), replace=True)
    add_demo_users(engine)
    app = create_dash({"DATABASE_URL": url})
    dash_duo.start_server(app, navigate=False)
    sign_in(dash_duo, "admin")
    return app.server.extensions["sales_store"], engine


def test_adm002_business_central_export_imports_after_its_preview(dash_duo, tmp_path):
    store, engine = start(dash_duo, tmp_path)
    before = kpis(store.frames(), Filters()).sales_amount
    for box, name in (("value-entries", "value_entries.csv"), ("customers", "customers.csv"),
                      ("items", "items.csv"), ("salespeople", "salespeople.csv")):  # fmt: skip
        dash_duo.find_element(f"#admin-bc-{box} input[type=file]").send_keys(str(BC / name))
        dash_duo.wait_for_contains_text(
            "#admin-bc-report", name, timeout=WAIT
        )  # the preview names each file

    dash_duo.wait_for_contains_text("#admin-bc-report", "No problems found", timeout=WAIT)
    preview = dash_duo.find_element("#admin-bc-report").text
    assert "orders: 3 added, 0 updated, 0 unchanged" in preview
    assert "order_lines: 6 added, 0 updated, 0 unchanged" in preview
    assert "value_entries.csv: read as CSV, comma-delimited, UTF-8" in preview
    assert "1 value entries left out" in preview
    assert kpis(store.frames(), Filters()).sales_amount == before  # a preview writes nothing

    until(lambda: dash_duo.find_element("#admin-bc-confirm").is_enabled(), timeout=WAIT)
    click(dash_duo, "#admin-bc-confirm")
    dash_duo.wait_for_contains_text("#admin-bc-report", "Imported:", timeout=WAIT)
    # the hand-computed Sales Amount of the export (tests/test_import_formats.py bc001): 3713.80
    after = kpis(store.frames(), Filters()).sales_amount
    assert round(after - before, 2) == 3713.80
    owners = read_tables(engine)["customers"].set_index("customer_id")["owner"]
    assert owners["10000"] == "JR"  # from the Customers list

    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/?from=2023-01-01&to=2026-12-31")
    dash_duo.wait_for_text_to_equal(".kpi-sales_amount .kpi-value", money(after), timeout=WAIT)
    assert dash_duo.get_logs() == []


def test_adm003_a_file_is_read_through_the_mapping_step(dash_duo, tmp_path):
    store, _ = start(dash_duo, tmp_path)
    before = kpis(store.frames(), Filters()).sales_amount
    path = tmp_path / "theirs.csv"
    path.write_text(
        "Invoice;Date;Client;SKU;Qty;Price;Ship Mode\n"
        "X1;05/01/2026;C00001;SKU-0001-0;2;1.234,50;Air\n"
        "X2;13/02/2026;C00002;SKU-0001-0;1;0,75;Rail\n",
        encoding="cp1252",
    )
    dash_duo.find_element("#admin-upload-lines input[type=file]").send_keys(str(path))
    dash_duo.wait_for_contains_text("#admin-import-report", "missing required column", timeout=WAIT)
    report = dash_duo.find_element("#admin-import-report").text
    assert "theirs.csv: read as CSV, semicolon-delimited, UTF-8" in report

    # map each column in the mapping step, beside the file's own names
    table = dash_duo.find_element(".admin-mapping-table")
    assert [c.text for c in table.find_elements(By.CSS_SELECTOR, "tbody tr td:first-child")] == [
        "Invoice", "Date", "Client", "SKU", "Qty", "Price", "Ship Mode",
    ]  # fmt: skip
    for i, field in enumerate(("order_id", "order_date", "customer_id", "item_id", "quantity",
                               "unit_price", "channel")):  # fmt: skip
        until(lambda i=i, field=field: choose(dash_duo, f".admin-map-{i}", field), timeout=WAIT)
        dash_duo.wait_for_text_to_equal(f".admin-map-{i} .dash-dropdown-value", field, timeout=WAIT)
    dash_duo.wait_for_contains_text(
        "#admin-import-report", "not a number: '1.234,50'", timeout=WAIT
    )
    assert "Download the full report" in dash_duo.find_element("#admin-import-report").text

    Select(dash_duo.find_element("#admin-decimal")).select_by_value(",")  # decimal comma
    dash_duo.wait_for_contains_text("#admin-import-report", "No problems found", timeout=WAIT)
    assert "dates read day first (DD/MM/YYYY)" in dash_duo.find_element("#admin-import-report").text
    until(lambda: dash_duo.find_element("#admin-confirm").is_enabled(), timeout=WAIT)
    click(dash_duo, "#admin-confirm")
    dash_duo.wait_for_contains_text("#admin-import-report", "Imported:", timeout=WAIT)
    # 2 × 1234.50 + 0.75 = 2469.75
    assert round(kpis(store.frames(), Filters()).sales_amount - before, 2) == 2469.75
    assert dash_duo.get_logs() == []
