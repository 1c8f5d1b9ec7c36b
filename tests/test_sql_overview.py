"""The Overview with SALES_ENGINE=sql: everything it shows (the KPIs against the compared period,
the top customers, the monthly trend, the customers' lifecycle and the revenue bridge) from the
engine's sums and order days equals today's frames code for every case of the engine suite on
SQLite, PostgreSQL and DuckDB; the lifecycle and the bridge hold hand-computed answers on the
cadence shop on every engine; its CSV, PDF and `flask export` are the same from the frames and
the database for a leader, a manager and a salesperson; crafted requests outside a user's scope
get nothing of it."""

import base64
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from data.access import Scope, scoped
from data.db import make_engine, read_tables, write_tables
from data.frames import build_frames
from data.sql_engine import Database, SqlEngine
from metrics.engine import ORDER_DAYS, FramesEngine
from metrics.filters import Filters
from metrics.kpis import COMPARE_TO
from metrics.overview import Bridge, Overview, overview, overview_of
from tests.test_sql_engine import CASES, EVERYONE, cadence_tables, company_tables, write_duckdb
from tests.test_sql_reports import (
    USERS,
    callback,
    client_of,
    export_both_ways,
    page_callback,
    rows_of,
    shop,
)

PERIOD = "from=2026-02-01&to=2026-04-30"
COMPARISONS = sorted(COMPARE_TO)
OVERVIEW_OUTPUTS = [("overview-kpis", "children"), ("overview-compared-period", "children"),
                    ("overview-pareto", "figure"), ("overview-trend", "figure"),
                    ("overview-lifecycle", "children"), ("overview-bridge", "figure")]  # fmt: skip
NORTH = Scope("manager", team="North")
__all__ = ["shop"]  # the module fixture of tests.test_sql_reports: the shop with its users


def close(expected, got, ratio: bool = False) -> bool:
    """Money to the cent, ratios to 1e-9; Unknown (None, NaN) where Unknown."""
    e, g = np.asarray(expected, dtype=np.float64), np.asarray(got, dtype=np.float64)
    tolerance = dict(rtol=1e-9, atol=0) if ratio else dict(rtol=0, atol=0.005)
    return e.shape == g.shape and bool(np.allclose(e, g, equal_nan=True, **tolerance))


def overview_differences(expected: Overview, got: Overview, where: str) -> list[str]:
    """Where two Overviews differ: periods, names, months, flags and counts exactly; money to
    the cent, ratios to 1e-9, Unknown where Unknown."""
    found = []
    e, g = expected.comparison, got.comparison
    if (e.period, e.compared_period) != (g.period, g.compared_period):
        found.append(f"{where}: periods {e.period} != {g.period}")
    for which in ("current", "compared"):
        values, got_values = getattr(e, which).as_dict(), getattr(g, which).as_dict()
        for name, value in values.items():
            ratio = name in ("gross_profit_margin", "cost_coverage", "average_reorder_days")
            same = (value is None) == (got_values[name] is None) and (
                value is None or close(value, got_values[name], ratio)
            )
            if not same:
                found.append(f"{where}: {which} {name} {value} != {got_values[name]}")
    top, got_top = expected.top, got.top
    if list(top.columns) != list(got_top.columns) or len(top) != len(got_top):
        return [*found, f"{where}: top\n{top}\n{got_top}"]
    for column in ("customer_id", "customer_name"):
        if list(top[column]) != list(got_top[column]):
            found.append(f"{where}: top {column} {list(top[column])} != {list(got_top[column])}")
    for column in ("sales_amount", "share", "cumulative_share"):
        if not close(top[column], got_top[column], ratio=column != "sales_amount"):
            found.append(f"{where}: top {column}\n{top}\n{got_top}")
    for name in ("months", "compared_months"):
        months, got_months = getattr(expected, name), getattr(got, name)
        labels = ["month", "first_day", "last_day", "partial"]
        if not months[labels].equals(got_months[labels]) or not close(
            months["sales_amount"], got_months["sales_amount"]
        ):
            found.append(f"{where}: {name}\n{months}\n{got_months}")
    if not expected.lifecycle.equals(got.lifecycle):
        found.append(f"{where}: lifecycle\n{expected.lifecycle}\n{got.lifecycle}")
    for step, value in vars(expected.bridge).items():
        if not close(value, getattr(got.bridge, step)):
            found.append(f"{where}: bridge {step} {value} != {getattr(got.bridge, step)}")
    return found


