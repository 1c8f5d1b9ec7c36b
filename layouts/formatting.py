"""How numbers read, everywhere: grid cells (a JavaScript formatter in the browser), KPI cards,
PDF tables and the customer brief all format a value of a kind the same way.

Kinds: money (£1,234.50, -£12.00), percent (12.34%), count (1,234), quantity (1,234.5: up to two
decimals), days (12.5 days), date (YYYY-MM-DD), text. A missing money or percent value is
Unknown (SPEC §3: an unknown cost is never 0); a missing count, quantity, day count or date is
empty. Rounding is half away from zero on the exact binary value, as JavaScript's toFixed does,
so the screen and the PDF never differ in the last digit.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

UNKNOWN = "Unknown"
KINDS = ("money", "percent", "count", "quantity", "days", "date", "text")
# kind -> (d3 format of the absolute value, prefix, suffix, what a missing value reads)
SPECS = {
    "money": (",.2f", "£", "", UNKNOWN),
    "percent": (".2%", "", "", UNKNOWN),
    "count": (",.0f", "", "", ""),
    "quantity": (",.2~f", "", "", ""),
    "days": (",.1f", "", " days", ""),
}


def format_value(kind: str, value) -> str:
    """`value` as text of `kind` (see the module's docstring)."""
    if kind in ("text", "date"):
        return _plain(value)
    spec, prefix, suffix, missing = SPECS[kind]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    value = float(value)
    sign = "-" if value < 0 else ""
    magnitude = abs(value)
    if spec.endswith("%"):
        text = _fixed(magnitude * 100, int(spec[1:-1])) + "%"
    else:
        places = int(spec.split(".")[1][0])
        text = _fixed(magnitude, places, grouped=spec.startswith(","))
        if spec.endswith("~f") and "." in text:
            text = text.rstrip("0").rstrip(".")
    return f"{sign}{prefix}{text}{suffix}"


def shown(kind: str, values: np.ndarray) -> np.ndarray:
    """`values` (float64) rounded to the digits `kind` shows (money to the cent, a percentage to
    0.01%), half away from zero on the exact binary value as format_value and the grid's
    formatter round; other kinds, NaN and values that read as zero unchanged. What a grid receives: it sorts and filters
    the numbers it shows, and its JSON carries no digits nobody sees."""
    if kind not in SPECS:
        return values
    spec = SPECS[kind][0]
    places = int(spec.rstrip("%~f").split(".")[1])
    scale = 100.0 if spec.endswith("%") else 1.0
    magnitude = np.abs(values) * scale
    steps = magnitude * 10.0**places
    whole = np.floor(steps + 0.5)
    # half a step away from a boundary, the product above may have rounded across it: decide
    # those few exactly (and leave values too big for whole steps in a float as they are)
    near = np.abs(steps - np.floor(steps) - 0.5) < 1e-6
    for i in np.flatnonzero(near & (steps < 2.0**52)):
        whole[i] = float(Decimal(float(magnitude[i])).scaleb(places).quantize(1, ROUND_HALF_UP))
    rounded = np.copysign(whole / (10.0**places * scale), values)
    # a value that reads as zero keeps its sign (-£0.00) as it is
    return np.where((steps < 2.0**52) & (whole > 0), rounded, values)


def grid_formatter(kind: str) -> dict | None:
    """The same formatting as an AG Grid valueFormatter (d3-format runs in the browser)."""
    if kind not in SPECS:
        return None
    spec, prefix, suffix, missing = SPECS[kind]
    return {
        "function": f"params.value == null ? '{missing}' : (params.value < 0 ? '-' : '') + "
        f"'{prefix}' + d3.format('{spec}')(Math.abs(params.value)) + '{suffix}'"
    }


def money(value: float | None) -> str:
    return format_value("money", value)


def count(value: float | None) -> str:
    return UNKNOWN if value is None else format_value("count", value)


def percent(value: float | None) -> str:
    return format_value("percent", value)


def days(value: float | None) -> str:
    return UNKNOWN if value is None else format_value("days", value)


def _fixed(value: float, places: int, grouped: bool = False) -> str:
    exact = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{exact:,.{places}f}" if grouped else f"{exact:.{places}f}"


def _plain(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "" if text in ("NaT", "nan", "None", "<NA>") else text


def signed_money(value: float) -> str:
    """A change in money with its sign: +£1,937,347.12, -£12.00 (no sign on £0.00)."""
    text = money(value)
    return f"+{text}" if value > 0 and text != "£0.00" else text


def money_label(value: float, signed: bool = False) -> str:
    """Money to the whole pound, as a chart writes it on a bar: £1,937,347, -£12; `signed`: a
    rise reads +£1,937,347."""
    text = _fixed(abs(value), 0, grouped=True)
    sign = "" if text == "0" else "-" if value < 0 else "+" if signed else ""
    return f"{sign}£{text}"


def counted(value: float, noun: str) -> str:
    """A whole count with its noun, singular for one: "1 row", "1,204 rows", "2 days"."""
    text = f"{value:,.0f}"
    return f"{text} {noun}" if text == "1" else f"{text} {noun}s"
