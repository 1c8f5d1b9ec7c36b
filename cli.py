"""Command-line tools on the Flask app: `flask --app app init-demo | import-lines | export`."""

from __future__ import annotations

import sys
from datetime import date

import click
from flask import Flask, current_app

from data.db import write_tables
from data.demo import generate
from data.importer import import_lines
from metrics.exports import REPORTS, to_csv
from metrics.filters import Filters


def register(server: Flask) -> None:
    server.cli.add_command(init_demo)
    server.cli.add_command(import_lines_command)
    server.cli.add_command(export)


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
    click.echo(
        f"Demo company written: {len(tables['customers'])} customers, "
        f"{len(tables['orders'])} orders, {len(tables['order_lines'])} order lines."
    )


@click.command("import-lines")
@click.argument("lines_file", type=click.Path(dir_okay=False))
@click.option("--customers", "customers_file", type=click.Path(dir_okay=False))
@click.option("--replace", is_flag=True, help="Delete all sales data first.")
@click.option("--dry-run", is_flag=True, help="Check and count, write nothing.")
def import_lines_command(lines_file, customers_file, replace: bool, dry_run: bool) -> None:
    """Import an order-lines CSV (and a customers CSV) in one transaction: all or nothing."""
    result = import_lines(_store().engine, lines_file, customers_file, replace, dry_run)
    if result.problems:
        for problem in result.problems:
            click.echo(problem, err=True)
        click.echo(f"Nothing imported: {len(result.problems)} problem(s).", err=True)
        sys.exit(1)
    verb = "Would import" if dry_run else "Imported"
    click.echo(f"{verb}: " + ", ".join(f"{n} {t}" for t, n in result.counts.items()))


@click.command("export")
@click.argument("report", type=click.Choice(sorted(REPORTS)))
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Last day (YYYY-MM-DD).")
@click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv", show_default=True)
@click.option("-o", "output", type=click.File("w"), default="-", help="File (default: stdout).")
def export(report: str, start, end, fmt: str, output) -> None:
    """Export a report; without --from/--to the period is all data."""
    try:
        filters = Filters(start=start and start.date(), end=end and end.date())
    except ValueError as error:
        raise click.BadParameter(str(error)) from error
    output.write(to_csv(REPORTS[report](_store().frames(), filters)))
