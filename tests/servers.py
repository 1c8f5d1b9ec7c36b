"""Real servers for HTTP tests: the app in a thread, or gunicorn with several worker processes."""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import requests
from dash.testing import wait
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from app import create_dash
from data.db import normal_url

ROOT = Path(__file__).resolve().parent.parent


def copy_database(db_url: str, directory: Path) -> str:
    """A copy of a SQLite database in `directory` (with no sign-in state beside it yet), under a
    database id of its own: the tests' apps share one snapshot folder, where a copy that kept the
    original's id would map the original's snapshot of the same version number."""
    target = directory / "copy.db"
    with (
        sqlite3.connect(db_url.removeprefix("sqlite:///")) as source,
        sqlite3.connect(target) as copy,
    ):
        source.backup(copy)
        copy.execute(
            "UPDATE data_version SET database_id = ? WHERE id = 1", (uuid.uuid4().hex[:16],)
        )
    return f"sqlite:///{target}"


@contextlib.contextmanager
def threaded(db_url: str, **config):
    """The app served from a thread of this process; yields its base URL."""
    app = create_dash({"DATABASE_URL": db_url, "SECRET_KEY": "test-secret", **config})
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@contextlib.contextmanager
def gunicorn(db_url: str, log: Path, workers: int = 2, threads: int = 8, **env: str):
    """`gunicorn app:create_app()` with `workers` processes of `threads` threads each; yields
    (base URL, the master's psutil.Process). The access log `log` holds one line per request:
    worker pid, status, method, path."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable, "-m", "gunicorn", "--no-control-socket",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
        "--access-logfile", str(log), "--access-logformat", "%(p)s %(s)s %(m)s %(U)s",
        "--keep-alive", "120",  # a client's connection, and so its worker, lasts the whole test
        "app:create_app()",
    ]  # fmt: skip
    environment = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": "test-secret", **env}
    errors = log.with_suffix(".stderr")  # a file, not a pipe: a full pipe would block the server
    with errors.open("wb") as stderr:
        master = subprocess.Popen(command, cwd=ROOT, env=environment, stderr=stderr)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(base, master, workers, log)
        yield base, psutil.Process(master.pid)
    finally:
        master.terminate()
        master.wait(timeout=60)


def _wait_until_serving(base: str, master: subprocess.Popen, workers: int, log: Path) -> None:
    """Until every worker has answered: a worker still importing the app takes no connection."""
    with ThreadPoolExecutor(4) as pool:

        def serving() -> bool:
            if master.poll() is not None:
                raise RuntimeError(f"gunicorn stopped: {log.with_suffix('.stderr').read_text()}")
            list(pool.map(lambda _: _probe(base), range(4)))
            return log.exists() and len(worker_pids(log, "GET /login")) == workers

        wait.until(serving, 120, poll=0.2, msg="gunicorn did not start within 120 s")


def _probe(base: str) -> None:
    with contextlib.suppress(requests.ConnectionError, requests.Timeout):
        requests.get(f"{base}/login", timeout=30)


def served_by(log: Path, request: str, count_before: int) -> str:
    """The worker pid that answered the request logged after `count_before` lines (the log is
    written just after the response, so wait for its line; an earlier request's line may come
    first, e.g. the sign-in's, written by the other worker under load)."""

    def logged() -> str | None:
        lines = log.read_text().splitlines()[count_before:]
        return next((line for line in lines if line.endswith(f" {request}")), None)

    line = wait.until(logged, 30, poll=0.01, msg=f"no access log line for {request}")
    return line.split()[0]


def spread_over_two_workers(log: Path, make, count: int, request: str) -> list:
    """`count` clients made by `make()`, half connected to each of gunicorn's 2 workers. Each
    client opens one kept-alive connection with one request (logged as `request`), so all its
    requests go to the worker that took that connection. Which worker takes a new connection is
    the kernel's choice, and an idle pair often hands most of them to one worker (a CI run gave
    39 to one and 1 to the other out of 40): up to 50 tries per client are made."""
    by_worker: dict[str, list] = {}
    for _ in range(count * 50):
        lines = len(log.read_text().splitlines())
        client = make()
        by_worker.setdefault(served_by(log, request, lines), []).append(client)
        if len(by_worker) == 2 and all(len(c) >= (count + 1) // 2 for c in by_worker.values()):
            first, second = by_worker.values()
            return [c for pair in zip(first, second, strict=False) for c in pair][:count]
    sizes = [len(c) for c in by_worker.values()]
    raise AssertionError(f"connections did not reach both workers: {sizes}")


def worker_pids(log: Path, request: str) -> set[str]:
    """The worker processes that answered `request` ("POST /login"), from the access log."""
    lines = log.read_text().splitlines()
    return {line.split()[0] for line in lines if line.endswith(f" {request}")}


POSTGRES_ADMIN = normal_url(
    os.environ.get("TEST_POSTGRES_URL", "postgresql://sales:sales@127.0.0.1:55432/postgres")
)


@contextlib.contextmanager
def postgres_database(prefix: str):
    """A new, empty PostgreSQL database (dropped after); pytest.skip when no server answers at
    TEST_POSTGRES_URL (default: the role `sales` on 127.0.0.1:55432)."""
    import pytest
    from sqlalchemy import create_engine, text

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
    except Exception as error:  # no server here: the SQLite cases still run (never in CI)
        admin.dispose()
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no PostgreSQL server at {POSTGRES_ADMIN}: {error}")
    try:
        yield make_url(POSTGRES_ADMIN).set(database=name).render_as_string(hide_password=False)
    finally:
        _drop_database(admin, name)
        admin.dispose()


def _drop_database(admin, name: str, timeout: float = 10.0) -> None:
    """Drop a test database, ending its sessions. An autovacuum worker visiting it can only be
    ended by a role with pg_signal_backend (`.ci/postgres.sh` grants it); a role without it
    waits for the worker to finish instead."""
    from sqlalchemy import text
    from sqlalchemy.exc import ProgrammingError

    def dropped() -> bool:
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        except ProgrammingError:
            return False
        return True

    wait.until(dropped, timeout, poll=0.5, msg=f"test database {name} could not be dropped")
