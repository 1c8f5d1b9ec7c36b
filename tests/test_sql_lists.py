"""The lists a SALES_ENGINE=sql server names things by and checks a view against (data.lists),
read from the database in the user's scope: the same as the frames give, hence the same filter
options, view checks and messages, for a leader, a manager and a salesperson, on SQLite,
PostgreSQL and a DuckDB file; and a sql server serving its screens over HTTP (pages with every
callback, CSV and PDF exports, the command line) never loads the frames."""

import base64
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import requests

import data.store
import views.context
from app import create_dash
from data.access import Scope, scoped
from data.db import make_engine, read_tables, read_version, write_tables
from data.frames import build_frames
from data.lists import Lists, lists_of
from data.sql_engine import Database, SqlEngine
from data.users import create_user, deactivate_user
from metrics.filters import Filters
from tests.cli import flask
from tests.servers import threaded
from tests.test_sql_engine import shop_tables, write_duckdb
from tests.test_sql_reports import PERIOD, USERS, freshness_of
from views.context import data_for, engine_for, read_lists_ahead
from views.options import control_options, customer_names, customer_options
from views.pages import SCREENS, may_open
from views.view import all_data_period, default_period, known_values, parse

SCOPES = {"leader": Scope("leadership"), "manager": Scope("manager", team="North"),
          "salesperson": Scope("salesperson", salesperson="SP1")}  # fmt: skip
DEMO_SCOPES = {**SCOPES, "salesperson": Scope("salesperson", salesperson="SP01")}
# views whose values are known to some scopes and not to others: each gives its messages
QUERIES = (
    "",
    f"?{PERIOD}&channel=web&channel=marketplace&category=Outdoor&brand=Bolt&supplier=N/A"
    "&doctype=receipt&customer=C3&customer=C1&customer=C9&salesperson=SP3&team=South",
    "?from=2026-02-01&f.tier=Gold&f.tier=N/A&f.tier=Silver&f.size=big&selected=C1&selected=C3"
    "&taken_by=SP2&item=C&product=TEE&kpi=gross_profit",
    "?status=at_risk&team=North&source=N/A&device=mobile&department=N/A&collection=N/A",
)
BENCH = Path(__file__).resolve().parents[1] / "bench" / "callbacks.py"


def records(frame: pd.DataFrame) -> list[list]:
    """A frame's rows as lists, missing values as None."""
    return frame.astype(object).where(frame.notna(), None).to_numpy().tolist()


def assert_same_lists(frames, lists: Lists, where: str) -> None:
    """The lists of `frames` (the frames path) and `lists` (from the database): the same
    customers, items, salespeople, custom fields, values and span, and so the same accepted
    values, filter options and views with their messages."""
    expected = lists_of(frames)
    pd.testing.assert_frame_equal(lists.customers, expected.customers, obj=f"{where} customers")
    pd.testing.assert_frame_equal(lists.items, expected.items, obj=f"{where} items")
    assert sorted(records(lists.salespeople)) == sorted(records(expected.salespeople)), where
    assert lists.custom_fields == expected.custom_fields, where
    assert lists.values == expected.values, where
    assert (lists.first_day, lists.last_day, lists.as_of) == (
        expected.first_day, expected.last_day, expected.as_of), where  # fmt: skip
    assert known_values(lists) == known_values(frames), where
    assert default_period(lists) == default_period(frames), where
    assert all_data_period(lists) == all_data_period(frames), where
    for query in QUERIES:
        for screen in (None, "sales-by-customer", "sales-by-user", "sell-through"):
            view = parse(query, frames, screen)
            got = parse(query, lists, screen)
            assert (got, got.messages) == (view, view.messages), (where, query, screen)
        assert control_options(lists, view) == control_options(frames, view), (where, query)
        assert customer_names(lists, view.selected) == customer_names(frames, view.selected)
    for text in ("", "c", "e", "C9"):
        assert customer_options(lists, ("C1",), text) == customer_options(frames, ("C1",), text)


