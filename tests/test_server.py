"""The production server as deployed: `gunicorn -c gunicorn.conf.py` with 2 workers, real HTTP,
on SQLite and on PostgreSQL. A change made by another program (sqlite3 / psql) or by an
update-only `import-lines` is seen by the next request of every worker; /healthz needs no
sign-in and tells the data version."""

import contextlib
import csv
import io
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from dash.testing import wait

from data.db import make_engine, read_version
from data.users import create_user
from tests.cli import flask
from tests.dbtools import external_sql
from tests.test_auth import signed_in

pytestmark = pytest.mark.slow  # real servers and thousands of requests: not in the fast subset

ROOT = Path(__file__).resolve().parent.parent
HEADER = "order_id,order_date,customer_id,item_id,quantity,unit_price\n"
# Hand-computed: O1 2 × 10 = 20, O2 1 × 5 = 5: Sales Amount 25.
LINES = HEADER + "O1,2026-05-01,C1,I1,2,10\nO2,2026-05-02,C1,I2,1,5\n"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(database_url, tmp_path):
    """Base URL of gunicorn serving a database that holds LINES and the user `leader`."""
    with serving(database_url, tmp_path) as base:
        yield base


@contextlib.contextmanager
def serving(database_url, tmp_path, **env: str):
    """gunicorn -c gunicorn.conf.py (2 workers, `env` added) on a database given LINES and the
    user `leader`; yields the base URL. Its log: tmp_path / "gunicorn.log"."""
    lines = tmp_path / "lines.csv"
    lines.write_text(LINES)
    result = flask(database_url, "import-lines", str(lines))
    assert result.returncode == 0, result.stderr
    create_user(make_engine(database_url), "leader", "leader-demo-pass", "leadership")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "PORT": str(port), "WEB_CONCURRENCY": "2",
           "SECRET_KEY": "server-test", "SALES_SNAPSHOT_DIR": str(tmp_path / "snapshots"),
           **env}  # fmt: skip
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:

        def healthy() -> bool:
            assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
            try:
                return requests.get(f"{base}/healthz", timeout=5).status_code == 200
            except requests.ConnectionError:
                return False

        wait.until(healthy, 120, poll=0.2, msg="gunicorn did not come up in 120 s")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()


def fresh(session: requests.Session, url: str) -> requests.Response:
    """A request on a new connection: the kernel hands it to either worker."""
    response = session.get(url, headers={"Connection": "close"}, timeout=60)
    assert response.status_code == 200, response.text
    return response


def every_worker(session, base: str) -> dict[int, dict]:
    """/healthz of each of the 2 workers (fresh connections until both have answered)."""
    seen: dict[int, dict] = {}
    for _ in range(200):
        health = fresh(session, f"{base}/healthz").json()
        seen.setdefault(health["worker"], health)
        if len(seen) == 2:
            return seen
    raise AssertionError(f"only workers {sorted(seen)} answered 200 requests")


def sales_amount(session, base: str) -> float:
    (row,) = csv.DictReader(
        io.StringIO(fresh(session, f"{base}/export/kpis.csv?headers=fields").text)
    )
    return float(row["sales_amount"])


def test_srv001_healthz_needs_no_sign_in_and_tells_the_data_version(server, database_url):
    response = requests.get(f"{server}/healthz", timeout=30)
    assert response.status_code == 200
    health = response.json()
    assert health["status"] == "ok" and health["lines"] == 2
    assert health["data_version"] == read_version(make_engine(database_url)).version
    assert requests.get(f"{server}/export/kpis.csv", timeout=30).status_code == 401


def test_srv002_every_worker_sees_an_external_update_on_its_next_request(server, database_url):
    sees_an_external_update(server, database_url)


def sees_an_external_update(base: str, database_url: str) -> None:
    """The leader's Sales Amount 25 on both workers, then a price changed by another program:
    both workers on the new data version, answering 29 on every request."""
    session, _ = signed_in(base, "leader")
    assert sales_amount(session, base) == 25.0
    every_worker(session, base)  # both workers have served the old data
    external_sql(database_url, "UPDATE order_lines SET unit_price = 12 WHERE order_id = 'O1'")
    version = read_version(make_engine(database_url)).version
    for health in every_worker(session, base).values():
        assert health["data_version"] == version
    for _ in range(6):
        assert sales_amount(session, base) == 29.0  # 2 × 12 + 5


def test_srv003_every_worker_sees_an_update_only_import(server, database_url, tmp_path):
    session, _ = signed_in(server, "leader")
    assert sales_amount(session, server) == 25.0
    every_worker(session, server)
    corrected = tmp_path / "corrected.csv"
    corrected.write_text(HEADER + "O2,2026-05-02,C1,I2,1,7.5\n")
    result = flask(database_url, "import-lines", str(corrected))
    assert result.returncode == 0, result.stderr
    assert "order_lines: 0 added, 1 updated" in result.stdout
    version = read_version(make_engine(database_url)).version
    for health in every_worker(session, server).values():
        assert health["data_version"] == version
    for _ in range(6):
        assert sales_amount(session, server) == 27.5  # 20 + 7.5


def test_srv004_a_sql_server_reads_the_users_lists_before_its_workers_start(database_url, tmp_path):
    """SALES_ENGINE=sql: the master reads the lists of whoever sees everything and of each
    active user's scope (the leader and the manager of North: 2, by hand) before forking, then
    every worker answers from the database, and after an update by another program each
    answers the new data (the lists read ahead were the old version's)."""
    create_user(make_engine(database_url), "nora", "nora-demo-pass", "manager", team="North",
                new_team=True)  # fmt: skip
    with serving(database_url, tmp_path, SALES_ENGINE="sql") as base:
        assert "the lists of 2 scopes read" in (tmp_path / "gunicorn.log").read_text()
        sees_an_external_update(base, database_url)
