"""Compare two builds of the dataset: per table, the rows and the keys added, changed and removed, as Markdown.

A build is a processed folder (Parquet files and ``manifest.json``), e.g. a previous release's ``data/processed``
and the current one. ``-`` stands for no build at all, so the first release lists every table as new.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..metadata import TABLE_NAMES, TABLES

NOTHING = "-"
PRIMARY_KEY = b"aigov_timeline.primary_key"
FOLD = 10
"""Lists longer than this are folded into a <details> block."""


class DiffError(Exception):
    """A build that cannot be read; the message says which file and how to fix it."""


@dataclass
class Build:
    tables: dict[str, pa.Table] = field(default_factory=dict)
    version: str | None = None


@dataclass
class TableDiff:
    name: str
    old_rows: int | None
    new_rows: int | None
    added: list[tuple] = field(default_factory=list)
    changed: list[tuple[tuple, list[str]]] = field(default_factory=list)
    removed: list[tuple] = field(default_factory=list)
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    columns_retyped: list[str] = field(default_factory=list)
    columns_required: list[str] = field(default_factory=list)
    """Added columns that cannot be null."""

    @property
    def is_new(self) -> bool:
        return self.old_rows is None

    @property
    def is_gone(self) -> bool:
        return self.new_rows is None

    @property
    def unchanged(self) -> bool:
        return not (self.is_new or self.is_gone or self.added or self.changed or self.removed
                    or self.columns_added or self.columns_removed or self.columns_retyped)


# --- reading -------------------------------------------------------------------------------------------------

def read_build(folder: Path | str | None) -> Build:
    """The tables of a processed folder; ``-``, None or an empty folder is an empty build."""
    if folder is None or str(folder) == NOTHING:
        return Build()
    folder = Path(folder)
    if not folder.is_dir():
        raise DiffError(f"{folder}: folder not found; give a processed folder, or `{NOTHING}` for no previous "
                        "build")
    build = Build()
    manifest = folder / "manifest.json"
    if manifest.is_file():
        try:
            build.version = json.loads(manifest.read_text(encoding="utf-8")).get("data_version")
        except (ValueError, AttributeError) as exc:
            raise DiffError(f"{manifest}: not a readable manifest ({exc}); rebuild the folder") from None
    for path in sorted(folder.glob("*.parquet")):
        try:
            build.tables[path.stem] = pq.read_table(path)
        except (OSError, pa.ArrowException) as exc:
            raise DiffError(f"{path}: not a readable Parquet file ({exc}); rebuild the folder") from None
    return build


def git_build(rev: str, folder: Path, dest: Path) -> Path:
    """Write the files of ``folder`` as they are at git revision ``rev`` into ``dest``; return ``dest``."""
    folder = Path(folder).resolve()
    where = folder if folder.is_dir() else folder.parent
    if not where.is_dir():
        raise DiffError(f"{folder}: folder not found; --against-git compares a processed folder of a git clone with "
                        "its committed version")
    try:
        top = _git(["rev-parse", "--show-toplevel"], where).decode().strip()
    except DiffError:
        raise DiffError(f"{folder} is not in a git clone, so there is no committed version to compare with; run it "
                        "in a clone of the repository, or compare two folders: aigov-timeline diff OLD NEW") from None
    rel = folder.relative_to(Path(top).resolve()).as_posix()
    names = _git(["ls-tree", "-z", "--name-only", f"{rev}:{rel}"], Path(top)).decode().split("\0")
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        if name.endswith(".parquet") or name == "manifest.json":
            (dest / name).write_bytes(_git(["show", f"{rev}:{rel}/{name}"], Path(top)))
    return dest


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=120)
    except FileNotFoundError:
        raise DiffError("git is not installed; compare two folders instead: aigov-timeline diff OLD NEW") from None
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip().splitlines()
        raise DiffError(f"git {' '.join(args)}: {message[-1] if message else 'failed'}")
    return result.stdout


# --- comparing -----------------------------------------------------------------------------------------------

def primary_key(name: str, table: pa.Table) -> tuple[str, ...]:
    """The key a build wrote into the table's metadata, or the declared one."""
    meta = table.schema.metadata or {}
    if PRIMARY_KEY in meta:
        return tuple(json.loads(meta[PRIMARY_KEY]))
    if name in TABLES:
        return TABLES[name].primary_key
    raise DiffError(f"{name}.parquet: no primary key in its metadata and not a declared table")


def _rows(table: pa.Table, key: tuple[str, ...], columns: list[str]) -> dict[tuple, dict]:
    """Key -> {column: value} for the given columns."""
    data = table.select(list(dict.fromkeys([*key, *columns]))).to_pydict()
    keys = zip(*(data[k] for k in key))
    values = zip(*(data[c] for c in columns)) if columns else ((),) * table.num_rows
    return {k: dict(zip(columns, v)) for k, v in zip(keys, values)}


