"""The frames as one memory-mapped file per data version, shared by every process that serves them.

A snapshot file is the columns of every frame of `Frames` (whatever DataFrames the dataclass
holds) as raw buffers, each at a multiple of 64 bytes, then a small JSON header (each column's
kind, dtype and buffers' places; the other fields; the build facts), whose own place the file's
first bytes give: the header is written last, so that a builder writes each frame as soon as it
is built and drops it. Mapping it gives frames whose columns are numpy views of the file's
pages, so all workers of a server share one copy in the page cache. Numbers are stored as
numpy holds them, flags one byte per value, date-times int64 (NaT as pandas holds it), a
categorical as its codes (-1: missing) and its categories as a column of their own, text as
Arrow large strings' three buffers (pandas' `str` dtype wraps them without a copy): a view
needs no conversion. (Arrow's IPC format would hold the same buffers, but only Arrow can write
it, from whole arrays: a merge writes its columns from pieces, see SnapshotWriter.)

Files are named `<database id>-<data version>-<code>.arrow`, where <code> is a hash of the code
that builds frames: a new release never maps a file an older one wrote. One builder at a time
(a lock file) reads the database in one consistent snapshot, writes a temporary file and renames
it into place, then unlinks the files it supersedes: a process that still maps one keeps its
pages until it lets go, and the disk space returns then.

`python -m data.snapshot DIRECTORY` builds the snapshot of the database in DATABASE_URL (the
servers run it as a child process, so that a rebuild never grows a worker's memory); with
`--when-told` it loads its code, then waits for a line on its standard input before it builds
(a server keeps one ready, so a reload does not wait for an interpreter to start).
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import fcntl
import gc
import hashlib
import json
import logging
import mmap
import os
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from data import db, frames, increment
from data.db import Version
from data.frames import Frames, stream_frames
from metrics import commission

log = logging.getLogger("sales.snapshot")
MAGIC = b"SALESNAP"
FORMAT = 3
IOV_MAX = 1024  # buffers per gathering write (Linux's limit)
ALIGN = 64  # every section starts at a multiple of this: Arrow buffers stay aligned
PREFIX = ALIGN  # MAGIC, then the header's offset and length (two little-endian uint64)
BUILDER_NICENESS = 10  # the builder child's priority below the workers' (os.nice)
M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
PARTS_LOCK = "parts.lock"  # held while a scope's part is worked out and written
OTHER_DATABASE_MAX_AGE = 24 * 3600  # files of another database id are kept this long (seconds)


def _code_hash() -> str:
    """Changes with the code that decides what a snapshot holds."""
    digest = hashlib.sha256(str(FORMAT).encode())
    for module in (frames, increment, commission, db, sys.modules[__name__]):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:10]


CODE = _code_hash()


def snapshot_path(directory: Path, version: Version) -> Path:
    return Path(directory) / f"{version.key}-{CODE}.arrow"


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """Frames mapped from a file, with the header facts (version, build time, size)."""

    path: Path
    frames: Frames
    meta: dict
    mapping: pa.Buffer  # the whole file, memory-mapped

    def copied_columns(self) -> list[str]:
        """`frame.column` of every column whose values are not views of the mapped file (a test
        and the benchmarks check that this is empty)."""
        low, high = self.mapping.address, self.mapping.address + self.mapping.size
        copied = []
        for field in dataclasses.fields(self.frames):
            frame = getattr(self.frames, field.name)
            if not isinstance(frame, pd.DataFrame):
                continue
            for name in frame.columns:
                column = frame[name]
                if isinstance(column.dtype, pd.CategoricalDtype):
                    address = column.array.codes.ctypes.data
                elif isinstance(column.dtype, pd.StringDtype):
                    address = column.array._pa_array.chunk(0).buffers()[1].address
                else:
                    address = column.to_numpy().ctypes.data
                if len(column) and not low <= address < high:
                    copied.append(f"{field.name}.{name}")
        return copied

    @property
    def key(self) -> str:
        return self.meta["key"]


# --- writing -----------------------------------------------------------------------------------


def write_snapshot(frames: Frames, path: Path, meta: dict) -> int:
    """Write `frames` to `path` (see the module docstring); returns the file's size in bytes."""
    with SnapshotWriter(path) as writer:
        for field in dataclasses.fields(frames):
            writer.add(field.name, getattr(frames, field.name))
        return writer.finish(meta)