def assert_lists_agree(url: str, scopes: dict[str, Scope], analytics: str | None = None) -> None:
    engine = make_engine(url)
    frames = build_frames(read_tables(engine), read_version(engine).as_of)
    database = Database(analytics or url)
    for who, scope in scopes.items():
        lists = SqlEngine(database, scope).lists(frames.as_of)
        assert_same_lists(scoped(frames, scope), lists, who)


def test_sqlists001_the_shops_lists_hold_the_hand_listed_values_and_equal_the_frames(
    database_url,
):
    """The shop (tests.test_sql_engine.shop_tables): whoever sees everything gets every customer
    (C9, on orders only, under its ID), every channel of the orders and the lines (O5's first
    line was sold on a marketplace) and every category of the items and the lines (Outdoor, as
    sold); Nora (North: Sam's C1 and C4, Kim's C2) and Sam (C1, C4) get the values their
    customers' lines were sold with."""
    write_tables(make_engine(database_url), shop_tables(), replace=True)
    database = Database(database_url)
    as_of = read_version(make_engine(database_url)).as_of
    expected = {
        "leader": (["C1", "C2", "C3", "C4", "C5", "C9"], ("marketplace", "phone", "store", "web"),
                   ("Garden", "Home", "Outdoor"), ("SP1", "SP2", "SP3"), ("invoice", "receipt")),
        "manager": (["C1", "C2", "C4"], ("phone", "web"), ("Garden", "Home"), ("SP1", "SP2"),
                    ("invoice",)),
        "salesperson": (["C1", "C4"], ("phone", "web"), ("Garden", "Home"), ("SP1",),
                        ("invoice",)),
    }  # fmt: skip
    for who, scope in SCOPES.items():
        lists = SqlEngine(database, scope).lists(as_of)
        customers, channels, categories, takers, documents = expected[who]
        assert list(lists.customers["customer_id"]) == customers, who
        assert (lists.values["channel"], lists.values["category"]) == (channels, categories), who
        assert lists.values["salesperson"] == takers, who
        assert lists.values["document_type"] == documents, who
        assert lists.custom_fields == ("tier",), who
        assert list(lists.items["item_id"]) == ["A", "A2", "B", "C", "D"]  # C: on lines only
        assert lists.items.set_index("item_id")["name"]["C"] == "Item C"  # as sold
        assert (lists.first_day, lists.last_day) == (20442, 20553)  # 2025-12-20, 2026-04-10
        if who == "leader":
            assert lists.customers.set_index("customer_id")["name"]["C9"] == "C9"
    # Sam's view of a URL naming values outside his lists: those are ignored, each said
    view = parse(QUERIES[1], lists, "sales-by-category")
    f = view.filters
    assert (f.customers, f.channels, f.brands, f.suppliers) == (("C1",), ("web",), ("Bolt",),
                                                                 ("N/A",))  # fmt: skip
    assert (f.categories, f.document_types, f.salespeople, f.teams) == ((), (), (), ())
    assert "customer: unknown value 'C3' ignored." in view.messages
    assert "team: unknown value 'South' ignored." in view.messages
    assert_lists_agree(database_url, SCOPES)


def test_sqlists002_the_demos_lists_equal_the_frames_on_sqlite_postgresql_and_duckdb(
    demo_db, postgres_demo, tmp_path
):
    """A demo company (custom fields, teams, deleted items, every attribute) on the 20,000-line
    SQLite file, the 2,000-line PostgreSQL database and a DuckDB file of the former."""
    assert_lists_agree(demo_db, DEMO_SCOPES)
    assert_lists_agree(postgres_demo, DEMO_SCOPES)
    assert_lists_agree(demo_db, DEMO_SCOPES, write_duckdb(tmp_path / "demo.duckdb", demo_db))


