"""The store: frames follow the data version, on SQLite and PostgreSQL; shared snapshots are
mapped without a copy, swapped whole, and a slow rebuild never blocks a request."""

import contextlib
import threading

import pandas as pd
import pytest
from flask import Flask
from werkzeug.serving import make_server

import data.store
from app import create_dash
from data.access import Scope, scoped
from data.db import make_engine, read_version, write_tables
from data.snapshot import build_lock, build_snapshot, shared_part
from data.store import DataUnavailable, Store
from metrics.filters import Filters
from metrics.kpis import kpis
from tests.conftest import until
from tests.dbtools import external_sql
from tests.factory import make_tables
from tests.servers import copy_database
from tests.test_auth import callback, signed_in

INSERT_ORDER = (
    "INSERT INTO orders (order_id, document_type, status, order_date, customer_id) "
    "VALUES ('EXT1', 'invoice', 'confirmed', '2026-05-02', 'C1')"
)
INSERT_LINE = (
    "INSERT INTO order_lines (order_id, line_no, item_id, quantity, unit_price, "
    "discount_pct, vat_rate, prices_include_vat, cost_non_inv, status) "
    "VALUES ('EXT1', 1, 'I1', 3, 25.0, 0, 0, false, 0, 'delivered')"
)


def one_order(url):
    """A database holding one order of one line: 1 × £10."""
    engine = make_engine(url)
    write_tables(
        engine, make_tables([{"order_id": "O1", "order_date": "2026-05-01"}]), replace=True
    )
    return engine


def sales(frames) -> float:
    return kpis(frames, Filters()).sales_amount


def test_sto001_reloads_after_an_external_write(database_url):
    store = Store(one_order(database_url))
    first = store.frames()
    assert store.frames() is first  # no change, no reload
    assert sales(first) == 10.0

    external_sql(database_url, f"BEGIN; {INSERT_ORDER}; {INSERT_LINE}; COMMIT;")
    second = store.frames()
    assert second is not first
    assert sales(second) == 85.0  # 10 + 3 × 25
    assert second.as_of >= first.as_of
    assert store.frames() is second


def test_sto002_an_update_of_one_price_is_seen(database_url):
    """An UPDATE changes no row count: the data version (a trigger) still tells."""
    store = Store(one_order(database_url))
    assert sales(store.frames()) == 10.0
    external_sql(database_url, "UPDATE order_lines SET unit_price = 12.5 WHERE order_id = 'O1'")
    assert sales(store.frames()) == 12.5


def test_sto003_the_next_callback_sees_an_external_write(database_url, tmp_path):
    """Real HTTP, the app's snapshot store: another program inserts an order; the next KPI
    callback includes it, and /healthz tells the new version."""
    from werkzeug.serving import make_server

    from app import create_dash
    from data.users import create_user
    from tests.test_auth import OVERVIEW_OUTPUTS, callback, signed_in, text_of

    engine = one_order(database_url)
    create_user(engine, "leader", "leader-demo-pass", "leadership")
    app = create_dash(
        {"DATABASE_URL": database_url, "SECRET_KEY": "store-test", "SALES_SNAPSHOT_DIR": tmp_path}
    )
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        session, _ = signed_in(base, "leader")
        ask = [("filter-url", "search", "?from=2026-05-01&to=2026-05-31")]
        assert "£10.00" in text_of(callback(session, base, OVERVIEW_OUTPUTS, ask))
        before = session.get(f"{base}/healthz").json()["data_version"]
        external_sql(database_url, f"BEGIN; {INSERT_ORDER}; {INSERT_LINE}; COMMIT;")
        assert "£85.00" in text_of(callback(session, base, OVERVIEW_OUTPUTS, ask))  # 10 + 3 × 25
        health = session.get(f"{base}/healthz").json()
        assert health["data_version"] > before
        assert health["data_version"] == read_version(engine).version
    finally:
        server.shutdown()


def test_sto004_snapshot_frames_equal_built_frames_and_are_not_copies(database_url, tmp_path):
    engine = one_order(database_url)
    built = Store(engine).frames()
    store = Store(engine, snapshot_dir=tmp_path)
    mapped = store.frames()
    snapshot = store._current.snapshot
    assert snapshot is not None and snapshot.copied_columns() == []
    for name in (
        "lines",
        "customers",
        "items",
        "orders",
        "daily",
        "monthly",
        "customer_month_items",
        "events",
    ):
        pd.testing.assert_frame_equal(getattr(mapped, name), getattr(built, name))
    assert mapped.as_of == built.as_of
    assert not mapped.lines["sales_amount"].to_numpy().flags.writeable  # nobody can mutate it


