"""Run the app's command line as a user does: in-process through Flask's CLI runner (fast), and
once through a real `flask --app app` process (tests/test_users.py)."""

import os
import sqlite3
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from app import create_app

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str


def flask(db_url: str, *args: str, stdin: str | None = None) -> Result:
    """`flask --app app ARGS` on the database at `db_url`, in this process. A crash shows its
    traceback in stderr, as a real process would."""
    app = create_app({"DATABASE_URL": db_url})
    with app.app_context():  # as the `flask` command pushes one
        result = app.test_cli_runner().invoke(args=list(args), input=stdin)
    stderr = result.stderr_bytes.decode()  # .stderr / .stdout would turn \r\n into \n
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(*result.exc_info))
    return Result(result.exit_code, result.stdout_bytes.decode(), stderr)


def flask_process(db_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """The same as a real `flask --app app` process."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": db_url}, input=stdin,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def dump(db_url: str) -> str:
    """The database's data as SQL, without the rows of settings, data_version, rollup_state and
    the change log (an import stamps its time there: importing the same file twice changes no
    data, but does record the second import and the orders it wrote, and bumps the data
    version, which the rollups then reflect)."""
    stamps = ('INSERT INTO "settings"', 'INSERT INTO "data_version"', 'INSERT INTO "rollup_state"',
              'INSERT INTO "data_changes"', 'INSERT INTO "changed_orders"')  # fmt: skip
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
        return "\n".join(
            line for line in conn.iterdump() if not any(stamp in line for stamp in stamps)
        )
