"""Cross-filtering: what a click, a box selection or a matrix tick does to the selection.

The selection is a tuple of customer IDs kept in the URL (`selected=`); every other visual of the
page narrows to it. As in Power BI: a click picks one customer (clicking the only pick again
unpicks it); Ctrl, Shift or ⌘ with the click adds the customer, or removes it when picked; a box
or lasso picks every bar inside (adding to the picks with a modifier key); a matrix tick adds or
removes its customer. Pure functions, so the rules are tested without a browser.
"""

from __future__ import annotations


def points_customers(data: dict | None) -> tuple[str, ...]:
    """Customer IDs of the points in a plotly clickData / selectedData (their customdata)."""
    if not data:
        return ()
    ids = (p.get("customdata") for p in data.get("points", []))
    return tuple(dict.fromkeys(i if isinstance(i, str) else i[0] for i in ids if i))


def toggle(current: tuple[str, ...], customer: str) -> tuple[str, ...]:
    """Adds the customer, or removes them if picked."""
    if customer in current:
        return tuple(c for c in current if c != customer)
    return (*current, customer)


def next_selection(current: tuple[str, ...], event: str, payload=None, add: bool = False):
    """The selection after `event`:
    "click" (payload: clickData): picks just the clicked customer, or with `add` (a modifier
    key) toggles it; clicking the only pick unpicks it;
    "box" (payload: selectedData): the boxed customers, or with `add` the picks plus them;
    "pick" (payload: a customer ID ticked in the matrix) toggles it; "remove" (payload: a
    customer ID, from its chip) drops it; "clear" empties it."""
    if event == "click":
        clicked = points_customers(payload)
        if not clicked:
            return current
        if add:
            return toggle(current, clicked[0])
        return () if current == (clicked[0],) else (clicked[0],)
    if event == "box":
        boxed = points_customers(payload)
        return tuple(dict.fromkeys((*current, *boxed))) if add else boxed
    if event == "pick":
        return toggle(current, payload) if payload else current
    if event == "remove":
        return tuple(c for c in current if c != payload)
    if event == "clear":
        return ()
    raise ValueError(f"unknown selection event {event!r}")
