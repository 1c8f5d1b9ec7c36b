"""Plotly figures, built with graph_objects (the express API costs 25–50 ms a figure), each in
one go.Figure(data=..., layout=...) call from plain dicts: add_trace / update_layout run plotly's
change machinery on every call (3–4× the time of the whole figure built at once)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from layouts.formatting import money, money_label, signed_money
from metrics.overview import Bridge

NO_SALES = "No sales match these filters"
LOADING = "Loading…"
BLUE, GREY, GREEN, RED, ORANGE = "#0d6efd", "#adb5bd", "#198754", "#dc3545", "#fd7e14"
LIGHT_BLUE = "#9ec5fe"
# Set once: a template passed to every figure is validated again each time (~10 ms a figure).
pio.templates.default = "plotly_white"
LAYOUT = dict(
    margin=dict(l=10, r=10, t=80, b=10),
    height=360,
    font=dict(size=12),
    legend=dict(orientation="h", y=1.01, yanchor="bottom", x=0),
)
MONEY_HOVER = "%{x}<br>£%{y:,.2f}<extra></extra>"


def figure(title: str, data: list[dict], **layout) -> go.Figure:
    """One figure: `data` as trace dicts (with their "type"), the shared LAYOUT, the title and
    the figure's own `layout` settings."""
    return go.Figure(data=data, layout={**LAYOUT, "title": {"text": title}, **layout})


def empty(title: str, text: str = NO_SALES) -> go.Figure:
    """A figure with no axes and a sentence in the middle, for an empty result."""
    note = dict(text=text, showarrow=False, font=dict(size=15, color="#6c757d"))
    return figure(title, [], annotations=[note], xaxis=dict(visible=False),
                  yaxis=dict(visible=False))  # fmt: skip


def loading() -> go.Figure:
    """What a chart shows until its first figure arrives: no axes, just "Loading…"."""
    return empty("", LOADING)


def pareto(top: pd.DataFrame, selected: tuple[str, ...] = ()) -> go.Figure:
    """Top customers' Sales Amount as bars, with their cumulative share of all sales as a line."""
    title = f"Top {len(top)} customers and their cumulative share"
    if top.empty:
        return empty(title)
    # plain arrays: plotly takes Series the long way (~2x the time of the whole figure)
    names, text = top["customer_id"].to_numpy(object), top["customer_name"].to_numpy(object)
    bars = dict(
        type="bar", x=names, y=top["sales_amount"].to_numpy(), name="Sales Amount",
        customdata=names, marker=dict(color=_colours(top["customer_id"], selected)),
        text=text, hovertemplate="%{text}<br>£%{y:,.2f}<extra></extra>",
        textposition="none",
    )  # fmt: skip
    share = dict(
        type="scatter", x=names, y=top["cumulative_share"].to_numpy(), name="Cumulative share",
        yaxis="y2", mode="lines+markers", line=dict(color=ORANGE), text=text,
        hovertemplate="%{text}<br>%{y:.1%} of all sales<extra></extra>",
    )  # fmt: skip
    return figure(
        title, [bars, share], clickmode="event+select",
        yaxis=dict(title=dict(text="Sales Amount"), tickprefix="£", tickformat=",.0f"),
        yaxis2=dict(overlaying="y", side="right", tickformat=".0%", range=[0, 1.05], dtick=0.2,
                    showgrid=False),
        xaxis=_names_axis(top),
    )  # fmt: skip


