"""What each screen shows for a view: its KPIs, figures and table, built once here and rendered
by the screen's callbacks, its CSV, its PDF and `flask export` alike.

Pass the frames already restricted to the user's scope (data.access) and a view parsed for
them (views.view.parse), so nothing here can reach a row the user may not see. With
SALES_ENGINE=sql the screens it computes get the user's lists instead (data.lists: the same
attributes for names, read from the database in the user's scope) and an engine that computes
in the database.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import quote

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from data.frames import Frames
from data.lists import Lists
from layouts import figures
from layouts.formatting import counted, money
from metrics.customers import leaderboard, leaderboard_of
from metrics.engine import Engine, FramesEngine
from metrics.filters import period_of, with_period
from metrics.kpis import COMPARE_TO, Comparison, compare, compare_of, kpis, kpis_of
from metrics.matrix import MATRIX_KPIS, matrix, matrix_of
from metrics.overview import Overview, overview_of
from metrics.overview import overview as metrics_overview
from metrics.reports import (
    ENGINE_REPORTS,
    REPORT_COLUMNS,
    customers_report,
    date_report,
    dimension_report,
    made_to_order,
    made_to_order_report,
    matching_products,
    row_filters,
    sell_through,
    sell_through_report,
    user_report,
)
from metrics.team import (
    new_customers_by_month,
    new_customers_of,
    sales_by_salesperson,
    sales_of,
    team_performance,
    team_report,
    top_and_others,
)
from views.pages import REPORT_TITLES, SCREENS
from views.tables import Column, Table
from views.view import View, to_query

COMPARE_LABELS = {"previous_period": "Previous period", "previous_year": "Same period last year"}
TOP_N = 20  # Overview: top customers
BAR_CUSTOMERS = 30  # Sales by Customer: customers on the bar chart
CHART_ROWS = 30  # reports: rows on the chart
URL_SAFE_ID = r"[A-Za-z0-9_.~-]+"  # what urllib's quote(safe="") leaves as it is
TOP_ACQUIRERS = 8  # Team performance: salespeople named on the new-customers chart
STATUS_WORDS = {"active": "Active", "inactive": "Inactive", "at_risk": "At risk"}
LIFECYCLE = {"new": "New customers", "returning": "Returning customers",
             "recovered": "Recovered customers", "lost": "Lost customers"}  # fmt: skip
# field -> (the screen's header, kind): one header and one format per field on every table
FIELDS = {
    "customer_name": ("Customer", "text"),
    "customer_id": ("Customer ID", "text"),
    "status": ("Status", "text"),
    "sales_amount": ("Sales Amount", "money"),
    "sales_quantity": ("Sales Quantity", "quantity"),
    "cost_amount": ("Cost Amount", "money"),
    "cost_amount_non_inv": ("Cost Amount Non-Inv", "money"),
    "gross_profit": ("Gross Profit", "money"),
    "gross_profit_margin": ("Gross Profit Margin", "percent"),
    "cost_coverage": ("Cost coverage", "percent"),
    "average_cost_price": ("Average Cost Price", "money"),
    "days_since_last_order": ("Days since last order", "count"),
    "last_order": ("Last order", "date"),
    "overdue_days": ("Overdue (days)", "count"),
    "total_order_count": ("Orders", "count"),
    "total_order_amount": ("Total Order Amount", "money"),
    "confirmed_order_count": ("Confirmed orders", "count"),
    "confirmed_order_amount": ("Confirmed Order Amount", "money"),
    "draft_order_amount": ("Draft Order Amount", "money"),
    "average_order_amount": ("Average Order Amount", "money"),
    "orders": ("Orders", "count"),
    "customers": ("Customers", "count"),
    "salesperson": ("Salesperson code", "text"),
    "salesperson_name": ("Salesperson", "text"),
    "team": ("Team", "text"),
    "new_customers": ("New customers", "count"),
    "active_customers": ("Active", "count"),
    "at_risk_customers": ("At risk", "count"),
    "commission_basis": ("Basis", "text"),
    "commission": ("Commission", "money"),
    "commission_rate": ("Commission rate", "percent"),
    "sold": ("Sold", "money"),
    "cancelled": ("Cancelled", "money"),
    "returned": ("Returned", "money"),
    "delivered": ("Delivered", "money"),
    "paid": ("Paid", "money"),
    "refunded": ("Refunded", "money"),
    "adjusted_sales": ("Adjusted sales", "money"),
    "date": ("Date", "date"),
    "channel": ("Channel", "text"),
    "category": ("Category", "text"),
    "brand": ("Brand", "text"),
    "collection": ("Collection", "text"),
    "supplier": ("Supplier", "text"),
    "department": ("Department", "text"),
    "item": ("Item", "text"),
    "name": ("Name", "text"),
    "variant": ("Variant", "text"),
    "product": ("Product", "text"),
    "variants": ("Variants", "count"),
    "in_catalogue": ("In catalogue", "text"),
    "customisation": ("Customisation", "text"),
    "picked": ("Picked", "text"),
    "sales_amount_12_months": ("Sales Amount, 12 months", "money"),
    "overdue": ("Overdue", "text"),
}
# KPI field, card label, kind (layouts.formatting), whether a rise is good (None = neither)
KPIS = (
    ("sales_amount", "Sales Amount", "money", True),
    ("gross_profit", "Gross Profit", "money", True),
    ("gross_profit_margin", "Gross Profit Margin", "percent", True),
    ("sales_quantity", "Sales Quantity", "quantity", True),
    ("cost_amount", "Cost Amount", "money", None),
    ("cost_amount_non_inv", "Cost Amount Non-Inv", "money", None),
    ("cost_coverage", "Cost Coverage", "percent", None),
    ("confirmed_order_amount", "Confirmed Order Amount", "money", True),
    ("total_customers", "Total Customers", "count", True),
    ("active_customers", "Active Customers", "count", True),
    ("average_reorder_days", "Average Reorder Time", "days", False),
)
BAR_KPIS = {name: FIELDS[name][0] for name in MATRIX_KPIS if name != "cost_coverage"}
BASIS_WORDS = {"items_sold": "Items sold", "items_delivered": "Delivered", "payments": "Payments"}
LEADERBOARD_FIELDS = (
    "customer_name", "status", "sales_amount", "days_since_last_order", "last_order",
    "overdue_days", "total_order_count", "total_order_amount", "confirmed_order_count",
    "confirmed_order_amount", "draft_order_amount", "average_order_amount", "sales_quantity",
    "cost_amount", "cost_amount_non_inv", "gross_profit", "gross_profit_margin", "cost_coverage",
    "customer_id",
)  # fmt: skip
TEAM_FIELDS = (
    "salesperson_name", "team", "sales_amount", "gross_profit", "gross_profit_margin",
    "confirmed_order_count", "average_order_amount", "new_customers", "customers",
    "active_customers", "at_risk_customers", "commission_basis", "commission", "salesperson",
)  # fmt: skip
# short headers, so that every column of Team performance fits a 1366 px screen (the grid's
# header tooltips give the full names)
TEAM_HEADERS = {"gross_profit_margin": "Margin", "confirmed_order_count": "Orders",
                "average_order_amount": "Average order", "new_customers": "New",
                "salesperson": "Code"}  # fmt: skip
# where a report's rows lead (SPEC §5); every row also lists its products and customers
NEXT = {
    "sales-by-date": "sales-by-channel",
    "sales-by-channel": "sales-by-category",
    "sales-by-category": "sales-by-brand",
    "sales-by-brand": "sales-by-collection",
    "sales-by-collection": "sell-through",
    "sales-by-supplier": "sales-by-brand",
    "sales-by-user": "sales-by-category",
    "made-to-order": "sell-through",
    "sell-through": "matching-customers",
}
# the reports that keep today's code over the frames (faster there than the engine's grouping)
FRAMES_REPORTS = {"sell-through": sell_through, "made-to-order": made_to_order,
                  "matching-products": matching_products}  # fmt: skip


def columns_of(names, overrides: dict[str, str] | None = None) -> tuple[Column, ...]:
    """Columns for these fields with their one header and kind (`overrides`: other headers)."""
    overrides = overrides or {}
    return tuple(Column(n, overrides.get(n, FIELDS[n][0]), FIELDS[n][1]) for n in names)


def customer_hrefs(customer_ids, view: View) -> list[str]:
    """Each customer's page, carrying the view's shared filters (IDs quoted as a path segment:
    the few with other characters than URL_SAFE_ID one by one, the rest as they are)."""
    carried = to_query(view, shared_only=True)
    ids = pd.Series(np.asarray(customer_ids, dtype=object), dtype="str")
    plain = ids.str.fullmatch(URL_SAFE_ID).to_numpy(bool)
    if not plain.all():
        ids[~plain] = [quote(c, safe="") for c in ids[~plain]]
    return ("/customers/" + ids + carried).tolist()


# --- KPIs ----------------------------------------------------------------------------------------


def comparison(frames: Frames, view: View) -> Comparison:
    """The KPI cards: the view's period (narrowed to the selection) against the compared one."""
    return compare(frames, view.focused, view.compare_to)