def compare_table(name: str, old: pa.Table | None, new: pa.Table | None) -> TableDiff:
    result = TableDiff(name, old.num_rows if old is not None else None, new.num_rows if new is not None else None)
    if old is None or new is None:
        return result
    key = primary_key(name, new)
    old_fields, new_fields = {f.name: f.type for f in old.schema}, {f.name: f.type for f in new.schema}
    result.columns_added = [c for c in new_fields if c not in old_fields]
    result.columns_required = [c for c in result.columns_added if not new.schema.field(c).nullable]
    result.columns_removed = [c for c in old_fields if c not in new_fields]
    result.columns_retyped = [c for c in new_fields if c in old_fields and old_fields[c] != new_fields[c]]
    if any(k not in old_fields for k in key):
        raise DiffError(f"{name}: the key column(s) {', '.join(key)} are missing from the old build; the tables "
                        "cannot be matched row by row")
    common = [c for c in new_fields if c in old_fields and c not in result.columns_retyped]
    before, after = _rows(old, key, common), _rows(new, key, common)
    result.added = sorted(k for k in after if k not in before)
    result.removed = sorted(k for k in before if k not in after)
    for k in sorted(k for k in after if k in before):
        differ = [c for c in common if before[k][c] != after[k][c]]
        if differ:
            result.changed.append((k, differ))
    return result


def compare(old: Build, new: Build) -> list[TableDiff]:
    names = [n for n in TABLE_NAMES if n in old.tables or n in new.tables]
    names += sorted((set(old.tables) | set(new.tables)) - set(names))
    return [compare_table(n, old.tables.get(n), new.tables.get(n)) for n in names]


def bump(diffs: list[TableDiff]) -> tuple[str, str]:
    """The data version bump the changes call for under docs/versioning.md ("major", "minor", "patch" or
    "none"), and why."""
    rules = (
        ("major", "tables removed", [d.name for d in diffs if d.is_gone]),
        ("major", "columns removed", [f"{d.name}.{c}" for d in diffs for c in d.columns_removed]),
        ("major", "column types changed", [f"{d.name}.{c}" for d in diffs for c in d.columns_retyped]),
        ("major", "non-nullable columns added", [f"{d.name}.{c}" for d in diffs for c in d.columns_required]),
        ("minor", "tables added", [d.name for d in diffs if d.is_new]),
        ("minor", "nullable columns added", [f"{d.name}.{c}" for d in diffs for c in d.columns_added
                                             if c not in d.columns_required]),
        ("minor", "rows added", [d.name for d in diffs if d.added]),
        ("patch", "rows corrected", [d.name for d in diffs if d.changed]),
        ("patch", "rows removed", [d.name for d in diffs if d.removed]),
    )
    for level in ("major", "minor", "patch"):
        reasons = [f"{why} ({', '.join(what)})" for lvl, why, what in rules if lvl == level and what]
        if reasons:
            return level, "; ".join(reasons)
    return "none", "nothing changed"


# --- Markdown ------------------------------------------------------------------------------------------------

def _code(value) -> str:
    text = " ".join(str(value).split())
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _key(key: tuple) -> str:
    return _code(key[0]) if len(key) == 1 else "(" + ", ".join(_code(v) for v in key) + ")"


def _count(rows: int | None) -> str:
    return "–" if rows is None else f"{rows:,}"


def _items(title: str, items: list[str]) -> list[str]:
    if not items:
        return []
    bullets = [f"- {item}" for item in items]
    if len(items) > FOLD:
        return [f"<details><summary>{title} ({len(items):,})</summary>", "", *bullets, "", "</details>", ""]
    return [f"{title} ({len(items):,}):", "", *bullets, ""]


def _section(d: TableDiff) -> list[str]:
    lines = [f"### `{d.name}`", ""]
    for what, columns in (("added", d.columns_added), ("removed", d.columns_removed),
                          ("whose type changed", d.columns_retyped)):
        if columns:
            lines += [f"Columns {what}: {', '.join(_code(c) for c in columns)}.", ""]
    lines += _items("Added", [_key(k) for k in d.added])
    lines += _items("Changed", [f"{_key(k)}: {', '.join(columns)}" for k, columns in d.changed])
    lines += _items("Removed", [_key(k) for k in d.removed])
    return lines


def markdown(old: Build, new: Build, diffs: list[TableDiff]) -> str:
    total_old = sum(t.num_rows for t in old.tables.values())
    total_new = sum(t.num_rows for t in new.tables.values())
    lines = [f"Data version {old.version or '–'} → {new.version or '–'}: {len(new.tables)} tables, "
             f"{total_old:,} → {total_new:,} rows.", "",
             "| table | rows | added | changed | removed |", "|---|---|---|---|---|"]
    for d in diffs:
        added = d.new_rows if d.is_new else len(d.added)
        removed = d.old_rows if d.is_gone else len(d.removed)
        note = " (new table)" if d.is_new else " (table removed)" if d.is_gone else ""
        lines.append(f"| `{d.name}` | {_count(d.old_rows)} → {_count(d.new_rows)}{note} | {added:,} | "
                     f"{len(d.changed):,} | {removed:,} |")
    lines.append("")
    if old.tables:
        level, why = bump(diffs)
        lines += [f"Data version bump these changes call for ([versioning](docs/versioning.md)): **{level}**: "
                  f"{why}.", ""]
    if all(d.unchanged for d in diffs):
        lines += ["No rows or columns changed.", ""]
    for d in diffs:
        if not (d.unchanged or d.is_new or d.is_gone):  # a new or removed table is all said in the summary
            lines += _section(d)
    return "\n".join(lines).rstrip() + "\n"


def diff(old: Path | str | None, new: Path | str) -> str:
    """The Markdown report of what changed from the build ``old`` (``-`` for none) to the build ``new``."""
    before, after = read_build(old), read_build(new)
    if not after.tables:
        raise DiffError(f"{new}: no Parquet files found; give a processed folder (e.g. data/processed)")
    return markdown(before, after, compare(before, after))
