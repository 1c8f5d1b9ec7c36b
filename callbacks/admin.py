"""Admin callbacks: import files with a mapping step, a preview and an error report (order lines,
or a Business Central export), and manage users."""

from __future__ import annotations

import base64
import re
import secrets
import shutil
from pathlib import Path

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from flask import current_app
from flask_login import current_user
from werkzeug.utils import secure_filename

from callbacks.common import store
from callbacks.guards import role_required
from data.business_central import import_business_central
from data.db import row_counts
from data.import_files import FileError, open_source
from data.importer import IGNORE, ImportResult, Options, import_lines, last_import, suggested_fields
from data.users import (
    UserError,
    activate_user,
    check_deactivation,
    create_user,
    deactivate_user,
    list_users,
    salespeople,
    set_password,
    set_role,
    teams,
)
from layouts import ids
from layouts.admin import NEW, choices, deactivation_question, freshness_cards, mapping_table
from views.context import as_of, sql_engine_on

SHOWN_PROBLEMS = 200
REPORT = "problems.txt"
BC_FILES = ("value_entries", "customers", "items", "salespeople")


def freshness() -> dict[str, str]:
    """The served data's as-of time, its order lines, orders and customers (those of the customer
    list and those seen only on orders) and the last import: from the frames (no query), or with
    SALES_ENGINE=sql from the database (the frames are never loaded there)."""
    if sql_engine_on():
        counts = row_counts(store().engine)
    else:
        frames = store().frames()
        counts = {"lines": len(frames.lines), "orders": len(frames.orders),
                  "customers": len(frames.customers)}  # fmt: skip
    return {
        "Data as of": f"{as_of():%Y-%m-%d %H:%M} UTC",
        "Order lines": f"{counts['lines']:,}",
        "Orders": f"{counts['orders']:,}",
        "Customers": f"{counts['customers']:,}",
        "Last import": last_import(store().engine) or "none yet",
    }


# --- uploads kept between the preview and the import --------------------------------------------


def _uploads() -> Path:
    return Path(current_app.instance_path) / "uploads"


def _new_folder() -> tuple[str, Path]:
    token = secrets.token_hex(8)
    return token, _uploads() / token


def _save(folder: Path, kind: str, contents: str, filename: str) -> Path:
    """Write an uploaded file under its own (sanitised) name: problems name the file."""
    target = folder / kind / (secure_filename(filename or "") or f"{kind}.csv")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(base64.b64decode(contents.split(",", 1)[1]))
    return target


def _folder(token: str | None) -> Path:
    """The folder of an upload token; the token is checked so no other path is reachable."""
    if not token or not re.fullmatch(r"[0-9a-f]{16}", token):
        raise PreventUpdate
    folder = _uploads() / token
    if not folder.is_dir():
        raise PreventUpdate
    return folder


def _file(folder: Path, kind: str) -> Path | None:
    return next(iter(sorted((folder / kind).glob("*"))), None)


def _forget(token: str | None) -> None:
    if token and re.fullmatch(r"[0-9a-f]{16}", token):
        shutil.rmtree(_uploads() / token, ignore_errors=True)


# --- order lines: upload, mapping, preview, import ----------------------------------------------


def upload_lines(lines, customers, lines_name, customers_name, old_token):
    """Keep the uploaded files under a new token and show the mapping step for their columns."""
    if not lines:
        raise PreventUpdate
    _forget(old_token)
    token, folder = _new_folder()
    lines_path = _save(folder, "lines", lines, lines_name)
    if customers:
        _save(folder, "customers", customers, customers_name)
    try:
        source = open_source(lines_path)
        first = next(source.chunks(list(range(len(source.header)))), None)
    except FileError:
        return token, []  # the preview says why
    samples = [""] * len(source.header)
    if first is not None:
        samples = [str(first[1][i][0]) if len(first[0]) else "" for i in range(len(samples))]
    return token, mapping_table(source.header, suggested_fields(source.header), samples)


def _options(folder: Path, fields, field_ids, decimal, date_format, keep) -> Options:
    """Reading options from the screen: a column mapped to a field other than its own name's, or
    to "ignore", becomes a mapping."""
    mapping = []
    if fields:
        header = open_source(_file(folder, "lines")).header
        suggested = suggested_fields(header)
        for field_id, field in zip(field_ids or [], fields, strict=True):
            i = field_id["index"]
            if i >= len(header) or not header[i] or field == (suggested[i] or IGNORE):
                continue
            mapping.append((header[i], field))
    return Options(
        mapping=tuple(mapping),
        keep_extra=bool(keep),
        decimal="," if decimal == "," else ".",
        date_format=(date_format or "").strip() or None,
    )