def compared_text(view: View, result: Comparison) -> str:
    return (
        f"{result.period.start} to {result.period.end}, compared with "
        f"{COMPARE_LABELS[view.compare_to].lower()}: {result.compared_period.start} to "
        f"{result.compared_period.end}"
    )


def kpis_table(engine: Engine, view: View) -> Table:
    """Every KPI of SPEC §3 for the view as one row (the Overview's numbers), from the engine's
    sums."""
    values = kpis_of(engine, view.focused).as_dict()
    labels = {name: (label, kind) for name, label, kind, _ in KPIS}
    columns = tuple(Column(name, *labels[name]) for name in values)
    return Table("KPIs", columns, pd.DataFrame([values]))


# --- Overview ------------------------------------------------------------------------------------


def overview(frames: Frames, view: View, engine: Engine) -> Overview:
    """All the Overview shows for the view (its filters narrowed to the selection), computed
    once for its cards, charts and PDF: over the frames, today's code (one selection of each
    period); on another engine, from its sums and order days."""
    if over_frames(engine):
        return metrics_overview(frames, view.focused, view.compare_to, TOP_N)
    return overview_of(engine, frames, view.focused, view.compare_to, TOP_N)


def pareto_figure(result: Overview) -> go.Figure:
    return figures.pareto(result.top)


