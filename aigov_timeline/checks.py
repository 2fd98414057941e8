"""Validation of a set of tables: pandera per table, then keys, foreign keys, evidence and quotes across tables.

The same checks run on a raw folder being built (problems point at raw files) and on processed Parquet files
(problems point at the file and the row's key).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from itertools import islice

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .frames import to_frame
from .metadata import EVIDENCE, TABLES, Column, Table
from .normalise import Origin
from .order import duplicate_groups
from .problems import Problem, allowed_hint, closest
from .texts import Texts, collapse

OriginOf = Callable[[str, int], Origin]
MAX_FK_HINTS = 200
MAX_PLACES = 3
DERIVED_MISSING = "could not be derived"


def _problem(origin: Origin, field: str | None, message: str, value=None, hint=None, with_value=True) -> Problem:
    at = origin.at(field) if field else origin
    if with_value:
        return Problem(at.file, at.record, at.field, message, value, hint)
    return Problem(at.file, at.record, at.field, message, hint=hint)


def _raw_field(table: Table, column: str) -> str:
    return table.column(column).raw_key or column


# --- per table: pandera --------------------------------------------------------------------------------------

_CHECK_MESSAGES = {
    "not_nullable": ("required value is missing", "add the field"),
    "not_empty": ("empty text", "write the value, or leave the key out if it is unknown"),
}


def pandera_problems(table: Table, frame: pd.DataFrame, origin_of: OriginOf) -> list[Problem]:
    """Validate one table with its generated pandera schema (lazy: every failure at once)."""
    import pandera.errors

    from .schemas import pandera_schema

    schema = pandera_schema(table)
    try:
        schema.validate(frame, lazy=True)
        return []
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    names, frame_checks = _check_names(schema)
    problems = []
    seen = set()
    for case in cases.itertuples(index=False):
        index = case.index
        check = names.get(str(case.check), str(case.check))
        column = case.column if isinstance(case.column, str) and case.column in frame.columns else None
        if index is None or pd.isna(index):
            problems.append(Problem(f"table {table.name}", None, column, f"schema check failed: {check}"))
            continue
        if check in frame_checks:
            column = None  # a check of the whole row, reported once per row rather than once per column
        key = (int(index), column, check)
        if key in seen:
            continue
        seen.add(key)
        origin = origin_of(table.name, int(index))
        if column is None or check.endswith(("_matches_date", "_matches_published")) or "_not_after_" in check:
            field = check.split("_matches_")[-1] if "_matches_" in check else None
            problems.append(_problem(origin, field, _dataframe_check_message(check), with_value=False))
            continue
        message, hint = _CHECK_MESSAGES.get(check, (None, None))
        col = table.column(column)
        if col.raw_key is None:  # derived from another value, whose problem is reported
            message, hint = DERIVED_MISSING, "fix the other problems of this record first"
        if message is None and check == "pattern":
            message = f"does not have the required form {col.pattern}"
            hint = _pattern_hint(col.name, col.pattern)
        elif message is None:
            message = f"failed check {check}"
        problems.append(_problem(origin, _raw_field(table, column), message, case.failure_case, hint))
    return problems


def _check_names(schema) -> tuple[dict[str, str], set[str]]:
    """pandera names a failed check by its error text where it has one: map that text back to the check's name.
    Also returns the names of the checks of whole rows."""
    checks = [*(c for column in schema.columns.values() for c in column.checks), *schema.checks]
    return {str(c.error): c.name for c in checks if c.error}, {c.name for c in schema.checks}


def _dataframe_check_message(check: str) -> str:
    if "_not_after_" in check:
        start, end = check.split("_not_after_")
        return f"{start} is after {end}: the end must not come before the start"
    precision, value = check.split("_matches_")
    return f"{precision} does not match the form of {value} (YYYY-MM-DD = day, YYYY-MM = month, YYYY = year)"


def _pattern_hint(name: str, pattern: str) -> str:
    if name.endswith("_id"):
        prefix = pattern[1:].split("-", 1)[0]
        return f"IDs are lowercase letters, digits and single hyphens, starting with '{prefix}-'"
    return f"match the pattern {pattern}"


# --- across tables -------------------------------------------------------------------------------------------

def key_problems(tables: dict[str, pa.Table], origin_of: OriginOf) -> list[Problem]:
    """Primary keys unique; columns declared unique have no duplicates (nulls allowed where declared). The rows
    nested in a duplicated record are not reported again."""
    problems = []
    duplicated: dict[str, set] = {}
    for name, arrow in tables.items():
        table = TABLES[name]
        keys = list(table.primary_key)
        parent = table.column(table.parent_key).references if table.parent_key else None
        groups = [keys] + [[c.name] for c in table.columns if c.unique and [c.name] != keys]
        for cols in groups:
            rows = duplicate_groups(arrow, cols)  # equal neighbours in key order (rows are sorted by key)
            if rows and duplicated.get(parent):
                parents = arrow.column(table.parent_key)
                rows = [[i for i in group if parents[i].as_py() not in duplicated[parent]] for group in rows]
                rows = [group for group in rows if group]
            if not rows:
                continue
            values = [tuple(arrow.column(c)[group[0]].as_py() for c in cols) for group in rows]
            if cols == keys and len(keys) == 1:
                duplicated[name] = {value[0] for value in values}
            for value, indexes in zip(values, rows):
                problems += [_duplicate(table, cols, value, i, indexes, origin_of) for i in indexes]
    return problems


def _duplicate(table: Table, cols: list[str], value: tuple, index: int, indexes: list[int],
               origin_of: OriginOf) -> Problem:
    here = origin_of(table.name, index)
    others = [origin_of(table.name, i) for i in islice((i for i in indexes if i != index), MAX_PLACES)]
    places = sorted({o.file if o.file != here.file else (o.field or o.file) for o in others})
    if len(indexes) - 1 > len(others):
        places.append(f"{len(indexes) - 1 - len(others)} more")
    is_key = cols == list(table.primary_key)
    if not is_key:
        hint = "each value may appear once"
    elif len(cols) == 1:
        hint = "IDs must be unique across all files: rename one of them, or merge the two records"
    else:
        hint = "the same item is listed twice: remove one of them"
    return _problem(here, _raw_field(table, cols[0]) if len(cols) == 1 else None,
                    f"duplicate {'primary key' if is_key else cols[0]} (also in {', '.join(places)})",
                    value if len(cols) > 1 else value[0], hint)


def foreign_key_problems(tables: dict[str, pa.Table], origin_of: OriginOf) -> list[Problem]:
    """Every foreign key (vocabulary codes included) resolves to an existing row."""
    problems = []
    value_sets: dict[str, pa.Array] = {}
    for (name, col), bad in _dangling(tables).items():
        table, target = TABLES[name], TABLES[col.references]
        if target.name not in value_sets:
            value_sets[target.name] = _value_set(tables[target.name].column(target.primary_key[0]))
        known = value_sets[target.name].to_pylist()
        values = tables[name].column(col.name)
        for n, index in enumerate(bad):
            value = values[index].as_py()
            if col.is_vocabulary:
                hint = allowed_hint(value, known)
                message = f"unknown code in {target.name}"
            else:
                guesses = closest(value, known) if n < MAX_FK_HINTS else []
                hint = (f"closest existing: {', '.join(guesses)}; " if guesses else "") + \
                    f"fix the ID, or add {_a(target.name[:-1])} record with this ID"
                message = f"no {target.name[:-1]} has this ID"
            problems.append(_problem(origin_of(name, index), _raw_field(table, col.name), message, value, hint))
    return problems


def _dangling(tables: dict[str, pa.Table]) -> dict[tuple[str, Column], list[int]]:
    """For each foreign key column with values that match no row of its table: (table name, column) -> those rows.
    The columns that refer to one table are looked up together, so its keys are hashed once."""
    referring: dict[str, list[tuple[str, Column]]] = {}
    for name in tables:
        for col in TABLES[name].foreign_keys:
            if col.references in tables:
                referring.setdefault(col.references, []).append((name, col))
    dangling = {}
    for target, columns in referring.items():
        keys = tables[target].column(TABLES[target].primary_key[0]).drop_null().combine_chunks()
        values = pa.chunked_array([chunk for name, col in columns for chunk in tables[name].column(col.name).chunks],
                                  keys.type)
        bad = np.array(_true_rows(pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, value_set=keys)))), int)
        ends = np.cumsum([tables[name].num_rows for name, _ in columns])
        for (name, col), start, end in zip(columns, np.r_[0, ends[:-1]], ends):
            rows = bad[(bad >= start) & (bad < end)] - start
            if len(rows):
                dangling[(name, col.name)] = rows.tolist()
    return {(name, col): dangling[(name, col.name)] for name in tables for col in TABLES[name].foreign_keys
            if (name, col.name) in dangling}


def _true_rows(mask) -> list[int]:
    """The row numbers where a boolean column is true."""
    return pc.indices_nonzero(pc.fill_null(mask, False)).to_pylist()


def _value_set(column: pa.ChunkedArray) -> pa.Array:
    """The distinct non-null values of a column, in order of first appearance (as pandas ``unique`` gives them)."""
    return pc.unique(column).drop_null().cast(pa.string())


def _a(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def relation_problems(tables: dict[str, pa.Table], origin_of: OriginOf) -> list[Problem]:
    """A relation links two different rows; an actor is not its own parent."""
    problems = []
    for name, a, b in (("event_relations", "event_id", "related_event_id"),
                       ("document_relations", "document_id", "related_document_id"),
                       ("actors", "actor_id", "parent_id")):
        table = tables.get(name)
        if table is None:
            continue
        same = pc.fill_null(pc.equal(table.column(a), table.column(b)), False)
        for index in _true_rows(same):
            problems.append(_problem(origin_of(name, index), _raw_field(TABLES[name], b),
                                     "a record cannot relate to itself", table.column(b)[index].as_py(),
                                     "point to the other record"))
    return problems


def evidence_problems(tables: dict[str, pa.Table], origin_of: OriginOf) -> list[Problem]:
    """Every event, document and actor cites at least one source; a Wikidata QID is shown by a quote."""
    problems = []
    for entity, evidence, key in EVIDENCE:
        if entity not in tables or evidence not in tables:
            continue
        arrow, cited = tables[entity], tables[evidence]
        uncited = pc.invert(pc.fill_null(pc.is_in(arrow.column(key), value_set=_value_set(cited.column(key))), False))
        for index in _true_rows(uncited):
            problems.append(_problem(origin_of(entity, index), "evidence", "no evidence: every record needs "
                                     "at least one source and quote", with_value=False,
                                     hint="add `evidence: [{source: src-..., quote: \"...\"}]`"))
        if "wikidata_qid" in arrow.column_names:
            frame = to_frame(arrow.select([key, "wikidata_qid"]))
            for index in _qids_not_quoted(frame, to_frame(cited.select([key, "quote"])), key):
                qid = frame.loc[index, "wikidata_qid"]
                problems.append(_problem(origin_of(entity, int(index)), "wikidata_qid",
                                         "no evidence quote shows this QID", qid,
                                         "quote the source text that shows it, or leave wikidata_qid null"))
    return problems


def _qids_not_quoted(frame: pd.DataFrame, cited: pd.DataFrame, key: str) -> pd.Index:
    """Index of the rows whose wikidata_qid occurs in none of their evidence quotes (one join, not a scan per row)."""
    with_qid = frame.loc[frame["wikidata_qid"].notna(), [key, "wikidata_qid"]]
    pairs = pd.DataFrame({"row": with_qid.index, key: with_qid[key].to_numpy(),
                          "qid": with_qid["wikidata_qid"].to_numpy()}).merge(cited[[key, "quote"]], on=key)
    pairs["shown"] = [isinstance(q, str) and qid in q for qid, q in zip(pairs["qid"], pairs["quote"])]
    shown = pairs.loc[pairs["shown"], "row"]
    return with_qid.index[~with_qid.index.isin(shown)]


def quote_search(tables: dict[str, pa.Table], texts: Texts) -> Callable[[OriginOf], list[Problem]]:
    """Start checking that every quote occurs verbatim (after whitespace normalisation) in the stored text of its
    source; returns the function that waits for the search and gives the problems."""
    cited = {name: table for name, table in tables.items() if {"quote", "source_id"} <= set(table.column_names)}
    search = texts.search([(table.column("source_id"), table.column("quote")) for table in cited.values()])

    def problems(origin_of: OriginOf) -> list[Problem]:
        out = []
        for (name, table), rows in zip(cited.items(), search.missing()):
            for row in rows.tolist():
                source_id, quote = table.column("source_id")[row].as_py(), table.column("quote")[row].as_py()
                near = closest_passage(collapse(quote), texts.get(source_id))
                out.append(_problem(origin_of(name, row), "quote", f"quote not found in the stored text of {source_id}",
                                    quote, f"copy the words exactly; closest text in the source: {near!r}"))
        return out
    return problems


def closest_passage(quote: str, text: str) -> str:
    """The passage of ``text`` most like ``quote`` (same number of words), for the error message."""
    words = text.split(" ")
    size = max(1, len(quote.split(" ")))
    windows = [" ".join(words[i:i + size]) for i in range(0, max(1, len(words) - size + 1))]
    best = difflib.get_close_matches(quote, windows, n=1, cutoff=0.0)
    passage = best[0] if best else ""
    return passage if len(passage) <= 160 else passage[:157] + "..."


def table_problems(tables: dict[str, pa.Table], origin_of: OriginOf) -> list[Problem]:
    """Every check of the tables themselves: pandera per table, then keys, foreign keys, relations and evidence
    (the quotes are checked against the stored texts by ``quote_search``)."""
    problems = []
    for name, table in tables.items():  # one table in pandas at a time
        problems += pandera_problems(TABLES[name], to_frame(table), origin_of)
    problems += key_problems(tables, origin_of)
    problems += foreign_key_problems(tables, origin_of)
    problems += relation_problems(tables, origin_of)
    problems += evidence_problems(tables, origin_of)
    return problems