def test_sto005_a_slow_rebuild_blocks_no_request(tmp_path):
    """While the new snapshot is not ready, requests answer from the old one at once; then
    they switch to the new one. (The build waits on the builders' lock, held here.)"""
    url = f"sqlite:///{tmp_path / 'sales.db'}"
    engine = one_order(url)
    store = Store(engine, snapshot_dir=tmp_path / "snapshots", reload_wait=0.0)
    old = store.frames()
    external_sql(url, "UPDATE order_lines SET unit_price = 20 WHERE order_id = 'O1'")
    with build_lock(tmp_path / "snapshots"):
        for _ in range(3):
            assert store.frames() is old  # the rebuild waits for the lock; we do not
        assert store._building()
    store._builder.join(timeout=60)
    assert sales(store.frames()) == 20.0


TEAM_NORTH = Scope("manager", team="North")


def north_shop(tmp_path):
    """(URL, engine, store, its first frames) of a shop whose one customer belongs to team
    North (one order, £10), the manager's part of it served."""
    url = f"sqlite:///{tmp_path / 'sales.db'}"
    engine = make_engine(url)
    order = {"order_id": "O1", "order_date": "2026-05-01"}
    owned = [{"customer_id": "C1", "name": "Customer C1", "owner": "SP1"}]  # SP1: team North
    write_tables(engine, make_tables([order], customers=owned), replace=True)
    store = Store(engine, snapshot_dir=tmp_path / "snapshots", reload_wait=0.0)
    old = store.frames()
    assert sales(store.frames_for(TEAM_NORTH)) == 10.0
    return url, engine, store, old


def test_sto009_a_reload_serves_a_scope_its_previous_part_until_the_new_one_is_ready(
    tmp_path, monkeypatch
):
    """A manager's part of the data is worked out for the new snapshot in a thread after the
    swap; meanwhile the manager's requests answer from the previous part at once (no request
    waits for it, nor for the store's lock while another works it out), then from the new."""
    url, engine, store, old = north_shop(tmp_path)

    external_sql(url, f"BEGIN; {INSERT_ORDER}; {INSERT_LINE}; COMMIT;")
    worked_out, release = [], threading.Event()

    def slow_scoped(frames, scope):
        release.wait(60)
        worked_out.append(scope)
        return scoped(frames, scope)

    monkeypatch.setattr(data.store, "scoped", slow_scoped)
    until(lambda: store.frames() is not old, 60)
    assert sales(store.frames()) == 85.0  # whoever sees everything: the new data at once
    assert (
        sales(store.frames_for(TEAM_NORTH)) == 10.0
    )  # the previous part, while the new is prepared
    release.set()
    until(lambda: sales(store.frames_for(TEAM_NORTH)) == 85.0, 60)
    assert worked_out == [TEAM_NORTH]  # by the thread that prepared the reload, not by a request


