"""Admin guard rails: nobody removes the last way to manage users, deactivation asks first, a
manager's team and a salesperson's code come from the data (or are started explicitly), and an
imported customer without an owner gets the salesperson of their latest order. In a real browser,
and over real HTTP for what a crafted request could try."""

import sqlite3

import pytest
from selenium.webdriver.common.by import By

from app import create_dash
from tests.conftest import sign_in, until
from tests.servers import copy_database, threaded
from tests.test_auth import page_callback, signed_in

BUTTONS = ("admin-create", "admin-reset", "admin-activate", "admin-change-role", "admin-deactivate")
FORM = ("admin-username", "admin-role", "admin-salesperson", "admin-new-salesperson", "admin-team",
        "admin-new-team", "admin-password")  # fmt: skip
NEW_LINES = """order_id,order_date,customer_id,customer_name,item_id,quantity,unit_price,salesperson
NEW-1,2026-03-02,NEWC1,Newcomer Ltd,I-NEW,1,100,SP03
NEW-2,2026-05-11,NEWC1,Newcomer Ltd,I-NEW,2,100,SP02
NEW-3,2026-04-20,NEWC1,Newcomer Ltd,I-NEW,1,100,SP04
"""
CENTER = {"block": "center", "behavior": "instant"}
NEW_CUSTOMERS = "customer_id,name,owner\nNEWC1,Newcomer Ltd,\n"


@pytest.fixture
def db(demo_db, tmp_path):
    return copy_database(demo_db, tmp_path)


def sql(db_url: str, query: str, *args) -> list[tuple]:
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
        return conn.execute(query, args).fetchall()


def is_active(db_url: str, username: str) -> bool:
    return bool(sql(db_url, "SELECT active FROM users WHERE username = ?", username)[0][0])


def start(dash_duo, db_url: str) -> None:
    dash_duo.start_server(create_dash({"DATABASE_URL": db_url}), navigate=False)
    sign_in(dash_duo, "admin")
    users = dash_duo.wait_for_element("#admin-username")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView(arguments[1])", users, CENTER)


def click(dash_duo, selector: str) -> None:
    """Click an element scrolled to the middle of the window (at once: Bootstrap's smooth
    scrolling would still be moving it)."""
    element = dash_duo.find_element(selector)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView(arguments[1])", element, CENTER)
    element.click()


def type_name(dash_duo, name: str) -> None:
    box = dash_duo.find_element("#admin-username")
    box.clear()
    box.send_keys(name)


def dialog_open(dash_duo) -> bool:
    return bool(dash_duo.find_elements(".modal.show #admin-deactivate-dialog"))


def options(dash_duo, selector: str) -> list[str]:
    """The texts of a dropdown's options (opened, read, closed again)."""
    click(dash_duo, selector)
    texts = [o.text for o in dash_duo.wait_for_element(".dash-dropdown-options").find_elements(
        By.CSS_SELECTOR, ".dash-dropdown-option")]  # fmt: skip
    dash_duo.find_element(selector).click()
    return texts


def test_adm003_an_admin_cannot_deactivate_themselves_and_deactivation_asks_first(dash_duo, db):
    start(dash_duo, db)
    type_name(dash_duo, "admin")
    click(dash_duo, "#admin-ask-deactivate")
    dash_duo.wait_for_text_to_equal(
        "#admin-user-message", "You cannot deactivate your own account; another admin can."
    )
    assert not dialog_open(dash_duo) and is_active(db, "admin")
    # still signed in and working: the next action is answered, and a reload keeps the session
    type_name(dash_duo, "leader")
    click(dash_duo, "#admin-activate")
    dash_duo.wait_for_text_to_equal("#admin-user-message", "User 'leader' is active already.")
    dash_duo.driver.refresh()
    dash_duo.wait_for_contains_text("#nav-user", "Signed in as admin")

    # a click on a user in the table fills in their name; Deactivate… asks before it acts
    sales_row = dash_duo.wait_for_element(".ag-row[row-index='3'] [col-id='username']")
    assert sales_row.text == "sales"
    grid = dash_duo.find_element("#admin-users-grid")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView(arguments[1])", grid, CENTER)
    sales_row.click()
    until(lambda: dash_duo.find_element("#admin-username").get_attribute("value") == "sales", 10)
    click(dash_duo, "#admin-ask-deactivate")
    dash_duo.wait_for_contains_text(
        "#admin-deactivate-question", "sales is signed out at once, everywhere"
    )
    assert dialog_open(dash_duo) and is_active(db, "sales")
    click(dash_duo, "#admin-deactivate-cancel")
    until(lambda: not dialog_open(dash_duo), 10)
    assert is_active(db, "sales")

    click(dash_duo, "#admin-ask-deactivate")
    until(lambda: dialog_open(dash_duo), 10)
    click(dash_duo, "#admin-deactivate")
    dash_duo.wait_for_text_to_equal("#admin-user-message", "User sales deactivated.")
    until(lambda: not dialog_open(dash_duo), 10)
    assert not is_active(db, "sales")
    # an inactive user can be reactivated from the screen
    click(dash_duo, "#admin-activate")
    dash_duo.wait_for_text_to_equal("#admin-user-message", "User sales can sign in again.")
    assert is_active(db, "sales")
    assert dash_duo.get_logs() == []


