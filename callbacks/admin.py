"""Admin callbacks: import a file with a preview and an error report, and manage users."""

from __future__ import annotations

import base64
import re
import secrets
import shutil
from pathlib import Path

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate
from flask import current_app
from werkzeug.utils import secure_filename

from callbacks.common import store
from callbacks.guards import role_required
from data.importer import import_lines, last_import
from data.users import UserError, create_user, deactivate_user, list_users, set_password
from layouts import ids
from layouts.admin import freshness_cards

SHOWN_PROBLEMS = 200


def freshness() -> dict[str, str]:
    frames = store().frames()
    return {
        "Data as of": f"{frames.as_of:%Y-%m-%d %H:%M} UTC",
        "Order lines": f"{len(frames.lines):,}",
        "Orders": f"{len(frames.orders):,}",
        "Customers": f"{len(frames.customers):,}",
        "Last import": last_import(store().engine) or "none yet",
    }


def _uploads() -> Path:
    return Path(current_app.instance_path) / "uploads"


def _save(folder: Path, kind: str, contents: str, filename: str) -> Path:
    """Write an uploaded file under its own (sanitised) name: problems name the file."""
    target = folder / kind / (secure_filename(filename or "") or f"{kind}.csv")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(base64.b64decode(contents.split(",", 1)[1]))
    return target


def _files(token: str | None) -> tuple[Path, Path | None]:
    """The files kept under an upload token; the token is checked so no other path is reachable."""
    if not token or not re.fullmatch(r"[0-9a-f]{16}", token):
        raise PreventUpdate
    folder = _uploads() / token
    lines = next(iter(sorted((folder / "lines").glob("*"))), None)
    if lines is None:
        raise PreventUpdate
    customers = next(iter(sorted((folder / "customers").glob("*"))), None)
    return lines, customers


def preview(lines, customers, lines_name, customers_name, replace):
    """Check the uploaded files (a dry run): every problem, or what the import would do."""
    if not lines:
        raise PreventUpdate
    token = secrets.token_hex(8)
    folder = _uploads() / token
    lines_path = _save(folder, "lines", lines, lines_name)
    customers_path = _save(folder, "customers", customers, customers_name) if customers else None
    result = import_lines(store().engine, lines_path, customers_path, bool(replace), dry_run=True)
    if result.problems:
        shutil.rmtree(folder, ignore_errors=True)
        return _problems(result.problems), True, None
    action = "replace all sales data" if replace else "import"
    report = dbc.Alert(
        [
            html.Strong(f"No problems found. Ready to {action}; this would change:"),
            html.Ul([html.Li(line) for line in result.change_lines()], className="mb-0 small"),
            *[html.Div(note, className="small") for note in result.notes],
        ],
        color="info",
    )
    return report, False, token


def _problems(problems: list[str]) -> dbc.Alert:
    shown = problems[:SHOWN_PROBLEMS]
    more = len(problems) - len(shown)
    return dbc.Alert(
        [
            html.Strong(f"Nothing was imported: {len(problems):,} problem(s)."),
            html.Ul([html.Li(p) for p in shown], className="mb-0 mt-2 small import-problems"),
            html.Div(f"… and {more:,} more.") if more else None,
        ],
        color="danger",
    )


def confirm(clicks, token, replace):
    """Import the previewed files for real, in one transaction."""
    if not clicks:
        raise PreventUpdate
    lines_path, customers_path = _files(token)
    result = import_lines(store().engine, lines_path, customers_path, bool(replace))
    shutil.rmtree(lines_path.parent.parent, ignore_errors=True)
    if result.problems:  # the data changed between preview and import
        return _problems(result.problems), True, None, no_update
    counts = ", ".join(f"{n:,} {table}" for table, n in result.counts.items())
    report = dbc.Alert(f"Imported: {counts}.", color="success", className="import-done")
    return report, True, None, freshness_cards(freshness())


def manage_users(_create, _reset, _deactivate, username, role, salesperson, team, password):
    """Create a user, set a password, or deactivate a user."""
    engine = store().engine
    username = (username or "").strip()
    try:
        if not username:
            raise UserError("enter a user name")
        if ctx.triggered_id == ids.ADMIN_CREATE:
            create_user(
                engine, username, password or "", role or "", salesperson or None, team or None
            )
            done = f"User {username} ({role}) created."
        elif ctx.triggered_id == ids.ADMIN_RESET:
            set_password(engine, username, password or "")
            done = f"Password of {username} set."
        else:
            deactivate_user(engine, username)
            done = f"User {username} deactivated."
    except UserError as error:
        return dbc.Alert(str(error).capitalize(), color="warning"), no_update
    users = list_users(engine)
    return dbc.Alert(done, color="success"), users.to_dict("records")


def register(app: Dash) -> None:
    guard = role_required("admin")
    app.callback(
        Output(ids.ADMIN_IMPORT_REPORT, "children"),
        Output(ids.ADMIN_CONFIRM, "disabled"),
        Output(ids.ADMIN_UPLOAD_TOKEN, "data"),
        Input(ids.ADMIN_UPLOAD_LINES, "contents"),
        Input(ids.ADMIN_UPLOAD_CUSTOMERS, "contents"),
        State(ids.ADMIN_UPLOAD_LINES, "filename"),
        State(ids.ADMIN_UPLOAD_CUSTOMERS, "filename"),
        Input(ids.ADMIN_REPLACE, "value"),
        prevent_initial_call=True,
    )(guard(preview))
    app.callback(
        Output(ids.ADMIN_IMPORT_REPORT, "children", allow_duplicate=True),
        Output(ids.ADMIN_CONFIRM, "disabled", allow_duplicate=True),
        Output(ids.ADMIN_UPLOAD_TOKEN, "data", allow_duplicate=True),
        Output(ids.ADMIN_FRESHNESS, "children"),
        Input(ids.ADMIN_CONFIRM, "n_clicks"),
        State(ids.ADMIN_UPLOAD_TOKEN, "data"),
        State(ids.ADMIN_REPLACE, "value"),
        prevent_initial_call=True,
    )(guard(confirm))
    app.callback(
        Output(ids.ADMIN_USER_MESSAGE, "children"),
        Output(ids.ADMIN_USERS_GRID, "rowData"),
        Input(ids.ADMIN_CREATE, "n_clicks"),
        Input(ids.ADMIN_RESET, "n_clicks"),
        Input(ids.ADMIN_DEACTIVATE, "n_clicks"),
        State(ids.ADMIN_USERNAME, "value"),
        State(ids.ADMIN_ROLE, "value"),
        State(ids.ADMIN_SALESPERSON, "value"),
        State(ids.ADMIN_TEAM, "value"),
        State(ids.ADMIN_PASSWORD, "value"),
        prevent_initial_call=True,
    )(guard(manage_users))
