"""Raw records -> table rows, driven by the declarations in ``metadata``.

Each row keeps an ``Origin`` (raw file, record ID, field) so that every later check can say where to fix a problem.
A record's lists become the rows of the tables nested in it (``metadata.children``), recursively.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from .. import dates
from ..metadata import TABLES, Column, CountryCodes, Items, Table, children, date_columns
from ..problems import Origin, Problem, allowed_hint, closest

OCCURRENCE = "occurrence"
"""What an evidence quote may support besides the record's fields: that the event or text exists at all."""


@dataclass
class Rows:
    """Rows of every table, in raw-file order, with their origins."""

    rows: dict[str, list[dict]] = field(default_factory=lambda: {name: [] for name in TABLES})
    origins: dict[str, list[Origin]] = field(default_factory=lambda: {name: [] for name in TABLES})

    def add(self, table: str, row: dict, origin: Origin) -> None:
        self.rows[table].append(row)
        self.origins[table].append(origin)


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
    """Check a raw value against the column type; return the clean value (or None after a problem)."""
    def fail(message: str, hint: str | None = None):
        problems.append(origin.problem(message, value, hint))

    if column.type == "string":
        if type(value) is str and (clean := value.strip()):
            return clean
        if not isinstance(value, str):
            fail(f"expected text, got {_type_name(value)}", "put the value in quotes")
        else:
            fail("empty text", "write the value, or leave the key out (null) if it is unknown")
        return None
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


# --- what a record may hold, looked up once per table ----------------------------------------------------------

@cache
def _plan(name: str, parent: str | None) -> tuple[tuple[Column, str], ...]:
    """(column, raw key) of each column read from the raw record (the parent's key column is filled from it)."""
    table = TABLES[name]
    skip = table.parent_column(parent) if parent else None
    return tuple((c, c.raw_key) for c in table.columns if c.raw_key and c.name != skip)


@cache
def allowed_keys(name: str, parent: str | None) -> frozenset[str]:
    table = TABLES[name]
    keys = {key.partition(".")[0] for _, key in _plan(name, parent)}
    keys |= {key for key, _, _ in children(name)}
    keys |= {rule.raw for rule in table.rules if isinstance(rule, CountryCodes)}
    return frozenset(keys)


@cache
def _mapping_keys(name: str) -> dict[str, frozenset[str]]:
    """The keys allowed inside each raw mapping that holds several columns (e.g. ``votes``)."""
    nested: dict[str, set[str]] = {}
    for column in TABLES[name].columns:
        head, _, rest = (column.raw_key or "").partition(".")
        if rest:
            nested.setdefault(head, set()).add(rest)
    return {head: frozenset(keys) for head, keys in nested.items()}


@cache
def _derived(name: str) -> dict[str, str]:
    """Column name -> description, for the columns the build derives (never written in a raw record)."""
    return {c.name: c.description for c in TABLES[name].columns if c.raw_key is None}


@cache
def _record_fields(name: str) -> frozenset[str]:
    """What an evidence quote of a record of table ``name`` may support: its fields (column or raw names)."""
    table = TABLES[name]
    allowed = {c.name for c in table.columns} | {c.raw_key.partition(".")[0] for c in table.columns if c.raw_key}
    allowed |= {rule.raw for rule in table.rules if isinstance(rule, CountryCodes)}
    return frozenset(allowed | {OCCURRENCE})


def _dotted(data: dict, key: str, origin: Origin, problems: list[Problem]):
    """The value of a dotted raw key (``votes.yes``), or None; a problem if its mapping is not a mapping."""
    head, _, rest = key.partition(".")
    inner = data.get(head)
    if inner is None:
        return None
    if not isinstance(inner, dict):
        problems.append(origin.problem(f"expected a mapping, got {_type_name(inner)}", inner,
                                       f"write `{head}:` followed by indented `key: value` lines", field=head))
        return None
    return inner.get(rest)


# --- one record ------------------------------------------------------------------------------------------------

def _read_columns(table: Table, data: dict, origin: Origin, parent: str | None,
                  problems: list[Problem]) -> dict:
    allowed = allowed_keys(table.name, parent)
    for key in data:
        if key not in allowed:
            derived = _derived(table.name).get(key)
            message = "unknown field" if derived is None else f"{key} is derived by the build: leave it out"
            problems.append(origin.problem(message, hint=derived or allowed_hint(str(key), allowed),
                                           field=str(key), with_value=False))
    for head, keys in _mapping_keys(table.name).items():
        inner = data.get(head)
        for key in inner if isinstance(inner, dict) else ():
            if key not in keys:
                problems.append(origin.problem("unknown field", hint=allowed_hint(str(key), keys),
                                               field=f"{head}.{key}", with_value=False))
    row = dict.fromkeys(table.column_names)
    reported_mappings = set()
    for column, key in _plan(table.name, parent):
        if "." in key:
            head = key.partition(".")[0]
            value = _dotted(data, key, origin, problems if head not in reported_mappings else [])
            reported_mappings.add(head)
        else:
            value = data.get(key)
        if value is None:  # left out, or null
            row[column.name] = column.default
            if column.default is None and not column.nullable:
                problems.append(origin.problem("required field is missing", hint=f"add `{key}:` "
                                               f"({column.description})", field=key, with_value=False))
            continue
        if column.field_list:
            row[column.name] = _field_list(value, table, parent, origin.at(key), problems)
        else:
            row[column.name] = coerce(column, value, origin.at(key), problems)
    return row