def trend_figure(view: View, result: Overview) -> go.Figure:
    return figures.trend(result.months, result.compared_months, COMPARE_LABELS[view.compare_to])


def lifecycle_counts(result: Overview) -> dict[str, int]:
    """New / returning / recovered / lost customers of the period."""
    return {label: int(result.lifecycle[name].sum()) for name, label in LIFECYCLE.items()}


def bridge_figure(view: View, result: Overview) -> go.Figure:
    return figures.bridge(result.bridge, COMPARE_LABELS[view.compare_to])


# --- Sales by Customer ---------------------------------------------------------------------------


def customer_matrix(
    frames: Frames | Lists, view: View, mode: str, engine: Engine, customer_id: str | None = None
) -> pd.DataFrame:
    """metrics.matrix's customers (or, given `customer_id`, that customer's items) by `mode`
    for the view: what the bar chart ("kpis") and the matrix (the view's mode) read, computed
    once when both show it. Over the frames, today's code; on another engine, from its sums."""
    if over_frames(engine):
        return matrix(frames, view.applied, mode, customer_id=customer_id)
    table = frames.customers if customer_id is None else frames.items
    key = "customer_id" if customer_id is None else "item_id"
    names = pd.Series(table["name"].to_numpy(object), index=table[key].to_numpy(object))
    return matrix_of(engine, view.applied, mode, names, customer_id)