def test_sto014_requests_mapping_a_reload_at_once_swap_once_and_keep_the_previous_parts(
    tmp_path, monkeypatch
):
    """Two requests that find the new snapshot at the same moment both map it; the second
    mapping is dropped, so the manager's previous part stays served until the new one is ready
    (before, the second swap forgot it and a request worked the part out itself)."""
    url, engine, store, old = north_shop(tmp_path)
    external_sql(url, f"BEGIN; {INSERT_ORDER}; {INSERT_LINE}; COMMIT;")
    path = build_snapshot(engine, tmp_path / "snapshots")

    both_mapping, release = threading.Barrier(2), threading.Event()
    real_map = data.store.map_snapshot

    def map_together(where):
        mapped = real_map(where)
        both_mapping.wait(30)
        return mapped

    def slow_scoped(frames, scope):
        release.wait(60)
        return scoped(frames, scope)

    monkeypatch.setattr(data.store, "map_snapshot", map_together)
    monkeypatch.setattr(data.store, "scoped", slow_scoped)
    results = []
    threads = [threading.Thread(target=lambda: results.append(store._map(path))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results[0] is results[1] and results[0].frames is not old  # one swap, one mapping
    assert sales(store.frames_for(TEAM_NORTH)) == 10.0  # the previous part, not worked out here
    release.set()
    until(lambda: sales(store.frames_for(TEAM_NORTH)) == 85.0, 60)


def test_sto010_a_scopes_part_is_one_file_every_process_maps(tmp_path, monkeypatch):
    """A manager's part of the data is written once, next to the snapshot, and mapped by every
    process that serves the team (not a private copy each); a reload drops the old parts."""
    url = f"sqlite:///{tmp_path / 'sales.db'}"
    engine = make_engine(url)
    orders = [{"order_id": "O1", "order_date": "2026-05-01"},
              {"order_id": "O2", "order_date": "2026-05-02", "customer_id": "C2"}]  # fmt: skip
    owners = [{"customer_id": "C1", "name": "Customer C1", "owner": "SP1"},  # SP1: team North
              {"customer_id": "C2", "name": "Customer C2", "owner": "SP2"}]  # fmt: skip
    write_tables(engine, make_tables(orders, customers=owners), replace=True)
    directory = tmp_path / "snapshots"
    team = Scope("manager", team="North")
    first = Store(engine, snapshot_dir=directory)
    part = first.frames_for(team)
    pd.testing.assert_frame_equal(part.lines, scoped(first.frames(), team).lines)
    assert list(part.customers["customer_id"]) == ["C1"] and sales(part) == 10.0
    assert not part.lines["sales_amount"].to_numpy().flags.writeable  # mapped, not a copy
    files = sorted(p.name for p in directory.glob("*.part-*.arrow"))
    assert len(files) == 1

    worked_out = []
    monkeypatch.setattr(data.store, "scoped", lambda f, s: worked_out.append(s) or scoped(f, s))
    second = Store(engine, snapshot_dir=directory)  # another worker
    for name in ("lines", "customers", "orders", "daily", "monthly", "events"):
        pd.testing.assert_frame_equal(getattr(second.frames_for(team), name), getattr(part, name))
    assert worked_out == []  # mapped the first one's file

    external_sql(url, "UPDATE order_lines SET unit_price = 30 WHERE order_id = 'O1'")
    assert sales(second.frames_for(team)) == 30.0
    assert worked_out == [team]
    assert [p.name for p in directory.glob("*.part-*.arrow")] != files  # the old part is gone
    assert sales(part) == 10.0  # a request still holding the old part reads it fine


def team_north_shop(tmp_path):
    """An engine on one order of a customer of team North, and a snapshot folder."""
    engine = make_engine(f"sqlite:///{tmp_path / 'sales.db'}")
    owned = [{"customer_id": "C1", "name": "Customer C1", "owner": "SP1"}]  # SP1: team North
    order = {"order_id": "O1", "order_date": "2026-05-01"}
    write_tables(engine, make_tables([order], customers=owned), replace=True)
    return engine, tmp_path / "snapshots"


def held_until_both_inside(function, calls: list):
    """`function`, recording its calls, and letting the first caller go on only when a second
    one is inside too (or after 1 s, if the second must wait outside)."""
    both_inside = threading.Barrier(2)

    def held(*args):
        calls.append(args)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_inside.wait(timeout=1.0)
        return function(*args)

    return held


def at_once(*asks) -> list:
    """What each of `asks` returns, called in threads of their own at the same moment."""
    results = [None] * len(asks)

    def run(i):
        results[i] = asks[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(asks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_sto012_a_part_is_worked_out_once_when_processes_ask_at_once(tmp_path, monkeypatch):
    """Two workers asking for the same team at the same moment: one works the part out and
    writes it, the other waits for it and maps it (they would both work it out, each reading
    the whole snapshot, without the lock)."""
    engine, directory = team_north_shop(tmp_path)
    team = Scope("manager", team="North")
    stores = [Store(engine, snapshot_dir=directory) for _ in range(2)]
    for store in stores:
        store.frames()
    worked_out = []
    monkeypatch.setattr(data.store, "scoped", held_until_both_inside(scoped, worked_out))
    parts = at_once(*(lambda store=store: store.frames_for(team) for store in stores))
    assert [scope for _, scope in worked_out] == [team]
    assert [sales(part) for part in parts] == [10.0, 10.0]


def test_sto013_requests_of_one_worker_asking_for_a_part_at_once_map_it_once(tmp_path, monkeypatch):
    """Two requests of one worker asking for the same team at the same moment: one maps the
    part's file, the other waits and is given the same frames (two mappings of the file would
    count its pages twice in the worker's RSS)."""
    engine, directory = team_north_shop(tmp_path)
    team = Scope("manager", team="North")
    Store(engine, snapshot_dir=directory).frames_for(team)  # another worker wrote the part
    store = Store(engine, snapshot_dir=directory)
    store.frames()
    mapped = []
    monkeypatch.setattr(data.store, "shared_part", held_until_both_inside(shared_part, mapped))
    parts = at_once(lambda: store.frames_for(team), lambda: store.frames_for(team))
    assert len(mapped) == 1
    assert parts[0] is parts[1] and sales(parts[0]) == 10.0


def test_sto006_superseded_snapshots_are_removed_and_old_frames_stay_readable(tmp_path):
    url = f"sqlite:///{tmp_path / 'sales.db'}"
    directory = tmp_path / "snapshots"
    store = Store(one_order(url), snapshot_dir=directory)
    old = store.frames()
    first_file = store._current.snapshot.path
    external_sql(url, "UPDATE order_lines SET unit_price = 30 WHERE order_id = 'O1'")
    new = store.frames()
    assert sales(new) == 30.0
    assert not first_file.exists()  # unlinked; the pages live while someone maps them
    assert [p.name for p in directory.glob("*.arrow")] == [store._current.snapshot.path.name]
    assert sales(old) == 10.0  # a request still holding the old frames reads them fine


def test_sto007_a_child_process_builds_big_data(tmp_path):
    """Above `in_process_lines` the snapshot is built by `python -m data.snapshot`."""
    url = f"sqlite:///{tmp_path / 'sales.db'}"
    store = Store(one_order(url), snapshot_dir=tmp_path / "snapshots", in_process_lines=0)
    frames = store.load(timeout=120)
    assert sales(frames) == 10.0
    assert store._builder is not None and not isinstance(store._builder, threading.Thread)
    assert store._builder.returncode == 0


def test_sto015_a_ready_builder_child_builds_the_next_reload(tmp_path, monkeypatch):
    """Above `in_process_lines` a request starts a builder child that loads its code and waits:
    the next reload is built by it (no interpreter to start then); let go unasked, one exits
    without building."""
    monkeypatch.setattr(data.store, "READY_AFTER", 0.0)
    url = f"sqlite:///{tmp_path / 'sales.db'}"
    directory = tmp_path / "snapshots"
    store = Store(one_order(url), snapshot_dir=directory, in_process_lines=0, reload_wait=0)
    store.load(timeout=120)
    assert store._ready is None  # not outside a request (a server's master)
    requests = Flask(__name__)
    with requests.test_request_context():
        store.frames()
    ready = store._ready
    assert ready is not None and ready.poll() is None

    external_sql(url, "UPDATE order_lines SET unit_price = 30 WHERE order_id = 'O1'")
    with requests.test_request_context():
        store.frames()
    assert store._builder is ready and store._ready is None
    assert ready.wait(120) == 0
    until(lambda: sales(store.frames()) == 30.0, 60)
    with requests.test_request_context():
        store.frames()
    second = store._ready
    assert second is not None and second is not ready
    built = sorted(p.name for p in directory.glob("*.arrow"))
    store.release()
    assert second.returncode == 0
    assert sorted(p.name for p in directory.glob("*.arrow")) == built


def test_sto011_a_request_before_the_first_snapshot_gets_503_with_the_reason(
    demo_db, tmp_path, monkeypatch
):
    """Over HTTP, while the first snapshot cannot be built yet (its lock is held): a download
    and a callback answer 503 with a sentence, not a 500 page; then they answer with data."""
    monkeypatch.setattr(data.store, "FIRST_LOAD_WAIT", 0.3)
    directory = tmp_path / "snapshots"
    directory.mkdir()
    app = create_dash({"DATABASE_URL": copy_database(demo_db, tmp_path), "SECRET_KEY": "t",
                       "SALES_SNAPSHOT_DIR": directory})  # fmt: skip
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        session, _ = signed_in(base, "leader")
        with build_lock(directory):
            response = session.get(f"{base}/export/kpis.csv")
            assert response.status_code == 503
            assert response.text.startswith("The sales data is not loaded yet")
            assert response.headers["Retry-After"] == "30"
            page = callback(session, base, [("app-page", "children")],
                            [("app-url", "pathname", "/")], [("app-url", "search", "")])  # fmt: skip
            assert page.status_code == 503 and "not loaded yet" in page.text
        until(lambda: session.get(f"{base}/export/kpis.csv").status_code == 200, 120)
    finally:
        server.shutdown()


def test_sto008_no_data_yet_is_unavailable_not_an_error_page(tmp_path):
    url = f"sqlite:///{tmp_path / 'sales.db'}"
    directory = tmp_path / "snapshots"
    directory.mkdir()
    store = Store(one_order(url), snapshot_dir=directory)
    with build_lock(directory):
        status = store.status()
        assert status["status"] == "loading"
        with pytest.raises(DataUnavailable):
            store.load(timeout=0.3)
    assert store.load(timeout=60) is not None
    assert store.status()["status"] == "ok"
