"""The app frame in a real browser: sign-out and Back, the brand's link, refused and unknown
pages, "Data as of" following the data, labelled and readable controls, the chart toolbar and
the date picker's colours; and the error pages' status codes over plain HTTP."""

import sqlite3
import uuid
from pathlib import Path

import pandas as pd
import pytest
import requests
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from app import create_dash
from tests.conftest import sign_in, until
from tests.servers import copy_database, threaded
from tests.test_auth import signed_in

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# The accessible name of a control as a screen reader computes it, for the kinds this app uses:
# aria-labelledby, then aria-label, then its <label>s.
ACCESSIBLE_NAMES = """
function nameOf(e) {
  const by = e.getAttribute('aria-labelledby');
  if (by) {
    const text = by.split(/\\s+/).map(i => document.getElementById(i)).filter(Boolean)
      .map(n => n.textContent.trim()).join(' ').trim();
    if (text) return text;
  }
  if (e.getAttribute('aria-label')) return e.getAttribute('aria-label').trim();
  return Array.from(e.labels || []).map(l => l.textContent.trim()).join(' ').trim();
}
return Array.from(document.querySelectorAll('input, select, textarea, button.dash-dropdown'))
  .filter(e => e.type !== 'hidden' && e.getAttribute('aria-hidden') !== 'true'
               && e.getClientRects().length)
  .map(e => [e.id, nameOf(e)]);
"""

# WCAG contrast of every visible text against the colour behind it (alpha layers composed);
# returns the texts below 4.5:1. Disabled controls and chart SVG text are exempt / not HTML.
LOW_CONTRAST = """
function rgba(c) {
  const p = c.match(/rgba?\\(([^)]+)\\)/)[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
  return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
}
function over(top, below) {
  const a = top[3];
  return [0, 1, 2].map(i => top[i] * a + below[i] * (1 - a)).concat([1]);
}
function background(e) {
  const layers = [];
  for (let n = e; n; n = n.parentElement) {
    const c = rgba(getComputedStyle(n).backgroundColor);
    if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
  }
  return layers.reverse().reduce((below, top) => over(top, below), [255, 255, 255, 1]);
}
function luminance(c) {
  const f = v => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
}
const low = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const seen = new Set();
while (walker.nextNode()) {
  const e = walker.currentNode.parentElement;
  if (!walker.currentNode.textContent.trim() || seen.has(e)) continue;
  seen.add(e);
  const box = e.getBoundingClientRect();
  const style = getComputedStyle(e);
  if (box.width <= 1 || box.height <= 1 || style.visibility === 'hidden') continue;
  if (e.closest('svg, [disabled], [aria-disabled=true], .disabled')) continue;
  let opacity = 1;
  for (let n = e; n; n = n.parentElement) opacity *= Number(getComputedStyle(n).opacity);
  const back = background(e);
  const colour = rgba(style.color);
  const text = over([colour[0], colour[1], colour[2], colour[3] * opacity], back);
  const [hi, lo] = [luminance(text), luminance(back)].sort((a, b) => b - a);
  const ratio = (hi + 0.05) / (lo + 0.05);
  if (ratio < 4.5) low.push(`${ratio.toFixed(2)} "${e.textContent.trim().slice(0, 40)}"`);
}
return low;
"""


def path_of(dash_duo) -> str:
    return dash_duo.driver.current_url.removeprefix(dash_duo.server.url.rstrip("/"))


def start(dash_duo, db_url, username, **config):
    dash_duo.start_server(create_dash({"DATABASE_URL": db_url, **config}), navigate=False)
    sign_in(dash_duo, username)


def test_nav002_back_after_sign_out_does_not_show_the_customer_list(dash_duo, demo_db):
    start(dash_duo, demo_db, "sales")
    dash_duo.wait_for_text_to_equal("h1", "My customers")
    dash_duo.wait_for_element(".ag-row")  # the customer list is on screen
    dash_duo.find_element("#nav-sign-out").click()
    dash_duo.wait_for_element("#sign-in")
    dash_duo.driver.back()
    dash_duo.wait_for_element("#sign-in")  # the page is asked for again: the sign-in form
    assert path_of(dash_duo) == "/login?next=%2Fmy-customers"
    assert not dash_duo.driver.find_elements("css selector", ".ag-row")
    assert dash_duo.get_logs() == []


@pytest.mark.parametrize("username,home,heading", [("sales", "/my-customers", "My customers"),
                                                   ("manager", "/team", "Team performance")])  # fmt: skip