def bar_figure(
    frames: Frames | Lists, view: View, engine: Engine, by_kpi: pd.DataFrame | None = None
) -> go.Figure:
    """The top BAR_CUSTOMERS customers by the view's KPI, then any picked customer below them;
    the picked ones stand out (the chart picks, so it shows the customers of the filters, not
    just the picks). `by_kpi`: customer_matrix(frames, view, "kpis", engine) when it is at
    hand."""
    kpi = view.choice("kpi")
    table = customer_matrix(frames, view, "kpis", engine) if by_kpi is None else by_kpi
    table = table.rename(columns={"key": "customer_id", "name": "customer_name"})
    table = table.sort_values([kpi, "customer_id"], ascending=[False, True], na_position="last")
    below = table.iloc[BAR_CUSTOMERS:]
    shown = pd.concat([table.head(BAR_CUSTOMERS), below[below["customer_id"].isin(view.selected)]])
    return figures.customers_bar(shown, kpi, BAR_KPIS[kpi], view.selected, of=len(table))


def matrix_table(
    frames: Frames | Lists, view: View, engine: Engine, by_mode: pd.DataFrame | None = None
) -> Table:
    """The matrix: every customer with sales for the filters (picks are marked, not filtered:
    the matrix is where they are picked), columns by the view's matrix mode. `by_mode`:
    customer_matrix(frames, view, that mode, engine) when it is at hand."""
    mode = view.choice("matrix")
    table = customer_matrix(frames, view, mode, engine) if by_mode is None else by_mode
    values = [c for c in table.columns if c not in ("key", "name", "sales_amount")]
    if mode == "kpis":
        values = list(MATRIX_KPIS)
        columns = columns_of(values)
        fields = values
    else:  # months (YYYY-MM) or categories, then the total: fields a grid and a URL can carry
        fields = [f"m{v}" if mode == "months" else f"c{i}" for i, v in enumerate(values)]
        columns = (*(Column(f, str(v), "money") for f, v in zip(fields, values, strict=True)),
                   *columns_of(["sales_amount"]))  # fmt: skip
        fields, values = [*fields, "sales_amount"], [*values, "sales_amount"]
    customers = table["key"].to_numpy(object)
    data = (
        {"picked": np.where(np.isin(customers, view.selected), "yes", "")} if view.selected else {}
    )
    data |= {"customer_name": table["name"].to_numpy(object), "customer_id": customers}
    data |= {name: table[value].to_numpy() for name, value in zip(fields, values, strict=True)}
    data["href"] = customer_hrefs(customers, view)
    rows = pd.DataFrame(data)  # built at once: pandas adds columns one by one much slower
    label = columns_of(["picked"] * bool(view.selected) + ["customer_name", "customer_id"])
    by = dict(kpis="KPI", months="month", categories="category")[mode]
    title = f"Matrix: {len(rows):,} customer{'s' * (len(rows) != 1)} by {by}"
    return Table(title, (*label, *columns), rows, link="customer_name")


def matrix_items(
    frames: Frames | Lists, view: View, customer_id: str, table: Table, engine: Engine
) -> pd.DataFrame:
    """The items `customer_id` bought, with the value columns of the matrix `table`."""
    mode = view.choice("matrix")
    items = customer_matrix(frames, view, mode, engine, customer_id)
    out = pd.DataFrame({"customer_name": items["name"].to_numpy(object),
                        "customer_id": items["key"].to_numpy(object)})  # fmt: skip
    for column in table.columns:
        if column.numeric:
            source = (
                column.field if mode == "kpis" or column.field == "sales_amount" else column.header
            )
            out[column.field] = items[source].to_numpy() if source in items else 0.0
    return out


