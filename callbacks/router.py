"""The router: which page a URL shows, and the navbar of the signed-in user."""

from __future__ import annotations

from urllib.parse import unquote

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State
from flask_login import current_user

from callbacks.admin import freshness
from callbacks.customer import page as customer_page
from data.users import list_users
from layouts import admin, ids, my_customers, overview, sales_by_customer, team
from layouts import leaderboard as leaderboard_page
from layouts import report as report_page
from layouts.components import message
from layouts.filter_bar import filter_bar, filter_chips
from views.context import as_of_text, store, user_data, view_for
from views.options import control_options, customer_names
from views.pages import landing, menu, page_roles, screen_of
from views.view import View, to_query


def render_page(pathname: str | None, search: str | None):
    """The page at `pathname` for the signed-in user (the server already refused other roles;
    this covers navigation inside the app); filter bars start from the view of the URL."""
    path = pathname or "/"
    roles = page_roles(path)
    if roles is None:
        return message(f"There is no page at {path}.")
    if current_user.role not in roles:
        return message("This page is not open to your role.", "danger")
    if path == "/admin":
        return admin.layout(freshness(), list_users(store().engine))
    frames = user_data()
    if path.startswith("/customers/"):
        return customer_page(frames, unquote(path.removeprefix("/customers/")), search)
    screen = screen_of(path)
    view = view_for(search, screen, frames)
    bar = _filter_bar(frames, view)
    if screen == "overview":
        return overview.layout(bar)
    if screen == "sales-by-customer":
        return sales_by_customer.layout(bar, view)
    if screen == "leaderboard":
        return leaderboard_page.layout(bar, view)
    if screen == "my-customers":
        return my_customers.layout(bar)
    if screen == "team":
        return team.layout(bar)
    return report_page.layout(screen, bar, view)


def _filter_bar(frames, view: View):
    chips = filter_chips(view, customer_names(frames, view.selected))
    return filter_bar(view, *control_options(frames, view), chips=chips)


def render_navbar(pathname: str | None, search: str | None):
    """The menu of the user's role (each link carries the shared filters of the page's view),
    who is signed in, and the brand's link: the user's landing page. On navigation; a screen's
    filter bar rewrites the menu's links when its view changes (callbacks.filter_bar.sync)."""
    path = pathname or "/"
    carried = ""
    if screen_of(path) is not None and search:
        carried = to_query(view_for(search, None), shared_only=True)
    _, home = landing(current_user.role)
    return menu_links(path, carried), f"Signed in as {current_user.id} ({current_user.role})", home


def menu_links(path: str, carried: str) -> list:
    """The menu of the signed-in user's role at `path`; links to screens carry `carried`, the
    shared filters' query."""
    return [
        dbc.NavItem(
            dbc.NavLink(
                label,
                href=f"{target}{carried if screen_of(target) else ''}",
                active=path == target,
                className="text-nowrap",
            )  # fmt: skip
        )
        for label, target in menu(current_user.role)
    ]


def render_as_of(*_) -> str:
    """The served data's as-of time: on every page, on a timer and after an Admin import."""
    return as_of_text()


def register(app: Dash) -> None:
    app.callback(
        Output(ids.PAGE, "children"), Input(ids.URL, "pathname"), State(ids.URL, "search")
    )(render_page)
    app.callback(
        Output(ids.NAV_MENU, "children"),
        Output(ids.NAV_USER, "children"),
        Output(ids.NAV_BRAND, "href"),
        Input(ids.URL, "pathname"),
        State(ids.URL, "search"),
    )(render_navbar)
    app.callback(
        Output(ids.NAV_AS_OF, "children"),
        Input(ids.URL, "pathname"),
        Input(ids.NAV_AS_OF_TIMER, "n_intervals"),
    )(render_as_of)
    app.callback(
        Output(ids.NAV_AS_OF, "children", allow_duplicate=True),
        Input(ids.ADMIN_FRESHNESS, "children"),
        prevent_initial_call=True,
    )(render_as_of)
