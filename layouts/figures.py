"""Plotly figures, built with graph_objects (the express API costs 25–50 ms a figure)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from metrics.overview import Bridge

NO_SALES = "No sales match these filters"
BLUE, GREY, GREEN, RED, ORANGE = "#0d6efd", "#adb5bd", "#198754", "#dc3545", "#fd7e14"
# Set once: a template passed to every figure is validated again each time (~10 ms a figure).
pio.templates.default = "plotly_white"
LAYOUT = dict(
    margin=dict(l=10, r=10, t=80, b=10),
    height=360,
    font=dict(size=12),
    title_y=0.97,
    legend=dict(orientation="h", y=1.01, yanchor="bottom", x=0),
)


def empty(title: str, text: str = NO_SALES) -> go.Figure:
    """A figure with no axes and a sentence in the middle, for an empty result."""
    figure = go.Figure()
    figure.add_annotation(text=text, showarrow=False, font=dict(size=15, color="#6c757d"))
    figure.update_layout(**LAYOUT, title=title)
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure


def pareto(top: pd.DataFrame, selected: tuple[str, ...] = ()) -> go.Figure:
    """Top customers' Sales Amount as bars, with their cumulative share of all sales as a line."""
    title = f"Top {len(top)} customers and their cumulative share"
    if top.empty:
        return empty(title)
    names = top["customer_id"]
    figure = go.Figure()
    figure.add_bar(
        x=names, y=top["sales_amount"], name="Sales Amount", customdata=top["customer_id"],
        marker_color=_colours(top["customer_id"], selected),
        text=top["customer_name"], hovertemplate="%{text}<br>£%{y:,.2f}<extra></extra>",
        textposition="none",
    )  # fmt: skip
    figure.add_scatter(
        x=names, y=top["cumulative_share"], name="Cumulative share", yaxis="y2",
        mode="lines+markers", line=dict(color=ORANGE), text=top["customer_name"],
        hovertemplate="%{text}<br>%{y:.1%} of all sales<extra></extra>",
    )  # fmt: skip
    figure.update_layout(
        **LAYOUT, title=title, clickmode="event+select",
        yaxis=dict(title="Sales Amount", tickprefix="£", tickformat=",.0f"),
        yaxis2=dict(overlaying="y", side="right", tickformat=".0%", range=[0, 1.05], dtick=0.2,
                    showgrid=False),
        xaxis=_names_axis(top),
    )  # fmt: skip
    return figure


def trend(current: pd.DataFrame, compared: pd.DataFrame, compared_label: str) -> go.Figure:
    """Monthly Sales Amount, with the compared period's months overlaid month by month."""
    title = "Sales Amount by month"
    if current["sales_amount"].sum() == 0 and compared["sales_amount"].sum() == 0:
        return empty(title)
    labels = current["month"].dt.strftime("%b %Y")
    figure = go.Figure()
    figure.add_bar(x=labels, y=current["sales_amount"], name="This period", marker_color=BLUE,
                   hovertemplate="%{x}<br>£%{y:,.2f}<extra></extra>")  # fmt: skip
    n = min(len(current), len(compared))
    figure.add_scatter(
        x=labels[:n], y=compared["sales_amount"][:n], name=compared_label, mode="lines+markers",
        line=dict(color=GREY, dash="dash"),
        customdata=compared["month"].dt.strftime("%b %Y")[:n],
        hovertemplate="%{customdata}<br>£%{y:,.2f}<extra></extra>",
    )  # fmt: skip
    figure.update_layout(**LAYOUT, title=title,
                         yaxis=dict(tickprefix="£", tickformat=",.0f"))  # fmt: skip
    return figure


def bridge(b: Bridge, compared_label: str) -> go.Figure:
    """Waterfall from the compared period's Sales Amount to this one's."""
    title = "Revenue bridge"
    if b.compared == 0 and b.current == 0:
        return empty(title)
    figure = go.Figure(
        go.Waterfall(
            x=[compared_label, "New customers", "Grown", "Shrunk", "Lost customers", "This period"],
            y=[b.compared, b.new, b.grown, -b.shrunk, -b.lost, b.current],
            measure=["absolute", "relative", "relative", "relative", "relative", "total"],
            increasing=dict(marker_color=GREEN), decreasing=dict(marker_color=RED),
            totals=dict(marker_color=BLUE), connector=dict(line=dict(color=GREY)),
            hovertemplate="%{x}<br>£%{y:,.2f}<extra></extra>",
        )
    )  # fmt: skip
    figure.update_layout(**LAYOUT, title=title, showlegend=False,
                         yaxis=dict(tickprefix="£", tickformat=",.0f"))  # fmt: skip
    return figure


def customers_bar(
    table: pd.DataFrame, kpi: str, label: str, selected: tuple[str, ...]
) -> go.Figure:
    """Customers ranked by a KPI; picked customers stand out. Click or box-select to pick."""
    title = f"Customers by {label}"
    if table.empty:
        return empty(title)
    money = kpi not in ("sales_quantity", "gross_profit_margin")
    figure = go.Figure(
        go.Bar(
            x=table["customer_id"], y=table[kpi], customdata=table["customer_id"],
            marker_color=_colours(table["customer_id"], selected), text=table["customer_name"],
            textposition="none",
            hovertemplate="%{text}<br>" + ("£%{y:,.2f}" if money else "%{y:,.4~g}") + "<extra></extra>",
        )
    )  # fmt: skip
    figure.update_layout(
        **LAYOUT, title=title, clickmode="event+select", dragmode="select",
        xaxis=_names_axis(table),
        yaxis=dict(tickprefix="£" if money else "",
                   tickformat=".0%" if kpi == "gross_profit_margin" else ",.0f"),
    )  # fmt: skip
    return figure


