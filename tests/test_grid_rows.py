"""A grid's rows sent as columns (views.tables.grid_columns, the matrix's rows with their
pick boxes and items), its columns and state sent only when the grid does not hold them
(layouts.grids.unless_shown), and the customer links: hand-made tables, hand-written answers;
then the two callbacks over HTTP on the demo database, counted with plain SQL."""

import sqlite3
from datetime import date

import numpy as np
import pandas as pd
from dash import no_update

from layouts.grids import unless_shown
from layouts.sales_by_customer import matrix_rows
from metrics.filters import Filters
from tests import test_auth
from tests.test_auth import callback, signed_in
from views.screens import customer_hrefs
from views.tables import Column, Table, grid_columns, records
from views.view import View

base = test_auth.base  # the real app over HTTP on the demo database (module-scoped fixture)

TABLE = Table(
    "t",
    (
        Column("name", "Name"),
        Column("amount", "Amount", "money"),
        Column("last", "Last", "date"),
        Column("orders", "Orders", "count"),
    ),  # fmt: skip
    pd.DataFrame(
        {
            "name": pd.Series(["Alder", None, "Cedar"], dtype="str"),
            "amount": [10.004, np.nan, 2.675],  # 2.675 is stored just below its half
            "last": pd.to_datetime(["2026-01-05", None, "2026-03-01"]),
            "orders": pd.Series([3, None, 1], dtype="Int64"),
            "href": ["/a", "/b", "/c"],
        }
    ),
)


def test_grw001_rows_travel_as_columns_with_the_numbers_the_grid_shows():
    assert grid_columns(TABLE) == {
        "name": ["Alder", None, "Cedar"],
        "amount": [10.0, None, 2.67],
        "last": ["2026-01-05", None, "2026-03-01"],
        "orders": [3, None, 1],
        "href": ["/a", "/b", "/c"],
    }
    # the records the browser makes of them (assets/grid_rows.js) are the rows as records
    assert records(TABLE) == [
        {"name": "Alder", "amount": 10.0, "last": "2026-01-05", "orders": 3, "href": "/a"},
        {"name": None, "amount": None, "last": None, "orders": None, "href": "/b"},
        {"name": "Cedar", "amount": 2.67, "last": "2026-03-01", "orders": 1, "href": "/c"},
    ]


STATE = [{"colId": "name", "hide": False, "sort": None, "sortIndex": None},
         {"colId": "amount", "hide": True, "sort": "desc", "sortIndex": 0}]  # fmt: skip
DEFS = [{"field": "name", "colId": "name"}, {"field": "amount", "colId": "amount"}]


def test_grw002_columns_state_and_filters_are_sent_only_when_the_grid_does_not_hold_them():
    model = {"name": {"filterType": "text", "type": "contains", "filter": "al"}}
    # a new grid holds nothing: all three are sent
    assert unless_shown(DEFS, STATE, model, (None, None, None)) == (DEFS, STATE, model)
    # the grid reports more of each column (width, pinned...): what we set matches, so nothing
    held = [{**c, "width": 120, "pinned": None, "flex": None} for c in STATE]
    assert unless_shown(DEFS, STATE, model, (DEFS, held, model)) == (no_update,) * 3
    # a sort that differs, a filter the grid lost: those are sent again
    resorted = [{**held[0], "sort": "asc", "sortIndex": 0}, {**held[1], "sort": None}]
    assert unless_shown(DEFS, STATE, model, (DEFS, resorted, {})) == (no_update, STATE, model)
    # no filter set and none held (None before the grid reported one): not sent
    assert unless_shown(DEFS, STATE, {}, (DEFS, held, None)) == (no_update,) * 3


def test_grw003_matrix_rows_mark_picks_and_put_a_customers_items_under_it():
    customers = Table(
        "m",
        (
            Column("customer_name", "Customer"),
            Column("customer_id", "Customer ID"),
            Column("sales_amount", "Sales Amount", "money"),
        ),  # fmt: skip
        pd.DataFrame(
            {
                "customer_name": ["Ash", "Birch", "Cedar"],
                "customer_id": ["C1", "C2", "C3"],
                "sales_amount": [30.0, 20.0, 10.0],
                "href": ["/customers/C1", "/customers/C2", "/customers/C3"],
            }
        ),
    )
    items = {"C2": pd.DataFrame({"customer_name": ["Bolt", "Nut"], "customer_id": ["I1", "I2"],
                                 "sales_amount": [15.0, 5.0]})}  # fmt: skip
    assert matrix_rows(customers, ("C3",), items) == {
        "customer_name": ["Ash", "Birch", "  ↳ Bolt", "  ↳ Nut", "Cedar"],
        "customer_id": ["C1", "C2", "I1", "I2", "C3"],
        "sales_amount": [30.0, 20.0, 15.0, 5.0, 10.0],
        "href": ["/customers/C1", "/customers/C2", None, None, "/customers/C3"],
        "row_id": ["C1", "C2", "C2/I1", "C2/I2", "C3"],
        "level": [0, 0, 1, 1, 0],
        "is_picked": [False, False, False, False, True],
        "pick": ["☐", "☐", "", "", "☑"],
        "expand": ["▸", "▾", "", "", "▸"],
    }


