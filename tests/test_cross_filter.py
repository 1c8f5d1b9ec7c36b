"""The cross-filter reducer on synthetic plotly and grid events."""

import pytest

from callbacks.cross_filter import next_selection, points_customers


def click(customer):
    return {"points": [{"curveNumber": 0, "pointNumber": 3, "x": customer, "y": 120.5,
                        "customdata": customer}]}  # fmt: skip


def box(*customers):
    return {"points": [{"x": c, "customdata": c} for c in customers], "range": {"x": [0, 3]}}


def test_xf001_click_picks_one_and_a_modifier_click_adds_or_removes():
    picked = next_selection((), "click", click("C1"))
    assert picked == ("C1",)
    assert next_selection(picked, "click", click("C2")) == ("C2",)  # a plain click replaces
    assert next_selection(picked, "click", click("C1")) == ()  # the only pick, clicked again
    assert next_selection(picked, "click", click("C2"), add=True) == ("C1", "C2")
    assert next_selection(("C1", "C2"), "click", click("C1"), add=True) == ("C2",)
    assert next_selection(("C1", "C2"), "click", click("C1")) == ("C1",)


def test_xf002_box_picks_the_boxed_and_with_a_modifier_adds_them():
    assert next_selection(("C9",), "box", box("C1", "C2", "C1")) == ("C1", "C2")
    assert next_selection(("C9",), "box", box("C1", "C9"), add=True) == ("C9", "C1")
    assert next_selection(("C1",), "box", None) == ()
    assert next_selection(("C1",), "box", {"points": []}) == ()


def test_xf003_matrix_pick_chip_removal_and_clear():
    assert next_selection(("C1",), "pick", "C2") == ("C1", "C2")
    assert next_selection(("C1", "C2"), "pick", "C2") == ("C1",)
    assert next_selection(("C1", "C2"), "remove", "C1") == ("C2",)
    assert next_selection(("C1", "C2"), "remove", "C7") == ("C1", "C2")
    assert next_selection(("C1", "C2"), "clear") == ()


def test_xf004_clicks_without_a_customer_change_nothing():
    assert next_selection(("C1",), "click", None) == ("C1",)
    assert next_selection(("C1",), "click", {"points": [{"x": 1}]}) == ("C1",)
    assert next_selection(("C1",), "pick", None) == ("C1",)


def test_xf005_customdata_as_list_and_unknown_event():
    assert points_customers({"points": [{"customdata": ["C5", 1]}]}) == ("C5",)
    with pytest.raises(ValueError):
        next_selection((), "shake")
