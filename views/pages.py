"""Which role may open which page, the screens that export, and each role's landing page."""

from __future__ import annotations

import re

REPORT_TITLES = {
    "sales-by-date": "Sales by Date",
    "sales-by-channel": "Sales by Channel",
    "sales-by-category": "Sales by Category",
    "sales-by-brand": "Sales by Brand",
    "sales-by-collection": "Sales by Collection",
    "sales-by-supplier": "Sales by Supplier",
    "sales-by-user": "Sales by User",
    "sales-by-department": "Sales by Department",
    "sell-through": "Sell Through",
    "made-to-order": "Made to Order",
    "matching-products": "Matching products",
    "matching-customers": "Matching customers",
}
# path pattern -> (menu label or None, roles that may open it)
PAGES = {
    r"/": ("Overview", ("leadership", "manager", "admin")),
    r"/team": ("Team performance", ("leadership", "manager")),
    r"/my-customers": ("My customers", ("salesperson",)),
    r"/sales-by-customer": ("Sales by Customer", ("leadership", "manager", "salesperson", "admin")),
    r"/leaderboard": ("Leaderboard", ("leadership", "manager", "salesperson", "admin")),
    r"/reports/sales-by-category": ("Reports", ("leadership", "manager", "salesperson", "admin")),
    rf"/reports/({'|'.join(REPORT_TITLES)})": (
        None,
        ("leadership", "manager", "salesperson", "admin"),
    ),
    r"/customers/[^/]+": (None, ("leadership", "manager", "salesperson", "admin")),
    r"/admin": ("Admin", ("admin",)),
}
LANDING = {"leadership": "/", "manager": "/team", "salesperson": "/my-customers", "admin": "/admin"}
# screen name (as in /export/<screen>.pdf and `flask export`) -> (title, path)
SCREENS = {
    "overview": ("Overview", "/"),
    "sales-by-customer": ("Sales by Customer", "/sales-by-customer"),
    "leaderboard": ("Leaderboard", "/leaderboard"),
    "team": ("Team performance", "/team"),
    "my-customers": ("My customers", "/my-customers"),
    **{name: (title, f"/reports/{name}") for name, title in REPORT_TITLES.items()},
}


def page_roles(path: str) -> tuple[str, ...] | None:
    """Roles that may open `path`; None when there is no such page."""
    for pattern, (_, roles) in PAGES.items():
        if re.fullmatch(pattern, path):
            return roles
    return None


def may_open(role: str, screen: str) -> bool:
    """Whether `role` may open the screen (and so export it, over HTTP or the command line)."""
    return role in (page_roles(SCREENS[screen][1]) or ())


def screen_of(path: str) -> str | None:
    """The screen shown at `path` (None for pages that are not screens, e.g. a customer page)."""
    for name, (_, screen_path) in SCREENS.items():
        if screen_path == path:
            return name
    return None


def landing(role: str) -> tuple[str, str]:
    """(menu label, path) of the role's landing page: where "home" is for that user."""
    path = LANDING[role]
    return PAGES[path][0], path


def menu(role: str) -> list[tuple[str, str]]:
    """(label, path) of the pages this role may open, in menu order."""
    return [(label, path) for path, (label, roles) in PAGES.items() if label and role in roles]