def test_grw004_customer_links_quote_ids_as_a_path_segment_and_carry_the_filters():
    view = View("leaderboard", Filters(start=date(2026, 1, 1), end=date(2026, 3, 31)))
    carried = "?from=2026-01-01&to=2026-03-31"
    assert customer_hrefs(["C00012", "A-_.~z", "a b", "x/y?&=#%", "é", ""], view) == [
        f"/customers/C00012{carried}",
        f"/customers/A-_.~z{carried}",
        f"/customers/a%20b{carried}",
        f"/customers/x%2Fy%3F%26%3D%23%25{carried}",
        f"/customers/%C3%A9{carried}",
        f"/customers/{carried}",
    ]


ROWS_OUT = [("leaderboard-rows", "data"), ("leaderboard-grid", "columnDefs"),
            ("leaderboard-grid", "columnState"), ("leaderboard-grid", "filterModel")]  # fmt: skip
QUERY = "?from=2026-01-01&to=2026-03-31&sort=sales_amount:desc"


def rows_request(session, base_url, held=(None, None, None)):
    defs, state, model = held
    return callback(session, base_url, ROWS_OUT, [("view", "data", QUERY)],
                    [("view-grid", "data", QUERY), ("leaderboard-grid", "columnDefs", defs),
                     ("leaderboard-grid", "columnState", state),
                     ("leaderboard-grid", "filterModel", model)])  # fmt: skip


def test_grw005_the_leaderboard_sends_its_rows_as_columns_and_its_state_once(base, demo_db):
    session, _ = signed_in(base, "leader")
    first = rows_request(session, base).json()["response"]
    columns = first["leaderboard-rows"]["data"]
    with sqlite3.connect(demo_db.removeprefix("sqlite:///")) as db:
        customers = sorted(c for (c,) in db.execute("SELECT customer_id FROM customers"))
    assert sorted(columns["customer_id"]) == customers  # every customer, once, in one list
    assert {len(values) for values in columns.values()} == {len(customers)}
    state = first["leaderboard-grid"]["columnState"]
    assert [c for c in state if c["sort"]] == [
        {"colId": "sales_amount", "hide": False, "sort": "desc", "sortIndex": 0}
    ]
    # the grid holds them now (and reports more of each column): only the rows come again
    held = [{**c, "width": 150, "pinned": None} for c in state]
    again = rows_request(session, base, (first["leaderboard-grid"]["columnDefs"], held, {}))
    assert set(again.json()["response"]) == {"leaderboard-rows"}


# Sales by Customer's bar and matrix callback: its outputs, and the grid's state it reads
BAR_AND_MATRIX = [("sbc-bar", "figure"), ("sbc-matrix-rows", "data"),
                  ("sbc-matrix", "columnDefs"), ("sbc-matrix", "columnState"),
                  ("sbc-matrix", "filterModel"), ("sbc-empty", "children")]  # fmt: skip
BAR_AND_MATRIX_STATE = [("view-grid", "data", QUERY), ("sbc-matrix", "columnDefs", None),
                        ("sbc-matrix", "columnState", None),
                        ("sbc-matrix", "filterModel", None)]  # fmt: skip


def test_grw006_expanding_a_customer_leaves_the_bar_chart_as_it_is(base):
    session, _ = signed_in(base, "leader")
    outputs, state = BAR_AND_MATRIX, BAR_AND_MATRIX_STATE
    view = callback(session, base, outputs,
                    [("view", "data", QUERY), ("sbc-expanded", "data", [])], state)  # fmt: skip
    top = view.json()["response"]["sbc-matrix-rows"]["data"]["customer_id"][0]
    expand = {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..",
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": [{"id": "view", "property": "data", "value": QUERY},
                   {"id": "sbc-expanded", "property": "data", "value": [top]}],
        "changedPropIds": ["sbc-expanded.data"],  # only the expansion changed
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
    }  # fmt: skip
    expanded = session.post(f"{base}/_dash-update-component", json=expand)
    assert expanded.status_code == 200
    response = expanded.json()["response"]
    assert "sbc-bar" not in response
    rows = response["sbc-matrix-rows"]["data"]
    at = rows["row_id"].index(top)
    assert rows["expand"][at] == "▾" and rows["level"][at + 1] == 1
    assert rows["row_id"][at + 1].startswith(f"{top}/")


def test_grw007_a_crafted_expansion_gets_400_not_a_traceback(base):
    session, _ = signed_in(base, "leader")
    outputs, state = BAR_AND_MATRIX, BAR_AND_MATRIX_STATE
    for crafted in ([["C00001"]], "C00001", [1]):
        answer = callback(session, base, outputs,
                          [("view", "data", QUERY), ("sbc-expanded", "data", crafted)], state)  # fmt: skip
        assert answer.status_code == 400, crafted
        assert "list of customer IDs" in answer.text
