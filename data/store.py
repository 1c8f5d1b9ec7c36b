"""The frames every request reads: one shared, memory-mapped snapshot per data version.

Each request reads the data version once (one primary-key lookup, data.db.read_version). When it
changed, the process maps the new version's snapshot file if one exists (milliseconds), else
starts one build (data.snapshot: in a child process, or in a thread for small data) and goes on
serving the snapshot it has: the swap is one assignment, so no request ever sees half of a
reload. A request that finds the data changed waits up to `reload_wait` seconds for the new
snapshot, but only when the previous build took no longer than that (a small database then
shows a change on the very next request, a big one never blocks anybody). After an import the
new snapshot is usually merged from the previous one in seconds (data.increment); the parts of
the scopes in use (a manager's team, a salesperson's customers) are then worked out in a
thread, each scope answered from its previous part until its new one is ready.

Without a snapshot folder (`Store(engine)`) the frames are built in this process on the request
that finds the version changed, as a plain cache (tests, one-off scripts).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import g, has_request_context
from sqlalchemy import Engine, func, select

from data.access import Scope, scoped
from data.db import Version, read_version, snapshot_connection
from data.frames import Frames, read_frames
from data.models import OrderLine
from data.snapshot import (
    CODE,
    Snapshot,
    build_snapshot,
    map_snapshot,
    newest_snapshot,
    shared_part,
    snapshot_path,
)

log = logging.getLogger("sales.store")
SCOPED_CACHE_SIZE = 64
FIRST_LOAD_WAIT = 60.0  # a request finding no data at all waits this long, then gets an error
RETRY_SECONDS = 5.0  # after a failed build, the next one starts no sooner than this
READY_AFTER = 10.0  # seconds after a build ends before the next builder child is started
ROOT = Path(__file__).resolve().parent.parent


class DataUnavailable(RuntimeError):
    """No data can be served yet (the first snapshot is not built, or its build failed)."""


@dataclass(frozen=True)
class Current:
    key: str
    frames: Frames
    snapshot: Snapshot | None  # None: frames built in this process
    build_seconds: float


class Store:
    """Hands out the current Frames (see the module docstring)."""

    def __init__(
        self,
        engine: Engine,
        snapshot_dir: str | os.PathLike | None = None,
        reload_wait: float = 2.0,
        in_process_lines: int = 200_000,
    ) -> None:
        self.engine = engine
        self.snapshot_dir = Path(snapshot_dir) if snapshot_dir is not None else None
        self.reload_wait = reload_wait
        self.in_process_lines = in_process_lines
        self._current: Current | None = None
        self._lock = threading.Lock()
        self._scoped: dict[Scope, tuple[Frames, Frames]] = {}  # scope -> (all frames, its part)
        self._scope_locks: dict[Scope, threading.Lock] = {}
        self._builder: threading.Thread | subprocess.Popen | None = None
        self._ready: subprocess.Popen | None = None  # a builder child waiting to be told
        self._ready_after = 0.0  # (time.monotonic) when the next ready child may start
        self._build_failed_at: float | None = None
        self._build_error: str | None = None
        self._pending: tuple[str, float] | None = None  # (version key, when first seen)
        self._preparing: Path | None = None  # a reload's snapshot whose scopes are worked out
        self._stale: dict[Scope, tuple[Frames, Frames]] = {}  # scope -> (frames, previous part)

    # --- what requests call ---------------------------------------------------------------------

    def frames(self) -> Frames:
        version = self.version()
        current = self._current
        if current is not None and current.key == version.key:
            if self._ready is None and current.snapshot is not None:
                self._get_ready(current)
            return current.frames
        if self.snapshot_dir is None:
            return self._build_here(version)
        return self._refresh(version, current).frames

    def frames_for(self, scope: Scope) -> Frames:
        """The current frames restricted to what `scope` may see (cached per data version; the
        same frames for the whole of a request)."""
        if not has_request_context():
            return self._frames_for(scope)
        seen = g.setdefault("sales_parts", {})
        if (id(self), scope) not in seen:
            seen[id(self), scope] = self._frames_for(scope)
        return seen[id(self), scope]

    def _frames_for(self, scope: Scope) -> Frames:
        frames = self.frames()
        if scope.sees_everything:
            return frames
        source, part = self._scoped.get(scope, (None, None))
        if source is frames:
            return part
        source, part = self._stale.get(scope, (None, None))
        if source is frames:  # the new part is being worked out (_map): the previous one meanwhile
            return part
        # One thread per scope works its part out or maps it (a second mapping of the same file
        # would cost its pages again in this process's RSS); the others wait for it, and the
        # requests of other scopes go on meanwhile.
        with self._lock:
            scope_lock = self._scope_locks.setdefault(scope, threading.Lock())
        with scope_lock:
            source, part = self._scoped.get(scope, (None, None))
            if source is frames:
                return part
            current = self._current
            if current is not None and current.frames is frames:
                part = self._part(current, scope)
            else:  # swapped meanwhile: this request's frames are no longer current
                part = scoped(frames, scope)
            with self._lock:
                if self._current is not None and self._current.frames is frames:
                    if len(self._scoped) >= SCOPED_CACHE_SIZE:
                        self._scoped.clear()
                    self._scoped[scope] = (frames, part)
        return part

    def load(self, timeout: float | None = None) -> Frames:
        """Wait until the database's current data version is served (a server's start, before
        it forks its workers: no build may still run then)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            version = read_version(self.engine)
            if self.snapshot_dir is None:
                return self.frames()
            current = self._current
            if current is None or current.key != version.key:
                try:
                    current = self._refresh(version, current, True, deadline or 1e18)
                except DataUnavailable:
                    if deadline is not None and time.monotonic() > deadline:
                        raise
            if current is not None and current.key == version.key:
                builder = self._builder
                if isinstance(builder, threading.Thread):
                    builder.join()
                elif builder is not None:
                    builder.wait()
                return current.frames
            if deadline is not None and time.monotonic() > deadline:
                raise DataUnavailable("the snapshot was not built in time")
            time.sleep(0.1)

    def release(self) -> None:
        """Stop serving (unmap) the current snapshot: the server's master after building it, so
        that no process outside the workers pins a superseded file."""
        with self._lock:
            self._current = None
            self._scoped.clear()
            self._stale.clear()
            ready, self._ready = self._ready, None
        if ready is not None:
            ready.stdin.close()  # it exits without building
            ready.wait()

    def status(self) -> dict:
        """For /healthz: whether data is served, its version and as-of time. Waits for a reload
        as a request does (see the module docstring), never for the first load."""
        try:
            version = self.version()
        except Exception as error:  # the database is down: say so, do not raise
            return {"status": "error", "error": f"database: {type(error).__name__}"}
        current = self._current
        if current is None or current.key != version.key:
            try:  # as a request would: no wait for the first load, the reload rule after
                current = self._refresh(version, current, wait=current is not None)
            except DataUnavailable as error:
                return {"status": "loading", "data_version": version.version, "error": str(error)}
        frames = current.frames
        return {
            "status": "ok",
            "data_version": int(current.key.rsplit("-", 1)[1]),
            "database_version": version.version,
            "reloading": current.key != version.key,
            "as_of": frames.as_of.isoformat(),
            "lines": len(frames.lines),
            "snapshot": current.snapshot.path.name if current.snapshot else None,
            "worker": os.getpid(),
        }

    # --- the version, once per request ----------------------------------------------------------

    def version(self) -> Version:
        """The database's data version, read once per request."""
        if not has_request_context():
            return read_version(self.engine)
        seen = g.setdefault("sales_data_versions", {})
        if id(self) not in seen:
            seen[id(self)] = read_version(self.engine)
        return seen[id(self)]

    # --- in-process cache (no snapshot folder) --------------------------------------------------

    def _build_here(self, version: Version) -> Frames:
        with self._lock:
            current = self._current
            if current is None or current.key != version.key:
                started = time.perf_counter()
                with snapshot_connection(self.engine) as conn:
                    read = read_version(conn)
                    frames = read_frames(conn, as_of=read.changed_at.floor("s"))
                current = Current(read.key, frames, None, time.perf_counter() - started)
                self._swap(current)
        return current.frames

    # --- snapshots ------------------------------------------------------------------------------

    def _refresh(
        self,
        version: Version,
        current: Current | None,
        wait: bool = True,
        first_deadline: float | None = None,
    ) -> Current:
        """Map the snapshot of `version` if it exists; else start its build and, as the module
        docstring says, wait for it or answer from `current`."""
        path = snapshot_path(self.snapshot_dir, version)
        mapped = self._map(path)
        if mapped is not None:
            return mapped
        if current is None:  # a fresh process: serve the newest older snapshot while building
            older = newest_snapshot(self.snapshot_dir, version.database_id)
            current = self._map(older) if older is not None else None
        with self._lock:
            if self._pending is None or self._pending[0] != version.key:
                self._pending = (version.key, time.monotonic())
            first_seen = self._pending[1]
        self._start_build(current)
        if current is None:
            if not wait:
                raise DataUnavailable(self._build_error or "the first snapshot is being built")
            deadline = first_deadline or time.monotonic() + FIRST_LOAD_WAIT
        elif wait and current.build_seconds <= self.reload_wait:
            deadline = first_seen + self.reload_wait
        else:
            return current
        while time.monotonic() < deadline:
            mapped = self._map(path)
            if mapped is not None:
                return mapped
            if not self._building():
                mapped = self._map(path)
                if mapped is not None:
                    return mapped
                if self._build_error:
                    if current is None:
                        raise DataUnavailable(self._build_error)
                    return current
                # the build finished with a newer version than ours: wait for the newest
                path = snapshot_path(self.snapshot_dir, read_version(self.engine))
                self._start_build(current)
            time.sleep(0.02)
        if current is None:
            raise DataUnavailable(self._build_error or "the first snapshot is still being built")
        return current

    def _map(self, path: Path) -> Current | None:
        """Map `path` and make it current (unless something newer is); None if it is missing.
        When the reload of big data comes while scopes are in use, their parts of it are worked
        out in a thread (see _prepare) and, until each is, that scope's requests get its part
        of the previous data: no request waits for a part, and whoever sees everything is
        served the new data at once."""
        with self._lock:
            current = self._current
            if current is not None and current.snapshot and current.snapshot.path == path:
                return current
            if self._preparing == path:
                return current
        try:
            snapshot = map_snapshot(path)
        except FileNotFoundError:
            return None
        except (ValueError, OSError) as error:
            log.warning("snapshot %s unreadable (%s); it will be rebuilt", path.name, error)
            return None
        mapped = Current(snapshot.key, snapshot.frames, snapshot, snapshot.meta["build_seconds"])
        with self._lock:
            current = self._current
            if current is not None and (
                current.key == mapped.key or _newer(current.key, mapped.key)
            ):
                return current  # another request mapped it meanwhile: this mapping is dropped
            scopes = list(self._scoped)
            if current is None or not scopes or mapped.build_seconds < self.reload_wait:
                self._swap(mapped)
                return mapped
            if self._preparing is not None:  # another reload's parts are being worked out
                return current
            self._preparing = path
            previous = {scope: part for scope, (_frames, part) in self._scoped.items()}
            self._swap(mapped)
            self._stale = {scope: (mapped.frames, part) for scope, part in previous.items()}
        threading.Thread(target=self._prepare, args=(mapped, scopes), daemon=True).start()
        return mapped

    def _prepare(self, mapped: Current, scopes: list[Scope]) -> None:
        """Work out the parts of `scopes` in `mapped`, each served as soon as it is ready."""
        for scope in scopes:
            try:
                part = self._part(mapped, scope)
            except Exception:  # the part is then worked out by the requests that need it
                log.exception("preparing a part of %s failed", mapped.snapshot.path.name)
                part = None
            with self._lock:
                if part is not None and self._current is mapped:
                    self._scoped[scope] = (mapped.frames, part)
                self._stale.pop(scope, None)
        with self._lock:
            self._preparing = None

    def _part(self, current: Current, scope: Scope) -> Frames:
        """`scope`'s part of `current`: from a snapshot, a file of its own that every process
        serving the scope maps (data.snapshot.shared_part)."""
        if current.snapshot is None:
            return scoped(current.frames, scope)
        name = f"{scope.role}:{scope.salesperson}:{scope.team}"
        return shared_part(current.snapshot, name, lambda: scoped(current.frames, scope))

    def _swap(self, current: Current) -> None:
        self._current = current  # one assignment: a request holds either the old or the new
        self._scoped = {}
        self._stale = {}
        log.info("serving %s (%s lines)", current.key, f"{len(current.frames.lines):,}")

    def _building(self) -> bool:
        builder = self._builder
        if builder is None:
            return False
        if isinstance(builder, threading.Thread):
            return builder.is_alive()
        code = builder.poll()
        if code is None:
            return True
        if code != 0:
            self._failed(f"the snapshot builder exited with code {code} (see the log)")
        self._builder = None
        self._ready_after = time.monotonic() + READY_AFTER
        return False

    def _start_build(self, current: Current | None) -> None:
        """Start a build unless one runs (or failed moments ago)."""
        with self._lock:
            if self._building():
                return
            if self._build_failed_at and time.monotonic() - self._build_failed_at < RETRY_SECONDS:
                return
            self._build_error = self._build_failed_at = None
            lines = len(current.frames.lines) if current is not None else self._count_lines()
            if lines < self.in_process_lines:
                self._builder = threading.Thread(target=self._build_in_thread, daemon=True)
                self._builder.start()
                how = "in a thread"
            else:
                self._builder = self._told_builder()
                how = f"in child process {self._builder.pid}"
            log.info("data changed: building a snapshot %s (%s lines before)", how, f"{lines:,}")

    def _get_ready(self, current: Current) -> None:
        """Start a builder child that loads its code and waits to be told to build (data big
        enough to build in a child, only in a request: never in a server's master, whose
        children would inherit it), unless one runs or a build ended moments ago."""
        if len(current.frames.lines) < self.in_process_lines or not has_request_context():
            return
        with self._lock:
            ready = self._ready is None and time.monotonic() >= self._ready_after
            if ready and not self._building():
                self._ready = self._builder_child(told=True)

    def _told_builder(self) -> subprocess.Popen:
        """The ready builder child, told to build now (a new one if there is none)."""
        ready, self._ready = self._ready, None
        if ready is not None and ready.poll() is None:
            try:
                ready.stdin.write(b"build\n")
                ready.stdin.close()
                return ready
            except OSError:  # it died meanwhile: a new one
                ready.kill()
                ready.wait()
        return self._builder_child(told=False)

    def _builder_child(self, told: bool) -> subprocess.Popen:
        # (OpenBLAS's idle threads would spin on the cores the workers need)
        env = {"OPENBLAS_NUM_THREADS": "1", **os.environ,
               "DATABASE_URL": self.engine.url.render_as_string(False),
               "SALES_SNAPSHOT_CODE": CODE}  # fmt: skip
        command = [sys.executable, "-m", "data.snapshot", str(self.snapshot_dir)]
        if told:
            command.insert(3, "--when-told")
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE if told else subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )

    def _build_in_thread(self) -> None:
        try:
            build_snapshot(self.engine, self.snapshot_dir)
        except Exception as error:
            log.exception("snapshot build failed")
            self._failed(f"the snapshot build failed: {type(error).__name__}: {error}")

    def _failed(self, message: str) -> None:
        self._build_error = message
        self._build_failed_at = time.monotonic()

    def _count_lines(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(OrderLine)).scalar_one()


def _newer(key: str, than: str) -> bool:
    """Whether version key `key` is newer data of the same database than `than`."""
    database, version = key.rsplit("-", 1)
    other_database, other_version = than.rsplit("-", 1)
    return database == other_database and int(version) > int(other_version)