def assert_overviews_agree(url: str, company: str, analytics_url: str | None = None) -> None:
    """Every case of tests.test_sql_engine (each comparison in turn): overview_of on both
    engines equals metrics.overview.overview over the frames, and the engines' order days
    agree."""
    frames = build_frames(read_tables(make_engine(url)))
    database = Database(analytics_url or url)
    found = []
    for case, (what, filters, scope) in enumerate(CASES[company]):
        mine = scoped(frames, scope)
        to = COMPARISONS[case % 2]
        expected = overview(mine, filters, to)
        engines = (FramesEngine(mine), SqlEngine(database, scope))
        for engine in engines:
            got = overview_of(engine, mine, filters, to)
            found += overview_differences(expected, got, f"{what}, {to}, {type(engine).__name__}")
        period = expected.comparison.period
        closed = replace(filters, start=period.start, end=period.end)
        days = [engine.order_days(closed) for engine in engines]
        if not days[0].equals(days[1]):
            found.append(f"{what}: order days\n{days[0]}\n{days[1]}")
    assert found == []


@pytest.mark.parametrize("company", ["shop", "cadence"])
def test_sqo001_the_overview_on_sqlite_and_postgresql_equals_the_frames(database_url, company):
    write_tables(make_engine(database_url), company_tables(company), replace=True)
    assert_overviews_agree(database_url, company)


def test_sqo002_the_overview_on_a_duckdb_file_equals_the_frames(tmp_path):
    url = f"sqlite:///{tmp_path / 'sales.db'}"
    write_tables(make_engine(url), company_tables("shop"), replace=True)
    assert_overviews_agree(url, "shop", write_duckdb(tmp_path / "sales.duckdb", url))


# The cadence shop (tests.test_sql_engine.CADENCE_LINES; one £100 order a day listed): R on 1,
# 11, 21, 31 Jan 2026; F on 1, 3, 5 Feb; E on 1, 11, 31 Aug, 30 Sep 2025 and 8 Jan 2026; D
# twice on 5 Jan and on 9 Jan; T on 2 Jan and 27 Feb (a draft on 10 Feb); N never; F is team
# South's, the others North's. (period, scope) -> the customers of each lifecycle, by hand
# from SPEC §3 (lost: 6 months without an order):
LIFECYCLES = [
    # previous period 13 Dec - 6 Jan. Returning: D, E, R ordered before and in the period;
    # recovered: E (first order before 13 Dec, none in it). F's first order comes later: not new
    (("2026-01-07", "2026-01-31"), EVERYONE,
     {"new": "", "returning": "DER", "recovered": "E", "lost": ""}),
    # previous period 4 - 31 Jan: F's first order ever; T ordered on 2 Jan, not since, till 27 Feb
    (("2026-02-01", "2026-02-28"), EVERYONE,
     {"new": "F", "returning": "T", "recovered": "T", "lost": ""}),
    (("2026-02-01", "2026-02-28"), NORTH,  # F is South's
     {"new": "", "returning": "T", "recovered": "T", "lost": ""}),
    # lost on last order + 6 months: D on 9 Jul, R on 31 Jul; E on 8 Jul (before), F on 5 Aug
    # and T on 27 Aug (after)
    (("2026-07-09", "2026-07-31"), EVERYONE,
     {"new": "", "returning": "", "recovered": "", "lost": "DR"}),
]  # fmt: skip


