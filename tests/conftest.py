"""Shared fixtures: a real SQLite file holding a small demo company."""

from datetime import date

import pytest

from data.db import make_engine, write_tables
from data.demo import generate

DEMO_END = date(2026, 11, 21)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """URL of a SQLite file with a 20,000-line demo company (seed 7, ending 2026-11-21)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    write_tables(make_engine(url), generate(lines=20_000, seed=7, end=DEMO_END), replace=True)
    return url
