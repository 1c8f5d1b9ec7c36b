"""The screens' plotly figures as pictures in a PDF: kaleido renders each figure (the same
go.Figure the screen draws) in the system's Chromium, kept running between requests.

Not kaleido's own sync server: it blocks its event loop while idle, has no time limit per call
and is not safe for two request threads at once. Here one loop runs in its own thread, calls
take turns under a lock, a render has a time limit, and a Chromium that stops answering is
started again once before a render fails. MathJax is off (it would be fetched from the net).
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import threading

import kaleido
import plotly.graph_objects as go
from reportlab.platypus import Image

SCALE = 2  # pixels per CSS pixel: sharp when printed
RENDER_SECONDS = 30
START_SECONDS = 60
log = logging.getLogger("sales.pdf")


class _Renderer:
    """One Chromium (through kaleido) per process, started on the first render."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido: kaleido.Kaleido | None = None

    def png(self, figure: go.Figure, width: int, height: int) -> bytes:
        opts = {"format": "png", "width": width, "height": height, "scale": SCALE}
        with self._lock:
            for attempt in (1, 2):
                try:
                    k = self._started()
                    call = asyncio.run_coroutine_threadsafe(k.calc_fig(figure, opts), self._loop)
                    return call.result(timeout=RENDER_SECONDS)
                except Exception:
                    log.exception(
                        "rendering a chart failed (attempt %s); restarting Chromium", attempt
                    )
                    self._stop()
                    if attempt == 2:
                        raise
        raise AssertionError("unreachable")

    def _started(self) -> kaleido.Kaleido:
        if self._pid != os.getpid() or not (self._thread and self._thread.is_alive()):
            # first use, a forked worker, or a loop that died: a new loop and a new Chromium
            self._loop, self._kaleido, self._pid = asyncio.new_event_loop(), None, os.getpid()
            self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                            name="kaleido")  # fmt: skip
            self._thread.start()
        if self._kaleido is None:
            k = kaleido.Kaleido(n=1, timeout=RENDER_SECONDS, mathjax=False)
            asyncio.run_coroutine_threadsafe(k.open(), self._loop).result(timeout=START_SECONDS)
            self._kaleido = k
        return self._kaleido

    def _stop(self) -> None:
        k, self._kaleido = self._kaleido, None
        if k is not None and self._thread is not None and self._thread.is_alive():
            try:
                asyncio.run_coroutine_threadsafe(k.close(), self._loop).result(timeout=10)
            except Exception:  # a browser that hangs is left to die with its process group
                log.warning("Chromium did not close cleanly")


_renderer = _Renderer()


def figure_image(figure: go.Figure, width: float, height: float) -> Image:
    """`figure` as a PNG picture `width` × `height` points in the PDF (drawn at 1.5 CSS px per
    point, so its text is the size it has on screen)."""
    pictured = go.Figure(figure)
    top = 60 if pictured.layout.title.text else 30  # room for the legend
    pictured.update_layout(margin=dict(l=10, r=10, t=top, b=10))
    png = _renderer.png(pictured, int(width * 1.5), int(height * 1.5))
    return Image(io.BytesIO(png), width=width, height=height)
