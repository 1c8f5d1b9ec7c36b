"""Command-line tools on the Flask app: `flask --app app init-demo | import-lines | import-bc |
export`."""

from __future__ import annotations

import sys
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import click
from flask import Flask, current_app

from data import rollups
from data.access import ROLES, Scope
from data.business_central import import_business_central
from data.db import write_tables
from data.demo import generate
from data.importer import Options, import_lines, parse_mapping
from data.users import (
    UserError,
    activate_user,
    add_demo_users,
    create_user,
    deactivate_user,
    demo_credentials_text,
    find_user,
    scope_of,
    set_password,
)
from views.context import data_for, engine_for, view_for
from views.exports import EXPORTS, ExportRefused, csv_text, pdf_bytes, screen_for
from views.view import ViewError, all_data_period


def register(server: Flask) -> None:
    for command in (init_demo, import_lines_command, import_bc_command, rebuild_rollups_command,
                    export, create_user_command, set_password_command, deactivate_user_command,
                    activate_user_command):  # fmt: skip
        server.cli.add_command(command)


def _store():
    return current_app.extensions["sales_store"]


@click.command("init-demo")
@click.option("--lines", default=100_000, show_default=True, help="Approximate order lines.")
@click.option("--seed", default=7, show_default=True, help="Same seed, same company.")
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), help="Last order date (default today).")
def init_demo(lines: int, seed: int, end) -> None:
    """(Re)create the demo company, replacing all sales data."""
    tables = generate(lines=lines, seed=seed, end=end.date() if end else date.today())
    write_tables(_store().engine, tables, replace=True)
    add_demo_users(_store().engine)
    click.echo(
        f"Demo company written: {len(tables['customers'])} customers, "
        f"{len(tables['orders'])} orders, {len(tables['order_lines'])} order lines."
    )
    click.echo(demo_credentials_text())


@click.command("rebuild-rollups")
def rebuild_rollups_command() -> None:
    """Sum the rollups of SALES_ENGINE=sql again from the lines (after writes by other programs
    than the imports, which keep them themselves)."""
    with _store().engine.begin() as conn:
        rows, version = rollups.rebuild(conn)
    for table, count in rows.items():
        click.echo(f"{table}: {count:,} rows, current for data version {version}.")


def _format_options(function):
    """The options that say how to read an import file's values."""
    function = click.option(
        "--date-format",
        help="How dates are written, e.g. %d/%m/%Y (default: YYYY-MM-DD, date-times, or "
        "DD/MM/YYYY or MM/DD/YYYY as the file shows).",
    )(function)
    return click.option(
        "--decimal",
        type=click.Choice([".", ","]),
        default=".",
        show_default=True,
        help="Decimal separator; the other one is read as a thousands separator.",
    )(function)


def _options(decimal: str, date_format: str | None, mapping=(), keep_extra: bool = False):
    try:
        return Options(
            mapping=parse_mapping(mapping),
            keep_extra=keep_extra,
            decimal=decimal,
            date_format=date_format or None,
        )
    except ValueError as error:
        raise click.BadParameter(str(error)) from error


@click.command("import-lines")
@click.argument("lines_file", type=click.Path(dir_okay=False))
@click.option("--customers", "customers_file", type=click.Path(dir_okay=False))
@click.option("--replace", is_flag=True, help="Delete all sales data first.")
@click.option("--dry-run", is_flag=True, help="Check and count, write nothing.")
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar='"THEIR COLUMN=field"',
    help="Read a column of the file as one of the format's fields (repeatable).",
)
@click.option(
    "--keep-extra", is_flag=True, help="Keep columns the format does not name as customer fields."
)
@_format_options
def import_lines_command(
    lines_file, customers_file, replace: bool, dry_run: bool, mapping, keep_extra, decimal,
    date_format,
) -> None:  # fmt: skip
    """Import an order-lines CSV or XLSX (and a customers CSV or XLSX) in one transaction: all
    or nothing. --dry-run reports what would change per table."""
    options = _options(decimal, date_format, mapping, keep_extra)
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "problems.txt"
        result = import_lines(
            _store().engine, lines_file, customers_file, replace, dry_run, options, report
        )
        _report(result, dry_run, report)


@click.command("import-bc")
@click.argument("value_entries_file", type=click.Path(dir_okay=False))
@click.option("--customers", "customers_file", type=click.Path(dir_okay=False))
@click.option("--items", "items_file", type=click.Path(dir_okay=False))
@click.option("--salespeople", "salespeople_file", type=click.Path(dir_okay=False))
@click.option("--replace", is_flag=True, help="Delete all sales data first.")
@click.option("--dry-run", is_flag=True, help="Check and count, write nothing.")
@_format_options
def import_bc_command(
    value_entries_file, customers_file, items_file, salespeople_file, replace, dry_run, decimal,
    date_format,
) -> None:  # fmt: skip
    """Import a Business Central export (Value Entries, and Customers, Items, Salespeople lists;
    CSV or XLSX) in one transaction: all or nothing. --dry-run reports what would change."""
    options = _options(decimal, date_format)
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "problems.txt"
        result = import_business_central(
            _store().engine, value_entries_file, customers_file, items_file, salespeople_file,
            replace=replace, dry_run=dry_run, options=options, report_path=report,
        )  # fmt: skip
        _report(result, dry_run, report)


