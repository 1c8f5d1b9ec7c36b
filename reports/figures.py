"""The screens' plotly figures as pictures in a PDF: kaleido renders each figure (the same
go.Figure the screen draws) with the system's Chromium, kept running between requests."""

from __future__ import annotations

import io
import threading
import warnings

import kaleido
import plotly.graph_objects as go
import plotly.io as pio
from reportlab.platypus import Image

SCALE = 2  # pixels per CSS pixel: sharp when printed
_started = threading.Lock()
_running = False


def figure_image(figure: go.Figure, width: float, height: float) -> Image:
    """`figure` as a PNG picture `width` × `height` points in the PDF (1 pt = 1 CSS px)."""
    _start()
    pictured = go.Figure(figure)
    pictured.update_layout(width=int(width * 1.5), height=int(height * 1.5),
                           margin=dict(l=10, r=10, t=60, b=10))  # fmt: skip
    with warnings.catch_warnings():  # plotly warns that kaleido's options go to the server
        warnings.simplefilter("ignore")
        png = pio.to_image(pictured, format="png", scale=SCALE)
    return Image(io.BytesIO(png), width=width, height=height)


def _start() -> None:
    """Start one Chromium for all renders of this process (a cold start costs seconds)."""
    global _running
    with _started:
        if not _running:
            kaleido.start_sync_server(silence_warnings=True)
            _running = True