class SnapshotWriter:
    """Writes a snapshot file field by field as they come (see the module docstring): each frame
    goes straight from its columns to the file, so a builder can drop it once added; the header
    goes last, with the places of the buffers and the `meta` that finish() is given.

    A frame is a DataFrame, or a frame given by pieces (data.increment: a merged frame): an
    object with `rows` and `pieces()`, which yields each column's (name, dtype, arrays), the
    arrays (a categorical's codes) in order making up its values. Those are written by one
    gathering write per 1,024 pieces: each value goes from where it is (the previous
    snapshot's pages) into the file once, and no merged copy is made in memory."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        self.offset = PREFIX
        self.header = {"fields": {}, "frames": {}}

    def __enter__(self) -> SnapshotWriter:
        return self

    def __exit__(self, *_exc) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def add(self, name: str, value) -> None:
        if isinstance(value, pd.DataFrame):
            _check_index(name, value)
            columns = (_values(c, value[c]) for c in value.columns)
            rows = len(value)
        elif hasattr(value, "pieces"):
            columns, rows = value.pieces(), value.rows
        else:
            self.header["fields"][name] = _plain_value(name, value)
            return
        specs = [self._column(*column, rows) for column in columns]
        self.header["frames"][name] = {"rows": rows, "columns": specs}

    def _column(self, name, dtype, stored: np.dtype | None, parts: list, rows: int) -> dict:
        """Write one column: its values, of dtype `stored`, as the byte arrays `parts` (text:
        one Arrow large string array); returns its spec (kind, dtype, buffers)."""
        spec = {"name": name, "dtype": str(dtype)}
        if isinstance(dtype, pd.CategoricalDtype):
            categories = pd.Series(dtype.categories, copy=False)
            spec.update(kind="category", ordered=bool(dtype.ordered), codes=str(stored),
                        categories_name=dtype.categories.name,
                        categories=self._column("", *_values("", categories)[1:], len(categories)),
                        buffers=[self._buffer(parts)])  # fmt: skip
            spec["categories"]["rows"] = len(categories)
        elif _text(dtype):
            array = parts[0]
            validity, *others = array.buffers()  # then the offsets and the characters
            spec.update(kind="string", nulls=array.null_count)
            spec["buffers"] = [None if validity is None else self._buffer([_bytes(validity)])]
            spec["buffers"] += [self._buffer([] if b is None else [_bytes(b)]) for b in others]
        else:
            kind = {"b": "bool", "M": "datetime"}.get(np.dtype(dtype).kind, "numpy")
            if kind == "numpy" and np.dtype(dtype).kind not in "iuf":
                raise TypeError(f"column {name}: cannot store {dtype} in a snapshot")
            spec.update(kind=kind, buffers=[self._buffer(parts)])
        return spec

    def _buffer(self, parts) -> list[int]:
        """Write the byte arrays `parts` (any iterable) one after the other, at the next aligned
        place, IOV_MAX of them per gathering write; returns [offset, length]."""
        self.offset = _aligned(self.offset)
        start, batch = self.offset, []
        for part in parts:
            if len(part):
                batch.append(part)
            if len(batch) == IOV_MAX:
                self._write(batch)
                batch = []
        self._write(batch)
        return [start, self.offset - start]

    def _write(self, views: list[np.ndarray]) -> None:
        i = 0
        while i < len(views):
            written = os.pwritev(self.fd, views[i:], self.offset)
            self.offset += written
            while i < len(views) and written >= len(views[i]):  # a write may stop short
                written -= len(views[i])
                i += 1
            if written:
                views[i] = views[i][written:]

    def finish(self, meta: dict, sync: bool = True) -> int:
        """Write the header and (`sync`) flush the file to disk; returns the file's size in
        bytes."""
        self.offset = _aligned(self.offset)
        encoded = json.dumps({"format": FORMAT, "code": CODE, **meta, **self.header}).encode()
        os.pwrite(self.fd, encoded, self.offset)
        os.pwrite(self.fd, MAGIC + struct.pack("<QQ", self.offset, len(encoded)), 0)
        if sync:
            os.fsync(self.fd)
        os.close(self.fd)
        self.fd = -1
        return self.offset + len(encoded)


def _aligned(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


def _plain_value(name: str, value) -> dict:
    if isinstance(value, pd.Timestamp):
        return {"kind": "timestamp", "value": value.isoformat()}
    if isinstance(value, tuple):
        return {"kind": "tuple", "value": list(value)}
    if value is None or isinstance(value, bool | int | float | str):
        return {"kind": "json", "value": value}
    raise TypeError(f"Frames.{name}: cannot store a {type(value).__name__} in a snapshot")


def _check_index(frame_name: str, frame: pd.DataFrame) -> None:
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0:
        raise TypeError(f"Frames.{frame_name}: only a default RangeIndex can be stored")
    if frame.index.step != 1 or not frame.columns.is_unique:
        raise TypeError(f"Frames.{frame_name}: columns must be unique, the index 0..n-1")


def _text(dtype) -> bool:
    return isinstance(dtype, pd.StringDtype) or (isinstance(dtype, np.dtype) and dtype.kind == "O")


def _values(name, column: pd.Series) -> tuple:
    """(name, dtype, dtype of the values written, the values) of a column as SnapshotWriter
    writes it: a categorical's codes, a flag's bytes, a date-time's int64 (NaT as pandas holds
    it), numbers as they are, each as a byte array; text as one Arrow large string array."""
    dtype = column.dtype
    if _text(dtype):
        array = pa.array(column.array if isinstance(dtype, pd.StringDtype) else column)
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if not pa.types.is_large_string(array.type):
            array = array.cast(pa.large_string())
        if array.offset:  # a slice: its own buffers from 0
            array = pa.concat_arrays([array, pa.array([], pa.large_string())])
        return name, dtype, None, [array]
    if isinstance(dtype, pd.CategoricalDtype):
        values = np.ascontiguousarray(column.array.codes)
    else:
        values = np.ascontiguousarray(column.to_numpy())
    return name, dtype, values.dtype, [values.view(np.uint8)]


def _bytes(buffer: pa.Buffer) -> np.ndarray:
    return np.frombuffer(buffer, np.uint8)


# --- mapping -----------------------------------------------------------------------------------


def map_snapshot(path: Path) -> Snapshot:
    """The frames of a snapshot file as views of its memory-mapped pages (no copy of the data)."""
    source = pa.memory_map(str(path), "r")
    whole = source.read_buffer(source.size())
    if whole.size < PREFIX or whole.slice(0, 8).to_pybytes() != MAGIC:
        raise ValueError(f"{path} is not a snapshot file")
    offset, length = struct.unpack("<QQ", whole.slice(8, 16).to_pybytes())
    if offset + length != whole.size:
        raise ValueError(f"{path} is not a complete snapshot file")
    header = json.loads(whole.slice(offset, length).to_pybytes())
    if header.get("format") != FORMAT or header.get("code") != CODE:
        raise ValueError(f"{path} was written by other code")
    _read_through(whole)
    values = {}
    for name, spec in header["frames"].items():
        rows = spec["rows"]
        columns = {c["name"]: _column_at(whole, c, rows) for c in spec["columns"]}
        values[name] = pd.DataFrame(columns, index=pd.RangeIndex(rows), copy=False)
    for name, spec in header["fields"].items():
        values[name] = _from_plain(spec)
    meta = {k: v for k, v in header.items() if k not in ("fields", "frames")}
    return Snapshot(Path(path), Frames(**values), meta, whole)


def _read_through(whole: pa.Buffer) -> None:
    """Touch every page of the mapping once (one byte a page; ~25 ms for 260 MB in the page
    cache), so that no request pays the page faults of the data it reads first, and a process
    maps the whole file from the start: the pages are the page cache's, shared by every process
    that maps the file, and each worker's memory is the file plus only what is its own."""
    np.frombuffer(whole, np.uint8)[:: mmap.PAGESIZE].max(initial=0)


