"""Every list a user sees comes from their scope only (SPEC §6), over real HTTP: values planted
with plain SQL on a customer outside the salesperson's and the manager's scope (channel, source,
device, category, brand, collection, supplier, department, customisation, custom field value and
name, salesperson, team, customer name) appear nowhere in their filter options, customer
searches, matrix columns, reports or exports, while the same kinds planted in scope do; with
SALES_ENGINE=frames and with sql (the lists read from the database: data.lists), on the screens
each serves."""

from __future__ import annotations

import sqlite3

import pytest

from tests.servers import copy_database, threaded
from tests.test_auth import callback, page_callback, signed_in, text_of

PLANTED = "Zed"  # every planted out-of-scope value holds this word; nothing else in the demo does
OWN = "Yew"  # the in-scope values: they must show, so that the test can tell


@pytest.fixture(scope="module", params=["frames", "sql"])
def planted(demo_db, tmp_path_factory, request):
    """(base URL, out-of-scope customer ID, in-scope customer ID, SALES_ENGINE) of the app on a
    demo copy with the planted values."""
    db_url = copy_database(demo_db, tmp_path_factory.mktemp("planted"))
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
        assert not conn.execute(
            "SELECT 1 FROM customers WHERE name LIKE ? OR name LIKE ?", (f"%{PLANTED}%", f"%{OWN}%")
        ).fetchall()
        other = conn.execute(
            "SELECT c.customer_id FROM customers c JOIN salespeople s ON s.code = c.owner "
            "WHERE s.team <> 'North' ORDER BY c.customer_id LIMIT 1"
        ).fetchone()[0]
        mine = conn.execute(
            "SELECT customer_id FROM customers WHERE owner = 'SP01' ORDER BY customer_id LIMIT 1"
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO salespeople (code, name, team, commission_rate, commission_basis) "
            "VALUES ('SPZED', 'Person Zed', 'Team Zed', 0.1, 'items_sold')"
        )
        conn.execute(
            "UPDATE customers SET name = 'Customer Zed', owner = 'SPZED' WHERE customer_id = ?",
            (other,),
        )
        for customer, word, order, item in ((other, PLANTED, "O-ZED", "I-ZED"),
                                            (mine, OWN, "O-YEW", "I-YEW")):  # fmt: skip
            conn.execute(
                "INSERT INTO customer_fields (customer_id, field, value) VALUES (?, 'tier', ?)"
                " ON CONFLICT (customer_id, field) DO UPDATE SET value = excluded.value",
                (customer, f"Tier {word}"),
            )
            conn.execute(
                "INSERT INTO customer_fields (customer_id, field, value) VALUES (?, ?, 'x')",
                (customer, f"field_{word.lower()}"),
            )
            conn.execute(
                "INSERT INTO items (item_id, product_id, name, category, brand, collection,"
                " supplier, department, item_type, made_to_order)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'inventory', 1)",
                (item, item, f"Item {word}", f"Category {word}", f"Brand {word}",
                 f"Collection {word}", f"Supplier {word}", f"Department {word}"),
            )  # fmt: skip
            conn.execute(
                "INSERT INTO orders (order_id, document_type, status, order_date, customer_id,"
                " salesperson, channel, source, device, campaign)"
                " VALUES (?, 'invoice', 'confirmed', '2026-06-01', ?, ?, ?, ?, ?, ?)",
                (order, customer, "SPZED" if word == PLANTED else "SP01", f"Channel {word}",
                 f"Source {word}", f"Device {word}", f"Campaign {word}"),
            )  # fmt: skip
            conn.execute(
                "INSERT INTO order_lines (order_id, line_no, item_id, item_name, sku, quantity,"
                " unit_price, discount_pct, vat_rate, prices_include_vat, unit_cost,"
                " cost_non_inv, status, customisation)"
                " VALUES (?, 1, ?, ?, ?, 2, 50, 0, 0, 0, 10, 0, 'delivered', ?)",
                (order, item, f"Item {word}", item, f"Engraving {word}"),
            )
    with threaded(db_url, SALES_ENGINE=request.param) as base:
        yield base, other, mine, request.param