def test_adm004_a_managers_team_and_a_salespersons_code_come_from_the_data(dash_duo, db):
    teams = [t for (t,) in sql(db, "SELECT DISTINCT team FROM salespeople ORDER BY team")]
    assert teams == ["East", "North", "South", "West"]
    sp02 = sql(db, "SELECT name FROM salespeople WHERE code = 'SP02'")[0][0]
    codes = sql(db, "SELECT COUNT(*) FROM salespeople")[0][0]
    start(dash_duo, db)
    type_name(dash_duo, "m2")
    dash_duo.find_element("#admin-password").send_keys("manager-two-2")
    dash_duo.select_dcc_dropdown("#admin-role", "manager")
    until(lambda: options(dash_duo, "#admin-team") == [*teams, "New team…"], 10)
    dash_duo.select_dcc_dropdown("#admin-team", "New team…")
    dash_duo.wait_for_contains_text("#admin-user-note", "A new team has no salespeople yet")
    click(dash_duo, "#admin-create")
    dash_duo.wait_for_text_to_equal("#admin-user-message", "Type the new team name.")
    assert sql(db, "SELECT * FROM users WHERE username = 'm2'") == []
    dash_duo.find_element("#admin-new-team").send_keys("Nowhere")
    click(dash_duo, "#admin-create")
    dash_duo.wait_for_text_to_equal(
        "#admin-user-message", "User m2 (manager) created for the new team Nowhere."
    )
    assert sql(db, "SELECT role, team FROM users WHERE username = 'm2'") == [("manager", "Nowhere")]

    type_name(dash_duo, "s2")
    dash_duo.select_dcc_dropdown("#admin-role", "salesperson")
    shown = options(dash_duo, "#admin-salesperson")
    assert (
        len(shown) == codes + 1
        and shown[1] == f"SP02 · {sp02}"
        and shown[-1] == ("New salesperson code…")
    )
    dash_duo.select_dcc_dropdown("#admin-salesperson", f"SP02 · {sp02}")
    click(dash_duo, "#admin-create")
    dash_duo.wait_for_text_to_equal("#admin-user-message", "User s2 (salesperson) created.")
    assert sql(db, "SELECT role, salesperson_code FROM users WHERE username = 's2'") == [
        ("salesperson", "SP02")
    ]
    assert dash_duo.get_logs() == []


def test_adm005_an_imported_customer_without_owner_gets_the_salesperson_of_their_latest_order(
    dash_duo, db, tmp_path
):
    lines, customers = tmp_path / "new_lines.csv", tmp_path / "new_customers.csv"
    lines.write_text(NEW_LINES)
    customers.write_text(NEW_CUSTOMERS)  # the customers file names no owner
    start(dash_duo, db)
    dash_duo.find_element("#admin-upload-customers input[type=file]").send_keys(str(customers))
    dash_duo.find_element("#admin-upload-lines input[type=file]").send_keys(str(lines))
    dash_duo.wait_for_contains_text(
        "#admin-import-report",
        "1 customer(s) without an owner get the salesperson of their latest order",
    )
    assert sql(db, "SELECT * FROM customers WHERE customer_id = 'NEWC1'") == []  # a preview
    until(lambda: dash_duo.find_element("#admin-confirm").is_enabled(), 10)
    click(dash_duo, "#admin-confirm")
    dash_duo.wait_for_contains_text("#admin-import-report", "Imported:")
    # the latest order is NEW-2 (11 May, SP02), not the last row of the file (NEW-3, SP04)
    assert sql(db, "SELECT owner FROM customers WHERE customer_id = 'NEWC1'") == [("SP02",)]
    assert dash_duo.get_logs() == []


# --- over real HTTP: what a crafted request to the users callback gets -------------------------


def press(session, base: str, button: str, **form: str):
    """The Admin screen's users callback as the browser sends it when `button` is pressed, with
    the form's values (`admin_team="North"` for #admin-team)."""
    values = {name.replace("-", "_"): None for name in FORM} | form
    body = {
        "output": "..admin-user-message.children...admin-users-grid.rowData..",
        "outputs": [
            {"id": "admin-user-message", "property": "children"},
            {"id": "admin-users-grid", "property": "rowData"},
        ],  # fmt: skip
        "inputs": [
            {"id": b, "property": "n_clicks", "value": 1 if b == button else None} for b in BUTTONS
        ],  # fmt: skip
        "changedPropIds": [f"{button}.n_clicks"],
        "state": [
            {"id": name, "property": "value", "value": values[name.replace("-", "_")]}
            for name in FORM
        ],  # fmt: skip
    }
    return session.post(f"{base}/_dash-update-component", json=body)


def test_adm006_crafted_requests_cannot_get_round_the_guard_rails(db):
    with threaded(db) as base:
        admin, _ = signed_in(base, "admin")
        # the confirmation's button without the dialog: the server refuses all the same
        myself = press(admin, base, "admin-deactivate", admin_username="admin")
        assert myself.status_code == 200
        assert "You cannot deactivate your own account; another admin can." in myself.text
        demote = press(admin, base, "admin-change-role", admin_username="admin",
                       admin_role="leadership")  # fmt: skip
        assert "You cannot change your own role; another admin can." in demote.text
        nowhere = press(admin, base, "admin-create", admin_username="m9", admin_role="manager",
                        admin_team="Nowhere", admin_password="manager-nine-9")  # fmt: skip
        assert "No team 'Nowhere' in the data (teams: East, North, South, West)" in nowhere.text
        assert sql(db, "SELECT role FROM users WHERE username IN ('admin', 'm9')") == [("admin",)]
        assert is_active(db, "admin")
        assert page_callback(admin, base, "/admin").status_code == 200  # still signed in
        other = press(admin, base, "admin-deactivate", admin_username="leader")
        assert "User leader deactivated." in other.text and not is_active(db, "leader")
