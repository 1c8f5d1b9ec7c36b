"""Run the app's command line as a user does: a real `flask --app app` process."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def flask(db_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": db_url}, input=stdin,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def dump(db_url: str) -> str:
    """The database's data as SQL, without the settings and data_version rows (an import stamps
    its time there: importing the same file twice changes no data, but does record the second
    import, and bumps the data version)."""
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
        return "\n".join(
            line
            for line in conn.iterdump()
            if 'INSERT INTO "settings"' not in line and 'INSERT INTO "data_version"' not in line
        )
