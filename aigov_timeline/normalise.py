"""Turning raw records into table rows, driven by the declarations in ``metadata``.

Each row keeps an *origin* (raw file, record ID, field) so that every later check can say where to fix a problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from . import dates
from .metadata import TABLES, Column, Table, date_columns
from .problems import Problem, allowed_hint, closest
from .raw import RawData, RawRecord

STATEMENT_THEMES_KEY = "themes"
EVIDENCE_SUPPORT_EXTRA = ("occurrence",)


@dataclass(frozen=True, slots=True)
class Origin:
    file: str
    record: str | None
    field: str | None = None
    scalar: bool = False
    """The field is a list item holding a plain value (a theme code): checks name it without a column."""

    def at(self, name: str | None) -> Origin:
        if not name or self.scalar:
            return self
        return Origin(self.file, self.record, f"{self.field}.{name}" if self.field else name)


@dataclass
class Rows:
    """Rows of every table, in raw-file order, with their origins."""

    rows: dict[str, list[dict]] = field(default_factory=lambda: {name: [] for name in TABLES})
    origins: dict[str, list[Origin]] = field(default_factory=lambda: {name: [] for name in TABLES})

    def add(self, table: str, row: dict, origin: Origin) -> None:
        self.rows[table].append(row)
        self.origins[table].append(origin)


@lru_cache(maxsize=None)
def _children(folder: str) -> list[tuple[str, Table]]:
    """(list key, table) for the lists nested in records of one raw folder."""
    return [(key, t) for t in TABLES.values() for f, key in t.raw_from if f == folder and key]


@lru_cache(maxsize=None)
def _entity(folder: str) -> Table:
    return next(t for t in TABLES.values() if (folder, None) in t.raw_from)


def _by_name(function):
    """Cache a function of (table, ...) by the table's name: hashing a Table hashes every column."""
    cache = {}

    def cached(table: Table, *args):
        key = (table.name, *args)
        if key not in cache:
            cache[key] = function(table, *args)
        return cache[key]
    return cached


@_by_name
def _parent_column(table: Table, folder: str) -> str:
    if table.parent_key:
        return table.parent_key
    return next(c.name for c in table.columns if c.references == folder)


def _raw_value(data: dict, key: str):
    """Read a (possibly dotted) raw key; returns (present, value)."""
    head, _, rest = key.partition(".")
    if head not in data:
        return False, None
    value = data[head]
    if not rest:
        return True, value
    if value is None:
        return False, None
    if not isinstance(value, dict):
        return True, _NotMapping(value)
    return _raw_value(value, rest)


class _NotMapping:
    def __init__(self, value):
        self.value = value


def _type_name(value) -> str:
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()}; YAML reads yes/no/on/off as booleans)"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return "text"
    return type(value).__name__


def coerce(column: Column, value, origin: Origin, problems: list[Problem]):
    """Check a raw value against the column type; return the cleaned value (or None after a problem)."""
    def fail(message: str, hint: str | None = None):
        problems.append(Problem(origin.file, origin.record, origin.field, message, value, hint))

    if isinstance(value, _NotMapping):  # reported once, at the mapping's own key
        head = origin.field.rpartition(".")[0] or origin.field
        problems.append(Problem(origin.file, origin.record, head, f"expected a mapping, got {_type_name(value.value)}",
                                value.value, "write e.g. votes: {'yes': 1, 'no': 0, abstain: 0}"))
        return None
    if column.type == "string":
        if not isinstance(value, str):
            fail(f"expected text, got {_type_name(value)}", "put the value in quotes")
            return None
        value = value.strip()
        if not value:
            fail("empty text", "write the value, or leave the key out (null) if it is unknown")
            return None
        return value
    if column.type == "date32":
        if not isinstance(value, str):
            fail(f"expected a date as quoted text, got {_type_name(value)}", 'write it as "YYYY-MM-DD"')
            return None
        try:
            parsed = dates.parse(value)
        except dates.DateError as exc:
            fail(str(exc))
            return None
        if parsed.precision != "day":
            fail("this date needs a day (YYYY-MM-DD)")
            return None
        return parsed.start
    if column.type == "bool":
        if not isinstance(value, bool):
            fail(f"expected true or false, got {_type_name(value)}")
            return None
        return value
    if column.type == "int16":
        if isinstance(value, bool) or not isinstance(value, int):
            fail(f"expected a whole number, got {_type_name(value)}")
            return None
        if not 0 <= value <= 32767:
            fail("expected a count between 0 and 32767")
            return None
        return value
    raise AssertionError(column.type)


@_by_name
def _allowed_keys(table: Table, folder: str, nested: bool) -> frozenset[str]:
    keys = {c.raw_key.partition(".")[0] for c in table.columns if c.raw_key}
    keys |= set(table.raw_extra)
    if not nested:
        keys |= {key for key, _ in _children(folder)}
    if table.name == "statements":
        keys.add(STATEMENT_THEMES_KEY)
        keys.discard({"events": "event", "documents": "document"}.get(folder, ""))
    return frozenset(keys)