PERIOD = "?from=2023-01-01&to=2026-12-31"


def everything_seen(base: str, username: str, landing: str, mine: str) -> dict[str, str]:
    """What `username` is shown, by source: the screens (with their filter bars), the customer
    searches, the matrix by category, and the exports (on either engine: a SALES_ENGINE=sql
    server serves them all)."""
    session, _ = signed_in(base, username)
    seen = {}
    for path in (landing, "/sales-by-customer", "/leaderboard", f"/customers/{mine}",
                 "/reports/sales-by-channel", "/reports/sales-by-brand",
                 "/reports/sales-by-user", "/reports/made-to-order"):  # fmt: skip
        response = page_callback(session, base, path, PERIOD)
        assert response.status_code == 200, path
        seen[path] = text_of(response)
    values = '{"key":"customer","type":"filter-values"}'
    for word in (PLANTED, OWN, "Customer"):
        response = callback(
            session, base, [(values, "options")], [(values, "search_value", word)],
            [(values, "value", [])],
        )  # fmt: skip
        seen[f"filter search {word}"] = text_of(response) if response.status_code == 200 else ""
        response = callback(session, base, [("nav-search", "options")],
                            [("nav-search", "search_value", word)])  # fmt: skip
        seen[f"navbar search {word}"] = text_of(response) if response.status_code == 200 else ""
    matrix = callback(
        session, base,
        [("sbc-bar", "figure"), ("sbc-matrix-rows", "data"), ("sbc-matrix", "columnDefs"),
         ("sbc-matrix", "columnState"), ("sbc-matrix", "filterModel"), ("sbc-empty", "children")],
        [("view", "data", PERIOD + "&matrix=categories"), ("sbc-expanded", "data", [mine])],
        [("view-grid", "data", PERIOD + "&matrix=categories"), ("sbc-matrix", "columnDefs", None),
         ("sbc-matrix", "columnState", None), ("sbc-matrix", "filterModel", None)],
    )  # fmt: skip
    assert matrix.status_code == 200
    seen["matrix by category"] = text_of(matrix)
    for report in ("leaderboard", "sales-by-customer", "sales-by-channel", "sales-by-category",
                   "sales-by-brand", "sales-by-collection", "sales-by-supplier",
                   "sales-by-department", "sales-by-user", "sell-through", "made-to-order"):  # fmt: skip
        response = session.get(f"{base}/export/{report}.csv{PERIOD}")
        assert response.status_code == 200, report
        seen[f"{report}.csv"] = response.text
    return seen


@pytest.mark.parametrize("username,landing", [("sales", "/my-customers"), ("manager", "/team")])
def test_scl001_nothing_planted_out_of_scope_reaches_a_list(planted, username, landing):
    base, _, mine, _ = planted
    seen = everything_seen(base, username, landing, mine)
    leaks = [source for source, text in seen.items() if PLANTED in text]
    assert leaks == []
    # the same kinds of value in scope do show, where each belongs
    bar = seen["/sales-by-customer"]
    for value in ("Channel Yew", "Source Yew", "Device Yew", "Category Yew", "Brand Yew",
                  "Collection Yew", "Supplier Yew", "Department Yew", "Tier Yew"):  # fmt: skip
        assert value in bar, value
    assert "Field yew" in bar  # the custom field's control
    assert "Category Yew" in seen["matrix by category"]
    assert "Engraving Yew" in seen["made-to-order.csv"]


def test_scl002_leadership_sees_the_planted_values(planted):
    base, other, mine, _ = planted
    seen = everything_seen(base, "leader", "/", mine)
    bar = seen["/sales-by-customer"]
    for value in ("Channel Zed", "Source Zed", "Brand Zed", "Tier Zed", "Field zed", "Team Zed"):
        assert value in bar, value
    assert "Customer Zed" in seen[f"filter search {PLANTED}"]
    assert "Category Zed" in seen["matrix by category"]
    assert other in seen["leaderboard.csv"] and other in seen["sales-by-customer.csv"]
