"""Sign-in state shared by every server process: the failed-login brake and session generations.

It lives in a small database of its own beside a SQLite sales database (sales.db ->
sales.auth.db), or in the same database for a server database such as PostgreSQL: every
worker and the command line see one state, and its writes are not a change of the sales data
(which would make every server reload its cached frames).

The brake counts failed password checks per account and per client address. An attempt is
counted *before* its password is checked, in the same transaction that reads the count with
the rows locked (SQLite: BEGIN IMMEDIATE; PostgreSQL: SELECT ... FOR UPDATE), so parallel
guesses cannot all slip through; a correct password then takes its count back.
"""

from __future__ import annotations

import contextlib
import ipaddress
import math
import os
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, create_engine, event, func, select, update
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import StaticPool

from data.models import LoginBrake, SignInBase, UserSession


@dataclass(frozen=True)
class BrakeRule:
    """`free` failed checks are allowed; after them each further check waits `first_wait`
    seconds after the last one, doubling up to `max_wait`. Failures are forgotten after
    `quiet` seconds without a counted attempt."""

    free: int
    first_wait: float
    max_wait: float
    quiet: float = 15 * 60

    def wait(self, failures: int, last_attempt: float, now: float) -> float:
        if failures < self.free:
            return 0.0
        delay = min(self.first_wait * 2 ** (failures - self.free), self.max_wait)
        return max(0.0, last_attempt + delay - now)


# An account under attack locks (its own correct password waits too); an address only slows.
ACCOUNT_RULE = BrakeRule(free=5, first_wait=30, max_wait=15 * 60)
ADDRESS_RULE = BrakeRule(free=10, first_wait=2, max_wait=60)
PRUNE_EVERY_SECONDS = 60


def signin_state_url(database_url: str) -> str:
    """Beside a SQLite database file (sales.db -> sales.auth.db); else the same database."""
    prefix = "sqlite:///"
    if database_url.startswith(prefix) and database_url != prefix + ":memory:":
        path = database_url.removeprefix(prefix)
        stem = path[:-3] if path.endswith(".db") else path
        return f"{prefix}{stem}.auth.db"
    return database_url


def address_key(remote_addr: str | None) -> str:
    """The brake's key of a client address; an IPv6 client counts by its /64 network (one
    subscriber usually holds a whole /64)."""
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return "address:unknown"
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.version == 6:
        return f"address:{ipaddress.ip_network(f'{address}/64', strict=False)}"
    return f"address:{address}"


class SignInState:
    """The brake and the session generations over one database (see the module docstring)."""

    def __init__(self, url: str, clock: Callable[[], float] = time.time) -> None:
        self.engine: Engine = _engine(url)
        # an in-memory database is one connection: one transaction at a time
        self._serial = threading.RLock() if _in_memory(url) else contextlib.nullcontext()
        self._writer = self.engine.execution_options(immediate=True)  # SQLite: BEGIN IMMEDIATE
        self.clock = clock
        self._pruned_at = 0.0
        SignInBase.metadata.create_all(self._writer)  # several workers may start at once

    # --- the brake -------------------------------------------------------------------------

    def reserve(self, account: str | None, address: str) -> int:
        """Count one sign-in attempt as failed before its password is checked, unless a brake
        holds it back. `account`: the username of an existing user (None for an unknown name,
        which is counted per address only, so it adds no row); `address`: an address_key.

        Returns 0 when the attempt may go ahead (call succeeded() if the password was right),
        else the seconds to wait (nothing counted). The address brake holds back unknown names
        and accounts with recent failures, never an account nobody has failed on: a busy
        address (a proxy, an office) cannot lock out another account's correct password."""
        now = self.clock()
        account_key = f"account:{account}" if account is not None else None
        keys = sorted(k for k in (account_key, address) if k)
        with self._serial, self._writer.connect() as conn, conn.begin() as transaction:
            self._prune(conn, now)
            rows = _locked_rows(conn, keys, now)
            failures = {k: _recent(rows[k], _rule(k), now) for k in keys}
            waits = [0.0]
            if account_key is not None:
                waits.append(ACCOUNT_RULE.wait(failures[account_key], rows[account_key].last_attempt, now))  # fmt: skip
            if account_key is None or failures[account_key] > 0:
                waits.append(ADDRESS_RULE.wait(failures[address], rows[address].last_attempt, now))  # fmt: skip
            if max(waits) > 0:
                transaction.rollback()
                return math.ceil(max(waits))
            for key in keys:
                conn.execute(
                    update(LoginBrake)
                    .where(LoginBrake.key == key)
                    .values(failures=failures[key] + 1, last_attempt=now)
                )
        return 0

    def succeeded(self, account: str, address: str) -> None:
        """The password was right: the account's failures are forgotten; the address's count
        only loses this attempt (a sign-in must not reset an address's failures). The account's
        row stays (with no failures) until pruned: deleting it under a parallel sign-in of the
        same account made that one's reservation lose its row on PostgreSQL. Rows are locked
        account first, then address, as in reserve(), so the two never deadlock."""
        with self._serial, self._writer.begin() as conn:
            conn.execute(
                update(LoginBrake).where(LoginBrake.key == f"account:{account}").values(failures=0)
            )
            conn.execute(
                update(LoginBrake)
                .where(LoginBrake.key == address, LoginBrake.failures > 0)
                .values(failures=LoginBrake.failures - 1)
            )

    def forget_failures(self, account: str) -> None:
        """The account's failed sign-ins are forgotten (an admin let the user in again)."""
        with self._serial, self._writer.begin() as conn:
            conn.execute(
                LoginBrake.__table__.delete().where(LoginBrake.key == f"account:{account}")
            )

    def brake_rows(self) -> int:
        with self._serial, self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(LoginBrake)).scalar_one()

    def _prune(self, conn: Connection, now: float) -> None:
        """Delete rows quiet for longer than every rule remembers (at most once a minute)."""
        if now - self._pruned_at < PRUNE_EVERY_SECONDS:
            return
        self._pruned_at = now
        quiet = max(ACCOUNT_RULE.quiet, ADDRESS_RULE.quiet)
        conn.execute(LoginBrake.__table__.delete().where(LoginBrake.last_attempt < now - quiet))

    # --- sessions --------------------------------------------------------------------------

    def generation(self, username: str) -> int:
        """The user's current session generation (0 until their sessions were first ended)."""
        with self._serial, self.engine.connect() as conn:
            value = conn.execute(
                select(UserSession.generation).where(UserSession.username == username)
            ).scalar_one_or_none()
        return value or 0

    def end_sessions(self, username: str) -> None:
        """End every session of the user: sessions carry the generation they began in."""
        table = UserSession.__table__
        for _ in range(3):  # a concurrent first insert of the same user: try again
            try:
                with self._serial, self._writer.begin() as conn:
                    done = conn.execute(
                        update(UserSession)
                        .where(UserSession.username == username)
                        .values(generation=UserSession.generation + 1)
                    )
                    if done.rowcount == 0:
                        conn.execute(table.insert().values(username=username, generation=1))
                return
            except IntegrityError:
                continue
        raise RuntimeError(f"could not end the sessions of {username!r}")


