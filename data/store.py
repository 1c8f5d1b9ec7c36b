"""One process-wide cache of the frames, reloaded when the database changes."""

from __future__ import annotations

import threading

import pandas as pd
from sqlalchemy import Engine

from data.access import Scope, scoped
from data.db import data_modified_at, data_version, read_tables
from data.frames import Frames, build_frames

SCOPED_CACHE_SIZE = 64


class Store:
    """Hands out the current Frames; a cheap version check per call reloads after any write."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._frames: Frames | None = None
        self._version: tuple | None = None
        self._lock = threading.Lock()
        self._scoped: dict[Scope, tuple[Frames, Frames]] = {}  # scope -> (all frames, its part)

    def frames(self) -> Frames:
        version = data_version(self.engine)
        if version != self._version:
            with self._lock:
                if version != self._version:
                    self._frames = self._load()
                    self._version = version
        return self._frames

    def frames_for(self, scope: Scope) -> Frames:
        """The current frames restricted to what `scope` may see (cached per data version)."""
        frames = self.frames()
        if scope.sees_everything:
            return frames
        with self._lock:
            source, part = self._scoped.get(scope, (None, None))
            if source is not frames:
                if len(self._scoped) >= SCOPED_CACHE_SIZE:
                    self._scoped.clear()
                part = scoped(frames, scope)
                self._scoped[scope] = (frames, part)
        return part

    def _load(self) -> Frames:
        as_of = data_modified_at(self.engine) or pd.Timestamp.now(tz="UTC")
        return build_frames(read_tables(self.engine), as_of=as_of.floor("s"))