def test_nav003_the_brand_leads_to_the_users_landing_page(dash_duo, demo_db, username, home,
                                                          heading):  # fmt: skip
    start(dash_duo, demo_db, username)
    dash_duo.wait_for_text_to_equal("h1", heading)
    next(a for a in dash_duo.find_elements("#nav-menu a") if a.text == "Leaderboard").click()
    dash_duo.wait_for_text_to_equal("h1", "Leaderboard")
    until(lambda: dash_duo.find_element("#nav-brand").get_attribute("href").endswith(home), 10)
    dash_duo.find_element("#nav-brand").click()
    dash_duo.wait_for_text_to_equal("h1", heading)
    assert path_of(dash_duo) == home
    assert dash_duo.get_logs() == []


def test_nav004_refused_and_unknown_pages_show_in_the_frame_with_a_way_back(dash_duo, demo_db):
    start(dash_duo, demo_db, "sales")
    base = dash_duo.server.url.rstrip("/")
    dash_duo.driver.get(f"{base}/")  # the Overview: not a salesperson's page
    dash_duo.wait_for_text_to_equal(".error-message", "This page is not open to your role.")
    # the browser saw the status: the only console entry is the page's own 403
    entries = dash_duo.driver.get_log("browser")
    assert [e["message"].endswith("status of 403 (FORBIDDEN)") for e in entries] == [True]
    assert dash_duo.find_element(".navbar-brand").get_attribute("href") == f"{base}/my-customers"
    assert dash_duo.find_element("#nav-user").text == "Signed in as sales (salesperson)"
    dash_duo.find_element("#error-home").click()
    dash_duo.wait_for_text_to_equal("h1", "My customers")

    dash_duo.driver.get(f"{base}/reports/no-such-report")
    dash_duo.wait_for_text_to_equal(".error-message",
                                    "There is no page at /reports/no-such-report.")  # fmt: skip
    entries = dash_duo.driver.get_log("browser")
    assert [e["message"].endswith("status of 404 (NOT FOUND)") for e in entries] == [True]
    assert dash_duo.find_element("#error-home").text == "Go to My customers"
    dash_duo.find_element("#nav-sign-out").click()
    dash_duo.wait_for_element("#sign-in")
    assert dash_duo.get_logs() == []


def data_changed_long_ago(db_url: str) -> str:
    """Mark the data of a copied SQLite file as last changed on 2 Jan 2020, under a database id
    of its own (the run's snapshot folder must not serve another copy's data); returns the file."""
    db_file = db_url.removeprefix("sqlite:///")
    with sqlite3.connect(db_file) as db:
        db.execute("UPDATE data_version SET database_id = ?, version = version + 1, "
                   "changed_at = '2020-01-02 03:04:05.000' WHERE id = 1", (uuid.uuid4().hex[:16],))  # fmt: skip
    return db_file


def as_of_in(db_file: str) -> str:
    """The navbar's text for the data version's time, read with plain SQL."""
    with sqlite3.connect(db_file) as db:
        (changed_at,) = db.execute("SELECT changed_at FROM data_version WHERE id = 1").fetchone()
    assert not changed_at.startswith("2020")
    return f"Data as of {pd.Timestamp(changed_at):%d %b %Y %H:%M} UTC"


def test_nav005_data_as_of_follows_the_data_without_a_reload(dash_duo, demo_db, tmp_path):
    db_url = copy_database(demo_db, tmp_path)
    db_file = data_changed_long_ago(db_url)
    start(dash_duo, db_url, "leader", AS_OF_REFRESH_SECONDS=1)
    dash_duo.wait_for_text_to_equal("#nav-as-of", "Data as of 02 Jan 2020 03:04 UTC")
    dash_duo.driver.execute_script("window.sameDocument = true")

    with sqlite3.connect(db_file) as db:  # an external writer changes one line
        db.execute("UPDATE order_lines SET quantity = quantity + 1 "
                   "WHERE rowid = (SELECT MIN(rowid) FROM order_lines)")  # fmt: skip
    dash_duo.wait_for_text_to_equal("#nav-as-of", as_of_in(db_file), timeout=30)
    assert dash_duo.driver.execute_script("return window.sameDocument") is True
    assert dash_duo.get_logs() == []


def test_nav005b_data_as_of_follows_an_admin_import_at_once(dash_duo, demo_db, tmp_path):
    db_url = copy_database(demo_db, tmp_path)
    db_file = data_changed_long_ago(db_url)
    start(dash_duo, db_url, "admin", AS_OF_REFRESH_SECONDS=3600)  # no timer during the test
    dash_duo.wait_for_text_to_equal("#nav-as-of", "Data as of 02 Jan 2020 03:04 UTC")
    upload = dash_duo.find_element("#admin-upload-lines input[type=file]")
    upload.send_keys(str(FIXTURES / "good_lines.csv"))
    dash_duo.wait_for_contains_text("#admin-import-report", "No problems found")
    until(lambda: dash_duo.find_element("#admin-confirm").is_enabled(), timeout=10)
    dash_duo.find_element("#admin-confirm").click()
    dash_duo.wait_for_contains_text("#admin-import-report", "Imported:")
    dash_duo.wait_for_text_to_equal("#nav-as-of", as_of_in(db_file))
    assert dash_duo.get_logs() == []


