"""Write to a test database as another program would: the sqlite3 and psql command-line tools."""

import subprocess

from sqlalchemy.engine import make_url


def external_sql(url: str, sql: str) -> None:
    """Run `sql` with sqlite3 (a SQLite URL) or psql (a PostgreSQL URL), as an outside writer."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        command = ["sqlite3", "-bail", parsed.database, sql]
    else:
        plain = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        command = ["psql", plain, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql]
    subprocess.run(command, check=True, timeout=60, capture_output=True)