def trend(current: pd.DataFrame, compared: pd.DataFrame, compared_label: str) -> go.Figure:
    """Monthly Sales Amount (metrics.overview.monthly_sales), with the compared period's months
    overlaid month by month. A month the period covers only in part is a light, hatched bar
    named with its days (e.g. "Dec 2026 (to 6 Dec)"), so a short month never reads as a drop."""
    title = "Sales Amount by month"
    if current["sales_amount"].sum() == 0 and compared["sales_amount"].sum() == 0:
        return empty(title)
    ticks, hovers = zip(*(_month_words(row) for row in current.itertuples()), strict=True)
    x = current["month"].dt.strftime("%b %Y").to_numpy()
    data = []
    for partial, name in ((False, "This period"), (True, "This period, part of a month")):
        rows = (current["partial"] == partial).to_numpy()
        if partial and not rows.any():
            continue
        data.append(dict(
            type="bar", x=x[rows], y=current["sales_amount"].to_numpy()[rows], name=name,
            marker=dict(color=LIGHT_BLUE if partial else BLUE,
                        pattern=dict(shape="/" if partial else "", fgcolor=BLUE)),
            hovertext=[f"{h}<br>{money(v)}" for h, v, r
                       in zip(hovers, current["sales_amount"], rows, strict=True) if r],
            hovertemplate="%{hovertext}<extra></extra>",
        ))  # fmt: skip
    n = min(len(current), len(compared))
    earlier = [f"{compared_label}<br>{_month_words(row)[1]}<br>{money(row.sales_amount)}"
               for row in compared.head(n).itertuples()]  # fmt: skip
    data.append(dict(
        type="scatter", x=x[:n], y=compared["sales_amount"].to_numpy()[:n], name=compared_label,
        mode="lines+markers", line=dict(color=GREY, dash="dash"), hovertext=earlier,
        hovertemplate="%{hovertext}<extra></extra>",
    ))  # fmt: skip
    return figure(
        title, data, barmode="overlay",
        xaxis=dict(type="category", categoryorder="array", categoryarray=list(x),
                   tickmode="array", tickvals=list(x), ticktext=list(ticks), tickangle=-40),
        yaxis=dict(tickprefix="£", tickformat=",.0f"),
    )  # fmt: skip


def _month_words(row) -> tuple[str, str]:
    """(axis label, hover title) of a monthly_sales row: "Dec 2026 (to 6 Dec)" and
    "Dec 2026: 1–6 Dec only (part of the month)" when the period covers only part of it."""
    month = row.month.strftime("%b %Y")
    if not row.partial:
        return month, month
    first, last = row.first_day, row.last_day
    days = f"{first.day}–{last.day} {last:%b}"
    if first.day == 1:
        tick = f"{month} (to {last.day} {last:%b})"
    elif last.month != (last + pd.Timedelta(days=1)).month:
        tick = f"{month} (from {first.day} {first:%b})"
    else:
        tick = f"{month} ({days})"
    return tick, f"{month}: {days} only (part of the month)"


def bridge(b: Bridge, compared_label: str) -> go.Figure:
    """Waterfall from the compared period's Sales Amount to this one's: each bar is labelled
    with its own value (the steps signed), and its hover gives that value and, for the steps,
    the running total after it."""
    title = "Revenue bridge"
    if b.compared == 0 and b.current == 0:
        return empty(title)
    names = [compared_label, "New customers", "Grown", "Shrunk", "Lost customers", "This period"]
    values = [b.compared, b.new, b.grown, -b.shrunk, -b.lost, b.current]
    running = [sum(values[: i + 1]) for i in range(5)] + [b.current]
    labels, hovers = [], []
    for i, (name, value) in enumerate(zip(names, values, strict=True)):
        total = i in (0, 5)
        labels.append(money_label(value, signed=not total))
        hovers.append(f"<b>{name}</b><br>{money(value)}" if total else
                      f"<b>{name}</b><br>{signed_money(value)}<br>"
                      f"running total {money(running[i])}")  # fmt: skip
    steps = dict(
        type="waterfall", x=names, y=values,
        measure=["absolute", "relative", "relative", "relative", "relative", "total"],
        text=labels, textposition="outside", cliponaxis=False,
        hovertext=hovers, hovertemplate="%{hovertext}<extra></extra>",
        increasing=dict(marker=dict(color=GREEN)), decreasing=dict(marker=dict(color=RED)),
        totals=dict(marker=dict(color=BLUE)), connector=dict(line=dict(color=GREY)),
    )  # fmt: skip
    top = max(running + [b.compared])
    return figure(title, [steps], showlegend=False,
                  yaxis=dict(tickprefix="£", tickformat=",.0f", range=[0, top * 1.12]))  # fmt: skip


