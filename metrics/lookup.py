"""Where values sit in an index of distinct values, the fastest way their types allow."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def indexer(index: pd.Index, values: pd.Index | pd.Series) -> np.ndarray:
    """index.get_indexer(values) for an index of distinct values: the position of each value
    (int64; -1 = not there, or missing). Text held in Arrow on both sides is looked up by
    Arrow's hash table: pandas' makes a Python object of every value first (4x the time for
    millions of order IDs)."""
    if _arrow_text(index) and _arrow_text(values):
        found = pc.index_in(pa.array(values.array), value_set=pa.array(index.array))
        return found.fill_null(-1).to_numpy().astype(np.int64)
    return index.get_indexer(values).astype(np.int64)


def _arrow_text(values: pd.Index | pd.Series) -> bool:
    return isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"
