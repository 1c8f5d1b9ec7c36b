"""metrics.lookup.indexer: the position of each value in an index of distinct values, -1 for
a value not there or missing, whether both sides are text held in Arrow or not."""

import numpy as np
import pandas as pd
import pytest

from metrics.lookup import indexer


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
