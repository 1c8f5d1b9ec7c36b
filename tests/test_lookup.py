"""metrics.lookup.indexer: the position of each value in an index of distinct values, -1 for
a value not there or missing, whether both sides are text held in Arrow or not; distinct: the
distinct integer keys, sorted."""

import numpy as np
import pandas as pd
import pytest

from metrics.lookup import RunLookup, distinct, indexer


@pytest.mark.parametrize(
    "dtype", ["str", object, pd.StringDtype("python")], ids=["arrow", "object", "python-text"]
)
def test_lkp001_each_value_its_position_and_minus_one_when_absent_or_missing(dtype):
    index = pd.Index(["SO3", "SO1", "SO2"], dtype=dtype)
    values = pd.Series(["SO1", "SO9", None, "SO3", "SO1", "SO2"], dtype=dtype)
    found = indexer(index, values)
    assert found.tolist() == [1, -1, -1, 0, 1, 2]
    assert found.dtype == np.int64
    assert indexer(index, pd.Index(values.dropna().unique())).tolist() == [1, -1, 0, 2]
    assert indexer(index, values.iloc[:0]).tolist() == []


@pytest.mark.parametrize("dtype", ["str", object], ids=["arrow", "object"])
def test_lkp002_a_run_lookup_finds_runs_and_scattered_values_alike(dtype):
    """Orders in date order; lines name them in runs by ID, or scattered, with an unknown ID, a
    missing one and IDs beyond both ends."""
    index = pd.Index(["SO5", "SO2", "SO4", "SO1", "SO3"], dtype=dtype)
    find = RunLookup(index)
    run = pd.Series(["SO2", "SO2", "SO3", "SO4", "SO4"], dtype=dtype)
    assert find(run).tolist() == [1, 1, 4, 2, 2]
    scattered = pd.Series(["SO5", "SO0", None, "SO1", "SO9", "SO3"], dtype=dtype)
    assert find(scattered).tolist() == [0, -1, -1, 3, -1, 4]
    assert find(pd.Series([None, None], dtype=dtype)).tolist() == [-1, -1]
    assert find(scattered).tolist() == indexer(index, scattered).tolist()


def test_lkp003_distinct_keys_sorted_each_once():
    assert distinct(np.array([5, -2, 5, 0, -2, 9], np.int64)).tolist() == [-2, 0, 5, 9]
    bounded = np.array([5, 2, 5, 0, 2, 9], np.int64)
    assert distinct(bounded, 10).tolist() == [0, 2, 5, 9]  # a bitmap of 10
    assert distinct(bounded[:0], 10).tolist() == []
    assert distinct(np.array([7], np.int32)).tolist() == [7]
    empty = distinct(np.array([], np.int64))
    assert empty.tolist() == [] and empty.dtype == np.int64
    keys = np.array([3, 1, 3, 2], np.int64)
    distinct(keys)
    assert keys.tolist() == [3, 1, 3, 2]  # the keys themselves stay as they were
