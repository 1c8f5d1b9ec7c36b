"""User commands and `export --as`, run as an administrator runs them."""

import csv
import io
import sqlite3
import subprocess

import pytest

from data.db import make_engine
from data.users import (
    UserError,
    authenticate,
    create_user,
    deactivate_user,
    find_user,
    set_role,
    signin_of,
)
from tests.cli import flask, flask_process
from tests.servers import copy_database


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('users') / 'sales.db'}"
    assert flask(url, "init-demo", "--lines", "3000", "--end", "2026-06-30").returncode == 0
    return url


def test_usr001_create_set_password_deactivate(db):
    engine = make_engine(db)
    made = flask_process(db, "create-user", "cfo", "--role", "leadership", stdin="first-pass-1\n")
    assert made.returncode == 0, made.stderr
    assert authenticate(engine, "cfo", "first-pass-1").role == "leadership"
    with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
        stored = conn.execute("SELECT password_hash FROM users WHERE username='cfo'").fetchone()[0]
    assert "first-pass-1" not in stored and stored.startswith(("scrypt:", "pbkdf2:"))
    assert flask(db, "set-password", "cfo", stdin="second-pass-2\n").returncode == 0
    assert authenticate(engine, "cfo", "first-pass-1") is None
    assert authenticate(engine, "cfo", "second-pass-2") is not None
    assert flask(db, "deactivate-user", "cfo").returncode == 0
    assert authenticate(engine, "cfo", "second-pass-2") is None


@pytest.mark.parametrize(
    "args,message",
    [
        (["create-user", "x", "--role", "salesperson"], "needs --salesperson"),
        (["create-user", "x", "--role", "manager"], "needs --team"),
        (["create-user", "x", "--role", "salesperson", "--salesperson", "NOPE"], "no salesperson"),
        (["create-user", "x", "--role", "emperor"], "Invalid value for '--role'"),
        (["create-user", "leader", "--role", "leadership"], "exists already"),
        (["set-password", "ghost"], "no user 'ghost'"),
    ],
)
def test_usr002_user_commands_explain_what_is_wrong(db, args, message):
    result = flask(db, *args, stdin="long-enough-1\n")
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr


def test_usr003_short_password_is_refused(db):
    result = flask(db, "create-user", "x", "--role", "leadership", stdin="short\n")
    assert result.returncode != 0 and "at least 8 characters" in result.stderr


def export_ids(db, *args):
    result = flask(db, "export", "leaderboard", "--headers", "fields", *args)
    assert result.returncode == 0, result.stderr
    return {row["customer_id"] for row in csv.DictReader(io.StringIO(result.stdout))}


def test_usr004_export_as_a_user_applies_their_scope(db):
    with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
        everyone = {r[0] for r in conn.execute("SELECT customer_id FROM customers")}
        sp01 = {r[0] for r in conn.execute("SELECT customer_id FROM customers WHERE owner='SP01'")}
        north = {r[0] for r in conn.execute(
            "SELECT c.customer_id FROM customers c JOIN salespeople s ON s.code = c.owner "
            "WHERE s.team = 'North'")}  # fmt: skip
    assert 0 < len(sp01) < len(north) < len(everyone)
    assert export_ids(db, "--as", "sales") == sp01
    assert export_ids(db, "--as", "manager") == north
    assert export_ids(db, "--as", "leader") == everyone
    assert export_ids(db) == everyone
    unknown = flask(db, "export", "kpis", "--as", "ghost")
    assert unknown.returncode != 0 and "no active user 'ghost'" in unknown.stderr


def test_usr005_pdf_exports_from_the_command_line(db, tmp_path):
    for report in ("kpis", "leaderboard", "sales-by-customer", "team", "sales-by-category",
                   "sell-through"):  # fmt: skip
        target = tmp_path / f"{report}.pdf"
        result = flask(db, "export", report, "--from", "2026-01-01", "--to", "2026-06-30",
                       "--as", "manager", "--format", "pdf", "-o", str(target))  # fmt: skip
        assert result.returncode == 0, result.stderr
        text = subprocess.run(["pdftotext", "-l", "1", str(target), "-"], capture_output=True,
                              text=True, check=True).stdout  # fmt: skip
        assert "2026-01-01" in text and "Applied filters" in text, report
    refused = flask(db, "export", "kpis", "--format", "pdf")
    assert refused.returncode != 0 and "a PDF needs a file" in refused.stderr


def test_usr006_screen_tables_export_as_csv(db):
    for report, first in (("sales-by-customer", "Customer"), ("team", "Salesperson")):
        result = flask(db, "export", report, "--as", "manager")
        assert result.returncode == 0, result.stderr
        assert result.stdout.split(",", 1)[0] == first
    fields = flask(db, "export", "team", "--as", "manager", "--headers", "fields")
    assert fields.stdout.split(",", 1)[0] == "salesperson_name"


@pytest.mark.parametrize(
    "report,username", [("kpis", "sales"), ("team", "sales"), ("my-customers", "leader")]
)
def test_usr007_export_as_a_user_follows_the_role_rules_of_http(db, report, username):
    result = flask(db, "export", report, "--as", username)
    assert result.returncode != 0 and result.stdout == ""
    assert "role may not open" in result.stderr and "Traceback" not in result.stderr


def test_usr008_a_bad_view_is_refused_with_the_screens_messages(db):
    result = flask(db, "export", "leaderboard", "--view", "?from=yesterday&channel=pigeon")
    assert result.returncode != 0 and result.stdout == ""
    assert "from: 'yesterday' is not a date" in result.stderr
    assert "channel: unknown value 'pigeon' ignored." in result.stderr