def _field_list(values, table: Table, parent: str | None, origin: Origin, problems: list[Problem]) -> str | None:
    """A list of the enclosing record's field names, as space-separated text."""
    if not isinstance(values, list):
        problems.append(origin.problem(f"expected a list of field names, got {_type_name(values)}", values,
                                       "write e.g. supports: [date, title]"))
        return None
    allowed = _record_fields(parent)
    clean = []
    for value in values:
        if not isinstance(value, str) or value not in allowed:
            problems.append(origin.problem("not a field of this record", value, allowed_hint(value, allowed)))
        else:
            clean.append(value)
    return " ".join(clean) or None


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
                problems.append(origin.problem(str(exc), text, field=key))
        if name not in parsed:
            if end_value is not None and value is None:
                problems.append(origin.problem("end_date without a date", end_value, "add the start `date:`",
                                               field="end_date"))
            continue
        first, last = parsed[name], parsed.get("end_date")
        if last is not None and (last.start < first.start or last.value == first.value):
            problems.append(origin.problem(f"the end date must come after the start date {first.value!r}",
                                           last.value, "swap the two dates, or leave end_date out for a single-day "
                                           "event", field="end_date"))
            last = None  # the start date alone still gives the derived columns
        row[precision], row[start], row[end] = first.precision, first.start, (last or first).end


def _derive_country(rule: CountryCodes, data: dict, row: dict, origin: Origin, problems: list[Problem]) -> None:
    value = data.get(rule.raw)
    if value is None:
        column, needed = rule.when
        if row.get(column) == needed:
            problems.append(origin.problem(f"a {needed} needs `{rule.raw}:`", hint="write the country's English "
                                           "name or ISO code, e.g. `country: China`", field=rule.raw,
                                           with_value=False))
        return
    if not isinstance(value, str):
        problems.append(origin.problem(f"expected text, got {_type_name(value)}", value, "put the value in quotes",
                                       field=rule.raw))
        return
    try:
        country = _country(value.strip())
    except LookupError:
        import pycountry

        guesses = closest(value, [c.name for c in pycountry.countries])
        problems.append(origin.problem("not a country pycountry knows", value,
                                       (f"did you mean {' or '.join(guesses)}? " if guesses else "")
                                       + "use the ISO 3166 English short name or the alpha-2/alpha-3 code",
                                       field=rule.raw))
        return
    row.update(zip(rule.columns, (country.alpha_2, country.alpha_3, country.numeric)))


@cache
def _country(name: str):
    """pycountry's lookup (a scan of every country) once per distinct name."""
    import pycountry

    return pycountry.countries.lookup(name)


def _row(table: Table, data: dict, origin: Origin, parent: str | None, parent_id, rows: Rows,
         problems: list[Problem]) -> None:
    """The row of one record (or list item) of ``table``, then the rows of the lists nested in it."""
    row = _read_columns(table, data, origin, parent, problems)
    if parent:
        row[table.parent_column(parent)] = parent_id
    _derive_dates(table, row, origin, problems)
    for rule in table.rules:
        if isinstance(rule, CountryCodes):
            _derive_country(rule, data, row, origin, problems)
    rows.add(table.name, row, origin)
    key = row[table.primary_key[0]] if len(table.primary_key) == 1 else None
    for list_key, child, declared in children(table.name):
        items = data.get(list_key)
        if items is None:
            continue
        where = origin.at(list_key)
        if not isinstance(items, list):
            problems.append(where.problem(f"expected a list, got {_type_name(items)}", items,
                                          f"write `{list_key}:` followed by `- ...` items"))
            continue
        for i, item in enumerate(items):
            at = Origin(where.file, where.record, f"{where.field}[{i}]", scalar=isinstance(declared, Items))
            if isinstance(declared, Items):
                value = coerce(child.column(declared.column), item, at, problems)
                if value is not None:
                    rows.add(child.name, {child.parent_column(table.name): key, declared.column: value}, at)
            elif isinstance(item, dict):
                _row(child, item, at, table.name, key, rows, problems)
            else:
                problems.append(at.problem(f"expected a mapping, got {_type_name(item)}", item,
                                           "write each item as `- key: value` lines"))


def record_rows(table: Table, record: dict, file_label: str, rows: Rows, problems: list[Problem]) -> None:
    """The rows of one raw record of ``table`` and of everything nested in it."""
    record_id = record.get("id")
    if isinstance(record_id, (int, float)) and not isinstance(record_id, bool):
        record_id = str(record_id)  # a wrong type, reported by the checks; the report still names the record
    origin = Origin(file_label, record_id if isinstance(record_id, str) else None)
    _row(table, record, origin, None, None, rows, problems)


def list_rows(table: Table, data: dict, key: str, file_label: str, rows: Rows, problems: list[Problem]) -> None:
    """The rows of a list of mappings under ``key`` of one file (a vocabulary's ``codes``)."""
    items = data.get(key)
    if not isinstance(items, list):
        problems.append(Problem(file_label, None, key, f"expected a `{key}:` list of "
                                f"{{{', '.join(table.column_names)}}} items"))
        return
    for i, item in enumerate(items):
        code = item.get(table.primary_key[0]) if isinstance(item, dict) else None
        origin = Origin(file_label, code if isinstance(code, str) else None, f"{key}[{i}]")
        if not isinstance(item, dict):
            problems.append(origin.problem("expected a mapping", with_value=False))
            continue
        _row(table, item, origin, None, None, rows, problems)

