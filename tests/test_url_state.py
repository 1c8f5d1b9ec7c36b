"""The view's state in the URL: a round trip, and a message (never an error) for bad values."""

from datetime import date

from callbacks.url_state import ViewState, parse, to_query
from metrics.filters import Filters

DEFAULT = (date(2025, 11, 22), date(2026, 11, 21))
KNOWN = {
    "customer": {"C1", "C2", "C3"},
    "channel": {"web", "phone", "N/A"},
    "category": {"Home", "Alder & Co, Ltd", "N/A"},
    "team": {"North", "South"},
    "custom_fields": {"tier"},
    "f.tier": {"Gold", "Silver", "N/A"},
}


def test_url001_round_trip_of_every_kind_of_filter():
    state = ViewState(
        Filters(start=date(2026, 1, 1), end=date(2026, 3, 31), customers=("C2", "C1"),
                teams=("South",), channels=("web", "N/A"), categories=("Alder & Co, Ltd",),
                order_amount_min=100.5, customer_status=("at_risk", "inactive"),
                custom=(("tier", ("Gold",)),)),
        compare_to="previous_year",
        selected=("C3",),
    )  # fmt: skip
    query = to_query(state)
    assert query.startswith("?from=2026-01-01&to=2026-03-31&compare=previous_year")
    back = parse(query, DEFAULT, KNOWN)
    assert back == state and back.messages == ()


def test_url002_empty_query_is_the_default_view():
    state = parse("", DEFAULT, KNOWN)
    assert state.filters == Filters(start=DEFAULT[0], end=DEFAULT[1])
    assert state.compare_to == "previous_period" and state.selected == () and state.messages == ()


def test_url003_bad_values_give_messages_and_fall_back():
    state = parse(
        "?from=2026-02-30&to=2026-01-01&compare=lastweek&channel=pigeon&channel=web"
        "&amount_min=lots&status=sleepy&f.shoe=9&colour=red&customer=C9",
        DEFAULT, KNOWN,
    )  # fmt: skip
    assert state.filters.start == DEFAULT[0] and state.filters.end == DEFAULT[1]
    assert state.filters.channels == ("web",)
    assert state.filters.order_amount_min is None and state.filters.customer_status == ()
    assert state.filters.customers == () and state.compare_to == "previous_period"
    text = " | ".join(state.messages)
    for words in ("'2026-02-30' is not a date", "compare: unknown value 'lastweek'",
                  "channel: unknown value 'pigeon'", "'lots' is not a number",
                  "status: unknown value 'sleepy'", "no customer field 'shoe'",
                  "Unknown filter 'colour'", "customer: unknown value 'C9'"):  # fmt: skip
        assert words in text


def test_url004_reversed_period_falls_back_with_a_message():
    state = parse("?from=2026-05-01&to=2026-04-01", DEFAULT, KNOWN)
    assert (state.filters.start, state.filters.end) == DEFAULT
    assert "starts (2026-05-01) after it ends (2026-04-01)" in state.messages[0]


def test_url005_focused_filters_narrow_to_the_selection():
    state = parse("?customer=C1&customer=C2&selected=C2&selected=C3", DEFAULT, KNOWN)
    assert state.focused().customers == ("C2",)
    assert parse("?selected=C3", DEFAULT, KNOWN).focused().customers == ("C3",)
    assert parse("?customer=C1&selected=C3", DEFAULT, KNOWN).focused().customers == ("\x00none",)


def test_url006_one_good_end_and_one_bad_end_never_make_a_reversed_period():
    state = parse("?from=nonsense&to=2020-01-01", DEFAULT, KNOWN)
    assert (state.filters.start, state.filters.end) == DEFAULT
    state = parse("?to=2020-01-01", DEFAULT, KNOWN)  # before the default start
    assert (state.filters.start, state.filters.end) == DEFAULT and state.messages
    assert parse("?from=2026-06-01", DEFAULT, KNOWN).filters.start == date(2026, 6, 1)


def test_url007_report_row_keywords_round_trip():
    state = ViewState(Filters(start=date(2026, 1, 1), end=date(2026, 1, 31)),
                      row=(("salesperson", "SP01"), ("product", "P0001")))  # fmt: skip
    query = to_query(state)
    assert "taken_by=SP01" in query and "product=P0001" in query
    assert parse(query, DEFAULT, KNOWN) == state
