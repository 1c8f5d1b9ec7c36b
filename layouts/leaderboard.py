"""Leaderboard (the Customer Report, SPEC §4.4): the summary cards and one row per customer."""

from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import ids
from layouts.components import DEFAULT_COLUMN, MONEY_CELL, NUMBER_CELL, PERCENT_CELL, page_header

QUICK_FILTERS = {"all": "All", "active": "Active", "inactive": "Inactive", "at_risk": "At risk"}
OVERDUE_CELL = {"function": "params.value > 0 ? d3.format(',.0f')(params.value) : ''"}
STATUS_CELL = {
    "function": "({active: 'Active', inactive: 'Inactive', at_risk: 'At risk'})[params.value]"
}
# days since last order, coloured by how overdue the customer is against their own cadence
OVERDUE_STYLE = {
    "styleConditions": [
        {"condition": "params.data.overdue_days > 60", "style": {"backgroundColor": "#f8d7da"}},
        {"condition": "params.data.overdue_days > 14", "style": {"backgroundColor": "#fff3cd"}},
        {"condition": "params.data.overdue_days > 0", "style": {"backgroundColor": "#fdf6e3"}},
    ]
}
# field -> (header, column settings); the order is the default column order
COLUMNS = {
    "customer_name": ("Customer", {"cellRenderer": "CustomerLink", "minWidth": 220, "pinned": "left"}),
    "status": ("Status", {"valueFormatter": STATUS_CELL, "width": 105}),
    "sales_amount": ("Sales Amount", {"valueFormatter": MONEY_CELL}),
    "days_since_last_order": ("Days since last order", {"valueFormatter": NUMBER_CELL,
                                                        "cellStyle": OVERDUE_STYLE}),
    "last_order": ("Last order", {"width": 120}),
    "overdue_days": ("Overdue (days)", {"valueFormatter": OVERDUE_CELL}),
    "total_order_count": ("Orders", {"valueFormatter": NUMBER_CELL, "width": 100}),
    "total_order_amount": ("Total Order Amount", {"valueFormatter": MONEY_CELL}),
    "confirmed_order_count": ("Confirmed orders", {"valueFormatter": NUMBER_CELL}),
    "confirmed_order_amount": ("Confirmed Order Amount", {"valueFormatter": MONEY_CELL}),
    "draft_order_amount": ("Draft Order Amount", {"valueFormatter": MONEY_CELL}),
    "average_order_amount": ("Average Order Amount", {"valueFormatter": MONEY_CELL}),
    "sales_quantity": ("Sales Quantity", {"valueFormatter": NUMBER_CELL}),
    "cost_amount": ("Cost Amount", {"valueFormatter": MONEY_CELL}),
    "cost_amount_non_inv": ("Cost Amount Non-Inv", {"valueFormatter": MONEY_CELL}),
    "gross_profit": ("Gross Profit", {"valueFormatter": MONEY_CELL}),
    "gross_profit_margin": ("Gross Profit Margin", {"valueFormatter": PERCENT_CELL}),
    "cost_coverage": ("Cost coverage", {"valueFormatter": PERCENT_CELL}),
    "customer_id": ("Customer ID", {"width": 120}),
}  # fmt: skip


def column_defs() -> list[dict]:
    return [
        {"field": field, "colId": field, "headerName": header, "type": "numericColumn"
         if "valueFormatter" in extra and field != "status" else None, "minWidth": 110, **extra}
        for field, (header, extra) in COLUMNS.items()
    ]  # fmt: skip


def layout(filter_bar: html.Div, column_state: list[dict] | None) -> dbc.Container:
    """`column_state`: the user's saved column order and visibility (None = the default)."""
    hidden = {c["colId"] for c in column_state or [] if c.get("hide")}
    return dbc.Container(
        [
            page_header("Leaderboard", "leaderboard"),
            filter_bar,
            dcc.Loading(dbc.Row(id=ids.LEADERBOARD_CARDS), delay_show=300),
            dbc.Row(
                [
                    dbc.Col(
                        dbc.RadioItems(
                            id=ids.LEADERBOARD_QUICK,
                            value="all",
                            inline=True,
                            options=[{"label": v, "value": k} for k, v in QUICK_FILTERS.items()],
                        ),
                        width="auto",
                    ),  # fmt: skip
                    dbc.Col(
                        dcc.Dropdown(
                            id=ids.LEADERBOARD_COLUMNS,
                            multi=True,
                            clearable=False,
                            options=[{"label": h, "value": f} for f, (h, _) in COLUMNS.items()],
                            value=[f for f in COLUMNS if f not in hidden],
                            placeholder="Columns",
                        ),  # fmt: skip
                        lg=6,
                    ),
                    dbc.Col(
                        dbc.Button(
                            "Export CSV",
                            id=ids.LEADERBOARD_CSV,
                            href="/export/leaderboard.csv",
                            external_link=True,
                            size="sm",
                            color="secondary",
                            outline=True,
                        ),
                        width="auto",
                        className="ms-auto",
                    ),  # fmt: skip
                ],
                className="align-items-center g-3 mb-2",
            ),
            html.P(
                "Drag column headers to reorder; choose columns above. Your layout is kept "
                "for your next visit.",
                className="text-muted small mb-1",
            ),  # fmt: skip
            dcc.Store(id=ids.LEADERBOARD_SAVED),
            dag.AgGrid(
                id=ids.LEADERBOARD_GRID,
                rowData=[],
                columnDefs=column_defs(),
                columnState=column_state,
                defaultColDef=DEFAULT_COLUMN,
                dashGridOptions={"animateRows": False, "suppressColumnVirtualisation": True},
                getRowId="params.data.customer_id",
                style={"height": "560px"},
            ),
        ],
        fluid=True,
    )
