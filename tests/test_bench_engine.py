"""bench/engine.py's DuckDB and Polars queries give what our engine gives, on a small demo.

The benchmark checks this itself before printing; this test catches a harness that no longer
matches the engine (a column renamed, a table reshaped) in seconds rather than in a 10M run.
Both competitors run in this process, on one thread.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "engine.py"


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_engine", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    """The benchmark module, the frames of a 20k-line demo, their Parquet folder, the queries."""
    engine = _bench_module()
    folder = tmp_path_factory.mktemp("parquet")
    frames = engine.make_frames(20_000, str(folder))[0]
    assert len(frames.lines) > 10_000
    return engine, frames, folder, engine.benchmark_queries(frames)


@pytest.mark.parametrize("competitor", ["DuckDB", "Polars"])
def test_competitors_match_ours(bench, competitor, monkeypatch):
    if competitor == "Polars":
        pytest.importorskip("polars")  # bench/requirements.txt
    monkeypatch.setenv("POLARS_MAX_THREADS", "1")  # restored after the test
    engine, frames, folder, queries = bench
    engine.load_competitor(competitor, str(folder), 1)
    checked = 0
    for name, query in queries.items():
        ours = engine.run_ours(frames, query)
        assert len(ours) > 0, name
        for tables in (False, True) if query.uses_tables() else (False,):
            _, theirs = engine.competitor_run(query, tables, warm=True)
            engine.check_same(f"{competitor} {name}", *engine.comparable(query, ours, theirs))
            checked += 1
    assert checked == 11  # six queries on the lines, five with our tables
