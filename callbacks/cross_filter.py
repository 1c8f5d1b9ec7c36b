"""Cross-filtering: what a click, a box selection, a matrix pick or a chip does to the selection.

The selection is a tuple of customer IDs kept in the URL (`selected=`); every visual of the page
reads it. Pure functions, so the rules can be tested without a browser.
"""

from __future__ import annotations


def points_customers(data: dict | None) -> tuple[str, ...]:
    """Customer IDs of the points in a plotly clickData / selectedData (their customdata)."""
    if not data:
        return ()
    ids = (p.get("customdata") for p in data.get("points", []))
    return tuple(dict.fromkeys(i if isinstance(i, str) else i[0] for i in ids if i))


def toggle(current: tuple[str, ...], customer: str) -> tuple[str, ...]:
    """A click on a bar or a matrix row: picks the customer, or unpicks them if picked."""
    if customer in current:
        return tuple(c for c in current if c != customer)
    return (*current, customer)


def next_selection(current: tuple[str, ...], event: str, payload=None) -> tuple[str, ...]:
    """The selection after `event`:
    "click" (payload: clickData) toggles the clicked customer;
    "box" (payload: selectedData) replaces the selection with the boxed customers, and an empty
    box (a double-click) clears it; "pick" (payload: a customer ID clicked in the matrix)
    toggles it; "remove" (payload: a customer ID, from its chip) drops it; "clear" empties it."""
    if event == "click":
        clicked = points_customers(payload)
        return toggle(current, clicked[0]) if clicked else current
    if event == "box":
        return points_customers(payload)
    if event == "pick":
        return toggle(current, payload) if payload else current
    if event == "remove":
        return tuple(c for c in current if c != payload)
    if event == "clear":
        return ()
    raise ValueError(f"unknown selection event {event!r}")