def test_sqo003_the_lifecycle_and_the_bridge_hold_by_hand_on_every_engine(database_url, tmp_path):
    write_tables(make_engine(database_url), cadence_tables(), replace=True)
    frames = build_frames(read_tables(make_engine(database_url)))
    duckdb_url = write_duckdb(tmp_path / "sales.duckdb", database_url)

    def overviews(filters: Filters, scope: Scope) -> dict[str, Overview]:
        mine = scoped(frames, scope)
        engines = {
            "frames engine": FramesEngine(mine),
            "sql": SqlEngine(Database(database_url), scope),
            "sql, from the lines": SqlEngine(Database(database_url), scope, rollups=False),
            "duckdb": SqlEngine(Database(duckdb_url), scope),
        }
        return {
            "frames": overview(mine, filters, "previous_period"),
            **{
                name: overview_of(e, mine, filters, "previous_period")
                for name, e in engines.items()
            },
        }

    found = []
    for (start, end), scope, expected in LIFECYCLES:
        filters = Filters(start=date.fromisoformat(start), end=date.fromisoformat(end))
        for name, result in overviews(filters, scope).items():
            table = result.lifecycle.set_index("customer_id")
            got = {kind: "".join(table.index[table[kind]]) for kind in expected}
            if got != expected:
                found.append(f"{name}, {start} to {end}, {scope.role}: {got}")
            if "".join(table.index) != ("DENRT" if scope == NORTH else "DEFNRT"):
                found.append(f"{name}, {start} to {end}: customers {list(table.index)}")
    # 7-31 Jan against 13 Dec - 6 Jan: R 100 -> 300 (grown 200), D 200 -> 100 (shrunk 100), E
    # 0 -> 100 (new to the bridge, though not a new customer), T 100 -> 0 (lost)
    january = Filters(start=date(2026, 1, 7), end=date(2026, 1, 31))
    for name, result in overviews(january, EVERYONE).items():
        bridge = Bridge(compared=400.0, new=100.0, grown=200.0, shrunk=100.0, lost=100.0,
                        current=500.0)  # fmt: skip
        if result.bridge != bridge:
            found.append(f"{name}: bridge {result.bridge}")
        top = result.top  # D and E tie at £100: by customer_id
        if (
            list(top["customer_id"]) != ["R", "D", "E"]
            or list(top["customer_name"]) != ["Customer R", "Customer D", "Customer E"]
            or not close(  # fmt: skip
                top["cumulative_share"], [0.6, 0.8, 1.0], ratio=True
            )
        ):
            found.append(f"{name}: top\n{top}")
        months = [(f"{m:%Y-%m}", s, p) for m, s, p in result.months[["month", "sales_amount",
                                                                       "partial"]].values]  # fmt: skip
        compared = [(f"{m:%Y-%m}", s, p) for m, s, p in result.compared_months[
            ["month", "sales_amount", "partial"]].values]  # fmt: skip
        if months != [("2026-01", 500.0, True)] or compared != [
            ("2025-12", 0.0, True), ("2026-01", 400.0, True)]:  # fmt: skip
            found.append(f"{name}: months {months}, compared {compared}")
    assert found == []


def test_sqo004_order_days_are_asked_for_by_name_over_a_whole_period(shop):
    engine = SqlEngine(Database(shop[0]), EVERYONE)
    period = Filters(start=date(2026, 2, 1), end=date(2026, 4, 30))
    days = engine.order_days(period, ("first_order_day",))
    assert list(days.columns) == ["customer", "first_order_day"]
    # C2 has a draft and a quote, C4 no order: no confirmed order day
    first = days.set_index("customer")["first_order_day"]
    assert [pd.Timestamp(d, unit="D").date() if d == d else None for d in first] == [
        date(2026, 1, 10), None, date(2026, 3, 15), None, date(2026, 3, 1), date(2025, 12, 20)]  # fmt: skip
    sam = SqlEngine(Database(shop[1]), Scope("salesperson", salesperson="SP1"))
    assert list(sam.order_days(replace(period, customers=("C3",)))["customer"]) == []
    assert list(sam.order_days(period)["customer"]) == ["C1", "C4"]
    assert list(sam.order_days(period).columns) == ["customer", *ORDER_DAYS]
    with pytest.raises(ValueError, match="unknown order day 'birthday'"):
        engine.order_days(period, ("birthday",))
    with pytest.raises(ValueError, match="first and last day"):
        engine.order_days(Filters(start=date(2026, 2, 1)))


@pytest.mark.parametrize("username", list(USERS))
def test_sqo005_every_scope_gets_the_same_overview_from_frames_and_sql(shop, username):
    """The Overview's CSV (its KPIs) and PDF from the frames, the SQLite database and the DuckDB
    file, and `flask export overview`: the same files; a salesperson may open none of them."""
    queries = [f"?{PERIOD}", f"?{PERIOD}&compare=previous_year", f"?{PERIOD}&channel=web",
               f"?{PERIOD}&status=active", "?from=2025-12-01&to=2026-04-30&customer=C1"]  # fmt: skip
    clients = [client_of(shop[0], username, "frames"), client_of(shop[0], username),
               client_of(shop[0], username, analytics=shop[1])]  # fmt: skip
    allowed = username != "sam"
    for query in queries:
        for export in ("overview.csv", "kpis.csv"):
            answers = [client.get(f"/export/{export}{query}&headers=fields") for client in clients]
            statuses = [a.status_code for a in answers]
            assert statuses == [200 if allowed else 403] * 3, (username, query, statuses)
            assert answers[0].text == answers[1].text == answers[2].text, (username, query)
    pdfs = [client.get(f"/export/overview.pdf?{PERIOD}") for client in clients]
    assert [p.status_code for p in pdfs] == [200 if allowed else 403] * 3
    assert not allowed or all(p.data.startswith(b"%PDF") for p in pdfs)
    args = ("export", "overview", "--as", username, "--view", f"?{PERIOD}", "--headers", "fields")
    on_frames, on_sql = export_both_ways(shop[0], *args)
    assert on_frames.returncode == on_sql.returncode == (0 if allowed else 1), on_sql.stderr
    assert on_sql.stdout == on_frames.stdout
    if allowed:
        (row,) = rows_of(on_sql.stdout)
        # Feb-Apr: C1's O2 (£200), C3's O5 less its returned line (£500) and O6 (£20), C5's O9
        # (£90); North (C1, C2, C4): O2 only
        expected = ("810.0", "6", "3") if username == "lee" else ("200.0", "3", "1")
        assert (row["sales_amount"], row["total_customers"], row["active_customers"]) == expected
    else:
        assert "may not open Overview" in on_sql.stderr


