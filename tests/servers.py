"""Real servers for HTTP tests: the app in a thread, or gunicorn with several worker processes."""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import requests
from werkzeug.serving import make_server

from app import create_dash

ROOT = Path(__file__).resolve().parent.parent


def copy_database(db_url: str, directory: Path) -> str:
    """A copy of a SQLite database in `directory` (with no sign-in state beside it yet)."""
    target = directory / "copy.db"
    with (
        sqlite3.connect(db_url.removeprefix("sqlite:///")) as source,
        sqlite3.connect(target) as copy,
    ):
        source.backup(copy)
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
    worker pid, status, path."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable, "-m", "gunicorn", "--no-control-socket",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
        "--access-logfile", str(log), "--access-logformat", "%(p)s %(s)s %(U)s",
        "app:create_app()",
    ]  # fmt: skip
    environment = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": "test-secret", **env}
    master = subprocess.Popen(command, cwd=ROOT, env=environment, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(base, master, workers)
        yield base, psutil.Process(master.pid)
    finally:
        master.terminate()
        master.wait(timeout=30)


def _wait_until_serving(base: str, master: subprocess.Popen, workers: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if master.poll() is not None:
            raise RuntimeError(f"gunicorn stopped: {master.stderr.read().decode()[-2000:]}")
        try:
            ready = requests.get(f"{base}/login", timeout=5).status_code == 200
        except requests.ConnectionError:
            ready = False
        if ready and len(psutil.Process(master.pid).children()) == workers:
            return
        time.sleep(0.2)  # polling a starting server, not waiting out a test condition
    raise RuntimeError("gunicorn did not start within 120 s")


def worker_pids(log: Path, path: str) -> set[str]:
    """The worker processes that answered requests for `path`, from the access log."""
    return {line.split()[0] for line in log.read_text().splitlines() if line.endswith(f" {path}")}
