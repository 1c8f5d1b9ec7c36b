"""Browser tests of what the screens show while loading and what their charts and cards say: no
empty axes or "No Rows To Show" while numbers load, the revenue bridge's step labels and hover,
the partial last month, the compared period named on the cards, an upside-down order amount
range, and Sales by User bars named. Expected numbers come from plain SQL over the test file."""

import sqlite3

import pandas as pd
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from app import create_dash
from layouts.formatting import money, money_label
from tests.conftest import sign_in, until

PERIOD = "?from=2025-11-22&to=2026-11-21"  # the demo ends 2026-11-21
COMPARED = ("2024-11-22", "2025-11-21")  # the previous period, of the same 365 days
SALES_SQL = """
SELECT o.customer_id,
       SUM(l.quantity * l.unit_price * (1 - l.discount_pct)
           / CASE WHEN l.prices_include_vat THEN 1 + l.vat_rate ELSE 1 END) AS sales
FROM order_lines l JOIN orders o ON o.order_id = l.order_id
WHERE o.status = 'confirmed' AND l.status NOT IN ('cancelled', 'returned')
  AND o.order_date BETWEEN ? AND ?
GROUP BY o.customer_id
"""
# Sampled on every painted frame: a graph with axis ticks but no trace is "empty axes"; every
# AG Grid overlay text and every placeholder card seen.
WATCH = """
window.__seen = {emptyAxes: [], overlays: [], placeholders: 0};
(function sample() {
  document.querySelectorAll('.dash-graph').forEach(g => {
    const plot = g.querySelector('.js-plotly-plot');
    if (plot && plot.querySelector('.xtick, .ytick') && !plot.querySelector('.trace'))
      window.__seen.emptyAxes.push(g.id);
  });
  document.querySelectorAll('.ag-overlay').forEach(o => {
    const text = o.innerText.trim();
    if (text && !window.__seen.overlays.includes(text)) window.__seen.overlays.push(text);
  });
  window.__seen.placeholders += document.querySelectorAll('.kpi-placeholder').length ? 1 : 0;
  requestAnimationFrame(sample);
})();
"""


def start(dash_duo, demo_db, user="leader"):
    app = create_dash({"DATABASE_URL": demo_db})
    dash_duo.start_server(app, navigate=False)
    sign_in(dash_duo, user)


def open_page(dash_duo, path: str) -> None:
    dash_duo.driver.get(f"{dash_duo.server.url.rstrip('/')}{path}")


def watch_next_pages(dash_duo) -> None:
    dash_duo.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH})


def texts(dash_duo, selector: str) -> list[str]:
    return dash_duo.driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent)", selector
    )


def sales_by_customer(demo_db: str, start: str, end: str) -> pd.Series:
    with sqlite3.connect(demo_db.removeprefix("sqlite:///")) as conn:
        table = pd.read_sql_query(SALES_SQL, conn, params=(start, end))
    return table.set_index("customer_id")["sales"]


def test_ovw011_overview_and_leaderboard_never_paint_empty_axes_or_no_rows_while_loading(
    dash_duo, demo_db
):
    start(dash_duo, demo_db)
    watch_next_pages(dash_duo)
    open_page(dash_duo, f"/{PERIOD}")
    dash_duo.wait_for_contains_text("#overview-bridge", "Revenue bridge")
    dash_duo.wait_for_contains_text("#overview-trend", "Sales Amount by month")
    dash_duo.wait_for_contains_text("#overview-pareto", "cumulative share")
    seen = dash_duo.driver.execute_script("return window.__seen")
    assert seen["emptyAxes"] == []
    assert seen["placeholders"] > 0  # the cards' outline was painted before the numbers

    open_page(dash_duo, f"/leaderboard{PERIOD}")
    dash_duo.wait_for_element("#leaderboard-grid .ag-row")
    seen = dash_duo.driver.execute_script("return window.__seen")
    assert set(seen["overlays"]) <= {"Loading…"}  # never "No Rows To Show" before the rows
    assert seen["placeholders"] > 0
    assert dash_duo.get_logs() == []