def numbers(values) -> list[float]:
    """A figure's numbers as sent to the browser (plotly sends arrays typed, base64)."""
    if isinstance(values, dict):
        values = np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return [float(v) for v in values]


def texts(component) -> list[str]:
    """The texts of a component tree as sent to the browser, in order."""
    if isinstance(component, str):
        return [component]
    if isinstance(component, list):
        return [t for child in component for t in texts(child)]
    if isinstance(component, dict):
        return texts(component.get("props", {}).get("children"))
    return []


def overview_callback(client, query: str):
    """The Overview's callback, crafted: the view's query in, its six outputs back."""
    return callback(client, OVERVIEW_OUTPUTS, [("view", "data", query)])


def test_sqo006_the_page_on_sql_holds_the_hand_computed_numbers(shop):
    """Feb-Apr 2026 against 4 Nov 2025 - 31 Jan 2026 for the leader: C3 and C5 first ordered
    in the period (new), C1 ordered before and in it (returning); the bridge from £762.50 (C9's
    £50, C1's £712.50) to £810: new £610 (C3, C5), shrunk £512.50 (C1), lost £50 (C9)."""
    client = client_of(shop[0], "lee", analytics=shop[1])
    assert client.get(f"/?{PERIOD}").status_code == 200
    page = page_callback(client, "/", f"?{PERIOD}")
    assert page.status_code == 200 and "overview-kpis" in page.text
    answer = overview_callback(client, f"?{PERIOD}")
    assert answer.status_code == 200
    response = answer.get_json()["response"]
    pareto = response["overview-pareto"]["figure"]["data"]
    assert pareto[0]["customdata"] == ["C3", "C1", "C5"]
    assert numbers(pareto[0]["y"]) == [520.0, 200.0, 90.0]
    assert numbers(pareto[1]["y"]) == pytest.approx([520 / 810, 720 / 810, 1.0], rel=1e-12)
    bridge = response["overview-bridge"]["figure"]["data"][0]
    assert numbers(bridge["y"]) == pytest.approx([762.5, 610.0, 0.0, -512.5, -50.0, 810.0])
    assert texts(response["overview-lifecycle"]["children"]) == [
        "New customers", "2", "Returning customers", "1", "Recovered customers", "0",
        "Lost customers", "0"]  # fmt: skip
    assert "£810.00" in texts(response["overview-kpis"]["children"])


@pytest.mark.parametrize("username", ["nora", "sam"])
def test_sqo007_crafted_overview_requests_on_sql_get_only_the_users_scope(shop, username):
    """Nora manages North (C1, C2, C4): whatever she asks for, the Overview shows C1's £200
    (C2's orders are a draft and a quote) and nothing of Cedar (C3, South). Sam, a salesperson,
    may not open the Overview: its callback and exports answer 403."""
    client = client_of(shop[0], username)
    for crafted in ("customer=C3", "selected=C3", "salesperson=SP3", "team=South"):
        export = client.get(f"/export/overview.csv?{PERIOD}&{crafted}")
        answer = overview_callback(client, f"?{PERIOD}&{crafted}")
        if username == "sam":
            assert export.status_code == answer.status_code == 403
            assert "Cedar" not in answer.text
            continue
        assert export.status_code == 400 and "unknown value" in export.text
        assert answer.status_code == 200
        response = answer.get_json()["response"]
        pareto = response["overview-pareto"]["figure"]["data"]
        assert pareto[0]["customdata"] == ["C1"] and numbers(pareto[0]["y"]) == [200.0]
        bridge = response["overview-bridge"]["figure"]["data"][0]  # C1: £712.50 -> £200
        assert numbers(bridge["y"]) == pytest.approx([712.5, 0.0, 0.0, -512.5, 0.0, 200.0])
        assert "Cedar" not in answer.text and "Cedar" not in export.text