def _rule(key: str) -> BrakeRule:
    return ACCOUNT_RULE if key.startswith("account:") else ADDRESS_RULE


def _recent(row, rule: BrakeRule, now: float) -> int:
    """The row's failures, or 0 once it has been quiet for the rule's window."""
    return 0 if now - row.last_attempt >= rule.quiet else row.failures


def _locked_rows(conn: Connection, keys: list[str], now: float) -> dict:
    """The brake rows of the keys, created if missing and locked for this transaction. On
    PostgreSQL a row may vanish between the insert and the lock (a prune, or an admin's
    forget_failures): the insert is repeated; each statement sees what was committed before
    it."""
    locked = select(LoginBrake).where(LoginBrake.key.in_(keys)).with_for_update()
    for _ in range(10):
        for key in keys:
            _insert_missing(conn, key, now)
        rows = {row.key: row for row in conn.execute(locked.order_by(LoginBrake.key))}
        if len(rows) == len(keys):
            return rows
    raise RuntimeError(f"the sign-in brake rows {keys} keep disappearing")


def _insert_missing(conn: Connection, key: str, now: float) -> None:
    values = {"key": key, "failures": 0, "last_attempt": now}
    name = conn.dialect.name
    if name in ("sqlite", "postgresql"):
        module = sqlite if name == "sqlite" else postgresql
        conn.execute(module.insert(LoginBrake).values(**values).on_conflict_do_nothing())
    elif name in ("mysql", "mariadb"):
        conn.execute(mysql.insert(LoginBrake).values(**values).prefix_with("IGNORE"))
    elif conn.execute(select(LoginBrake.key).where(LoginBrake.key == key)).first() is None:
        conn.execute(LoginBrake.__table__.insert().values(**values))


def _in_memory(url: str) -> bool:
    return url in ("sqlite://", "sqlite:///:memory:")


def _engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    if _in_memory(url):  # one connection, or every connection would see its own database
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy's begin below starts the transactions
        dbapi_conn.execute("PRAGMA journal_mode=WAL")

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        # a writer takes the write lock before it reads the counts; readers never wait
        immediate = conn.get_execution_options().get("immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


_STATES: dict[str, SignInState] = {}
_STATES_LOCK = threading.Lock()
_ALL_ENGINES: weakref.WeakSet = weakref.WeakSet()


def signin_state(database_url: str) -> SignInState:
    """The sign-in state of the sales database at `database_url` (one per process)."""
    url = signin_state_url(database_url)
    with _STATES_LOCK:
        state = _STATES.get(url)
        if state is None:
            state = _STATES[url] = SignInState(url)
            _ALL_ENGINES.add(state.engine)
    return state


def _after_fork() -> None:
    # A forked worker must not share its parent's connections (PostgreSQL sockets).
    for engine in list(_ALL_ENGINES):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_after_fork)