def _from_plain(spec: dict):
    if spec["kind"] == "timestamp":
        return pd.Timestamp(spec["value"])
    if spec["kind"] == "tuple":
        return tuple(spec["value"])
    return spec["value"]


def _column_at(whole: pa.Buffer, spec: dict, rows: int):
    """A column as a view of the mapped file (`spec`: as SnapshotWriter wrote it)."""
    kind, buffers = spec["kind"], spec["buffers"]
    if kind == "string":
        places = [None if b is None else whole.slice(*b) for b in buffers]
        array = pa.Array.from_buffers(pa.large_string(), rows, places, spec["nulls"])
        dtype = pd.api.types.pandas_dtype(spec["dtype"])
        if not isinstance(dtype, pd.StringDtype):  # object: a few categories, copied
            return array.to_numpy(zero_copy_only=False)
        return pd.arrays.ArrowStringArray(pa.chunked_array([array]), dtype=dtype)
    if kind == "category":
        codes = _view(whole, buffers[0], spec["codes"], rows)
        inner = spec["categories"]
        values = _column_at(whole, inner, inner["rows"])
        categories = pd.Index(
            values, dtype=inner["dtype"], name=spec["categories_name"], copy=False
        )
        # Trusted (our own file): no uniqueness check, which would build and keep a hash table
        # of the categories in every worker (2.8M order IDs at 10M lines: ~250 MB each).
        dtype = pd.CategoricalDtype._from_fastpath(categories, spec["ordered"])
        return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)
    return _view(whole, buffers[0], spec["dtype"], rows)