def test_nav006_overview_controls_are_named_focus_shows_and_text_is_readable(dash_duo, demo_db):
    start(dash_duo, demo_db, "leader")
    dash_duo.wait_for_element(".kpi-sales_amount .kpi-change")
    dash_duo.find_element("#filter-more-toggle").click()
    dash_duo.wait_for_element("#filter-amount-min")
    until(lambda: dash_duo.find_element("#filter-amount-min").is_displayed(), 10)

    names = dict(dash_duo.driver.execute_script(ACCESSIBLE_NAMES))
    assert len(names) > 20  # the navbar search and the whole filter bar with "More filters"
    assert [control for control, name in names.items() if not name] == []
    assert names["nav-search"].startswith("Find a customer")
    assert names['{"key":"team","type":"filter-values"}'] == "Team All"
    assert names['{"key":"brand","type":"filter-values"}'] == "Brand All"
    assert names["filter-preset"].startswith("Period ")
    assert names["filter-amount-min"] == "Order amount from"

    # the change on each KPI card says its direction in a symbol or in words, not only in colour
    changes = [e.text for e in dash_duo.find_elements(".kpi-change")]
    assert changes and all(c[0] in "▲▼" or c.startswith(("no change", "no comparison"))
                           for c in changes)  # fmt: skip

    assert dash_duo.driver.execute_script(LOW_CONTRAST) == []

    # keyboard focus: Shift+Tab from the first menu link reaches the brand, outlined in white
    dash_duo.driver.execute_script("document.querySelector('#nav-menu a').focus()")
    ActionChains(dash_duo.driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(
        Keys.SHIFT
    ).perform()
    focused = dash_duo.driver.switch_to.active_element
    assert focused.get_attribute("id") == "nav-brand"
    assert focused.value_of_css_property("outline-style") == "solid"
    assert focused.value_of_css_property("outline-color") == "rgba(255, 255, 255, 1)"
    assert dash_duo.get_logs() == []


def test_nav007_charts_download_png_without_cloud_buttons_and_the_calendar_is_blue(
    dash_duo, demo_db
):
    start(dash_duo, demo_db, "leader")

    def toolbars() -> tuple[int, list[str]]:  # read in one step: the charts re-render
        return dash_duo.driver.execute_script(
            "return [document.querySelectorAll('.js-plotly-plot').length,"
            " [...document.querySelectorAll('.modebar-btn')].map(b => b.dataset.title)]"
        )

    until(lambda: (t := toolbars())[0] >= 3 and t[1].count("Download plot as a PNG") == t[0], 30)
    graphs, titles = toolbars()
    assert titles.count("Download plot as a PNG") == graphs
    assert not {"Share chart...", "Edit in Chart Studio"} & set(titles)

    dash_duo.find_element("#filter-period").click()
    chosen = dash_duo.wait_for_element(".dash-datepicker-calendar-date-selected")
    assert chosen.value_of_css_property("background-color") == "rgba(11, 94, 215, 1)"
    assert dash_duo.driver.execute_script(LOW_CONTRAST) == []  # also the open calendar
    assert dash_duo.get_logs() == []


@pytest.fixture(scope="module")
def base(demo_db):
    with threaded(demo_db) as url:
        yield url


def test_nav008_error_pages_have_their_status_and_dash_endpoints_stay_plain(base):
    sales, _ = signed_in(base, "sales")
    refused = sales.get(f"{base}/")
    assert refused.status_code == 403
    assert "This page is not open to your role." in refused.text
    assert 'href="/my-customers">Go to My customers</a>' in refused.text
    assert "<script" not in refused.text
    missing = sales.get(f"{base}/no/such/<page>")
    assert missing.status_code == 404
    assert "There is no page at /no/such/&lt;page&gt;." in missing.text
    for response in (refused, missing):
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Content-Type"].startswith("text/html")

    # files and downloads keep their plain answers (no page around them)
    for response in (sales.get(f"{base}/assets/no-such-file.css"),
                     sales.get(f"{base}/export/overview.pdf")):  # fmt: skip
        assert response.status_code in (403, 404)
        assert "Go to My customers" not in response.text
    assert requests.get(f"{base}/no-such-page", allow_redirects=False).status_code == 302
