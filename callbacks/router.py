"""The router: which page a URL shows, and the navbar of the signed-in user."""

from __future__ import annotations

from urllib.parse import unquote

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State
from flask_login import current_user

from callbacks.admin import freshness
from callbacks.common import as_of_text, default_period, store, user_frames
from callbacks.customer import page as customer_page
from callbacks.filter_bar import control_options, view_state
from callbacks.guards import menu, page_roles
from callbacks.leaderboard import saved_columns
from data.frames import Frames
from data.users import list_users
from layouts import admin, ids, my_customers, overview, sales_by_customer, team
from layouts import leaderboard as leaderboard_page
from layouts import report as report_page
from layouts.components import message
from layouts.filter_bar import filter_bar
from metrics.customers import leaderboard
from metrics.filters import Filters
from metrics.reports import REPORT_FILTERS


def render_page(pathname: str | None, search: str | None):
    """The page at `pathname` for the signed-in user (the server already refused other roles;
    this covers navigation inside the app); filter bars start from the URL's `search`."""
    path = pathname or "/"
    roles = page_roles(path)
    if roles is None:
        return message(f"There is no page at {path}.")
    if current_user.role not in roles:
        return message("This page is not open to your role.", "danger")
    frames = user_frames()
    start, end = default_period(frames)
    period_text = f"Last 12 months: {start} to {end}"
    if path == "/":
        return overview.layout(_filter_bar(frames, search))
    if path == "/sales-by-customer":
        return sales_by_customer.layout(_filter_bar(frames, search))
    if path == "/leaderboard":
        return leaderboard_page.layout(_filter_bar(frames, search), saved_columns(current_user.id))
    if path.startswith("/reports/"):
        name = path.removeprefix("/reports/")
        if name not in report_page.TITLES:
            return message(f"There is no report {name!r}.")
        return report_page.layout(name, _filter_bar(frames, search, name))
    if path == "/my-customers":
        return my_customers.layout(leaderboard(frames, Filters(start=start, end=end)), period_text)
    if path == "/team":
        return team.layout(_filter_bar(frames, search))
    if path == "/admin":
        return admin.layout(freshness(), list_users(store().engine))
    return customer_page(frames, unquote(path.removeprefix("/customers/")), search)


def _filter_bar(frames: Frames, search: str | None, report: str | None = None):
    """The filter bar from the URL; on a report, the filters it does not accept are disabled."""
    state = view_state(search, frames)
    accepted = set(REPORT_FILTERS[report]) if report in REPORT_FILTERS else None
    return filter_bar(state, *control_options(frames, state), accepted=accepted)


def render_navbar(pathname: str | None):
    """The menu of the user's role, the data's as-of time, and who is signed in."""
    links = [
        dbc.NavItem(
            dbc.NavLink(label, href=path, active=(pathname or "/") == path, className="text-nowrap")
        )  # fmt: skip
        for label, path in menu(current_user.role)
    ]
    return links, as_of_text(), f"Signed in as {current_user.id} ({current_user.role})"


def register(app: Dash) -> None:
    app.callback(
        Output(ids.PAGE, "children"), Input(ids.URL, "pathname"), State(ids.URL, "search")
    )(render_page)
    app.callback(
        Output(ids.NAV_MENU, "children"),
        Output(ids.NAV_AS_OF, "children"),
        Output(ids.NAV_USER, "children"),
        Input(ids.URL, "pathname"),
    )(render_navbar)