def _view(whole: pa.Buffer, place: list[int], dtype, rows: int) -> np.ndarray:
    return np.frombuffer(whole, dtype=np.dtype(dtype), count=rows, offset=place[0])


# --- parts of a snapshot (one per scope: a team's, a salesperson's) ----------------------------


def part_path(snapshot: Path, part: str) -> Path:
    """The file of the part named `part` of the snapshot at `snapshot`."""
    digest = hashlib.sha256(part.encode()).hexdigest()[:12]
    return snapshot.with_name(f"{snapshot.stem}.part-{digest}.arrow")


def shared_part(snapshot: Snapshot, part: str, make: Callable[[], Frames]) -> Frames:
    """The frames of the part named `part` of `snapshot`, mapped from its file, so that every
    process serving the part shares one copy of it. The first process that needs it works it
    out (`make()`) and writes the file, under a lock: the others wait, then map it. The file is
    written aside and linked into place, so it appears whole. If it cannot be written, the part
    is served from this process's memory."""
    path = part_path(snapshot.path, part)
    with contextlib.suppress(FileNotFoundError):
        return map_snapshot(path).frames
    with build_lock(path.parent, PARTS_LOCK):  # one process works a part out; the others wait
        with contextlib.suppress(FileNotFoundError):
            return map_snapshot(path).frames  # written while this one waited
        frames = make()
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            write_snapshot(frames, temporary, {**snapshot.meta, "part": part})
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
            return map_snapshot(path).frames
        except OSError as error:  # e.g. a full disk, or a rebuild removed the superseded files
            log.warning("part %s of %s not shared (%s)", part, snapshot.path.name, error)
            return frames
        finally:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()


# --- building ----------------------------------------------------------------------------------


