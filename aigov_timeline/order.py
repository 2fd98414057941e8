"""Row order: whether a table is sorted by some columns, the order that sorts it, and rows with equal values.

Tables are written sorted by their primary key, and duplicate keys are found as equal neighbours in that order,
which costs a comparison per row rather than a hash table of every key.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def sort_order(table: pa.Table, cols: list[str] | tuple[str, ...]) -> np.ndarray | None:
    """The row order that sorts ``table`` by ``cols`` (ascending, nulls last, ties in their present order), or
    None if it is sorted already."""
    if _is_sorted(table, cols):
        return None
    keys = [(col, "ascending") for col in cols]
    return pc.sort_indices(table.select(list(cols)), sort_keys=keys).to_numpy()


def _is_sorted(table: pa.Table, cols) -> bool:
    if table.num_rows < 2:
        return True
    if any(table.column(col).null_count for col in cols):
        return False  # (rare: a missing key) the sort decides where nulls go
    in_order, _ = _neighbours(table, cols)
    return pc.all(in_order).as_py()


def _neighbours(table: pa.Table, cols) -> tuple[pa.ChunkedArray, pa.ChunkedArray]:
    """For each row after the first: whether the row before it comes no later by ``cols`` (lexicographically),
    and whether the two are equal in every column (null where a value is null)."""
    n = table.num_rows
    in_order = same = None
    for col in reversed(list(cols)):
        column = table.column(col)
        before, after = column.slice(0, n - 1), column.slice(1)
        equal = pc.equal(before, after)
        if in_order is None:
            in_order, same = pc.less_equal(before, after), equal
        else:
            in_order = pc.or_(pc.less(before, after), pc.and_(equal, in_order))
            same = pc.and_(equal, same)
    return in_order, same


def equal_neighbours(table: pa.Table, cols) -> np.ndarray:
    """For a table in order by ``cols``: whether each row has the same values as the row before it, none null."""
    if table.num_rows < 2:
        return np.zeros(table.num_rows, bool)
    _, same = _neighbours(table, cols)
    return np.r_[False, pc.fill_null(same, False).to_numpy(zero_copy_only=False)]


def duplicate_groups(table: pa.Table, cols) -> list[list[int]]:
    """The groups of rows with the same values in ``cols`` (rows with a null there are never duplicates), each
    group in row order, the groups in the order of their first row."""
    order = sort_order(table, cols)
    keys = table.select(list(cols))
    same = equal_neighbours(keys if order is None else keys.take(order), cols)
    if not same.any():
        return []
    positions = np.flatnonzero(same | np.r_[same[1:], False])
    rows = positions if order is None else order[positions]
    starts = ~same[positions]  # a group begins at a row not equal to the one before it
    groups = [sorted(group.tolist()) for group in np.split(rows, np.flatnonzero(starts)[1:])]
    return sorted(groups)
