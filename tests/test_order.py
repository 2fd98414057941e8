"""Row order: sortedness, the sorting order and duplicate groups agree with pandas on any table."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from aigov_timeline.order import duplicate_groups, sort_order

values = st.one_of(st.none(), st.sampled_from(["a", "b", "ab", "B", "é", "人", ""]))
rows = st.lists(st.tuples(values, values), max_size=40)


def table_of(data: list[tuple]) -> pa.Table:
    return pa.table({"x": pa.array([r[0] for r in data], pa.string()), "y": pa.array([r[1] for r in data],
                                                                                      pa.string())})


def byte_key(value):
    return (value is None, (value or "").encode("utf-8"))  # nulls last, then byte order


@settings(max_examples=300, deadline=None)
@given(rows)
def test_sort_order_is_a_stable_sort_with_nulls_last(data):
    order = sort_order(table_of(data), ["x", "y"])
    expected = sorted(range(len(data)), key=lambda i: (byte_key(data[i][0]), byte_key(data[i][1])))
    assert (list(range(len(data))) if order is None else order.tolist()) == expected
    if order is not None and all(None not in row for row in data):
        assert expected != list(range(len(data))), "a table without nulls gets None when it is sorted already"


@settings(max_examples=300, deadline=None)
@given(rows, st.sampled_from([["x"], ["x", "y"]]))
def test_duplicate_groups_are_the_rows_pandas_finds_duplicated(data, cols):
    frame = table_of(data).to_pandas()
    complete = frame[cols].notna().all(axis=1)
    duplicated = frame[cols].duplicated(keep=False) & complete
    expected = sorted(sorted(group.tolist()) for _, group in
                      frame.index[duplicated].to_series().groupby([frame.loc[duplicated, c] for c in cols]))
    assert duplicate_groups(table_of(data), cols) == expected


def test_a_sorted_table_needs_no_order_and_an_empty_one_has_no_duplicates():
    assert sort_order(table_of([("a", "b"), ("a", "c"), ("b", "a")]), ["x", "y"]) is None
    assert sort_order(table_of([("b", "a"), ("a", "c")]), ["x", "y"]).tolist() == [1, 0]
    assert duplicate_groups(table_of([]), ["x"]) == []
    assert duplicate_groups(pd.DataFrame({"x": ["a"]}).pipe(pa.Table.from_pandas), ["x"]) == []
