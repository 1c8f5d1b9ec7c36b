"""Which role may open which page, and the role check wrapped around callbacks."""

from __future__ import annotations

import functools
import re

from flask import abort
from flask_login import current_user

# path pattern -> (menu label or None, roles that may open it)
PAGES = {
    r"/": ("Overview", ("leadership", "manager", "admin")),
    r"/team": ("Team performance", ("leadership", "manager")),
    r"/my-customers": ("My customers", ("salesperson",)),
    r"/sales-by-customer": ("Sales by Customer", ("leadership", "manager", "salesperson", "admin")),
    r"/leaderboard": ("Leaderboard", ("leadership", "manager", "salesperson", "admin")),
    r"/reports/sales-by-category": ("Reports", ("leadership", "manager", "salesperson", "admin")),
    r"/reports/[a-z-]+": (None, ("leadership", "manager", "salesperson", "admin")),
    r"/customers/[^/]+": (None, ("leadership", "manager", "salesperson", "admin")),
    r"/admin": ("Admin", ("admin",)),
}
LANDING = {"leadership": "/", "manager": "/team", "salesperson": "/my-customers", "admin": "/admin"}


def page_roles(path: str) -> tuple[str, ...] | None:
    """Roles that may open `path`; None when there is no such page."""
    for pattern, (_, roles) in PAGES.items():
        if re.fullmatch(pattern, path):
            return roles
    return None


def menu(role: str) -> list[tuple[str, str]]:
    """(label, path) of the pages this role may open, in menu order."""
    return [(label, path) for path, (label, roles) in PAGES.items() if label and role in roles]


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