def customers_bar(
    table: pd.DataFrame, kpi: str, label: str, selected: tuple[str, ...], of: int | None = None
) -> go.Figure:
    """Customers ranked by a KPI, `of` customers in all (the title says when the table shows
    fewer); picked customers stand out. Click or box-select to pick."""
    title = f"Customers by {label}"
    if of is not None and of > len(table):
        title += f": {len(table):,} of {of:,}"
    if table.empty:
        return empty(title)
    money = kpi not in ("sales_quantity", "gross_profit_margin")
    # numpy arrays: plotly reads pandas columns through narwhals, ~5 ms a figure
    customers = table["customer_id"].to_numpy(object)
    bars = dict(
        type="bar", x=customers, y=table[kpi].to_numpy(), customdata=customers,
        marker=dict(color=_colours(customers, selected)),
        text=table["customer_name"].to_numpy(object), textposition="none",
        hovertemplate="%{text}<br>" + ("£%{y:,.2f}" if money else "%{y:,.4~g}") + "<extra></extra>",
    )  # fmt: skip
    return figure(
        title, [bars], clickmode="event+select", dragmode="select",
        xaxis=_names_axis(table),
        yaxis=dict(tickprefix="£" if money else "",
                   tickformat=".0%" if kpi == "gross_profit_margin" else ",.0f"),
    )  # fmt: skip


def _colours(customer_ids: pd.Series, selected: tuple[str, ...]) -> list[str]:
    if not selected:
        return [BLUE] * len(customer_ids)
    return [BLUE if c in selected else GREY for c in customer_ids]


def short_name(name: str, width: int) -> str:
    """A name cut to `width` characters, keeping a closing "(…)" that tells namesakes apart:
    "Willow Partners Limited (2)" -> "Willow Partners…(2)"."""
    if len(name) <= width:
        return name
    tail = name[name.rfind(" (") + 1 :] if name.endswith(")") and " (" in name else ""
    if len(tail) > width // 2:
        tail = ""
    return name[: width - 1 - len(tail)].rstrip() + "…" + tail


def _names_axis(table: pd.DataFrame, width: int = 20) -> dict:
    """An x axis of customer IDs (unique) labelled with their shortened names."""
    names = [short_name(n, width) for n in table["customer_name"]]
    return dict(tickmode="array", tickvals=list(table["customer_id"]), ticktext=names,
                tickangle=-40, automargin=True, type="category")  # fmt: skip


def customer_trend(trend: pd.DataFrame, title: str) -> go.Figure:
    """A customer's monthly Sales Amount and Gross Profit."""
    if trend["sales_amount"].sum() == 0:
        return empty(title, "No sales in this period")
    labels = trend["month"].dt.strftime("%b %Y")
    data = [dict(type="bar", x=labels, y=trend[field], name=name, marker=dict(color=colour),
                 hovertemplate=MONEY_HOVER)
            for field, name, colour in (("sales_amount", "Sales Amount", BLUE),
                                        ("gross_profit", "Gross Profit", GREEN))]  # fmt: skip
    return figure(title, data, barmode="group", bargap=0.15,
                  yaxis=dict(tickprefix="£", tickformat=",.0f"))  # fmt: skip


