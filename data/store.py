"""One process-wide cache of the frames, reloaded when the database changes."""

from __future__ import annotations

import threading

import pandas as pd
from sqlalchemy import Engine

from data.db import data_modified_at, data_version, read_tables
from data.frames import Frames, build_frames


class Store:
    """Hands out the current Frames; a cheap version check per call reloads after any write."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._frames: Frames | None = None
        self._version: tuple | None = None
        self._lock = threading.Lock()

    def frames(self) -> Frames:
        version = data_version(self.engine)
        if version != self._version:
            with self._lock:
                if version != self._version:
                    self._frames = self._load()
                    self._version = version
        return self._frames

    def _load(self) -> Frames:
        as_of = data_modified_at(self.engine) or pd.Timestamp.now(tz="UTC")
        return build_frames(read_tables(self.engine), as_of=as_of.floor("s"))
