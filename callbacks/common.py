"""What every screen's callbacks share: the data store, and the frames the signed-in user may see."""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_login import current_user

from data.frames import Frames, from_day
from data.store import Store
from metrics.filters import preset_period


def store() -> Store:
    return current_app.extensions["sales_store"]


def user_frames() -> Frames:
    """The current frames restricted to the signed-in user's scope: the only way callbacks and
    downloads reach the data."""
    return store().frames_for(current_user.scope)


def as_of_text() -> str:
    return f"Data as of {store().frames().as_of:%d %b %Y %H:%M} UTC"


def default_period(frames: Frames) -> tuple[date, date]:
    """The 12 months up to today, or up to the last order when the data stops earlier."""
    today = date.today()
    last = from_day(frames.last_day).date() if frames.last_day is not None else today
    return preset_period("last_12_months", min(today, last), last, last)
