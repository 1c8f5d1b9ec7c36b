"""Per-user screen preferences (e.g. the leaderboard's columns), kept apart from the sales data.

They live in their own small database (default: instance/preferences.db) because every write to
the sales database makes every process reload its cached frames (data.db.data_version).
"""

from __future__ import annotations

import json

from sqlalchemy import Engine, String, Text, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class _Base(DeclarativeBase):
    pass


class Preference(_Base):
    __tablename__ = "user_preferences"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)  # JSON


class Preferences:
    def __init__(self, url: str) -> None:
        self.engine: Engine = create_engine(url)
        _Base.metadata.create_all(self.engine)

    def get(self, username: str, key: str, default=None):
        with self.engine.connect() as conn:
            value = conn.execute(
                select(Preference.value).where(
                    Preference.username == username, Preference.key == key
                )
            ).scalar_one_or_none()
        return default if value is None else json.loads(value)

    def put(self, username: str, key: str, value) -> None:
        table = Preference.__table__
        with self.engine.begin() as conn:
            conn.execute(table.delete().where(table.c.username == username, table.c.key == key))
            conn.execute(table.insert().values(username=username, key=key, value=json.dumps(value)))


def preferences_url(database_url: str) -> str:
    """Beside a SQLite database file (sales.db -> sales.preferences.db); else the same database."""
    prefix = "sqlite:///"
    if database_url.startswith(prefix) and database_url != prefix + ":memory:":
        path = database_url.removeprefix(prefix)
        stem = path[:-3] if path.endswith(".db") else path
        return f"{prefix}{stem}.preferences.db"
    return database_url
