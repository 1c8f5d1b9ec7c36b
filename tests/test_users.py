"""User commands and `export --as`, run as an administrator runs them."""

import csv
import io
import sqlite3
import subprocess

import pytest

from data.db import make_engine
from data.users import authenticate
from tests.cli import flask, flask_process


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'sales.db'}"
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
