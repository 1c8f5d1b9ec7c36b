"""The sign-in state on a real SQLite file and a real PostgreSQL database: the brake's rules with
a hand-set clock, atomic reservations under parallel threads, pruning, session generations."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import create_engine, text

from data.signin_state import SignInState, address_key, signin_state_url
from tests.servers import postgres_database

ADDRESS = "address:198.51.100.7"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
def state_url(request, tmp_path):
    """A fresh sign-in state database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'sales.auth.db'}"
        return
    with postgres_database("i16_signin") as url:
        yield url


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def state(state_url, clock):
    made = SignInState(state_url, clock=clock)
    yield made
    made.engine.dispose()


def test_sst001_five_failures_per_account_then_waits_that_double(state, clock):
    assert [state.reserve("leader", ADDRESS) for _ in range(5)] == [0] * 5
    assert state.reserve("leader", ADDRESS) == 30  # refused: nothing counted
    clock.now += 29
    assert state.reserve("leader", ADDRESS) == 1
    clock.now += 1
    assert state.reserve("leader", ADDRESS) == 0  # the 6th check, 30 s after the 5th
    assert state.reserve("leader", ADDRESS) == 60  # then 60 s, 120 s, ... up to 15 minutes
    clock.now += 15 * 60  # quiet for 15 minutes: forgotten
    assert state.reserve("leader", ADDRESS) == 0


def test_sst002_a_correct_password_clears_its_account_but_not_the_address(state, clock):
    for name in ("ghost1", "ghost2", "ghost3", "ghost4"):  # unknown names count per address
        assert state.reserve(None, ADDRESS) == 0, name
    for _ in range(4):
        assert state.reserve("leader", ADDRESS) == 0
    assert state.reserve("leader", ADDRESS) == 0  # the leader's 5th try is right
    state.succeeded("leader", ADDRESS)
    assert [state.reserve("leader", ADDRESS) for _ in range(2)] == [0, 0]  # account counts anew
    # the address kept 4 + 4 + 2 = 10 failures: its brake holds now
    assert state.reserve(None, ADDRESS) == 2


def test_sst003_a_braked_address_slows_unknown_names_and_failed_accounts_only(state, clock):
    for _ in range(10):
        assert state.reserve(None, ADDRESS) == 0
    assert state.reserve(None, ADDRESS) == 2  # unknown names: slowed
    assert state.reserve("manager", ADDRESS) == 0  # nobody has failed on manager: checked
    state.succeeded("manager", ADDRESS)
    assert state.reserve("sales", ADDRESS) == 0  # sales: checked, and wrong
    # sales has failed now, so the address's brake holds it too: 11 failures, 4 s
    assert state.reserve("sales", ADDRESS) == 4
    assert state.reserve("sales", "address:203.0.113.9") == 0  # from elsewhere: its own count
    clock.now += 4
    assert state.reserve(None, ADDRESS) == 0


def test_sst004_parallel_reservations_let_exactly_five_through(state):
    results: list[int] = []
    start = threading.Barrier(40)

    def attempt() -> None:
        start.wait()
        results.append(state.reserve("leader", ADDRESS))

    threads = [threading.Thread(target=attempt) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == 40
    assert results.count(0) == 5


def test_sst010_correct_sign_ins_in_parallel_workers_never_fail(state_url):
    """Two workers (two engines) signing the same account in over and over. A correct sign-in
    used to delete the account's row while the other worker's reservation was between creating
    and locking it (KeyError on PostgreSQL under 20 parallel sign-ins); creating it again
    while holding the address's row then deadlocked."""
    workers = [SignInState(state_url), SignInState(state_url)]
    waits: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(workers))

    def sign_in_repeatedly(worker: SignInState) -> None:
        start.wait()
        try:
            for _ in range(150):
                waits.append(worker.reserve("leader", ADDRESS))
                worker.succeeded("leader", ADDRESS)
        except BaseException as error:  # noqa: BLE001 (the finding)
            errors.append(error)

    threads = [threading.Thread(target=sign_in_repeatedly, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for worker in workers:
        worker.engine.dispose()
    assert errors == []
    assert waits == [0] * 300


def test_sst005_rows_stay_bounded_and_quiet_rows_are_pruned(state, state_url, clock):
    for _ in range(2000):  # unknown names add no row
        state.reserve(None, ADDRESS)
    assert state.brake_rows() == 1
    for i in range(300):
        state.reserve(None, f"address:10.0.{i // 250}.{i % 250}")
    assert state.brake_rows() == 301
    clock.now += 15 * 60 + 61  # every row quiet past the window; the prune is due
    state.reserve(None, ADDRESS)
    assert state.brake_rows() == 1
    engine = create_engine(state_url)
    with engine.connect() as conn:  # independently of the code under test
        assert conn.execute(text("SELECT key FROM login_brake")).scalars().all() == [ADDRESS]
    engine.dispose()


def test_sst006_ending_sessions_bumps_the_generation(state):
    assert state.generation("leader") == 0
    state.end_sessions("leader")
    state.end_sessions("leader")
    assert state.generation("leader") == 2
    assert state.generation("manager") == 0


@pytest.mark.parametrize(
    "remote,key",
    [
        ("192.0.2.1", "address:192.0.2.1"),
        ("2001:db8:1:2:3:4:5:6", "address:2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::1", "address:2001:db8:1:2::/64"),
        ("::ffff:192.0.2.1", "address:192.0.2.1"),
        ("not an address", "address:unknown"),
        (None, "address:unknown"),
    ],
)
def test_sst007_address_keys(remote, key):
    assert address_key(remote) == key


def test_sst008_state_lives_beside_a_sqlite_file_else_in_the_same_database(tmp_path):
    assert signin_state_url("sqlite:////srv/x/sales.db") == "sqlite:////srv/x/sales.auth.db"
    url = "postgresql+psycopg://u:p@db/sales"
    assert signin_state_url(url) == url
    # the SQLite state file takes writes while the sales file stays untouched
    sales = tmp_path / "sales.db"
    sqlite3.connect(sales).close()
    before = sales.stat().st_mtime_ns
    state = SignInState(signin_state_url(f"sqlite:///{sales}"))
    state.reserve("leader", ADDRESS)
    state.end_sessions("leader")
    assert (tmp_path / "sales.auth.db").exists()
    assert sales.stat().st_mtime_ns == before


def test_sst009_an_in_memory_state_serves_parallel_threads_one_at_a_time(clock):
    state = SignInState("sqlite://", clock=clock)
    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(state.reserve("leader", ADDRESS)))
        for _ in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [0] * 5 + [30] * 15
    state.end_sessions("leader")
    assert state.generation("leader") == 1