@pytest.fixture
def fresh(db, tmp_path):
    """A copy of the module's demo database for a test that changes users."""
    return copy_database(db, tmp_path)


def active(db_url: str) -> dict[str, bool]:
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
        return {name: bool(on) for name, on in conn.execute("SELECT username, active FROM users")}


def test_usr009_the_last_active_admin_cannot_be_deactivated_from_the_command_line(fresh):
    refused = flask(fresh, "deactivate-user", "admin")  # the demo's only admin
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "'admin' is the last active admin; make another user admin first" in refused.stderr
    assert active(fresh)["admin"] is True
    made = flask(fresh, "create-user", "admin2", "--role", "admin", stdin="second-admin-1\n")
    assert made.returncode == 0, made.stderr
    assert flask(fresh, "deactivate-user", "admin").returncode == 0  # another admin is left
    assert "last active admin" in flask(fresh, "deactivate-user", "admin2").stderr
    assert {name: active(fresh)[name] for name in ("admin", "admin2", "leader")} == {
        "admin": False, "admin2": True, "leader": True
    }  # fmt: skip


def test_usr010_activate_user_lets_a_deactivated_user_in_again_and_forgets_failed_sign_ins(fresh):
    engine = make_engine(fresh)
    assert flask(fresh, "deactivate-user", "leader").returncode == 0
    assert authenticate(engine, "leader", "leader-demo-pass") is None
    brake = signin_of(engine)
    for _ in range(5):  # five failed sign-ins are free; the sixth attempt must wait
        assert brake.reserve("leader", "address:10.0.0.1") == 0
    assert brake.reserve("leader", "address:10.0.0.1") > 0
    done = flask(fresh, "activate-user", "leader")
    assert done.returncode == 0, done.stderr
    assert "User leader can sign in again." in done.stdout
    assert authenticate(engine, "leader", "leader-demo-pass").role == "leadership"
    assert brake.reserve("leader", "address:10.0.0.1") == 0  # the account's brake is released
    again = flask(fresh, "activate-user", "leader")
    assert again.returncode != 0 and "user 'leader' is active already" in again.stderr
    assert "no user 'ghost'" in flask(fresh, "activate-user", "ghost").stderr


def test_usr011_a_team_or_salesperson_code_not_in_the_data_is_created_only_when_said(fresh):
    with sqlite3.connect(fresh.removeprefix("sqlite:///")) as conn:
        teams = sorted(r[0] for r in conn.execute("SELECT DISTINCT team FROM salespeople"))
    assert teams == ["East", "North", "South", "West"]
    users_before = set(active(fresh))
    nowhere = flask(fresh, "create-user", "m2", "--role", "manager", "--team", "Nowhere",
                    stdin="manager-two-2\n")  # fmt: skip
    assert nowhere.returncode != 0
    assert "no team 'Nowhere' in the data (teams: East, North, South, West)" in nowhere.stderr
    assert "--new-team" in nowhere.stderr
    unknown = flask(fresh, "create-user", "s2", "--role", "salesperson", "--salesperson", "SP99",
                    stdin="sales-two-22\n")  # fmt: skip
    assert unknown.returncode != 0 and "--new-salesperson" in unknown.stderr
    assert set(active(fresh)) == users_before  # nothing was created

    assert flask(fresh, "create-user", "m2", "--role", "manager", "--team", "Nowhere",
                 "--new-team", stdin="manager-two-2\n").returncode == 0  # fmt: skip
    assert flask(fresh, "create-user", "s2", "--role", "salesperson", "--salesperson", "SP99",
                 "--new-salesperson", stdin="sales-two-22\n").returncode == 0  # fmt: skip
    with sqlite3.connect(fresh.removeprefix("sqlite:///")) as conn:
        users = conn.execute("SELECT username, role, salesperson_code, team FROM users "
                             "WHERE username IN ('m2', 's2') ORDER BY username").fetchall()  # fmt: skip
        sp99 = conn.execute("SELECT code, name, team FROM salespeople WHERE code='SP99'").fetchall()
    assert users == [("m2", "manager", None, "Nowhere"), ("s2", "salesperson", "SP99", None)]
    assert sp99 == [("SP99", "SP99", None)]
    # the new team is now a team of the data: a second manager of it needs no --new-team
    assert flask(fresh, "create-user", "m3", "--role", "manager", "--team", "Nowhere",
                 stdin="manager-three-3\n").returncode == 0  # fmt: skip


def test_usr012_no_admin_demotes_themselves_or_the_last_active_admin(fresh):
    engine = make_engine(fresh)
    with pytest.raises(UserError, match="you cannot change your own role; another admin can"):
        set_role(engine, "admin", "leadership", acting="admin")
    with pytest.raises(UserError, match="'admin' is the last active admin"):
        set_role(engine, "admin", "leadership")
    with pytest.raises(UserError, match="you cannot deactivate your own account"):
        deactivate_user(engine, "admin", acting="admin")
    create_user(engine, "admin2", "second-admin-1", "admin")
    set_role(engine, "admin", "manager", team="North", acting="admin2")
    assert (
        find_user(engine, "admin").role == "manager" and find_user(engine, "admin").team == "North"
    )
    with pytest.raises(UserError, match="'admin2' is the last active admin"):
        deactivate_user(engine, "admin2", acting="someone-else")
    set_role(engine, "sales", "admin", acting="admin2")  # a promotion needs no other admin
    assert find_user(engine, "sales").salesperson_code is None