def summary(frames: Frames | Lists, view: View, engine: Engine):
    """The Sales by Customer headline numbers, of the picked customers when some are picked:
    over the frames, today's code (kpis_of pays ~1.5 ms more on the 100k demo to shape every
    customer's row); on another engine, from its sums."""
    if over_frames(engine):
        return kpis(frames, view.focused)
    return kpis_of(engine, view.focused)


def comparison_of(frames: Frames | Lists, view: View, engine: Engine) -> Comparison:
    """comparison's KPI cards, on another engine than the frames from its sums."""
    if over_frames(engine):
        return comparison(frames, view)
    return compare_of(engine, frames, view.focused, view.compare_to)


# --- Leaderboard and My customers ----------------------------------------------------------------


def customer_board(frames: Frames, view: View, engine: Engine) -> pd.DataFrame:
    """metrics.customers' leaderboard of the view (picks narrow it): over the frames, today's
    code; on another engine, from its figures per customer, named from the customer list."""
    if over_frames(engine):
        return leaderboard(frames, view.focused)
    return leaderboard_of(engine, view.focused, frames.customers)


def leaderboard_table(frames: Frames, view: View, engine: Engine) -> Table:
    """One row per customer of the view (picks narrow it), the quick status filter applied."""
    board = customer_board(frames, view, engine)
    show = view.choice("show") if view.screen == "leaderboard" else "all"
    if show != "all":
        board = board[board["status"] == show]
    rows = board[[f for f in LEADERBOARD_FIELDS]].copy()
    rows["status"] = rows["status"].map(STATUS_WORDS)
    rows["overdue_days"] = np.where(board["overdue_days"] > 0, board["overdue_days"], np.nan)
    rows["href"] = customer_hrefs(rows["customer_id"], view)
    return Table(
        f"{len(rows):,} customers by Sales Amount",
        columns_of(LEADERBOARD_FIELDS),
        rows,
        link="customer_name",
    )


def my_customers_table(frames: Frames, view: View, engine: Engine) -> Table:
    """A salesperson's customers: status, last order, how overdue, Sales Amount of the period."""
    board = customer_board(frames, view, engine)
    rows = pd.DataFrame(
        {
            "customer_name": board["customer_name"].to_numpy(object),
            "status": board["status"].map(STATUS_WORDS).to_numpy(object),
            "last_order": board["last_order"].to_numpy(),
            "days_since_last_order": board["days_since_last_order"].astype("float").to_numpy(),
            "overdue": [f"overdue by {counted(d, 'day')}" if s == "at_risk" else ""
                        for d, s in zip(board["overdue_days"], board["status"], strict=True)],
            "sales_amount": board["sales_amount"].to_numpy(),
            "customer_id": board["customer_id"].to_numpy(object),
        }
    )  # fmt: skip
    rows["href"] = customer_hrefs(rows["customer_id"], view)
    names = ("customer_name", "status", "last_order", "days_since_last_order", "overdue",
             "sales_amount", "customer_id")  # fmt: skip
    return Table(f"{len(rows):,} customers", columns_of(names), rows, link="customer_name")


# --- Team performance ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Team:
    now: pd.DataFrame
    before: pd.DataFrame
    new_by_month: pd.DataFrame | None = None  # None: the chart's, from the frames


def team(frames: Frames, view: View, engine: Engine) -> Team:
    """team_performance for the view's period, and the Sales Amount per salesperson of the
    compared one (all that its charts show): over the frames, today's code; on another engine,
    from its sums (metrics.team.team_report), with the new customers per month."""
    filters = view.focused
    earlier = with_period(filters, COMPARE_TO[view.compare_to](period_of(frames, filters)))
    if over_frames(engine):
        return Team(team_performance(frames, filters), sales_by_salesperson(frames, earlier))
    by_month = new_customers_of(engine, filters)
    return Team(team_report(engine, filters, by_month), sales_of(engine, earlier), by_month)