def _report(result, dry_run: bool, report: Path) -> None:
    """Every problem (from the full report) on stderr and exit 1; else what was read and what
    changed (or would change)."""
    if result.problem_count:
        with open(report, encoding="utf-8") as problems:
            for problem in problems:
                click.echo(problem.rstrip("\n"), err=True)
        for note in result.notes:
            click.echo(f"Note: {note}", err=True)
        click.echo(f"Nothing imported: {result.problem_count:,} problem(s).", err=True)
        sys.exit(1)
    verb = "Would import" if dry_run else "Imported"
    click.echo(f"{verb}: " + ", ".join(f"{n:,} {t}" for t, n in result.counts.items()))
    click.echo("Would change:" if dry_run else "Changed:")
    for line in result.change_lines():
        click.echo(f"  {line}")
    for note in result.notes:
        click.echo(f"Note: {note}")


@click.command("export")
@click.argument("report", type=click.Choice(sorted(EXPORTS)))
@click.option("--view", "query", help="The screen's URL query (with or without '?'), or its URL.")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Last day (YYYY-MM-DD).")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "pdf"]), default="csv", show_default=True
)
@click.option("--headers", type=click.Choice(["screen", "fields"]),
              help="CSV column names: as on screen (default) or snake_case fields.")  # fmt: skip
@click.option("-o", "output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="File (default: stdout; a PDF needs a file).")  # fmt: skip
@click.option("--as", "username", help="Export what this user may see, as they would over HTTP.")
def export(report: str, query, start, end, fmt: str, headers, output: str, username) -> None:
    """Export a screen's table (CSV) or the screen (PDF) for a view: --view takes the query of
    the screen's URL; --from/--to/--headers override it. Without --view and --from/--to the
    period is all data. --as applies the user's scope and role."""
    role, scope = None, Scope("leadership")  # the operator sees everything
    if username:
        user = find_user(_store().engine, username)
        if user is None or not user.active:
            raise click.BadParameter(f"no active user {username!r}", param_hint="--as")
        scope, role = scope_of(user), user.role
    try:
        screen = screen_for(report, role)
    except ExportRefused as refused:
        raise click.ClickException(str(refused)) from None
    frames = data_for(scope)  # with SALES_ENGINE=sql its lists: no frames loaded
    default = None if query else all_data_period(frames)
    view = view_for(query, screen, frames, username=username or "", default=default)
    dates = {"start": start and start.date(), "end": end and end.date()}
    overrides = {k: v for k, v in dates.items() if v is not None}
    try:
        filters = replace(view.filters, **overrides)
        view = replace(view, filters=filters, headers=headers or view.headers)
        engine = engine_for(frames, scope)
        body = (csv_text if fmt == "csv" else pdf_bytes)(frames, view, engine)
    except ViewError as error:
        raise click.ClickException("\n".join(error.messages)) from None
    except ValueError as error:  # e.g. --from after --to
        raise click.BadParameter(str(error)) from None
    if fmt == "csv":
        if output == "-":
            click.echo(body, nl=False)
        else:
            Path(output).write_text(body)
        return
    if output == "-":
        raise click.BadParameter("a PDF needs a file: -o FILE.pdf", param_hint="-o")
    Path(output).write_bytes(body)


@click.command("create-user")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--salesperson", help="Salesperson code (role salesperson).")
@click.option("--team", help="Team (role manager).")
@click.option("--new-salesperson", is_flag=True, help="The code is new: add it to the salespeople.")
@click.option("--new-team", is_flag=True, help="The team is new (it has no salespeople yet).")
def create_user_command(
    username: str, role: str, salesperson, team, new_salesperson: bool, new_team: bool
) -> None:
    """Create a user; the password is read from a prompt, or from standard input. The salesperson
    code and the team must be in the data unless --new-salesperson / --new-team says otherwise."""
    _run(
        lambda: create_user(
            _store().engine,
            username,
            _password(),
            role,
            salesperson,
            team,
            new_salesperson=new_salesperson,
            new_team=new_team,
        )
    )
    click.echo(f"User {username} ({role}) created.")


@click.command("set-password")
@click.argument("username")
def set_password_command(username: str) -> None:
    """Set a user's password (read from a prompt, or from standard input); every session of the
    user ends."""
    _run(lambda: set_password(_store().engine, username, _password()))
    click.echo(f"Password of {username} set.")


@click.command("deactivate-user")
@click.argument("username")
def deactivate_user_command(username: str) -> None:
    """Stop a user from signing in; every session of the user ends. The last active admin stays."""
    _run(lambda: deactivate_user(_store().engine, username))
    click.echo(f"User {username} deactivated.")


@click.command("activate-user")
@click.argument("username")
def activate_user_command(username: str) -> None:
    """Let a deactivated user sign in again; their failed sign-ins are forgotten."""
    _run(lambda: activate_user(_store().engine, username))
    click.echo(f"User {username} can sign in again.")


def _password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


def _run(action) -> None:
    try:
        action()
    except UserError as error:
        raise click.ClickException(str(error)) from error