def _colours(customer_ids: pd.Series, selected: tuple[str, ...]) -> list[str]:
    if not selected:
        return [BLUE] * len(customer_ids)
    return [BLUE if c in selected else GREY for c in customer_ids]


def _names_axis(table: pd.DataFrame, width: int = 20) -> dict:
    """An x axis of customer IDs (unique) labelled with their shortened names."""
    names = [n if len(n) <= width else n[: width - 1] + "…" for n in table["customer_name"]]
    return dict(tickmode="array", tickvals=list(table["customer_id"]), ticktext=names,
                tickangle=-40, automargin=True, type="category")  # fmt: skip


def customer_trend(trend: pd.DataFrame, title: str) -> go.Figure:
    """A customer's monthly Sales Amount and Gross Profit."""
    if trend["sales_amount"].sum() == 0:
        return empty(title, "No sales in this period")
    labels = trend["month"].dt.strftime("%b %Y")
    figure = go.Figure()
    figure.add_bar(x=labels, y=trend["sales_amount"], name="Sales Amount", marker_color=BLUE,
                   hovertemplate="%{x}<br>£%{y:,.2f}<extra></extra>")  # fmt: skip
    figure.add_bar(x=labels, y=trend["gross_profit"], name="Gross Profit", marker_color=GREEN,
                   hovertemplate="%{x}<br>£%{y:,.2f}<extra></extra>")  # fmt: skip
    figure.update_layout(**LAYOUT, title=title, barmode="group", bargap=0.15,
                         yaxis=dict(tickprefix="£", tickformat=",.0f"))  # fmt: skip
    return figure


def team_sales(now: pd.DataFrame, before: pd.DataFrame, compared_label: str) -> go.Figure:
    """Sales Amount per salesperson, this period and the compared one side by side."""
    title = "Sales Amount by salesperson"
    if now["sales_amount"].sum() == 0 and before["sales_amount"].sum() == 0:
        return empty(title)
    earlier = before.set_index("salesperson")["sales_amount"].reindex(now["salesperson"]).fillna(0)
    figure = go.Figure()
    figure.add_bar(x=now["salesperson_name"], y=now["sales_amount"], name="This period",
                   marker_color=BLUE, hovertemplate="%{x}<br>£%{y:,.2f}<extra></extra>")  # fmt: skip
    figure.add_bar(x=now["salesperson_name"], y=earlier.to_numpy(), name=compared_label,
                   marker_color=GREY, hovertemplate="%{x}<br>£%{y:,.2f}<extra></extra>")  # fmt: skip
    figure.update_layout(**LAYOUT, title=title, barmode="group",
                         xaxis=dict(tickangle=-40, automargin=True),
                         yaxis=dict(tickprefix="£", tickformat=",.0f"))  # fmt: skip
    return figure


def new_customers(table: pd.DataFrame, names: dict[str, str]) -> go.Figure:
    """New customers acquired per month, stacked by salesperson: the rows of
    metrics.team.top_and_others, each kept salesperson in a colour of their own, "Others" grey."""
    title = "New customers acquired per month"
    if table.empty:
        return empty(title, "No new customers in this period")
    # Tableau 10 without its grey and olive: eight colours told apart at a glance
    colours = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1", "#ff9da7",
               "#9c755f")  # fmt: skip
    kept = table[table["salesperson"].notna()]
    figure = go.Figure()
    for i, (code, rows) in enumerate(kept.groupby("salesperson", sort=False)):
        name = names.get(code, code)
        figure.add_bar(x=rows["month"], y=rows["new_customers"], name=name,
                       marker_color=colours[i % len(colours)],
                       hovertemplate=f"{name}<br>%{{x|%b %Y}}: %{{y}}<extra></extra>")  # fmt: skip
    others = table[table["salesperson"].isna()]
    if not others.empty:
        count = int(others["others"].iloc[0])
        name = {0: "Without an owner", 1: "1 other salesperson"}.get(
            count, f"{count} other salespeople"
        )
        figure.add_bar(x=others["month"], y=others["new_customers"], name=name, marker_color=GREY,
                       hovertemplate=f"{name}<br>%{{x|%b %Y}}: %{{y}}<extra></extra>")  # fmt: skip
    figure.update_layout(**LAYOUT, title=title, barmode="stack",
                         xaxis=dict(type="date", tickformat="%b %Y", dtick="M1", tickangle=-40))  # fmt: skip
    figure.update_layout(legend=dict(orientation="v", x=1.02, y=1, yanchor="top"))
    return figure


def report_bars(title: str, names, values) -> go.Figure:
    """A report's Sales Amount per row, as bars in the report's order."""
    figure = go.Figure(go.Bar(x=names, y=values, marker_color=BLUE,
                              hovertemplate="%{x}<br>£%{y:,.2f}<extra></extra>"))  # fmt: skip
    figure.update_layout(**LAYOUT, title=title, xaxis=dict(tickangle=-40, automargin=True),
                         yaxis=dict(tickprefix="£", tickformat=",.0f"))  # fmt: skip
    return figure
