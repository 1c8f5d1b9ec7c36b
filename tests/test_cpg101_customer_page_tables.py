"""Browser tests of the customer page's tables at 1366 × 768: an order's lines under ▸, tables
that fit the screen with whole texts, lapsed products and the KPI cards' comparison."""

import contextlib
import re
import sqlite3
from datetime import datetime

from dash.testing.errors import TestingTimeoutError
from sqlalchemy.engine import make_url

from app import create_dash
from tests.conftest import sign_in, until
from views.customer import customer_sections
from views.view import parse

PERIOD = ("2025-11-22", "2026-11-21")  # the page's default period on the demo's last day
GRIDS = ("customer-orders", "customer-items", "customer-lapsed", "customer-cross-sell")
CROSS_SELL = re.compile(
    r"bought by \d+% of [\w ]+ customers \(\d+ of \d+\), median £[\d,.]+/yr"
    r"(; they last bought it \d{1,2} [A-Z][a-z]{2} \d{4})?"
)
LAPSED = re.compile(r"bought every ~[\d,]+ days? until (\d{1,2} [A-Z][a-z]{2} \d{4}); none since")


def sql(demo_db, query, *args):
    with sqlite3.connect(make_url(demo_db).database) as conn:
        return conn.execute(query, args).fetchall()


def open_page(dash_duo, demo_db, customer_id):
    app = create_dash({"DATABASE_URL": demo_db})
    dash_duo.start_server(app, navigate=False)
    sign_in(dash_duo, "leader")
    dash_duo.driver.set_window_size(1366, 768)
    dash_duo.driver.get(f"{dash_duo.server.url.rstrip('/')}/customers/{customer_id}")
    dash_duo.wait_for_element("#customer-orders .ag-header-cell")
    return app.server.extensions["sales_store"].frames()


def customer_with_lapsed_and_cross_sell(frames, quiet: bool):
    """A customer whose page has at least two lapsed products and two cross-sell gaps, and
    either orders in the period or (quiet) none at all: it only picks the customer, the values
    are checked against SQL or by hand."""
    view = parse(f"?from={PERIOD[0]}&to={PERIOD[1]}", frames)
    for customer in frames.customers["customer_id"]:
        sections = customer_sections(frames, customer, view)
        enough = len(sections.lapsed) >= 2 and len(sections.cross_sell) >= 2
        if enough and (sections.header.trailing_12m_sales_amount == 0) == quiet:
            return customer
    raise AssertionError("the demo company has no such customer")


def test_cpg101_the_triangle_shows_an_orders_lines_with_cancelled_ones_struck_through(
    dash_duo, demo_db
):
    # a confirmed order of the period with a cancelled and a delivered line, of a customer with
    # at most 20 orders in the period (so the page lists it)
    order_id, customer_id = sql(
        demo_db,
        "SELECT o.order_id, o.customer_id FROM orders o WHERE o.status = 'confirmed' "
        "AND o.order_date BETWEEN ? AND ? "
        "AND EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.order_id "
        "            AND l.status = 'cancelled') "
        "AND EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.order_id "
        "            AND l.status = 'delivered') "
        "AND (SELECT COUNT(*) FROM orders o2 WHERE o2.customer_id = o.customer_id "
        "     AND o2.order_date BETWEEN ? AND ?) <= 20 "
        "ORDER BY o.order_id LIMIT 1",
        *PERIOD,
        *PERIOD,
    )[0]
    lines = sql(
        demo_db,
        "SELECT COALESCE(i.name, l.item_name), l.status FROM order_lines l "
        "LEFT JOIN items i ON i.item_id = l.item_id WHERE l.order_id = ? ORDER BY l.line_no",
        order_id,
    )
    open_page(dash_duo, demo_db, customer_id)
    order = f'#customer-orders .ag-row[row-id="{order_id}"]'
    triangle = dash_duo.wait_for_element(f'{order} .ag-cell[col-id="expand"]')
    # instant: Bootstrap makes scrolling smooth, and a click during the scroll would miss
    scroll = "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})"
    dash_duo.driver.execute_script(scroll, triangle)
    triangle.click()

    line_rows = f'#customer-orders .ag-row[row-id^="{order_id}/"]'
    until(lambda: len(dash_duo.find_elements(line_rows)) == len(lines), timeout=10)
    dash_duo.wait_for_text_to_equal(f'{order} .ag-cell[col-id="expand"]', "▾")
    for n, (name, status) in enumerate(lines):
        row = f'#customer-orders .ag-row[row-id="{order_id}/{n}"]'
        item = dash_duo.find_element(f'{row} .ag-cell[col-id="item_name"]')
        assert item.get_attribute("textContent") == f"↳ {name}"
        struck = "line-through" in item.value_of_css_property("text-decoration-line")
        assert struck == (status == "cancelled"), (name, status)
        shown = dash_duo.find_element(f'{row} .ag-cell[col-id="status"]')
        expected = f"{status} · not revenue" if status == "cancelled" else status
        assert shown.get_attribute("textContent") == expected

    triangle = dash_duo.find_element(f'{order} .ag-cell[col-id="expand"]')
    dash_duo.driver.execute_script(scroll, triangle)
    triangle.click()  # ▾ hides them again
    until(lambda: not dash_duo.find_elements(line_rows), timeout=10)
    assert dash_duo.get_logs() == []