@_by_name
def _nested_keys(table: Table) -> dict[str, frozenset[str]]:
    """The keys allowed inside each raw mapping that holds several columns (e.g. ``votes``)."""
    nested: dict[str, set[str]] = {}
    for column in table.columns:
        head, _, rest = (column.raw_key or "").partition(".")
        if rest:
            nested.setdefault(head, set()).add(rest)
    return {head: frozenset(keys) for head, keys in nested.items()}


@_by_name
def _plan(table: Table) -> tuple[tuple[Column, str | None], ...]:
    """(column, raw key) of each column, looked up once per table rather than once per row."""
    return tuple((column, column.raw_key) for column in table.columns)


@_by_name
def _derived_columns(table: Table) -> dict[str, str]:
    """Column name -> description, for the columns the build derives (never written in a raw record)."""
    return {c.name: c.description for c in table.columns if c.raw_key is None}


def _read_columns(table: Table, data: dict, origin: Origin, problems: list[Problem], folder: str,
                  nested: bool) -> dict:
    allowed = _allowed_keys(table, folder, nested)
    for key in data:
        if key not in allowed:
            derived = _derived_columns(table).get(key)
            message = "unknown field" if derived is None else f"{key} is derived by the build: leave it out"
            problems.append(Problem(origin.file, origin.record, origin.at(str(key)).field,
                                    message, hint=derived or allowed_hint(str(key), allowed)))
    for head, keys in _nested_keys(table).items():
        inner = data.get(head)
        for key in inner if isinstance(inner, dict) else ():
            if key not in keys:
                problems.append(Problem(origin.file, origin.record, origin.at(f"{head}.{key}").field,
                                        "unknown field", hint=allowed_hint(str(key), keys)))
    row = {}
    for column, key in _plan(table):
        if key is None:
            row[column.name] = None
            continue
        value = data.get(key) if "." not in key else _raw_value(data, key)[1]
        if value is None:  # left out, or null
            row[column.name] = column.default
            if column.default is not None:
                continue
            if not column.nullable and not (table.parent_key == column.name):
                problems.append(Problem(origin.file, origin.record, origin.at(key).field,
                                        "required field is missing", hint=f"add `{key}:` ({column.description})"))
            continue
        if type(value) is str and column.type == "string" and value.strip():
            row[column.name] = value.strip()  # what coerce() returns for good text, without its cost: keep in step
            continue
        row[column.name] = coerce(column, value, origin.at(key), problems)
    return row


def _derive_dates(table: Table, row: dict, origin: Origin, problems: list[Problem]) -> None:
    """Fill the precision and day bounds of each date column; check end_date comes after date."""
    for name in table.date_columns:
        precision, start, end = date_columns(name)
        value = row.get(name)
        end_value = row.get("end_date") if name == "date" else None
        parsed = {}
        for key, text in ((name, value), ("end_date", end_value)):
            if text is None:
                continue
            try:
                parsed[key] = dates.parse(text)
            except dates.DateError as exc:
                problems.append(Problem(origin.file, origin.record, origin.at(key).field, str(exc), text))
        if name not in parsed:
            if end_value is not None and value is None:
                problems.append(Problem(origin.file, origin.record, "end_date", "end_date without a date",
                                        end_value, "add the start `date:`"))
            continue
        first, last = parsed[name], parsed.get("end_date")
        if last is not None and (last.start < first.start or last.value == first.value):
            problems.append(Problem(origin.file, origin.record, "end_date",
                                    f"the end date must come after the start date {first.value!r}", last.value,
                                    "swap the two dates, or leave end_date out for a single-day event"))
            last = None  # the start date alone still gives the derived columns
        row[precision], row[start], row[end] = first.precision, first.start, (last or first).end


def _derive_country(data: dict, row: dict, origin: Origin, problems: list[Problem]) -> None:
    if "country" not in data or data["country"] is None:
        if row.get("actor_type") == "state":
            problems.append(Problem(origin.file, origin.record, "country", "a state needs `country:`",
                                    hint="write the country's English name or ISO code, e.g. `country: China`"))
        return
    value = data["country"]
    if not isinstance(value, str):
        problems.append(Problem(origin.file, origin.record, "country", f"expected text, got {_type_name(value)}",
                                value, "put the value in quotes"))
        return
    try:
        country = _country(value.strip())
    except LookupError:
        import pycountry

        guesses = closest(value, [c.name for c in pycountry.countries])
        problems.append(Problem(origin.file, origin.record, "country", "not a country pycountry knows", value,
                                (f"did you mean {' or '.join(guesses)}? " if guesses else "") +
                                "use the ISO 3166 English short name or the alpha-2/alpha-3 code"))
        return
    row["iso2"], row["iso3"], row["m49"] = country.alpha_2, country.alpha_3, country.numeric


@lru_cache(maxsize=None)
def _country(name: str):
    """pycountry's lookup (a scan of every country) once per distinct name."""
    import pycountry

    return pycountry.countries.lookup(name)