def team_table(frames: Frames, view: View, engine: Engine, result: Team | None = None) -> Table:
    now = (result or team(frames, view, engine)).now
    rows = now[list(TEAM_FIELDS)].copy()
    rows["commission_basis"] = rows["commission_basis"].map(BASIS_WORDS)
    rows["href"] = [
        "/leaderboard" + to_query(replace(view, screen="leaderboard",
            filters=replace(view.filters, salespeople=(code,), teams=())), shared_only=True)
        for code in now["salesperson"]
    ]  # fmt: skip
    return Table(
        "Salespeople by Sales Amount",
        columns_of(TEAM_FIELDS, TEAM_HEADERS),
        rows,
        link="salesperson_name",
    )


def team_figures(frames: Frames, view: View, engine: Engine, result: Team | None = None):
    result = result or team(frames, view, engine)
    by_month = result.new_by_month
    if by_month is None:
        by_month = new_customers_by_month(frames, view.focused)
    # the owners of the customers kept are the salespeople of the table (or have no name)
    names = dict(zip(result.now["salesperson"], result.now["salesperson_name"], strict=True))
    return (
        figures.team_sales(result.now, result.before, COMPARE_LABELS[view.compare_to]),
        figures.new_customers(top_and_others(by_month, TOP_ACQUIRERS), names),
    )


# --- Sales reports -------------------------------------------------------------------------------


def over_frames(engine: Engine) -> bool:
    """Whether the engine is over the frames (SALES_ENGINE=frames), so that a screen's code that
    runs over the frames only (faster there) can be used."""
    return isinstance(engine, FramesEngine)


def run_report(frames: Frames | Lists, view: View, engine: Engine) -> pd.DataFrame:
    """The report of the view's screen, with the filters it takes, its row narrowing and its
    choices (Sales by Date's grain, Sell Through's variants and unsold items), from `engine`;
    over the frames, Sell Through, Made to Order and the matching products keep today's code
    (faster there)."""
    name, filters, row = view.screen, view.focused, dict(view.row)
    choices = {}
    if name == "sell-through":
        choices = {"combine_variants": view.choice("combine") == "yes",
                   "include_unsold": view.choice("unsold") == "yes"}  # fmt: skip
    if name in FRAMES_REPORTS and over_frames(engine):
        return FRAMES_REPORTS[name](frames, filters, **choices, **row)
    if name == "sales-by-date":
        return date_report(engine, filters, view.choice("by"), row)
    if name == "sales-by-user":
        return user_report(engine, filters, row)
    if name == "sell-through":
        return sell_through_report(engine, filters, frames.items, **choices, row=row)
    if name == "matching-products":
        return sell_through_report(engine, filters, frames.items, combine_variants=True, row=row)
    if name == "made-to-order":
        return made_to_order_report(engine, filters, frames.items, row=row)
    if name == "matching-customers":
        return customers_report(engine, filters, frames.customers, row)
    return dimension_report(engine, filters, ENGINE_REPORTS[name], row)