def test_cpg102_tables_fit_1366_with_whole_headers_and_reasons(dash_duo, demo_db):
    app = create_dash({"DATABASE_URL": demo_db})
    frames = app.server.extensions["sales_store"].frames()
    customer_id = customer_with_lapsed_and_cross_sell(frames, quiet=False)
    open_page(dash_duo, demo_db, customer_id)
    for grid in GRIDS:
        dash_duo.wait_for_element(f"#{grid} .ag-row")

        # the last (money) column ends inside the grid, and nothing scrolls sideways
        def measure(grid=grid) -> list[float]:
            return dash_duo.driver.execute_script(
                """
                const grid = document.getElementById(arguments[0]);
                const viewport = grid.querySelector('.ag-body-viewport').getBoundingClientRect();
                const headers = [...grid.querySelectorAll('.ag-header-cell')];
                const right = Math.max(...headers.map(h => h.getBoundingClientRect().right));
                const body = grid.querySelector('.ag-center-cols-viewport');
                return [right, viewport.right, body.scrollWidth, body.clientWidth];
                """,
                grid,
            )

        # once the grid has settled (it sizes its flexible column again when its own
        # vertical scrollbar appears)
        with contextlib.suppress(TestingTimeoutError):
            until(lambda: (f := measure())[0] <= f[1] + 1 and f[2] <= f[3] + 1, 5)
        fits = measure()
        right, visible, scroll_width, client_width = fits
        assert right <= visible + 1, (grid, fits)
        assert scroll_width <= client_width + 1, (grid, fits)
        # headers wrap between words, never inside one, and are never cut
        broken = dash_duo.driver.execute_script(
            """
            const out = [];
            for (const text of document.querySelectorAll(`#${arguments[0]} .ag-header-cell-text`)) {
              if (text.scrollWidth > text.clientWidth + 1) out.push('cut: ' + text.textContent);
              const node = text.firstChild;
              if (!node) continue;
              let at = 0;
              for (const word of text.textContent.split(' ')) {
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + word.length);
                const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                if (lines.size > 1) out.push('split: ' + word);
                at += word.length + 1;
              }
            }
            return out;
            """,
            grid,
        )
        assert broken == [], (grid, broken)

    # the reason of every cross-sell row is there whole: wrapped in its cell, nothing clipped
    reasons = dash_duo.find_elements('#customer-cross-sell .ag-row .ag-cell[col-id="evidence"]')
    assert reasons
    for cell in reasons:
        text = cell.get_attribute("textContent")
        assert CROSS_SELL.fullmatch(text), text
        clipped = dash_duo.driver.execute_script(
            "const c = arguments[0].querySelector('.ag-cell-value') || arguments[0];"
            "return c.scrollWidth > c.clientWidth + 1 || c.scrollHeight > c.clientHeight + 1;",
            cell,
        )
        assert not clipped, text
    assert dash_duo.get_logs() == []


def test_cpg103_lapsed_products_with_their_evidence_and_plain_kpi_cards(dash_duo, demo_db):
    app = create_dash({"DATABASE_URL": demo_db})
    frames = app.server.extensions["sales_store"].frames()
    customer_id = customer_with_lapsed_and_cross_sell(frames, quiet=True)  # nothing to compare
    open_page(dash_duo, demo_db, customer_id)
    dash_duo.wait_for_element("#customer-lapsed .ag-row")
    rows = dash_duo.find_elements("#customer-lapsed .ag-row")
    products = [r.find_element("css selector", '[col-id="product_name"]').text for r in rows]
    assert len(products) == len(set(products))  # one row per product, variants combined
    for row, product in zip(rows, products, strict=True):
        evidence = row.find_element("css selector", '[col-id="evidence"]').text
        until_day = datetime.strptime(LAPSED.match(evidence).group(1), "%d %b %Y").date()
        # plain SQL: the customer bought a variant of the product on that day, and none since
        days = sql(
            demo_db,
            "SELECT DISTINCT o.order_date FROM order_lines l JOIN orders o USING (order_id) "
            "JOIN items i ON i.item_id = l.item_id WHERE o.customer_id = ? "
            "AND o.status = 'confirmed' AND l.status NOT IN ('cancelled', 'returned') "
            "AND o.order_date <= ? AND (i.name = ? OR i.name LIKE ? || ' %') "
            "ORDER BY o.order_date",
            customer_id,
            PERIOD[1],
            product,
            product,
        )
        assert len(days) >= 3, (product, days)
        assert days[-1][0][:10] == until_day.isoformat(), (product, days[-1])

    # the cards name what they compare with (hand-computed: the 365 days before the period)
    dash_duo.wait_for_contains_text(
        ".customer-period", "compare it with the previous period, 22 Nov 2024 to 21 Nov 2025"
    )
    cards = dash_duo.find_element("#customer-kpis").text
    assert "no comparison" not in cards
    assert " vs Unknown" not in cards
    assert dash_duo.get_logs() == []
