"""The rules of the data, one class each, run on a set of Arrow tables.

The same checks run on a raw folder being built (problems point at raw files, records and fields) and on processed
Parquet files (problems point at the file and the row's key): ``CHECKS`` is the one list of them. The quotes are
checked against the stored texts by ``quotes``, which only a raw folder has.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import islice

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..frames import to_frame
from ..metadata import EVIDENCE, TABLES, Column, Table, Tally
from ..problems import Origin, Problem, allowed_hint, closest

OriginOf = Callable[[str, int], Origin]
MAX_FK_HINTS = 200
MAX_PLACES = 3
DERIVED_MISSING = "could not be derived"


def _raw_field(table: Table, column: str) -> str:
    return table.column(column).raw_key or column


def _true_rows(mask) -> list[int]:
    """The row numbers where a boolean column is true."""
    return pc.indices_nonzero(pc.fill_null(mask, False)).to_pylist()


def _keys(table: pa.Table, column: str) -> pa.Array:
    """The distinct non-null values of a column."""
    return pc.unique(table.column(column)).drop_null()


class Check:
    """One rule: ``problems(tables, origin_of)`` yields a problem for each row that breaks it."""

    def problems(self, tables: dict[str, pa.Table], origin_of: OriginOf) -> Iterator[Problem]:
        raise NotImplementedError


class Schema(Check):
    """Each table against its generated pandera schema: types, nulls, patterns, non-empty text, date forms."""

    _MESSAGES = {
        "not_nullable": ("required value is missing", "add the field"),
        "not_empty": ("empty text", "write the value, or leave the key out if it is unknown"),
    }

    def problems(self, tables, origin_of):
        for name, table in tables.items():  # one table in pandas at a time
            yield from self._table(TABLES[name], to_frame(table), origin_of)

    def _table(self, table: Table, frame: pd.DataFrame, origin_of: OriginOf) -> Iterator[Problem]:
        import pandera.errors

        from ..schemas import pandera_schema

        schema = pandera_schema(table)
        try:
            schema.validate(frame, lazy=True)
            return
        except pandera.errors.SchemaErrors as exc:
            cases = exc.failure_cases
        checks = [*(c for column in schema.columns.values() for c in column.checks), *schema.checks]
        names = {str(c.error): c.name for c in checks if c.error}
        row_checks = {c.name for c in schema.checks}
        seen = set()
        for case in cases.itertuples(index=False):
            check = names.get(str(case.check), str(case.check))
            column = case.column if isinstance(case.column, str) and case.column in frame.columns else None
            if case.index is None or pd.isna(case.index):
                yield Problem(f"table {table.name}", None, column, f"schema check failed: {check}")
                continue
            if check in row_checks:
                column = None  # a check of the whole row, reported once per row rather than once per column
            key = (int(case.index), column, check)
            if key in seen:
                continue
            seen.add(key)
            origin = origin_of(table.name, int(case.index))
            if column is None:
                field = check.split("_matches_")[-1] if "_matches_" in check else None
                yield origin.problem(_row_check_message(check), field=field, with_value=False)
                continue
            col = table.column(column)
            message, hint = self._MESSAGES.get(check, (None, None))
            if col.raw_key is None:  # derived from another value, whose problem is reported
                message, hint = DERIVED_MISSING, "fix the other problems of this record first"
            elif message is None and check == "pattern":
                message, hint = f"does not have the required form {col.pattern}", _pattern_hint(col)
            elif message is None:
                message = f"failed check {check}"
            yield origin.problem(message, case.failure_case, hint, field=_raw_field(table, column))


def _row_check_message(check: str) -> str:
    if "_not_after_" in check:
        start, end = check.split("_not_after_")
        return f"{start} is after {end}: the end must not come before the start"
    precision, value = check.split("_matches_")
    return f"{precision} does not match the form of {value} (YYYY-MM-DD = day, YYYY-MM = month, YYYY = year)"


def _pattern_hint(col: Column) -> str:
    if col.name.endswith("_id"):
        prefix = col.pattern[1:].split("-", 1)[0]
        return f"IDs are lowercase letters, digits and single hyphens, starting with '{prefix}-'"
    return f"match the pattern {col.pattern}"


def duplicate_groups(table: pa.Table, columns: list[str]) -> list[list[int]]:
    """The row numbers of each group of rows with equal non-null values in ``columns``, in row order."""
    if not table.num_rows:
        return []
    keyed = table.select(columns).append_column("_row", pa.array(range(table.num_rows), pa.int64()))
    keyed = keyed.filter(_all_valid(keyed, columns))
    groups = keyed.group_by(columns, use_threads=False).aggregate([("_row", "list")])
    groups = groups.filter(pc.greater(pc.list_value_length(groups.column("_row_list")), 1))
    return sorted(sorted(rows) for rows in groups.column("_row_list").to_pylist())


def _all_valid(table: pa.Table, columns: list[str]):
    mask = pc.is_valid(table.column(columns[0]))
    for column in columns[1:]:
        mask = pc.and_(mask, pc.is_valid(table.column(column)))
    return mask


class Unique(Check):
    """Primary keys are unique, and so are the columns declared unique (nulls aside). The rows nested in a
    duplicated record are not reported again."""

    def problems(self, tables, origin_of):
        duplicated: dict[str, set] = {}
        for name, arrow in tables.items():
            table = TABLES[name]
            keys = list(table.primary_key)
            parents = {c.name: c.references for c in table.columns if c.raw_key is None and c.references}
            for cols in [keys] + [[c.name] for c in table.columns if c.unique and [c.name] != keys]:
                groups = duplicate_groups(arrow, cols)
                for column, parent in parents.items():  # drop rows whose enclosing record is itself duplicated
                    if duplicated.get(parent):
                        values = arrow.column(column)
                        groups = [[i for i in g if values[i].as_py() not in duplicated[parent]] for g in groups]
                        groups = [g for g in groups if len(g) > 1]
                values = [tuple(arrow.column(c)[group[0]].as_py() for c in cols) for group in groups]
                if cols == keys and len(keys) == 1:
                    duplicated[name] = {value[0] for value in values}
                for value, group in zip(values, groups):
                    for index in group:
                        yield self._problem(table, cols, value, index, group, origin_of)

    @staticmethod
    def _problem(table: Table, cols: list[str], value: tuple, index: int, group: list[int],
                 origin_of: OriginOf) -> Problem:
        here = origin_of(table.name, index)
        others = [origin_of(table.name, i) for i in islice((i for i in group if i != index), MAX_PLACES)]
        places = sorted({o.file if o.file != here.file else (o.field or o.file) for o in others})
        if len(group) - 1 > len(others):
            places.append(f"{len(group) - 1 - len(others)} more")
        is_key = cols == list(table.primary_key)
        if not is_key:
            hint = "each value may appear once"
        elif len(cols) == 1:
            hint = "IDs must be unique across all files: rename one of them, or merge the two records"
        else:
            hint = "the same item is listed twice: remove one of them"
        return here.problem(f"duplicate {'primary key' if is_key else cols[0]} (also in {', '.join(places)})",
                            value if len(cols) > 1 else value[0], hint,
                            field=_raw_field(table, cols[0]) if len(cols) == 1 else None)


class ForeignKeys(Check):
    """Every foreign key (vocabulary codes included) resolves to an existing row."""

    def problems(self, tables, origin_of):
        known: dict[str, pa.Array] = {}
        for name, arrow in tables.items():
            table = TABLES[name]
            for col in table.foreign_keys:
                target = TABLES[col.references]
                if target.name not in tables:
                    continue
                if target.name not in known:
                    known[target.name] = _keys(tables[target.name], target.primary_key[0])
                values = arrow.column(col.name)
                dangling = pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, value_set=known[target.name])))
                for n, index in enumerate(_true_rows(dangling)):
                    value = values[index].as_py()
                    codes = known[target.name].to_pylist()
                    if col.is_vocabulary:
                        message, hint = f"unknown code in {target.name}", allowed_hint(value, codes)
                    else:
                        guesses = closest(value, codes) if n < MAX_FK_HINTS else []
                        hint = (f"closest existing: {', '.join(guesses)}; " if guesses else "") + \
                            f"fix the ID, or add {_a(target.name[:-1])} record with this ID"
                        message = f"no {target.name[:-1]} has this ID"
                    yield origin_of(name, index).problem(message, value, hint, field=_raw_field(table, col.name))


def _a(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


class ReferencedTypes(Check):
    """A reference declared to point at certain actor types (a sponsor, a voter) points at one of them."""

    def problems(self, tables, origin_of):
        for name, arrow in tables.items():
            table = TABLES[name]
            for col in table.columns:
                if not col.referenced_types or col.references not in tables:
                    continue
                target = TABLES[col.references]
                rows = tables[target.name]
                type_column = next(c.name for c in target.columns if c.references == "vocab_actor_types")
                where = pc.index_in(arrow.column(col.name), value_set=rows.column(target.primary_key[0]))
                types = pc.take(rows.column(type_column), where)
                wrong = pc.and_(pc.is_valid(where), pc.invert(pc.is_in(types, value_set=pa.array(
                    col.referenced_types))))
                for index in _true_rows(wrong):
                    yield origin_of(name, index).problem(
                        f"must be {' or '.join(t.replace('_', ' ') for t in col.referenced_types)}, not "
                        f"{types[index].as_py().replace('_', ' ')}", arrow.column(col.name)[index].as_py(),
                        "point to the state (or group of states) itself", field=_raw_field(table, col.name))


class SelfReferences(Check):
    """A row does not refer to its own subject: a relation links two different rows; an actor is not its own
    parent. The subject is the first key column (or the row itself)."""

    def problems(self, tables, origin_of):
        for name, arrow in tables.items():
            table = TABLES[name]
            subject = table.column(table.primary_key[0])
            target = subject.references or name
            for col in table.columns:
                if col.references != target or col.name == subject.name:
                    continue
                for index in _true_rows(pc.equal(arrow.column(subject.name), arrow.column(col.name))):
                    yield origin_of(name, index).problem("a record cannot relate to itself",
                                                         arrow.column(col.name)[index].as_py(),
                                                         "point to the other record", field=_raw_field(table, col.name))


class Evidence(Check):
    """Every event, document and actor cites at least one source and quote."""

    def problems(self, tables, origin_of):
        for entity, evidence, key in EVIDENCE:
            if entity not in tables or evidence not in tables:
                continue
            cited = _keys(tables[evidence], key)
            for index in _true_rows(pc.invert(pc.is_in(tables[entity].column(key), value_set=cited))):
                yield origin_of(entity, index).problem(
                    "no evidence: every record needs at least one source and quote", field="evidence",
                    hint="add `evidence: [{source: src-..., quote: \"...\"}]`", with_value=False)


class QuotedValues(Check):
    """A value declared ``quoted`` (a Wikidata QID, a Chinese title or name) appears in one of its record's
    evidence quotes."""

    def problems(self, tables, origin_of):
        for entity, evidence, key in EVIDENCE:
            if entity not in tables or evidence not in tables:
                continue
            quotes: dict[str, list[str]] = {}
            for record, quote in zip(tables[evidence].column(key).to_pylist(),
                                     tables[evidence].column("quote").to_pylist()):
                quotes.setdefault(record, []).append(quote or "")
            arrow = tables[entity]
            for col in (c for c in TABLES[entity].columns if c.quoted):
                for index, (record, value) in enumerate(zip(arrow.column(key).to_pylist(),
                                                            arrow.column(col.name).to_pylist())):
                    if value is not None and not any(value in quote for quote in quotes.get(record, ())):
                        yield origin_of(entity, index).problem(
                            f"no evidence quote shows this {col.raw_key}", value,
                            f"quote the source text that shows it, or leave {col.raw_key} null",
                            field=col.raw_key)


class Tallies(Check):
    """Named rows never outnumber the total their parent row gives, and equal it where the parent says the list is
    complete; a list of some value is marked complete or not (``metadata.Tally``)."""

    def problems(self, tables, origin_of):
        for name, arrow in tables.items():
            rule = TABLES[name].rule(Tally)
            if rule is None or rule.parent not in tables:
                continue
            parent = TABLES[rule.parent]
            key = TABLES[name].parent_column(rule.parent)
            counted = arrow.group_by([key, rule.value], use_threads=False).aggregate([([], "count_all")])
            counts = dict(zip(zip(counted.column(key).to_pylist(), counted.column(rule.value).to_pylist()),
                              counted.column("count_all").to_pylist()))
            rows = tables[rule.parent]
            ids = rows.column(parent.primary_key[0])
            complete = dict(rule.complete)
            for value, total_column in rule.totals:
                named = {record: n for (record, code), n in counts.items() if code == value}
                flags = rows.column(complete[value]) if value in complete else pa.nulls(rows.num_rows, pa.bool_())
                relevant = pc.or_(pc.or_(pc.is_valid(rows.column(total_column)), pc.is_valid(flags)),
                                  pc.is_in(ids, value_set=pa.array(list(named), ids.type)))
                for index in _true_rows(relevant):
                    yield from self._row(parent, rule, value, origin_of(rule.parent, index),
                                         named.get(ids[index].as_py(), 0), rows.column(total_column)[index].as_py(),
                                         flags[index].as_py(), value in complete)

    @staticmethod
    def _row(parent: Table, rule: Tally, value: str, origin: Origin, named: int, total, flag,
             flagged: bool) -> Iterator[Problem]:
        total_field = _raw_field(parent, dict(rule.totals)[value])
        flag_field = _raw_field(parent, dict(rule.complete)[value]) if flagged else None
        if total is not None and named > total:
            yield origin.problem(f"{_rows(named)} '{value}', more than the total {total}", total,
                                 "check the total and the named rows against the source", field=total_field)
        if flag:
            if total is None:
                yield origin.problem(f"the '{value}' list is marked complete but no total is given", flag,
                                     f"add `{total_field}`, or mark the list incomplete", field=flag_field)
            elif named != total:
                yield origin.problem(f"the '{value}' list is marked complete but names {named} of {total}", flag,
                                     "name every one, or mark the list incomplete (false)", field=flag_field)
        elif flagged and flag is None and named:
            yield origin.problem(f"{_rows(named)} '{value}': say whether that list is complete", None,
                                 f"add `{flag_field}: true` (every one named) or `false`", field=flag_field)


def _rows(count: int) -> str:
    return f"{count} row names" if count == 1 else f"{count} rows name"


CHECKS: tuple[Check, ...] = (Schema(), Unique(), ForeignKeys(), ReferencedTypes(), SelfReferences(), Evidence(),
                             QuotedValues(), Tallies())


def table_problems(tables: dict[str, pa.Table], origin_of: OriginOf) -> list[Problem]:
    """Every check of the tables themselves (the quotes are checked by ``quotes.quote_problems``)."""
    return [problem for check in CHECKS for problem in check.problems(tables, origin_of)]
