"""Shared fixtures: a real SQLite file holding a small demo company."""

from datetime import date

import pytest

from data.db import make_engine, write_tables
from data.demo import generate
from data.users import DEMO_USERS, add_demo_users

DEMO_END = date(2026, 11, 21)


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
    from tests.servers import postgres_database

    with postgres_database("i16_demo") as url:
        engine = make_engine(url)
        write_tables(engine, generate(lines=2_000, seed=7, end=DEMO_END), replace=True)
        add_demo_users(engine)
        engine.dispose()
        yield url


PASSWORDS = {username: password for username, _, _, _, password in DEMO_USERS}


def sign_in(dash_duo, username: str) -> None:
    """Sign in through the login form of the server dash_duo started (navigate=False), in a
    laptop-sized window (1366 × 900)."""
    dash_duo.driver.set_window_size(1366, 900)
    dash_duo.driver.get(f"{dash_duo.server.url.rstrip('/')}/login")
    dash_duo.wait_for_element("#username").send_keys(username)
    dash_duo.find_element("#password").send_keys(PASSWORDS[username])
    dash_duo.find_element("#sign-in").click()
    dash_duo.wait_for_contains_text("#nav-user", f"Signed in as {username}")


def pytest_collection_modifyitems(items):
    """Tests that drive a real browser are marked `browser`: `pytest -m "not browser"` is the
    fast subset."""
    for item in items:
        if "dash_duo" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