def check(token, fields, decimal, date_format, keep, replace, field_ids):
    """Check the uploaded files as they would be imported (a dry run): every problem, or what the
    import would change."""
    folder = _folder(token)
    try:
        options = _options(folder, fields, field_ids, decimal, date_format, keep)
    except (ValueError, FileError) as error:
        return dbc.Alert(str(error), color="warning"), True
    result = import_lines(
        store().engine, _file(folder, "lines"), _file(folder, "customers"), bool(replace),
        dry_run=True, options=options, report_path=folder / REPORT,
    )  # fmt: skip
    return preview(result, replace, ids.ADMIN_REPORT_BUTTON), bool(result.problem_count)


def preview(result: ImportResult, replace, button: str) -> dbc.Alert:
    """A dry run's result: what was read and what would change, or the problems (the first
    SHOWN_PROBLEMS, the total, and the full report to download)."""
    notes = [html.Div(note, className="small") for note in result.notes]
    if result.problem_count:
        return problem_report(result, button)
    action = "replace all sales data" if replace else "import"
    return dbc.Alert(
        [
            html.Strong(f"No problems found. Ready to {action}; this would change:"),
            html.Ul([html.Li(line) for line in result.change_lines()], className="mb-1 small"),
            *notes,
        ],
        color="info",
        className="import-preview",
    )


def problem_report(result: ImportResult, button: str | None) -> dbc.Alert:
    shown = result.problems[:SHOWN_PROBLEMS]
    more = result.problem_count - len(shown)
    return dbc.Alert(
        [
            html.Strong(f"Nothing was imported: {result.problem_count:,} problem(s)."),
            html.Ul([html.Li(p) for p in shown], className="mb-0 mt-2 small import-problems"),
            html.Div(f"… and {more:,} more.") if more else None,
            *[html.Div(note, className="small mt-1") for note in result.notes],
            dbc.Button(
                f"Download the full report ({result.problem_count:,} problems)",
                id=button,
                size="sm",
                color="danger",
                outline=True,
                className="mt-2",
            )
            if button
            else None,
        ],
        color="danger",
    )


def confirm(clicks, token, fields, field_ids, decimal, date_format, keep, replace):
    """Import the previewed files for real, in one transaction."""
    if not clicks:
        raise PreventUpdate
    folder = _folder(token)
    try:
        options = _options(folder, fields, field_ids, decimal, date_format, keep)
    except (ValueError, FileError) as error:
        return dbc.Alert(str(error), color="warning"), True, no_update, no_update
    result = import_lines(
        store().engine, _file(folder, "lines"), _file(folder, "customers"), bool(replace),
        options=options, report_path=folder / REPORT,
    )  # fmt: skip
    if result.problem_count:  # the data changed between preview and import
        return problem_report(result, ids.ADMIN_REPORT_BUTTON), True, no_update, no_update
    _forget(token)
    return _done(result), True, None, freshness_cards(freshness())


def _done(result: ImportResult) -> dbc.Alert:
    counts = ", ".join(f"{n:,} {table}" for table, n in result.counts.items())
    return dbc.Alert(
        [html.Div(f"Imported: {counts}."), *[html.Div(n, className="small") for n in result.notes]],
        color="success",
        className="import-done",
    )


def download_report(clicks, token):
    """The full problem report of the last preview."""
    if not clicks:
        raise PreventUpdate
    report = _folder(token) / REPORT
    if not report.is_file():
        raise PreventUpdate
    return dcc.send_file(str(report), filename="import-problems.txt")


# --- Business Central ----------------------------------------------------------------------------


def upload_bc(value_entries, customers, items, salespeople, replace, names, old_token):
    """Keep the Business Central files under a new token and preview their import (a dry run)."""
    if not value_entries:
        raise PreventUpdate
    _forget(old_token)
    token, folder = _new_folder()
    for kind, contents, name in zip(
        BC_FILES, (value_entries, customers, items, salespeople), names, strict=True
    ):
        if contents:
            _save(folder, kind, contents, name)
    result = _import_bc(folder, replace, dry_run=True)
    return preview(result, replace, ids.ADMIN_BC_REPORT_BUTTON), bool(result.problem_count), token