def report_table(frames: Frames | Lists, view: View, engine: Engine) -> Table:
    """The report's rows: its labels, then the standard amounts; each row links on to the next
    report and its matching products and customers, narrowed to the row."""
    name = view.screen
    report = run_report(frames, view, engine)
    labels = [c for c in report.columns if c not in REPORT_COLUMNS]
    names = list(report.columns)  # its labels, the amounts, then any of its own (Sales by User)
    rows = report[names].copy()
    if "commission_basis" in rows:
        rows["commission_basis"] = rows["commission_basis"].map(BASIS_WORDS)
    if "in_catalogue" in rows:
        rows["in_catalogue"] = np.where(report["in_catalogue"], "yes", "no")
    link = None
    if not name.startswith("matching"):
        link = labels[0]
        target = NEXT.get(name)
        links, products, customers = [], [], []
        for record in report[labels].to_dict("records"):
            filters, row = row_filters(frames, name, record, view.filters,
                                       **({"by": view.choice("by")} if name == "sales-by-date" else {}))  # fmt: skip
            query = to_query(View(None, filters, view.compare_to, row=tuple(row.items())))
            links.append(f"/reports/{target}{query}" if target else None)
            products.append(f"/reports/matching-products{query}")
            customers.append(f"/reports/matching-customers{query}")
        rows["href"] = links
        rows["products_href"], rows["customers_href"] = products, customers
    elif "customer_id" in rows:
        link = "customer_name"
        rows["href"] = customer_hrefs(rows["customer_id"], view)
    overrides = {"name": "Product" if "variants" in rows else "Name"}
    if "product" in rows and "variants" in rows:
        overrides["product"] = "Product ID"
    total = float(report["sales_amount"].sum()) if len(report) else 0.0
    title = f"{counted(len(report), 'row')} · Sales Amount {money(total)}"
    return Table(title, columns_of(names, overrides), rows, link=link)


def report_figure(view: View, table: Table) -> go.Figure:
    """The report's Sales Amount per row (the first rows, or every date)."""
    name = view.screen
    title = f"{REPORT_TITLES[name]}: Sales Amount"
    rows = table.rows
    label = table.columns[0].field
    if rows.empty or rows["sales_amount"].sum() == 0:
        return figures.empty(title)
    shown = rows if name == "sales-by-date" else rows.head(CHART_ROWS)
    keys = np.asarray(shown[label], dtype=object).astype(str)
    names, partial = None, None  # codes and IDs are labelled by their names (or kept)
    if "name" in shown and label in ("item", "product"):
        names = shown["name"].fillna(shown[label]).to_numpy(object)
    elif label == "salesperson":
        names = shown["salesperson_name"].fillna(shown[label]).to_numpy(object)
    elif name == "sales-by-date" and view.choice("by") != "day" and view.applied.start:
        names, partial = part_buckets(keys, view.choice("by"), view.applied.start, view.applied.end)
    return figures.report_bars(title, keys, shown["sales_amount"].to_numpy(), names, partial)


def part_buckets(keys, by: str, start: date, end: date) -> tuple[list[str], list[bool]]:
    """Labels of Sales by Date's weeks or months ("Dec 2025 (from 7 Dec)" for one the period
    covers only in part: the first and the last may be) and which of them are partial."""
    first_days = [date.fromisoformat(k) for k in keys]
    names, partial = [], []
    for day in first_days:
        after = pd.Timestamp(day) + (
            pd.DateOffset(months=1) if by == "month" else pd.DateOffset(weeks=1)
        )
        last = (after - pd.Timedelta(days=1)).date()
        name = f"{day:%b %Y}" if by == "month" else f"week of {day.day} {day:%b %Y}"
        if day < start:
            name += f" (from {start.day} {start:%b})"
        if last > end:
            name += f" (to {end.day} {end:%b})"
        names.append(name)
        partial.append(day < start or last > end)
    return names, partial


# --- which table an export writes ----------------------------------------------------------------

# export name (the CLI's REPORT and /export/<name>.csv) -> the screen that shows it
EXPORT_SCREENS = {"kpis": "overview", **{s: s for s in SCREENS}}


def table_of(frames: Frames | Lists, view: View, engine: Engine) -> Table:
    """The table of the view's screen (the Overview: its KPIs as one row, from `engine`)."""
    screen = view.screen
    if screen == "overview":
        return kpis_table(engine, view)
    if screen == "sales-by-customer":
        return matrix_table(frames, view, engine)
    if screen == "leaderboard":
        return leaderboard_table(frames, view, engine)
    if screen == "my-customers":
        return my_customers_table(frames, view, engine)
    if screen == "team":
        return team_table(frames, view, engine)
    return report_table(frames, view, engine)
