"""Validation of a set of tables: pandera per table, then keys, foreign keys, evidence and quotes across tables.

The same checks run on a raw folder being built (problems point at raw files) and on processed Parquet files
(problems point at the file and the row's key).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable

import pandas as pd

from .metadata import EVIDENCE, TABLES, Table
from .normalise import Origin
from .problems import Problem, allowed_hint, closest

OriginOf = Callable[[str, int], Origin]
_WS = re.compile(r"\s+")
MAX_FK_HINTS = 200
DERIVED_MISSING = "could not be derived"


def collapse(text: str) -> str:
    """Whitespace normalisation for the quote check: every run of whitespace becomes one space."""
    return _WS.sub(" ", text).strip()


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

    try:
        pandera_schema(table).validate(frame, lazy=True)
        return []
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    problems = []
    seen = set()
    for case in cases.itertuples(index=False):
        index = case.index
        column = case.column if isinstance(case.column, str) and case.column in frame.columns else None
        if index is None or pd.isna(index):
            problems.append(Problem(f"table {table.name}", None, column, f"schema check failed: {case.check}"))
            continue
        key = (int(index), column, case.check)
        if key in seen:
            continue
        seen.add(key)
        origin = origin_of(table.name, int(index))
        check = str(case.check)
        if column is None or check.endswith(("_matches_date", "_matches_published")) or "_not_after_" in check:
            field = check.split("_matches_")[-1] if "_matches_" in check else None
            problems.append(_problem(origin, field, _dataframe_check_message(check), with_value=False))
            continue
        message, hint = _CHECK_MESSAGES.get(check, (None, None))
        col = table.column(column)
        if check == "not_nullable" and col.raw_key is None:
            message, hint = DERIVED_MISSING, "fix the other problems of this record first"
        if message is None and check == "pattern":
            message = f"does not have the required form {col.pattern}"
            hint = _pattern_hint(col.name, col.pattern)
        elif message is None:
            message = f"failed check {check}"
        problems.append(_problem(origin, _raw_field(table, column), message, case.failure_case, hint))
    return problems


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

def key_problems(frames: dict[str, pd.DataFrame], origin_of: OriginOf) -> list[Problem]:
    """Primary keys unique; columns declared unique have no duplicates (nulls allowed where declared)."""
    problems = []
    for name, frame in frames.items():
        table = TABLES[name]
        keys = list(table.primary_key)
        groups = [keys] + [[c.name] for c in table.columns if c.unique and [c.name] != keys]
        for cols in groups:
            sub = frame[cols]
            dup = sub.duplicated(keep=False) & sub.notna().all(axis=1)
            for index in frame.index[dup]:
                value = tuple(frame.loc[index, cols]) if len(cols) > 1 else frame.loc[index, cols[0]]
                others = [origin_of(name, int(i)).file for i in frame.index[dup & (sub == sub.loc[index]).all(axis=1)]
                          if i != index]
                what = "primary key" if cols == keys else cols[0]
                field = _raw_field(table, cols[0]) if len(cols) == 1 else None
                problems.append(_problem(origin_of(name, int(index)), field,
                                         f"duplicate {what} (also in {', '.join(sorted(set(others)))})", value,
                                         "IDs must be unique across all files: rename one of them, or merge the "
                                         "two records" if cols == keys else "each value may appear once"))
    return problems


def foreign_key_problems(frames: dict[str, pd.DataFrame], origin_of: OriginOf) -> list[Problem]:
    """Every foreign key (vocabulary codes included) resolves to an existing row."""
    problems = []
    for name, frame in frames.items():
        table = TABLES[name]
        for col in table.foreign_keys:
            target = TABLES[col.references]
            if target.name not in frames:
                continue
            known = frames[target.name][target.primary_key[0]]
            values = frame[col.name]
            bad = values.notna() & ~values.isin(known)
            known_set = None
            for n, index in enumerate(frame.index[bad]):
                value = values[index]
                if col.is_vocabulary:
                    hint = allowed_hint(value, known.tolist())
                    message = f"unknown code in {target.name}"
                else:
                    if known_set is None:
                        known_set = known.tolist()
                    guesses = closest(value, known_set) if n < MAX_FK_HINTS else []
                    hint = (f"closest existing: {', '.join(guesses)}; " if guesses else "") + \
                        f"fix the ID, or add a {target.name[:-1]} record with this ID"
                    message = f"no {target.name[:-1]} has this ID"
                problems.append(_problem(origin_of(name, int(index)), _raw_field(table, col.name), message, value,
                                         hint))
    return problems


def relation_problems(frames: dict[str, pd.DataFrame], origin_of: OriginOf) -> list[Problem]:
    """A relation links two different rows."""
    problems = []
    for name, a, b in (("event_relations", "event_id", "related_event_id"),
                       ("document_relations", "document_id", "related_document_id")):
        frame = frames.get(name)
        if frame is None:
            continue
        for index in frame.index[frame[a] == frame[b]]:
            problems.append(_problem(origin_of(name, int(index)), _raw_field(TABLES[name], b),
                                     "a record cannot relate to itself", frame.loc[index, b],
                                     "point to the other record"))
    return problems


def evidence_problems(frames: dict[str, pd.DataFrame], origin_of: OriginOf) -> list[Problem]:
    """Every event, document and actor cites at least one source; a Wikidata QID is shown by a quote."""
    problems = []
    for entity, evidence, key in EVIDENCE:
        if entity not in frames or evidence not in frames:
            continue
        frame, cited = frames[entity], frames[evidence]
        for index in frame.index[~frame[key].isin(cited[key])]:
            problems.append(_problem(origin_of(entity, int(index)), "evidence", "no evidence: every record needs "
                                     "at least one source and quote", with_value=False,
                                     hint="add `evidence: [{source: src-..., quote: \"...\"}]`"))
        if "wikidata_qid" in frame:
            for index in frame.index[frame["wikidata_qid"].notna()]:
                qid = frame.loc[index, "wikidata_qid"]
                quotes = cited.loc[cited[key] == frame.loc[index, key], "quote"]
                if not quotes.str.contains(qid, regex=False).any():
                    problems.append(_problem(origin_of(entity, int(index)), "wikidata_qid",
                                             "no evidence quote shows this QID", qid,
                                             "quote the source text that shows it, or leave wikidata_qid null"))
    return problems


def quote_problems(frames: dict[str, pd.DataFrame], origin_of: OriginOf, texts: dict[str, str]) -> list[Problem]:
    """Every quote occurs verbatim (after whitespace normalisation) in the stored text of its source."""
    problems = []
    for name, frame in frames.items():
        if "quote" not in frame.columns or "source_id" not in frame.columns:
            continue
        for index, source_id, quote in zip(frame.index, frame["source_id"], frame["quote"]):
            text = texts.get(source_id)
            if text is None or not isinstance(quote, str):
                continue  # an unknown source is reported by the foreign-key check
            if collapse(quote) not in text:
                near = closest_passage(collapse(quote), text)
                problems.append(_problem(origin_of(name, int(index)), "quote",
                                         f"quote not found in the stored text of {source_id}", quote,
                                         f"copy the words exactly; closest text in the source: {near!r}"))
    return problems


def closest_passage(quote: str, text: str) -> str:
    """The passage of ``text`` most like ``quote`` (same number of words), for the error message."""
    words = text.split(" ")
    size = max(1, len(quote.split(" ")))
    windows = [" ".join(words[i:i + size]) for i in range(0, max(1, len(words) - size + 1))]
    best = difflib.get_close_matches(quote, windows, n=1, cutoff=0.0)
    passage = best[0] if best else ""
    return passage if len(passage) <= 160 else passage[:157] + "..."


def table_problems(frames: dict[str, pd.DataFrame], origin_of: OriginOf,
                   texts: dict[str, str] | None = None) -> list[Problem]:
    """Every check: pandera per table, then keys, foreign keys, relations, evidence and (given texts) quotes."""
    problems = []
    for name, frame in frames.items():
        problems += pandera_problems(TABLES[name], frame, origin_of)
    problems += key_problems(frames, origin_of)
    problems += foreign_key_problems(frames, origin_of)
    problems += relation_problems(frames, origin_of)
    problems += evidence_problems(frames, origin_of)
    if texts is not None:
        problems += quote_problems(frames, origin_of, texts)
    return problems