def _import_bc(folder: Path, replace, dry_run: bool = False) -> ImportResult:
    files = {kind: _file(folder, kind) for kind in BC_FILES}
    return import_business_central(
        store().engine, files["value_entries"], files["customers"], files["items"],
        files["salespeople"], replace=bool(replace), dry_run=dry_run,
        report_path=folder / REPORT,
    )  # fmt: skip


def confirm_bc(clicks, token, replace):
    if not clicks:
        raise PreventUpdate
    folder = _folder(token)
    result = _import_bc(folder, replace)
    if result.problem_count:
        return problem_report(result, ids.ADMIN_BC_REPORT_BUTTON), True, no_update, no_update
    _forget(token)
    return _done(result), True, None, freshness_cards(freshness())


# --- users ---------------------------------------------------------------------------------------


def user_choices(_rows):
    """The salesperson codes and teams in the data as the form's choices (again after a change)."""
    engine = store().engine
    sellers = [(code, code if name == code else f"{code} · {name}")
               for code, name in salespeople(engine)]  # fmt: skip
    return (
        choices(sellers, "New salesperson code…"),
        choices([(team, team) for team in teams(engine)], "New team…"),
    )


def user_form(role, salesperson, team):
    """A salesperson code for a salesperson, a team for a manager; the box for a new one when that
    is chosen, and what a new one means."""
    new_salesperson = role == "salesperson" and salesperson == NEW
    new_team = role == "manager" and team == NEW
    note = None
    if new_salesperson:
        note = ("A new salesperson code owns no customers yet: this user sees no data until an "
                "import gives the code customers.")  # fmt: skip
    elif new_team:
        note = ("A new team has no salespeople yet: this manager sees no data until an import "
                "puts salespeople in the team.")  # fmt: skip
    box = {True: "mt-1", False: "mt-1 d-none"}
    return (role != "salesperson", role != "manager", box[new_salesperson], box[new_team], note)


def pick_user(rows):
    """A click on a user in the table fills in their name."""
    if not rows:
        raise PreventUpdate
    return rows[0]["username"]


def manage_users(
    _create, _reset, _activate, _change, _deactivate, username, role, salesperson,
    new_salesperson, team, new_team, password,
):  # fmt: skip
    """Create a user, change their role, set a password, reactivate or (confirmed) deactivate a
    user. The data layer refuses what would leave nobody to manage users."""
    engine = store().engine
    acting = current_user.get_id()
    action = ctx.triggered_id
    try:
        username = _username(username)
        if action in (ids.ADMIN_CREATE, ids.ADMIN_CHANGE_ROLE):
            if not role:
                raise UserError("choose a role")
            salesperson, is_new_code = _chosen(salesperson, new_salesperson, "salesperson code")
            team, is_new_team = _chosen(team, new_team, "team name")
            chosen = {"new_salesperson": is_new_code, "new_team": is_new_team}
            if action == ids.ADMIN_CREATE:
                create_user(engine, username, password or "", role, salesperson, team, **chosen)
                done = f"User {username} ({role}) created"
                if is_new_team and role == "manager":
                    done += f" for the new team {team}"
                if is_new_code and role == "salesperson":
                    done += f" with the new salesperson code {salesperson}"
                done += "."
            else:
                set_role(engine, username, role, salesperson, team, acting=acting, **chosen)
                done = f"User {username} is now {role}; their sessions ended."
        elif action == ids.ADMIN_RESET:
            set_password(engine, username, password or "")
            done = f"Password of {username} set."
        elif action == ids.ADMIN_ACTIVATE:
            activate_user(engine, username)
            done = f"User {username} can sign in again."
        else:
            deactivate_user(engine, username, acting)
            done = f"User {username} deactivated."
    except UserError as error:
        return _refused(error), no_update
    return dbc.Alert(done, color="success"), list_users(engine).to_dict("records")


def ask_deactivation(_ask, _confirmed, _cancel, username):
    """Deactivate… asks first, unless the data layer would refuse it anyway (then it says why);
    the dialog's buttons close it."""
    if ctx.triggered_id != ids.ADMIN_ASK_DEACTIVATE:
        return False, no_update, no_update
    try:
        username = _username(username)
        check_deactivation(store().engine, username, current_user.get_id())
    except UserError as error:
        return False, no_update, _refused(error)
    return True, deactivation_question(username), None


