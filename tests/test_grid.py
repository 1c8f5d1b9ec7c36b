"""A grid's own state applied on the server as AG Grid applies it in the browser (views.grid),
and the CSV of a table (views.tables): hand-made tables, hand-worked answers."""

import json

import numpy as np
import pandas as pd
import pytest

from layouts.formatting import shown
from views import grid
from views.tables import Column, Table, records, to_csv
from views.view import Grid, ViewError

ROWS = pd.DataFrame(
    {
        "name": ["Alder", "beech", None, "Cedar", "alder two"],
        "amount": [10.0, 250.5, 40.0, np.nan, 100.0],
        "last": pd.to_datetime(["2026-01-05", None, "2026-03-01", "2026-02-01", "2026-01-05"]),
        "href": ["/a", "/b", "/c", "/d", "/e"],
    }
)
TABLE = Table(
    "t",
    (Column("name", "Name"), Column("amount", "Amount", "money"), Column("last", "Last", "date")),
    ROWS,
)


def names(grid_state: Grid) -> list:
    table, _ = grid.apply(TABLE, grid_state)
    return [None if pd.isna(n) else n for n in table.rows["name"]]


def model(**by_column) -> str:
    return json.dumps(by_column, sort_keys=True, separators=(",", ":"))


@pytest.mark.parametrize(
    "condition,expected",
    [
        ({"type": "contains", "filter": "ALD"}, ["Alder", "alder two"]),  # case ignored
        ({"type": "notContains", "filter": "alder"}, ["beech", None, "Cedar"]),  # blank passes
        ({"type": "equals", "filter": "cedar"}, ["Cedar"]),
        ({"type": "notEqual", "filter": "cedar"}, ["Alder", "beech", None, "alder two"]),
        ({"type": "startsWith", "filter": "al"}, ["Alder", "alder two"]),
        ({"type": "endsWith", "filter": "two"}, ["alder two"]),
        ({"type": "blank"}, [None]),
        ({"type": "notBlank"}, ["Alder", "beech", "Cedar", "alder two"]),
    ],
)
def test_grd001_text_filters_as_ag_grid(condition, expected):
    spec = {"filterType": "text", **condition}
    assert names(Grid(filter=model(name=spec))) == expected


@pytest.mark.parametrize(
    "condition,expected",
    [
        ({"type": "greaterThan", "filter": 40}, ["beech", "alder two"]),
        ({"type": "greaterThanOrEqual", "filter": 40}, ["beech", None, "alder two"]),
        ({"type": "lessThan", "filter": 40}, ["Alder"]),  # a missing amount never passes
        ({"type": "equals", "filter": 250.5}, ["beech"]),
        ({"type": "notEqual", "filter": 10}, ["beech", None, "alder two"]),
        ({"type": "inRange", "filter": 10, "filterTo": 100}, [None]),  # both ends excluded
        ({"type": "blank"}, ["Cedar"]),
    ],
)
def test_grd002_number_filters_as_ag_grid(condition, expected):
    spec = {"filterType": "number", **condition}
    assert names(Grid(filter=model(amount=spec))) == expected


def test_grd003_date_filters_and_two_conditions():
    on = {"filterType": "date", "type": "equals", "dateFrom": "2026-01-05 00:00:00"}
    assert names(Grid(filter=model(last=on))) == ["Alder", "alder two"]
    after = {"filterType": "date", "type": "greaterThan", "dateFrom": "2026-01-31 00:00:00"}
    assert names(Grid(filter=model(last=after))) == [None, "Cedar"]
    either = {"filterType": "number", "operator": "OR", "conditions": [
        {"filterType": "number", "type": "lessThan", "filter": 20},
        {"filterType": "number", "type": "greaterThan", "filter": 200}]}  # fmt: skip
    assert names(Grid(filter=model(amount=either))) == ["Alder", "beech"]
    both = {**either, "operator": "AND"}
    assert names(Grid(filter=model(amount=both))) == []


def test_grd004_sort_missing_first_ascending_last_descending_ties_in_order():
    assert names(Grid(sort=(("amount", "asc"),))) == ["Cedar", "Alder", None, "alder two", "beech"]
    assert names(Grid(sort=(("amount", "desc"),))) == ["beech", "alder two", None, "Alder", "Cedar"]
    # text by character codes (capitals first), ties kept in the rows' order
    assert names(Grid(sort=(("name", "asc"),))) == [None, "Alder", "Cedar", "alder two", "beech"]
    by_day = names(Grid(sort=(("last", "asc"), ("amount", "desc"))))
    assert by_day == ["beech", "alder two", "Alder", "Cedar", None]


def test_grd005_visible_columns_in_order_and_unknown_columns_refused():
    table, columns = grid.apply(TABLE, Grid(columns=("amount", "name")))
    assert columns == ("amount", "name") and len(table.rows) == 5
    assert grid.apply(TABLE, Grid())[1] == ("name", "amount", "last")
    with pytest.raises(ViewError, match="no column 'colour'"):
        grid.apply(TABLE, Grid(sort=(("colour", "asc"),)))


