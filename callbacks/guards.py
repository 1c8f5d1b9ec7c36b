"""The role check wrapped around callbacks (which role may open which page: views.pages)."""

from __future__ import annotations

import functools
from typing import NoReturn

from flask import abort
from flask_login import current_user

from views.pages import SCREENS, page_roles


def role_required(*roles: str):
    """Wrap a callback so that a signed-in user of another role gets 403, whatever they send."""

    def wrap(function):
        @functools.wraps(function)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated or current_user.role not in roles:
                abort(403)
            return function(*args, **kwargs)

        return guarded

    return wrap


def screen_guard(screen: str):
    """role_required for the roles that may open `screen` (views.pages)."""
    return role_required(*page_roles(SCREENS[screen][1]))


def bad_request(message: str) -> NoReturn:
    """A callback input no screen sends (a crafted request): 400 with the reason, no traceback."""
    abort(400, description=message)