def _username(typed) -> str:
    username = (typed or "").strip()
    if not username:
        raise UserError("enter a user name, or click a user in the table")
    return username


def _chosen(value, typed, what: str) -> tuple[str | None, bool]:
    """A value chosen from the data, or a new one typed after choosing NEW: (value, is new)."""
    if value != NEW:
        return value or None, False
    typed = (typed or "").strip()
    if not typed:
        raise UserError(f"type the new {what}")
    return typed, True


def _refused(error: UserError) -> dbc.Alert:
    text = str(error)
    sentence = text[:1].upper() + text[1:] + ("" if text.endswith((".", ")")) else ".")
    return dbc.Alert(sentence, color="warning", className="admin-refused")


def register(app: Dash) -> None:
    guard = role_required("admin")
    app.callback(
        Output(ids.ADMIN_UPLOAD_TOKEN, "data"),
        Output(ids.ADMIN_MAPPING, "children"),
        Input(ids.ADMIN_UPLOAD_LINES, "contents"),
        Input(ids.ADMIN_UPLOAD_CUSTOMERS, "contents"),
        State(ids.ADMIN_UPLOAD_LINES, "filename"),
        State(ids.ADMIN_UPLOAD_CUSTOMERS, "filename"),
        State(ids.ADMIN_UPLOAD_TOKEN, "data"),
        prevent_initial_call=True,
    )(guard(upload_lines))
    app.callback(
        Output(ids.ADMIN_IMPORT_REPORT, "children"),
        Output(ids.ADMIN_CONFIRM, "disabled"),
        Input(ids.ADMIN_UPLOAD_TOKEN, "data"),
        Input({"type": ids.ADMIN_MAP_FIELD, "index": ALL}, "value"),
        Input(ids.ADMIN_DECIMAL, "value"),
        Input(ids.ADMIN_DATE_FORMAT, "value"),
        Input(ids.ADMIN_KEEP_EXTRA, "value"),
        Input(ids.ADMIN_REPLACE, "value"),
        State({"type": ids.ADMIN_MAP_FIELD, "index": ALL}, "id"),
        prevent_initial_call=True,
    )(guard(check))
    app.callback(
        Output(ids.ADMIN_IMPORT_REPORT, "children", allow_duplicate=True),
        Output(ids.ADMIN_CONFIRM, "disabled", allow_duplicate=True),
        Output(ids.ADMIN_UPLOAD_TOKEN, "data", allow_duplicate=True),
        Output(ids.ADMIN_FRESHNESS, "children"),
        Input(ids.ADMIN_CONFIRM, "n_clicks"),
        State(ids.ADMIN_UPLOAD_TOKEN, "data"),
        State({"type": ids.ADMIN_MAP_FIELD, "index": ALL}, "value"),
        State({"type": ids.ADMIN_MAP_FIELD, "index": ALL}, "id"),
        State(ids.ADMIN_DECIMAL, "value"),
        State(ids.ADMIN_DATE_FORMAT, "value"),
        State(ids.ADMIN_KEEP_EXTRA, "value"),
        State(ids.ADMIN_REPLACE, "value"),
        prevent_initial_call=True,
    )(guard(confirm))
    app.callback(
        Output(ids.ADMIN_REPORT_DOWNLOAD, "data"),
        Input(ids.ADMIN_REPORT_BUTTON, "n_clicks"),
        State(ids.ADMIN_UPLOAD_TOKEN, "data"),
        prevent_initial_call=True,
    )(guard(download_report))
    app.callback(
        Output(ids.ADMIN_BC_REPORT, "children"),
        Output(ids.ADMIN_BC_CONFIRM, "disabled"),
        Output(ids.ADMIN_BC_TOKEN, "data"),
        Input(ids.ADMIN_BC_VALUE_ENTRIES, "contents"),
        Input(ids.ADMIN_BC_CUSTOMERS, "contents"),
        Input(ids.ADMIN_BC_ITEMS, "contents"),
        Input(ids.ADMIN_BC_SALESPEOPLE, "contents"),
        Input(ids.ADMIN_BC_REPLACE, "value"),
        State(ids.ADMIN_BC_VALUE_ENTRIES, "filename"),
        State(ids.ADMIN_BC_CUSTOMERS, "filename"),
        State(ids.ADMIN_BC_ITEMS, "filename"),
        State(ids.ADMIN_BC_SALESPEOPLE, "filename"),
        State(ids.ADMIN_BC_TOKEN, "data"),
        prevent_initial_call=True,
    )(guard(_upload_bc_names))
    app.callback(
        Output(ids.ADMIN_BC_REPORT, "children", allow_duplicate=True),
        Output(ids.ADMIN_BC_CONFIRM, "disabled", allow_duplicate=True),
        Output(ids.ADMIN_BC_TOKEN, "data", allow_duplicate=True),
        Output(ids.ADMIN_FRESHNESS, "children", allow_duplicate=True),
        Input(ids.ADMIN_BC_CONFIRM, "n_clicks"),
        State(ids.ADMIN_BC_TOKEN, "data"),
        State(ids.ADMIN_BC_REPLACE, "value"),
        prevent_initial_call=True,
    )(guard(confirm_bc))
    app.callback(
        Output(ids.ADMIN_REPORT_DOWNLOAD, "data", allow_duplicate=True),
        Input(ids.ADMIN_BC_REPORT_BUTTON, "n_clicks"),
        State(ids.ADMIN_BC_TOKEN, "data"),
        prevent_initial_call=True,
    )(guard(download_report))
    app.callback(
        Output(ids.ADMIN_SALESPERSON, "options"),
        Output(ids.ADMIN_TEAM, "options"),
        Input(ids.ADMIN_USERS_GRID, "rowData"),
    )(guard(user_choices))
    app.callback(
        Output(ids.ADMIN_SALESPERSON, "disabled"),
        Output(ids.ADMIN_TEAM, "disabled"),
        Output(ids.ADMIN_NEW_SALESPERSON, "className"),
        Output(ids.ADMIN_NEW_TEAM, "className"),
        Output(ids.ADMIN_USER_NOTE, "children"),
        Input(ids.ADMIN_ROLE, "value"),
        Input(ids.ADMIN_SALESPERSON, "value"),
        Input(ids.ADMIN_TEAM, "value"),
    )(guard(user_form))
    app.callback(
        Output(ids.ADMIN_USERNAME, "value"),
        Input(ids.ADMIN_USERS_GRID, "selectedRows"),
        prevent_initial_call=True,
    )(guard(pick_user))
    app.callback(
        Output(ids.ADMIN_USER_MESSAGE, "children"),
        Output(ids.ADMIN_USERS_GRID, "rowData"),
        Input(ids.ADMIN_CREATE, "n_clicks"),
        Input(ids.ADMIN_RESET, "n_clicks"),
        Input(ids.ADMIN_ACTIVATE, "n_clicks"),
        Input(ids.ADMIN_CHANGE_ROLE, "n_clicks"),
        Input(ids.ADMIN_DEACTIVATE, "n_clicks"),
        State(ids.ADMIN_USERNAME, "value"),
        State(ids.ADMIN_ROLE, "value"),
        State(ids.ADMIN_SALESPERSON, "value"),
        State(ids.ADMIN_NEW_SALESPERSON, "value"),
        State(ids.ADMIN_TEAM, "value"),
        State(ids.ADMIN_NEW_TEAM, "value"),
        State(ids.ADMIN_PASSWORD, "value"),
        prevent_initial_call=True,
    )(guard(manage_users))
    app.callback(
        Output(ids.ADMIN_DEACTIVATE_DIALOG, "is_open"),
        Output(ids.ADMIN_DEACTIVATE_QUESTION, "children"),
        Output(ids.ADMIN_USER_MESSAGE, "children", allow_duplicate=True),
        Input(ids.ADMIN_ASK_DEACTIVATE, "n_clicks"),
        Input(ids.ADMIN_DEACTIVATE, "n_clicks"),
        Input(ids.ADMIN_DEACTIVATE_CANCEL, "n_clicks"),
        State(ids.ADMIN_USERNAME, "value"),
        prevent_initial_call=True,
    )(guard(ask_deactivation))


def _upload_bc_names(ve, customers, items, salespeople, replace, *names_and_token):
    *names, old_token = names_and_token
    return upload_bc(ve, customers, items, salespeople, replace, names, old_token)
