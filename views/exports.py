"""The exports of a view — CSV of the screen's table, PDF of the screen — and the one rule for
who may export what: the roles that may open the screen. HTTP and the command line both call
these, so for the same user and view they write the same file."""

from __future__ import annotations

from data.frames import Frames
from data.lists import Lists
from metrics.engine import Engine
from reports.screens import screen_pdf
from views import grid, screens
from views.pages import SCREENS, may_open
from views.tables import to_csv
from views.view import View

EXPORTS = screens.EXPORT_SCREENS  # export name -> the screen that shows it (kpis: the Overview)


class ExportRefused(Exception):
    """An export this user may not make (status 403), or that does not exist (404)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def screen_for(name: str, role: str | None) -> str:
    """The screen an export `name` writes, when `role` (None: the operator) may open it."""
    screen = EXPORTS.get(name)
    if screen is None:
        raise ExportRefused(404, f"There is no export {name!r}; use one of {', '.join(EXPORTS)}.")
    if role is not None and not may_open(role, screen):
        raise ExportRefused(
            403, f"The {role} role may not open {SCREENS[screen][0]}, so may not export it."
        )
    return screen


def csv_text(frames: Frames | Lists, view: View, engine: Engine) -> str:
    """The CSV of what the view's screen shows in its table: the grid's visible columns in its
    order, its rows after every filter, the selection and the grid's own column filters (the
    KPIs' from `engine`'s sums)."""
    table, columns = grid.apply(screens.table_of(frames, view, engine), view.check().grid)
    return to_csv(table, columns, view.headers)


def pdf_bytes(frames: Frames | Lists, view: View, engine: Engine) -> bytes:
    """The PDF of the view's screen (a report's numbers from `engine` where it computes them)."""
    return screen_pdf(frames, view.check(), engine)