@contextmanager
def build_lock(directory: Path, name: str = "build.lock") -> Iterator[None]:
    """One builder at a time per snapshot folder (across processes and threads); `name`: the
    lock of another kind of writer."""
    with open(Path(directory) / name, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_snapshot(engine, directory: Path, own_process: bool = False) -> Path:
    """Build the snapshot of the database's current data version, unless it exists; return its
    path. After an import, from the newest older snapshot and the orders the import wrote
    (data.increment), else from every row. Superseded files of the same database are unlinked.
    `own_process`: the process does nothing else (the builder child): SQLite too is read
    through ADBC (db.snapshot_connection)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with build_lock(directory):
        current = db.read_version(engine)
        if snapshot_path(directory, current).exists():
            return snapshot_path(directory, current)
        started = time.perf_counter()
        previous = newest_snapshot(directory, current.database_id)
        if previous is not None:
            try:
                path = _merged_snapshot(engine, directory, previous, started, own_process)
            except Exception:  # a full build still gives the right frames
                log.exception("merging into %s failed; building in full", previous.name)
                path = None
            if path is not None:
                return path
        if own_process:  # a full rebuild must not slow the requests served meanwhile
            os.nice(BUILDER_NICENESS)  # (a merge takes seconds: it runs at their priority)
            # glibc serves arrays under 32 MB from its heap once a bigger one was freed, and
            # keeps what they free: a fixed threshold gives every array its own mapping, returned
            # when freed (the peak stays low). A merge keeps glibc's reuse: each new mapping
            # costs a page fault per page, and a merge's time is mostly those.
            with contextlib.suppress(OSError, AttributeError):  # not glibc
                ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, 128 * 1024)
        with db.snapshot_connection(engine, own_process) as conn:
            version = db.read_version(conn)
            path = snapshot_path(directory, version)
            if path.exists():
                return path
            fields = stream_frames(conn, as_of=version.changed_at.floor("s"))
        # Every row is read: the fields are built and written one at a time, each dropped once
        # written (the peak stays near the lines frame plus the biggest rollup).
        _write(fields, directory, path, version, started)
    return path


def _merged_snapshot(engine, directory: Path, previous: Path, started: float,
                     own_process: bool) -> Path | None:  # fmt: skip
    """The snapshot of the current version merged from `previous` and the orders written since
    (data.increment); None when they cannot give it. Written without waiting for the disk,
    which it is flushed to once in place: a merge is served within seconds of the import."""
    old = map_snapshot(previous)
    with db.snapshot_connection(engine, own_process) as conn:
        version = db.read_version(conn)
        path = snapshot_path(directory, version)
        if path.exists():
            return path
        fields = increment.merged_fields(
            conn, old.frames, old.meta["version"], version.version, version.changed_at.floor("s")
        )
    if fields is None:
        return None
    _write(fields, directory, path, version, started, {"merged_from": old.meta["version"]})
    with open(path, "rb") as written:
        os.fsync(written.fileno())
    return path


def _write(fields, directory: Path, path: Path, version: Version, started: float,
           merged: dict | None = None) -> None:  # fmt: skip
    """Write the snapshot of `fields` to `path` through a temporary file (see the module
    docstring), then unlink the superseded ones; a merged one (`merged`: how) without fsync."""
    temporary = directory / f".{path.name}.{os.getpid()}.tmp"
    lines = 0
    with SnapshotWriter(temporary) as writer, ThreadPoolExecutor(1) as background:
        writing = None  # a field is written while the next one is computed
        for name, value in fields:
            if writing is not None:
                writing.result()
            writing = background.submit(writer.add, name, value)
            if name == "lines":
                lines = len(value)
            del value
        if writing is not None:
            writing.result()
        meta = {
            "key": version.key,
            "database_id": version.database_id,
            "version": version.version,
            "changed_at": version.changed_at.isoformat(),
            "lines": lines,
            "build_seconds": round(time.perf_counter() - started, 3),
            **(merged or {}),
        }
        size = writer.finish(meta, sync=merged is None)
    os.replace(temporary, path)
    log.info(
        "snapshot %s %s: %s lines, %.1f MB, %.1f s",
        path.name,
        "merged" if merged else "built",
        f"{lines:,}",
        size / 1e6,
        time.perf_counter() - started,
    )
    remove_superseded(directory, version.database_id, keep=path)


def remove_superseded(directory: Path, database_id: str, keep: Path) -> None:
    """Unlink the other snapshots of this database, leftovers of dead builders, and files of other
    databases unused for a day. (A process still mapping a file keeps it until it lets go.)"""
    now = time.time()
    for path in Path(directory).iterdir():
        if path == keep or path.name.startswith(f"{keep.stem}.part-") or path.name == "build.lock":
            continue
        try:
            if path.name.startswith(".") and path.name.endswith(".tmp"):
                path.unlink()  # we hold the build lock: no builder is writing it
            elif path.suffix == ".arrow":
                ours = path.name.startswith(f"{database_id}-")
                if ours or now - path.stat().st_mtime > OTHER_DATABASE_MAX_AGE:
                    path.unlink()
        except FileNotFoundError:
            pass


def newest_snapshot(directory: Path, database_id: str) -> Path | None:
    """The newest snapshot file of this database written by this code, if any."""
    best, best_version = None, -1
    for path in Path(directory).glob(f"{database_id}-*-{CODE}.arrow"):
        try:
            version = int(path.name.split("-")[1])
        except (IndexError, ValueError):
            continue
        if version > best_version:
            best, best_version = path, version
    return best


def main(argv: list[str] | None = None) -> int:
    """`python -m data.snapshot [--when-told] DIRECTORY`: build the snapshot of DATABASE_URL's
    data (see the module docstring)."""
    args = sys.argv[1:] if argv is None else argv
    told = args[:1] == ["--when-told"]
    args = args[1:] if told else args
    if len(args) != 1 or not os.environ.get("DATABASE_URL"):
        print(
            "usage: DATABASE_URL=... python -m data.snapshot [--when-told] DIRECTORY",
            file=sys.stderr,
        )
        return 2
    expected = os.environ.get("SALES_SNAPSHOT_CODE")
    if expected and expected != CODE:  # the code on disk changed under a running server
        print(
            f"the code that builds frames changed since the server started ({expected} -> "
            f"{CODE}): restart the server",
            file=sys.stderr,
        )
        return 3
    logging.basicConfig(
        level=logging.INFO,
        format="[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s",
        datefmt="%Y-%m-%d %H:%M:%S %z",
    )
    # The builder makes few Python objects and no cycles worth a collector's passes (2-3% of
    # its CPU at 10M lines).
    gc.disable()
    # Arrow's own allocator keeps freed memory for reuse; the builder's peak matters more here.
    pa.set_memory_pool(pa.system_memory_pool())
    engine = db.make_engine(os.environ["DATABASE_URL"])
    if told and not sys.stdin.readline().strip():  # the server let go without asking
        return 0
    path = build_snapshot(engine, Path(args[0]), own_process=True)
    peak = Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0]
    log.info("builder done: %s, peak RSS %d MB", path.name, int(peak) // 1024)
    return 0


if __name__ == "__main__":
    sys.exit(main())