def _entity_row(table: Table, record: RawRecord, rows: Rows, problems: list[Problem]) -> None:
    origin = Origin(record.file, record.id)
    row = _read_columns(table, record.data, origin, problems, record.folder, nested=False)
    _derive_dates(table, row, origin, problems)
    if table.name == "actors":
        _derive_country(record.data, row, origin, problems)
    rows.add(table.name, row, origin)
    parent_id = row[table.primary_key[0]]
    for key, child in _children(record.folder):
        items = record.data.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            problems.append(Problem(record.file, record.id, key, f"expected a list, got {_type_name(items)}",
                                    hint=f"write `{key}:` followed by `- ...` items"))
            continue
        for i, item in enumerate(items):
            _nested_row(child, item, origin.at(f"{key}[{i}]"), parent_id, record.folder, rows, problems)


def _nested_row(table: Table, item, origin: Origin, parent_id, folder: str, rows: Rows,
                problems: list[Problem]) -> None:
    if not isinstance(item, dict):
        problems.append(Problem(origin.file, origin.record, origin.field, f"expected a mapping, got "
                                f"{_type_name(item)}", item, "write each item as `- key: value` lines"))
        return
    row = _read_columns(table, item, origin, problems, folder, nested=True)
    row[_parent_column(table, folder)] = parent_id
    _derive_dates(table, row, origin, problems)
    if "supports" in table.raw_extra and item.get("supports") is not None:
        row["supports"] = _supports(item["supports"], folder, origin.at("supports"), problems)
    rows.add(table.name, row, origin)
    if table.name == "statements":
        _statement_themes(item, row, origin, rows, problems)


def _supports(values, folder: str, origin: Origin, problems: list[Problem]) -> str | None:
    if not isinstance(values, list):
        problems.append(Problem(origin.file, origin.record, origin.field, f"expected a list of field names, got "
                                f"{_type_name(values)}", values, "write e.g. supports: [date, title]"))
        return None
    allowed = _supported_fields(folder)
    clean = []
    for value in values:
        if not isinstance(value, str) or value not in allowed:
            problems.append(Problem(origin.file, origin.record, origin.field, "not a field of this record", value,
                                    allowed_hint(value, allowed)))
        else:
            clean.append(value)
    return " ".join(clean) or None


@lru_cache(maxsize=None)
def _supported_fields(folder: str) -> frozenset[str]:
    entity = _entity(folder)
    allowed = {c.name for c in entity.columns} | {c.raw_key for c in entity.columns if c.raw_key}
    allowed |= {key.partition(".")[0] for key in allowed}
    return frozenset(allowed | set(EVIDENCE_SUPPORT_EXTRA) | set(entity.raw_extra))


def _statement_themes(item: dict, row: dict, origin: Origin, rows: Rows, problems: list[Problem]) -> None:
    themes = item.get(STATEMENT_THEMES_KEY)
    where = origin.at(STATEMENT_THEMES_KEY)
    if themes is None:
        return
    if not isinstance(themes, list):
        problems.append(Problem(where.file, where.record, where.field, f"expected a list of theme codes, got "
                                f"{_type_name(themes)}", themes, "write e.g. themes: [multilateralism]"))
        return
    column = TABLES["statement_themes"].column("theme")
    for i, theme in enumerate(themes):
        at = Origin(where.file, where.record, f"{where.field}[{i}]", scalar=True)
        value = coerce(column, theme, at, problems)
        if value is not None:
            rows.add("statement_themes", {"statement_id": row.get("statement_id"), "theme": value}, at)


def _vocabulary_rows(raw: RawData, rows: Rows, problems: list[Problem]) -> None:
    vocab_tables = [t for t in TABLES.values() if t.kind == "vocabulary"]
    expected = {t.raw_from[0][0].split("/", 1)[1]: t for t in vocab_tables}
    for name, record in raw.vocabularies.items():
        if name not in expected:
            problems.append(Problem(record.file, None, None, "unknown vocabulary file",
                                    hint=allowed_hint(name, expected)))
    for name, table in expected.items():
        record = raw.vocabularies.get(name)
        if record is None:
            problems.append(Problem(raw.path_label(f"vocabularies/{name}.yaml"), None, None,
                                    "missing vocabulary file", hint="add it with a `codes:` list"))
            continue
        codes = record.data.get("codes")
        if not isinstance(codes, list):
            problems.append(Problem(record.file, None, "codes", "expected a `codes:` list of {code, label, "
                                    "definition} items"))
            continue
        for i, item in enumerate(codes):
            code = item.get("code") if isinstance(item, dict) else None
            origin = Origin(record.file, code if isinstance(code, str) else None, f"codes[{i}]")
            if not isinstance(item, dict):
                problems.append(Problem(origin.file, None, origin.field, "expected a mapping"))
                continue
            row = _read_columns(table, item, origin, problems, "vocabularies", nested=True)
            rows.add(table.name, row, origin)


def normalise(raw: RawData) -> tuple[Rows, list[Problem]]:
    """Build the rows of every table from a raw folder; collect every problem found on the way."""
    rows = Rows()
    problems: list[Problem] = list(raw.problems)
    _vocabulary_rows(raw, rows, problems)
    for folder, records in raw.records.items():
        table = _entity(folder)
        for record in records:
            _entity_row(table, record, rows, problems)
    return rows, problems
