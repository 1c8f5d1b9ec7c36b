"""Shared fixtures: a real SQLite file holding a small demo company, and `database_url`: the
same test on a fresh SQLite file and on a fresh PostgreSQL database."""

import logging
import os
import shutil
import tempfile
from datetime import date
from urllib.parse import quote

import pytest
from dash.testing import wait
from dash.testing.application_runners import BaseDashRunner
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

from data.db import make_engine, write_tables
from data.demo import generate
from data.users import DEMO_USERS, add_demo_users
from tests.servers import postgres_database

DEMO_END = date(2026, 11, 21)
# The PostgreSQL server the `database_url` tests create their databases on (a role with CREATEDB);
# .ci/run starts a throwaway one and sets this.
POSTGRES_ENV = "TEST_POSTGRES_URL"

# Every app the tests build maps its snapshots from one folder of this run (not the instance
# folder), and a changed database is seen by the very next request however busy the machine is.
_SNAPSHOTS = tempfile.mkdtemp(prefix="sales-test-snapshots-")
os.environ.setdefault("SALES_SNAPSHOT_DIR", _SNAPSHOTS)
os.environ.setdefault("SALES_RELOAD_WAIT_SECONDS", "60")
# dash_duo's servers take ports from 18050 up (below Linux's ephemeral ports, 32768-60999, which
# an outgoing connection may hold); DASH_TEST_PORT moves them, so that two test runs on one
# machine never answer each other's browser; each pytest-xdist worker (gw0, gw1, ...) of a run
# takes its own thousand.
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
BaseDashRunner._next_port = int(os.environ.get("DASH_TEST_PORT", "18050")) + 1000 * _WORKER


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_SNAPSHOTS, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """URL of an empty database (schema, data version and triggers in place once an engine is
    made): a SQLite file, then a PostgreSQL database created for the test and dropped after."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'sales.db'}"
        return
    if not os.environ.get(POSTGRES_ENV) and os.environ.get("CI"):
        pytest.fail(f"{POSTGRES_ENV} is not set: CI must run the PostgreSQL tests")
    with postgres_database("test") as url:
        yield url


@pytest.fixture
def app_log(caplog, monkeypatch):
    """caplog for the app's `sales.*` loggers, which write to standard error and do not
    propagate to the root logger that caplog listens to (app.configure_logging): caplog's
    handler is on the `sales` logger itself, each record caught once."""
    logger = logging.getLogger("sales")
    monkeypatch.setattr(logger, "propagate", False)
    logger.addHandler(caplog.handler)
    yield caplog
    logger.removeHandler(caplog.handler)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """URL of a SQLite file with a 20,000-line demo company (seed 7, ending 2026-11-21) and
    its users (see PASSWORDS)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    engine = make_engine(url)
    write_tables(engine, generate(lines=20_000, seed=7, end=DEMO_END), replace=True)
    add_demo_users(engine)
    return url


@pytest.fixture(scope="session")
def postgres_demo():
    """URL of a new PostgreSQL database with a 2,000-line demo company and its users (skipped
    when no PostgreSQL server answers; see tests.servers.postgres_database)."""
    with postgres_database("i16_demo") as url:
        engine = make_engine(url)
        write_tables(engine, generate(lines=2_000, seed=7, end=DEMO_END), replace=True)
        add_demo_users(engine)
        engine.dispose()
        yield url


PASSWORDS = {username: password for username, _, _, _, password in DEMO_USERS}


def sign_in(dash_duo, username: str, then: str = "") -> None:
    """Sign in through the login form of the server dash_duo started (navigate=False), in a
    laptop-sized window (1366 × 900); `then`: the page to land on (else the role's own)."""
    dash_duo.driver.set_window_size(1366, 900)
    landing = f"?next={quote(then, safe='')}" if then else ""
    dash_duo.driver.get(f"{dash_duo.server.url.rstrip('/')}/login{landing}")
    dash_duo.wait_for_element("#username").send_keys(username)
    dash_duo.find_element("#password").send_keys(PASSWORDS[username])
    dash_duo.find_element("#sign-in").click()
    dash_duo.wait_for_contains_text("#nav-user", f"Signed in as {username}")


def pytest_collection_modifyitems(items):
    """Tests that drive a real browser are marked `browser`; without them and the `slow` ones
    (real servers, thousands of requests), `pytest -m "not browser and not slow"` is the fast
    subset."""
    for item in items:
        if "dash_duo" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


def until(condition, timeout: float, poll: float = 0.1):
    """dash.testing's wait.until, where an element missing or re-rendered under the check
    (NoSuchElement, StaleElementReference) means "not yet" rather than a failure."""

    def settled():
        try:
            return condition()
        except (NoSuchElementException, StaleElementReferenceException):
            return False

    return wait.until(settled, timeout, poll)
