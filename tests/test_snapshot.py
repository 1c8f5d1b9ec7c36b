"""The snapshot file: every frame of Frames comes back equal, as views of the mapped file."""

import dataclasses
import json
import struct

import numpy as np
import pandas as pd
import pytest

from data.db import make_engine, snapshot_connection, write_tables
from data.demo import generate
from data.frames import Frames, build_frames, read_frames
from data.snapshot import MAGIC, build_snapshot, map_snapshot, write_snapshot
from tests.conftest import DEMO_END
from tests.factory import make_frames


def round_trip(frames: Frames, tmp_path):
    path = tmp_path / "s.arrow"
    write_snapshot(frames, path, {"key": "test-1", "build_seconds": 0.0, "lines": 0})
    return map_snapshot(path)


def assert_same(left: Frames, right: Frames) -> None:
    for field in dataclasses.fields(Frames):
        a, b = getattr(left, field.name), getattr(right, field.name)
        if isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b, obj=field.name)
        else:
            assert a == b and type(a) is type(b), field.name


def test_snp001_the_demo_comes_back_equal_and_uncopied(tmp_path):
    frames = build_frames(generate(lines=3000, seed=7, end=DEMO_END))
    snapshot = round_trip(frames, tmp_path)
    assert_same(frames, snapshot.frames)
    assert snapshot.copied_columns() == []
    lines = snapshot.frames.lines
    assert not lines["day"].to_numpy().flags.writeable
    assert np.shares_memory(lines["quantity"].to_numpy(), lines["quantity"].to_numpy())


def test_snp002_missing_values_of_every_kind_survive(tmp_path):
    """NaN amounts, missing categories (code -1), NaT dates, missing strings, custom fields."""
    frames = make_frames(
        [
            {"order_id": "O1", "order_date": "2026-05-01", "unit_cost": None, "channel": None},
            {"order_id": "O2", "order_date": "2026-05-03", "unit_cost": 4.0, "category": "Tools"},
        ],
        customers=[{"customer_id": "C1", "name": "Alpha", "created_on": None, "city": None}],
        fields=[{"customer_id": "C1", "field": "tier", "value": "gold"}],
    )
    mapped = round_trip(frames, tmp_path).frames
    assert_same(frames, mapped)
    assert mapped.lines["cost_amount"].isna().tolist() == [True, False]
    assert mapped.lines["channel"].isna().tolist() == [True, False]  # O2: the default, web
    assert mapped.customers["created_on"].isna().all()
    assert mapped.custom_fields == ("tier",)


def test_snp003_empty_frames_round_trip(tmp_path):
    frames = make_frames([{"order_id": "O1", "order_date": "2026-05-01"}])
    empty = dataclasses.replace(frames, events=frames.events.iloc[0:0].reset_index(drop=True))
    assert_same(empty, round_trip(empty, tmp_path).frames)


def test_snp004_a_file_written_by_other_code_is_refused(tmp_path):
    frames = make_frames([{"order_id": "O1", "order_date": "2026-05-01"}])
    path = tmp_path / "s.arrow"
    write_snapshot(frames, path, {"key": "test-1", "build_seconds": 0.0, "lines": 1})
    data = bytearray(path.read_bytes())
    offset, length = struct.unpack("<QQ", data[8:24])  # the header comes last
    assert offset + length == len(data)
    header = json.loads(data[offset:])
    changed = json.dumps({**header, "code": "0" * len(header["code"])}).encode()
    assert len(changed) == length
    data[offset:] = changed
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="other code"):
        map_snapshot(path)
    path.write_bytes(b"not a snapshot at all")
    with pytest.raises(ValueError, match="not a snapshot"):
        map_snapshot(path)
    assert data[:8] == MAGIC


def test_snp005_the_builder_writes_each_field_as_built_and_maps_back_to_read_frames(tmp_path):
    """build_snapshot streams the fields into the file (the header last): mapped back, the
    frames are the ones read_frames builds all together, and the header holds the build facts."""
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    write_tables(engine, generate(lines=3000, seed=7, end=DEMO_END), replace=True)
    path = build_snapshot(engine, tmp_path / "snapshots")
    snapshot = map_snapshot(path)
    with snapshot_connection(engine) as conn:
        frames = read_frames(conn, as_of=snapshot.frames.as_of)
        stored = conn.exec_driver_sql("SELECT count(*) FROM order_lines").scalar_one()
    assert_same(frames, snapshot.frames)
    assert snapshot.copied_columns() == []
    assert snapshot.meta["lines"] == len(frames.lines) == stored
    assert snapshot.meta["build_seconds"] > 0
    assert build_snapshot(engine, tmp_path / "snapshots") == path  # built once per version


def _mapped_kb(path) -> int:
    """kB of `path` mapped into this process's page tables (its RSS in /proc/self/smaps)."""
    rss, inside = 0, False
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            key, *rest = line.split()
            if not key.endswith(":"):
                inside = rest[-1] == str(path)
            elif inside and key == "Rss:":
                rss += int(rest[0])
    return rss


def test_snp006_a_mapped_snapshot_is_in_memory_whole_from_the_start(tmp_path):
    """Mapping reads through every page once: no request pays the page faults later, and
    every worker that maps the file counts all of its (shared) pages from the start. Parsing
    the file alone touches only its headers (~1 of these 9 MB)."""
    frames = build_frames(generate(lines=20000, seed=7, end=DEMO_END))
    snapshot = round_trip(frames, tmp_path)
    size_kb = (tmp_path / "s.arrow").stat().st_size / 1024
    assert size_kb > 4000
    assert _mapped_kb(tmp_path / "s.arrow") >= size_kb
    assert snapshot.frames.lines["quantity"].sum() == frames.lines["quantity"].sum()
