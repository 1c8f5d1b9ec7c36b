"""Sessions end on the server (SPEC §6): a session cookie copied before logout, before a password
change (command line or Admin screen) or before a deactivation gets 401 on the Dash endpoint
afterwards, over real HTTP against the running app."""

from __future__ import annotations

import pytest
import requests

from tests.cli import flask
from tests.servers import copy_database, gunicorn, spread_over_two_workers, threaded, worker_pids
from tests.test_auth import page_callback, signed_in

pytestmark = pytest.mark.slow  # real servers and thousands of requests: not in the fast subset


@pytest.fixture
def served(demo_db, tmp_path):
    """(base URL, database URL) of the app on a copy of the demo database."""
    db_url = copy_database(demo_db, tmp_path)
    with threaded(db_url) as base:
        yield base, db_url


def copied(session: requests.Session) -> requests.Session:
    """Another client holding the same cookies: what a stolen or copied cookie gives."""
    thief = requests.Session()
    thief.cookies.update(session.cookies)
    return thief


def works(session: requests.Session, base: str) -> int:
    return page_callback(session, base, "/sales-by-customer").status_code


def test_ses001_logout_ends_every_session_of_the_user(served):
    base, _ = served
    session, _ = signed_in(base, "leader")
    other_device, _ = signed_in(base, "leader")
    thief = copied(session)
    bystander, _ = signed_in(base, "manager")
    assert works(thief, base) == 200 and works(other_device, base) == 200
    assert session.get(f"{base}/logout", allow_redirects=False).status_code == 302
    assert works(thief, base) == 401
    assert works(other_device, base) == 401
    assert thief.get(f"{base}/export/leaderboard.csv").status_code == 401
    assert works(bystander, base) == 200  # another user's session goes on
    again, _ = signed_in(base, "leader")  # and the user can sign in again
    assert works(again, base) == 200


def test_ses002_a_new_password_from_the_command_line_ends_every_session(served):
    base, db_url = served
    session, _ = signed_in(base, "sales")
    thief = copied(session)
    assert works(thief, base) == 200
    done = flask(db_url, "set-password", "sales", stdin="a-new-pass-77\n")
    assert done.returncode == 0, done.stderr
    assert works(thief, base) == 401
    assert works(session, base) == 401


def test_ses003_a_new_password_from_the_admin_screen_ends_every_session(served):
    base, _ = served
    session, _ = signed_in(base, "manager")
    thief = copied(session)
    admin, _ = signed_in(base, "admin")
    body = {  # the Admin screen's "Set password" button, as the browser sends it
        "output": "..admin-user-message.children...admin-users-grid.rowData..",
        "outputs": [
            {"id": "admin-user-message", "property": "children"},
            {"id": "admin-users-grid", "property": "rowData"},
        ],
        "inputs": [
            {"id": "admin-create", "property": "n_clicks", "value": None},
            {"id": "admin-reset", "property": "n_clicks", "value": 1},
            {"id": "admin-activate", "property": "n_clicks", "value": None},
            {"id": "admin-change-role", "property": "n_clicks", "value": None},
            {"id": "admin-deactivate", "property": "n_clicks", "value": None},
        ],
        "changedPropIds": ["admin-reset.n_clicks"],
        "state": [
            {"id": "admin-username", "property": "value", "value": "manager"},
            {"id": "admin-role", "property": "value", "value": None},
            {"id": "admin-salesperson", "property": "value", "value": None},
            {"id": "admin-new-salesperson", "property": "value", "value": None},
            {"id": "admin-team", "property": "value", "value": None},
            {"id": "admin-new-team", "property": "value", "value": None},
            {"id": "admin-password", "property": "value", "value": "managers-new-pass"},
        ],
    }
    response = admin.post(f"{base}/_dash-update-component", json=body)
    assert response.status_code == 200 and "Password of manager set" in response.text
    assert works(thief, base) == 401
    assert works(admin, base) == 200  # the admin's own session goes on


def test_ses004_deactivation_ends_every_session(served):
    base, db_url = served
    session, _ = signed_in(base, "leader")
    thief = copied(session)
    assert works(thief, base) == 200
    done = flask(db_url, "deactivate-user", "leader")
    assert done.returncode == 0, done.stderr
    assert works(thief, base) == 401
    assert works(session, base) == 401


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_ses005_logout_ends_the_session_in_every_gunicorn_worker(
    database, demo_db, tmp_path, request
):
    if database == "sqlite":
        db_url = copy_database(demo_db, tmp_path)
    else:
        db_url = request.getfixturevalue("postgres_demo")
    log = tmp_path / "access.log"
    with gunicorn(db_url, log, workers=2) as (base, _):
        session, _ = signed_in(base, "leader")

        def thief() -> requests.Session:
            copy = copied(session)
            assert copy.get(f"{base}/assets/bootstrap.min.css").status_code == 200
            return copy

        thieves = spread_over_two_workers(log, thief, 4, "GET /assets/bootstrap.min.css")
        assert [works(t, base) for t in thieves] == [200] * 4
        session.get(f"{base}/logout")
        assert [works(t, base) for t in thieves] == [401] * 4
        answered = worker_pids(log, "POST /_dash-update-component")
        assert len(answered) == 2  # the same session ended in both worker processes