def test_ovw012_bridge_labels_and_hover_give_each_step(dash_duo, demo_db):
    now = sales_by_customer(demo_db, "2025-11-22", "2026-11-21")
    before = sales_by_customer(demo_db, *COMPARED)
    both = now.index.intersection(before.index)
    change = now[both] - before[both]
    new = now[now.index.difference(before.index)].sum()
    steps = [before.sum(), new, change[change > 0].sum(), change[change < 0].sum(),
             -before[before.index.difference(now.index)].sum(), now.sum()]  # fmt: skip
    start(dash_duo, demo_db)
    open_page(dash_duo, f"/{PERIOD}")
    expected = [money_label(v, signed=i not in (0, 5)) for i, v in enumerate(steps)]
    dash_duo.wait_for_contains_text("#overview-bridge", expected[1])
    assert texts(dash_duo, "#overview-bridge text.bartext") == expected
    assert expected[1].startswith("+£") and expected[3].startswith("-£")

    bar = dash_duo.find_elements("#overview-bridge .trace.bars .point path")[1]
    ActionChains(dash_duo.driver).move_to_element(bar).perform()
    dash_duo.wait_for_contains_text("#overview-bridge .hoverlayer", "New customers")
    hover = dash_duo.find_element("#overview-bridge .hoverlayer").text
    assert f"+{money(new)}" in hover  # the step, not the running total...
    assert f"running total {money(steps[0] + new)}" in hover  # ...which comes second
    assert dash_duo.get_logs() == []


def test_ovw013_trend_marks_the_partial_last_month(dash_duo, demo_db):
    start(dash_duo, demo_db)
    open_page(dash_duo, f"/{PERIOD}")
    dash_duo.wait_for_contains_text("#overview-trend", "Nov 2026 (to 21 Nov)")
    ticks = texts(dash_duo, "#overview-trend .xtick text")
    assert ticks[0] == "Nov 2025 (from 22 Nov)" and ticks[-1] == "Nov 2026 (to 21 Nov)"
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct")
    assert ticks[1:-1] == ["Dec 2025", *(f"{m} 2026" for m in months)]
    assert "part of a month" in dash_duo.find_element("#overview-trend .legend").text
    assert dash_duo.get_logs() == []


def test_ovw014_cards_name_the_compared_period_and_a_steady_count_reads_no_change(
    dash_duo, demo_db
):
    before = sales_by_customer(demo_db, *COMPARED)
    start(dash_duo, demo_db)
    open_page(dash_duo, f"/{PERIOD}")
    change = ".kpi-sales_amount .kpi-change"
    dash_duo.wait_for_contains_text(change, f"vs prev. period {money(before.sum())}")
    assert dash_duo.find_element(change).get_attribute("title") == (
        f"Compared with previous period: {COMPARED[0]} to {COMPARED[1]}"
    )
    # every customer account exists in both periods: the same total, said in words
    dash_duo.wait_for_text_to_equal(".kpi-total_customers .kpi-change span", "no change")
    assert "■" not in dash_duo.find_element(".kpi-total_customers").text
    assert "+0.0%" not in dash_duo.find_element("#overview-kpis").text
    assert dash_duo.get_logs() == []


def test_ovw015_an_upside_down_amount_range_says_so_and_filters_nothing(dash_duo, demo_db):
    everything = sales_by_customer(demo_db, "2025-11-22", "2026-11-21").sum()
    start(dash_duo, demo_db)
    open_page(dash_duo, f"/{PERIOD}")
    dash_duo.wait_for_text_to_equal(".kpi-sales_amount .kpi-value", money(everything))
    dash_duo.find_element("#filter-more-toggle").click()
    low = dash_duo.wait_for_element("#filter-amount-min")
    low.send_keys("500", Keys.TAB)
    until(lambda: "amount_min=500" in dash_duo.driver.current_url, timeout=10)
    dash_duo.find_element("#filter-amount-max").send_keys("100", Keys.TAB)
    dash_duo.wait_for_contains_text(
        "#filter-messages",
        "The order amount range runs from 500.00 down to 100.00: showing orders of any amount.",
    )
    dash_duo.wait_for_text_to_equal(".kpi-sales_amount .kpi-value", money(everything))
    assert "amount_max=100" in dash_duo.driver.current_url
    assert dash_duo.get_logs() == []


def test_ovw016_sales_by_user_bars_are_named_not_coded(dash_duo, demo_db):
    with sqlite3.connect(demo_db.removeprefix("sqlite:///")) as conn:
        names = dict(conn.execute("SELECT code, name FROM salespeople").fetchall())
        top = conn.execute(
            SALES_SQL.replace("o.customer_id", "COALESCE(l.salesperson, o.salesperson)")
            + " HAVING COALESCE(l.salesperson, o.salesperson) IS NOT NULL"
            + " ORDER BY sales DESC LIMIT 1",  # the line's salesperson as sold, else the order's
            ("2025-11-22", "2026-11-21"),
        ).fetchone()[0]
    start(dash_duo, demo_db)
    open_page(dash_duo, f"/reports/sales-by-user{PERIOD}")
    dash_duo.wait_for_contains_text("#report-chart .xtick", names[top])
    ticks = texts(dash_duo, "#report-chart .xtick text")
    assert ticks[0] == names[top]
    assert not set(ticks) & set(names)  # no code among the labels
    assert dash_duo.get_logs() == []