def team_sales(now: pd.DataFrame, before: pd.DataFrame, compared_label: str) -> go.Figure:
    """Sales Amount per salesperson, this period and the compared one side by side."""
    title = "Sales Amount by salesperson"
    if now["sales_amount"].sum() == 0 and before["sales_amount"].sum() == 0:
        return empty(title)
    earlier = before.set_index("salesperson")["sales_amount"].reindex(now["salesperson"]).fillna(0)
    names = now["salesperson_name"].to_numpy(object)  # plain arrays: Series cost plotly more
    data = [dict(type="bar", x=names, y=values, name=name,
                 marker=dict(color=colour), hovertemplate=MONEY_HOVER)
            for values, name, colour in ((now["sales_amount"].to_numpy(), "This period", BLUE),
                                         (earlier.to_numpy(), compared_label, GREY))]  # fmt: skip
    return figure(title, data, barmode="group", xaxis=dict(tickangle=-40, automargin=True),
                  yaxis=dict(tickprefix="£", tickformat=",.0f"))  # fmt: skip


def new_customers(table: pd.DataFrame, names: dict[str, str]) -> go.Figure:
    """New customers acquired per month, stacked by salesperson: the rows of
    metrics.team.top_and_others, each kept salesperson in a colour of their own, "Others" grey."""
    title = "New customers acquired per month"
    if table.empty:
        return empty(title, "No new customers in this period")
    # Tableau 10 without its grey and olive: eight colours told apart at a glance
    colours = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1", "#ff9da7",
               "#9c755f")  # fmt: skip
    # plain arrays, a boolean mask per trace: pandas groups and Series cost plotly ~3x the time
    codes = table["salesperson"].to_numpy(object)
    owned = pd.notna(codes)
    months = np.datetime_as_string(table["month"].to_numpy("datetime64[s]"))  # as plotly writes
    counts = table["new_customers"].to_numpy()
    groups = [(names.get(code, code), colours[i % len(colours)], codes == code)
              for i, code in enumerate(dict.fromkeys(codes[owned]))]  # fmt: skip
    if not owned.all():
        count = int(table["others"].to_numpy()[~owned][0])
        name = {0: "Without an owner", 1: "1 other salesperson"}.get(
            count, f"{count} other salespeople"
        )
        groups.append((name, GREY, ~owned))
    data = [dict(type="bar", x=months[rows], y=counts[rows], name=name,
                 marker=dict(color=colour),
                 hovertemplate=f"{name}<br>%{{x|%b %Y}}: %{{y}}<extra></extra>")
            for name, colour, rows in groups]  # fmt: skip
    return figure(title, data, barmode="stack",
                  xaxis=dict(type="date", tickformat="%b %Y", dtick="M1", tickangle=-40),
                  legend=dict(orientation="v", x=1.02, y=1, yanchor="top"))  # fmt: skip


def report_bars(title: str, keys, values, names=None, partial=None) -> go.Figure:
    """A report's Sales Amount per row, as bars in the report's order; `names` (when the rows'
    keys are codes, e.g. salespeople) label the bars, and the hover gives name and key;
    `partial` marks the bars of a week or month the period covers only in part (light, hatched,
    as on the Overview's trend)."""
    keys = [str(k) for k in keys]
    shown = keys if names is None else [str(n) for n in names]
    hovers = [n if n == k or partial is not None else f"{n} ({k})"
              for n, k in zip(shown, keys, strict=True)]  # fmt: skip
    part = partial if partial is not None else [False] * len(keys)
    marker = dict(color=[LIGHT_BLUE if p else BLUE for p in part],
                  pattern=dict(shape=["/" if p else "" for p in part], fgcolor=BLUE))  # fmt: skip
    bars = dict(type="bar", x=keys, y=values, marker=marker, hovertext=[
        f"{h}<br>{money(v)}" + ("<br>(the period covers only part of it)" if p else "")
        for h, v, p in zip(hovers, values, part, strict=True)],
        hovertemplate="%{hovertext}<extra></extra>")  # fmt: skip
    axis = dict(tickangle=-40, automargin=True, type="category")
    if names is not None:
        axis.update(tickmode="array", tickvals=keys, ticktext=shown)
    return figure(title, [bars], xaxis=axis, yaxis=dict(tickprefix="£", tickformat=",.0f"))
