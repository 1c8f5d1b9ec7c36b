"""The choices a user is offered: filter options and customer matches, from their own frames (or
lists: data.lists)."""

from __future__ import annotations

from data.frames import Frames
from data.lists import Lists
from metrics.filters import NOT_AVAILABLE
from views.view import MULTI, View, known_values

CUSTOMER_MATCHES = 50  # options offered while typing in the customer box
STATUS_LABELS = {"active": "Active", "inactive": "Inactive", "at_risk": "At risk"}


def control_options(frames: Frames | Lists, view: View) -> tuple[dict[str, list], dict[str, list]]:
    """Options of each filter control: per URL key, and per custom field."""
    options = {
        key: [{"label": v, "value": v} for v in sorted(values)]
        for key, values in known_values(frames).items()
        if key in MULTI and key not in ("customer", "salesperson")
    }
    people = frames.salespeople.sort_values("name")
    options["salesperson"] = [{"label": f"{n} ({c})", "value": c}
                              for c, n in zip(people["code"], people["name"], strict=True)]  # fmt: skip
    options["status"] = [{"label": v, "value": k} for k, v in STATUS_LABELS.items()]
    options["customer"] = customer_options(frames, view.filters.customers)
    custom = {
        name: [{"label": v, "value": v}
               for v in sorted({*frames.customers[name].dropna().astype(str), NOT_AVAILABLE})]
        for name in frames.custom_fields
    }  # fmt: skip
    return options, custom


def customer_options(
    frames: Frames | Lists, chosen, text: str = "", limit: int = CUSTOMER_MATCHES
) -> list[dict]:
    """Options for the customers `chosen`, plus the first `limit` whose name or ID contains
    `text` (the frames are the user's: nobody outside their scope is offered)."""
    customers = frames.customers
    ids_, names = customers["customer_id"], customers["name"]
    picked = ids_.isin(list(chosen))
    matches = picked.copy()
    if text:
        found = names.str.contains(text, case=False, regex=False) | ids_.str.contains(
            text, case=False, regex=False
        )
        matches |= found & (found.cumsum() <= limit)
    rows = customers[matches]
    return [{"label": f"{n} ({i})", "value": i}
            for i, n in zip(rows["customer_id"], rows["name"], strict=True)]  # fmt: skip


def customer_names(frames: Frames | Lists, customer_ids) -> list[tuple[str, str]]:
    """(id, name) of each customer ID, in the order given (the ID when not in the frames)."""
    if not len(customer_ids):
        return []  # no picks (most requests): no look-up over every customer
    customers = frames.customers
    found = customers[customers["customer_id"].isin(list(customer_ids))]
    names = dict(zip(found["customer_id"], found["name"].astype(str), strict=True))
    return [(c, names.get(c, c)) for c in customer_ids]