def _browser_module():
    spec = importlib.util.spec_from_file_location("bench_callbacks", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def signed_in(base: str, username: str) -> requests.Session:
    http = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', http.get(f"{base}/login").text)
    form = {"username": username, "password": f"{username}-pass-123", "csrf_token": token[1]}
    assert http.post(f"{base}/login", data=form, allow_redirects=False).status_code == 302
    return http


NEW_ORDER = (
    "data:text/csv;base64,"
    + base64.b64encode(
        b"Order ID,Order Date,Customer ID,Item ID,Quantity,Unit Price\nO10,2026-04-20,C7,A,2,10\n"
    ).decode()
)


def counts_of(browser) -> tuple[str, str, str]:
    """Admin's order lines, orders and customers as its page shows them."""
    cards = freshness_of(browser.props["admin-freshness"]["children"])
    return cards["Order lines"], cards["Orders"], cards["Customers"]


def test_sqlists003_a_sql_server_serves_its_screens_without_ever_loading_the_frames(
    database_url, tmp_path, monkeypatch
):
    """A real server (werkzeug, HTTP on 127.0.0.1) with SALES_ENGINE=sql on the shop: every
    screen it serves opened as the browser does (the page, its layout, every callback it leads
    to), its filter options, a filter change, the navbar's customer search, their CSV exports
    (and PDFs, for the salesperson), the KPI export, /healthz and `flask export`, for each
    scope, then Admin and an import through its callbacks: the frames' loaders are never called
    (they would raise) and the snapshot folder stays empty."""
    engine = make_engine(database_url)
    write_tables(engine, shop_tables(), replace=True)
    for username, (role, where) in USERS.items():
        create_user(engine, username, f"{username}-pass-123", role, **where)
    create_user(engine, "ada", "ada-pass-123", "admin")
    loaded = []

    def refuse(*args, **kwargs):
        loaded.append(args)
        raise AssertionError("SALES_ENGINE=sql loaded the frames")

    monkeypatch.setattr(data.store, "read_frames", refuse)
    monkeypatch.setattr(data.store, "build_snapshot", refuse)
    snapshots = tmp_path / "snapshots"
    bench = _browser_module()
    with threaded(database_url, SALES_ENGINE="sql", SALES_SNAPSHOT_DIR=str(snapshots)) as base:
        health = requests.get(f"{base}/healthz").json()
        assert health["status"] == "ok" and health["engine"] == "sql"
        for username in USERS:
            http = signed_in(base, username)
            deps = [bench.Dep.parse(d, {}) for d in http.get(f"{base}/_dash-dependencies").json()
                    if not d.get("clientside_function")]  # fmt: skip
            browser = bench.Browser(http, base, deps, username)
            for screen in [s for s in SCREENS if may_open(USERS[username][0], s)]:
                browser.log = []
                browser.open(f"{SCREENS[screen][1]}?{PERIOD}")  # raises on any answer but 200 / 204
                assert len(browser.log) > 5, (username, screen)
                for kind in ("csv", "pdf") if username == "sam" else ("csv",):  # PDFs: slow
                    answer = http.get(f"{base}/export/{screen}.{kind}?{PERIOD}")
                    assert answer.status_code == 200, (username, screen, kind, answer.text)
            # the filter bar offers the values of the user's lists (hand-listed)
            category = bench.first_matching(browser, "filter-values", key="category")
            offered = [o["value"] for o in browser.props[category]["options"]]
            assert offered == ["Garden", "Home", "N/A", *["Outdoor"] * (username == "lee")]
            browser.change(category, "value", ["Home"])
            assert "category=Home" in browser.url
            # the navbar's customer search: names or IDs with "ed" (Cedar, in Pat's South)
            browser.change("nav-search", "search_value", "ed")
            found = [o["value"] for o in browser.props["nav-search"]["options"]]
            assert found == ["C3"] * (username == "lee"), username
            kpis = http.get(f"{base}/export/kpis.csv?{PERIOD}")  # the Overview's: not Sam's
            assert kpis.status_code == (403 if username == "sam" else 200), username
        # Admin: the shop's counts (by hand: 13 order lines, O1-O9, C1-C5 and C9 seen only on
        # orders), then an import of one order of a new customer, C7, previewed and confirmed
        admin = bench.Browser(signed_in(base, "ada"), base, deps, "ada")
        admin.open("/admin")
        assert counts_of(admin) == ("13", "9", "6")
        admin.props["admin-upload-lines"]["filename"] = "new.csv"
        admin.change("admin-upload-lines", "contents", NEW_ORDER)
        assert "No problems found" in str(admin.props["admin-import-report"]["children"])
        admin.change("admin-confirm", "n_clicks", 1)
        assert "Imported:" in str(admin.props["admin-import-report"]["children"])
        assert counts_of(admin) == ("14", "10", "7")
        admin.open("/admin")  # the next request: the new numbers
        assert counts_of(admin) == ("14", "10", "7")
        # the leader's lists (cached per data version) hold C7 on the next request
        browser = bench.Browser(signed_in(base, "lee"), base, deps, "lee")
        browser.open(f"/?{PERIOD}")
        browser.change("nav-search", "search_value", "C7")
        assert [o["value"] for o in browser.props["nav-search"]["options"]] == ["C7"]
    with monkeypatch.context() as env:
        env.setenv("SALES_ENGINE", "sql")
        env.setenv("SALES_SNAPSHOT_DIR", str(snapshots))
        exported = flask(database_url, "export", "sales-by-customer", "--as", "nora")
    assert exported.returncode == 0 and "Aster" in exported.stdout, exported.stderr
    assert loaded == [] and list(snapshots.glob("*")) == []


def test_sqlists004_the_lists_of_every_active_users_scope_are_read_ahead_once(
    database_url, tmp_path, monkeypatch
):
    """read_lists_ahead (a server's master, before its workers start) reads the lists of
    whoever sees everything and of each active user's scope, by hand: the leader and the admin
    share one, Nora's North one, Sam's SP1 one; Pia is inactive: 3 (at most as many as the
    cache keeps). Later requests of those
    users read none again (the admin gets the leader's very lists); the analytics file is let
    go of and opened again by the next question, which answers (North's Sales Amount, by hand)."""
    engine = make_engine(database_url)
    write_tables(engine, shop_tables(), replace=True)
    for username, (role, where) in USERS.items():
        create_user(engine, username, f"{username}-pass-123", role, **where)
    create_user(engine, "ada", "ada-pass-123", "admin")
    create_user(engine, "pia", "pia-pass-123", "manager", team="South")
    deactivate_user(engine, "pia")
    analytics = write_duckdb(tmp_path / "shop.duckdb", database_url)
    app = create_dash({"DATABASE_URL": database_url, "SECRET_KEY": "test-secret",
                       "SALES_ENGINE": "sql", "ANALYTICS_URL": analytics})  # fmt: skip
    read = []
    lists = SqlEngine.lists
    monkeypatch.setattr(SqlEngine, "lists", lambda self, as_of: read.append(self.scope)
                        or lists(self, as_of))  # fmt: skip
    with app.server.app_context():
        assert read_lists_ahead() == 3
        assert set(read) == {Scope("leadership"), Scope("manager", team="North"),
                             Scope("salesperson", salesperson="SP1")}  # fmt: skip
        assert read.count(Scope("leadership")) == 1
        # let go of: another process may open the file for writing (DuckDB's lock is free)
        writer = f"import duckdb; duckdb.connect({analytics.removeprefix('duckdb:///')!r}).close()"
        assert subprocess.run([sys.executable, "-c", writer]).returncode == 0
        leader = data_for(Scope("leadership"))
        assert data_for(Scope("admin")) is leader
        for scope in read:
            data_for(scope)
        assert len(read) == 3
        # North's customers C1, C2 and C4: O1 (£712.50) and O2 (£200); C2's draft and quote
        # are not revenue
        north = Scope("manager", team="North")
        sums = engine_for(data_for(north), north).sums(Filters())
        assert sums["sales_amount"].tolist() == [pytest.approx(912.50)]
    # no more than the cache keeps (here 2): whoever sees everything first, then by role
    monkeypatch.setattr(views.context, "CACHED_SCOPES", 2)
    read.clear()
    app = create_dash({"DATABASE_URL": database_url, "SECRET_KEY": "test-secret",
                       "SALES_ENGINE": "sql", "ANALYTICS_URL": analytics})  # fmt: skip
    with app.server.app_context():
        assert read_lists_ahead() == 2
    assert read == [Scope("leadership"), Scope("manager", team="North")]
