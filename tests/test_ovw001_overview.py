"""Browser tests of the Overview: the filter bar drives every visual and lives in the URL."""

from datetime import date
from urllib.parse import parse_qs, urlsplit

from selenium.webdriver.common.keys import Keys

from app import create_dash
from data.frames import from_day
from layouts.formatting import count, money, percent
from metrics.filters import Filters
from metrics.kpis import compare
from tests.conftest import sign_in
from views.view import default_period


def card(name):
    return f".kpi-{name} .kpi-value"


def query(dash_duo) -> dict:
    return parse_qs(urlsplit(dash_duo.driver.current_url).query)


def start(dash_duo, demo_db):
    app = create_dash({"DATABASE_URL": demo_db})
    dash_duo.start_server(app, navigate=False)
    sign_in(dash_duo, "leader")
    return app.server.extensions["sales_store"].frames()


def test_ovw001_filters_update_the_cards_to_the_engines_numbers(dash_duo, demo_db):
    frames = start(dash_duo, demo_db)
    first, last = default_period(frames)
    shown = compare(frames, Filters(start=first, end=last), "previous_period")
    dash_duo.wait_for_text_to_equal(card("sales_amount"), money(shown.current.sales_amount))
    dash_duo.wait_for_text_to_equal(
        card("gross_profit_margin"), percent(shown.current.gross_profit_margin)
    )
    assert dash_duo.find_element(card("active_customers")).text == count(
        shown.current.active_customers
    )
    assert "Data as of" in dash_duo.find_element("#nav-as-of").text

    # a preset, then a channel, then the comparison: each change lands in the URL and the cards
    dash_duo.select_dcc_dropdown("#filter-preset", "All data")
    all_data = Filters(
        start=from_day(frames.first_day).date(), end=from_day(frames.last_day).date()
    )
    everything = compare(frames, all_data, "previous_period")
    dash_duo.wait_for_text_to_equal(card("sales_amount"), money(everything.current.sales_amount))
    assert query(dash_duo)["from"] == [str(all_data.start)]

    dash_duo.select_dcc_dropdown(".filter-channel", "web")
    dash_duo.find_element("body").send_keys(Keys.ESCAPE)
    web = compare(frames, Filters(start=all_data.start, end=all_data.end, channels=("web",)))
    dash_duo.wait_for_text_to_equal(card("sales_amount"), money(web.current.sales_amount))
    assert query(dash_duo)["channel"] == ["web"]

    dash_duo.find_element(
        "label[for='_dbcprivate_radioitems_filter-compare_input_previous_year']"
    ).click()
    last_year = compare(frames, Filters(start=all_data.start, end=all_data.end, channels=("web",)),
                        "previous_year")  # fmt: skip
    dash_duo.wait_for_contains_text(".kpi-sales_amount .kpi-change",
                                    f"vs last year {money(last_year.compared.sales_amount)}")  # fmt: skip

    # browser back: the channel filter again without the comparison change; all data has no
    # previous period with sales (it would end before the first order), so nothing to compare
    assert web.compared.sales_amount == 0
    dash_duo.driver.back()
    dash_duo.wait_for_text_to_equal(
        ".kpi-sales_amount .kpi-change", "no comparison with prev. period"
    )
    assert "compare" not in query(dash_duo)
    assert dash_duo.get_logs() == []


def test_ovw002_a_copied_url_shows_the_same_view(dash_duo, demo_db):
    frames = start(dash_duo, demo_db)
    url = f"{dash_duo.server.url.rstrip('/')}/?from=2025-03-01&to=2025-08-31&team=South&category=Home&compare=previous_year"
    dash_duo.driver.get(url)
    expected = compare(frames, Filters(start=date(2025, 3, 1),
                                       end=date(2025, 8, 31),
                                       teams=("South",), categories=("Home",)), "previous_year")  # fmt: skip
    dash_duo.wait_for_text_to_equal(card("sales_amount"), money(expected.current.sales_amount))
    assert dash_duo.find_element(card("total_customers")).text == count(
        expected.current.total_customers
    )
    assert "South" in dash_duo.find_element(".filter-team").text
    # a fresh session (signed out, signed in again) opening the same URL sees the same numbers
    dash_duo.driver.delete_all_cookies()
    dash_duo.driver.get(url)
    dash_duo.wait_for_element("#username").send_keys("leader")
    dash_duo.find_element("#password").send_keys("leader-demo-pass")
    dash_duo.find_element("#sign-in").click()
    dash_duo.wait_for_text_to_equal(card("sales_amount"), money(expected.current.sales_amount))
    assert dash_duo.get_logs() == []


def test_ovw003_bad_url_values_show_a_message_not_a_traceback(dash_duo, demo_db):
    frames = start(dash_duo, demo_db)
    dash_duo.driver.get(
        f"{dash_duo.server.url.rstrip('/')}/?from=yesterday&channel=pigeon&colour=red"
    )
    dash_duo.wait_for_contains_text("#filter-messages", "'yesterday' is not a date")
    text = dash_duo.find_element("#filter-messages").text
    assert "unknown value 'pigeon'" in text and "Unknown filter 'colour'" in text
    first, last = default_period(frames)
    shown = compare(frames, Filters(start=first, end=last))
    dash_duo.wait_for_text_to_equal(card("sales_amount"), money(shown.current.sales_amount))
    assert "Traceback" not in dash_duo.find_element("body").text
    assert dash_duo.get_logs() == []