def test_grd006_state_from_ag_grid_and_back():
    state = [{"colId": "pick", "hide": False}, {"colId": "amount", "sort": "desc", "sortIndex": 1},
             {"colId": "name", "sort": "asc", "sortIndex": 0}, {"colId": "last", "hide": True}]  # fmt: skip
    filters = {"name": {"filterType": "text", "type": "contains", "filter": "a"}, "pick": {}}
    got = grid.from_grid(TABLE.fields, TABLE.fields, state, filters)
    assert got.columns == ("amount", "name")
    assert got.sort == (("name", "asc"), ("amount", "desc"))
    assert got.filter_model == {"name": {"filterType": "text", "type": "contains", "filter": "a"}}
    default = [{"colId": c} for c in TABLE.fields]
    assert grid.from_grid(TABLE.fields, TABLE.fields, default, {}) == Grid()
    back = grid.column_state(TABLE, got)
    assert [c["colId"] for c in back] == ["amount", "name", "last"]
    assert [c["hide"] for c in back] == [False, False, True]
    assert [c["sort"] for c in back] == ["desc", "asc", None]


def test_grd007_csv_numbers_plain_text_escaped_dates_iso_and_both_header_styles():
    rows = pd.DataFrame(
        {
            "name": ['=HYPERLINK("http://x","click")', "+cmd|' /C calc'!A0", "@SUM(1+1)",
                     "-2+3*cmd", "\tTab", "\rReturn", "Plain, with comma", None],
            "amount": [1234.5, -2.25, 0.1 + 0.2, np.nan, 1e-7, 3.0, 712.5, -0.5],
            "last": pd.to_datetime(["2026-01-05"] * 7 + [None]),
        }
    )  # fmt: skip
    table = Table("t", TABLE.columns, rows)
    text = to_csv(table, ("name", "amount", "last"))
    lines = text.splitlines()
    assert lines[0] == "Name,Amount,Last"
    assert lines[1] == '"\'=HYPERLINK(""http://x"",""click"")",1234.5,2026-01-05'
    assert lines[2] == "'+cmd|' /C calc'!A0,-2.25,2026-01-05"  # a negative number stays a number
    assert lines[3] == "'@SUM(1+1),0.30000000000000004,2026-01-05"  # full precision
    assert lines[4] == "'-2+3*cmd,,2026-01-05"
    assert lines[5] == "'\tTab,1e-07,2026-01-05"
    assert text.split("\r\n")[6].startswith('"\'\rReturn"')
    assert '"Plain, with comma",712.5,2026-01-05' in text and text.endswith(",-0.5,\r\n")
    assert to_csv(table, ("amount", "name"), "fields").startswith("amount,name\r\n")


def test_grd008_grid_numbers_rounded_as_shown_half_away_on_the_exact_binary_value():
    values = np.array([1234.5678, 0.125, 2.675, -2.5, 1.005, -0.001, np.nan, 0.28059876])
    # 0.125 and -2.5 are exact halves (up, away from zero); 2.675 and 1.005 are stored just below
    # their halves (2.67499..., 1.00499...), as format_value and the browser's toFixed read them
    money = shown("money", values)
    assert money[:6].tolist() == [1234.57, 0.13, 2.67, -2.5, 1.0, -0.001]  # -0.001 reads -£0.00
    assert np.isnan(money[6])
    assert shown("percent", values)[-1] == 0.2806  # 28.06%
    assert shown("count", np.array([2.5, 3.49])).tolist() == [3.0, 3.0]
    assert shown("text", values) is values


def test_grd009_rows_sorted_and_filtered_on_the_numbers_the_grid_holds():
    rows = pd.DataFrame({"name": ["a", "b", "c"], "amount": [10.004, 10.001, 10.0049],
                         "last": pd.to_datetime(["2026-01-01"] * 3)})  # fmt: skip
    table = Table("t", TABLE.columns, rows)
    assert [r["amount"] for r in records(table)] == [10.0, 10.0, 10.0]  # £10.00 each
    # all three read £10.00: equal for the grid's sort (rows' order kept) and its filters
    kept, _ = grid.apply(table, Grid(sort=(("amount", "asc"),)))
    assert kept.rows["name"].tolist() == ["a", "b", "c"]
    equal = model(amount={"filterType": "number", "type": "equals", "filter": 10})
    assert grid.apply(table, Grid(filter=equal))[0].rows["name"].tolist() == ["a", "b", "c"]
    above = model(amount={"filterType": "number", "type": "greaterThan", "filter": 10})
    assert grid.apply(table, Grid(filter=above))[0].rows.empty
    # the CSV keeps full precision
    assert "10.004" in to_csv(kept, ("name", "amount"))
