"""A raw folder read into Arrow tables: every file through the one reader and ``rows``, in worker processes where
there are enough files to pay for starting them, and each table put in primary-key order with the origin of every
row (the raw file, record and field a check names when it reports the row)."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable
from contextlib import contextmanager
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from itertools import repeat
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ..metadata import TABLES, VOCABULARY_FOLDER, FileList, record_tables
from ..problems import Origin, Problem, allowed_hint
from ..schemas import arrow_schema
from .read import DATASET_FILE, load_mapping, raw_files, records
from .rows import Rows, list_rows, record_rows

PARALLEL_BYTES = 4_000_000
"""From this many bytes of record files on, they are read by one worker process per core (measured in
docs/performance.md: below it, starting the workers costs more than they save)."""
CHUNK_BYTES = 1_000_000
"""About this many bytes of files handed to a worker at a time (a bigger file goes alone)."""
_ORIGIN_SCHEMA = pa.schema([("file", pa.string()), ("record", pa.string()), ("field", pa.string()),
                            ("scalar", pa.bool_())])


@dataclass
class Piece:
    """The rows read from some files, as Arrow tables, with their origins and the problems found."""

    tables: dict[str, pa.Table]
    origins: dict[str, pa.Table]
    problems: list[Problem]
    unreadable: set[str] = field(default_factory=set)
    """IDs of the records in files that could not be read (as far as their `id:` line shows)."""


@dataclass
class Read:
    """A whole raw folder: every table in key order, the origin of each row, the dataset metadata, the problems."""

    tables: dict[str, pa.Table]
    origins: dict[str, pa.Table]
    dataset: dict
    problems: list[Problem]
    unreadable: set[str]

    def origin(self, table: str, index: int) -> Origin:
        row = self.origins[table].slice(index, 1).to_pylist()[0]
        return Origin(row["file"], row["record"], row["field"], bool(row["scalar"]))


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _arrow(rows: Rows) -> tuple[dict[str, pa.Table], dict[str, pa.Table]]:
    tables, origins = {}, {}
    for name, spec in TABLES.items():
        tables[name] = pa.Table.from_pylist(rows.rows[name], schema=arrow_schema(spec))
        found = rows.origins[name]
        origins[name] = pa.table([[o.file for o in found], [o.record for o in found], [o.field for o in found],
                                  [o.scalar for o in found]], schema=_ORIGIN_SCHEMA)
    return tables, origins


@contextmanager
def _no_cycle_collection():
    """Raw data are trees (no YAML aliases), so the cycle collector finds nothing in them; left on, it rescans the
    growing rows again and again (half the reading time of a large file)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_files(root: Path, label: str, files: list[tuple[str, str]]) -> Piece:
    """Read record files, given as (folder, path relative to ``root``), into rows."""
    with _no_cycle_collection():
        return _read_files(root, label, files)


def _read_files(root: Path, label: str, files: list[tuple[str, str]]) -> Piece:
    rows, problems, unreadable = Rows(), [], set()
    for folder, rel in files:
        data, problem = load_mapping(root, rel, label)
        if problem is not None:
            problems.append(problem)
            if problem.record:
                unreadable.add(problem.record)
            continue
        file_label = f"{label}/{rel}"
        found, bad = records(data, file_label)
        problems += bad
        for record in found:
            record_rows(record_tables()[folder], record, file_label, rows, problems)
    return Piece(*_arrow(rows), problems, unreadable)


def _vocabularies(root: Path, label: str, rels: list[str]) -> Piece:
    """The rows of every vocabulary file; a missing or unknown file is a problem."""
    expected = {r.path: (t, r) for t in TABLES.values() for r in t.raw if isinstance(r, FileList)}
    rows, problems = Rows(), []
    for rel in rels:
        if rel not in expected:
            problems.append(Problem(f"{label}/{rel}", None, None, "unknown vocabulary file",
                                    hint=allowed_hint(Path(rel).name, [Path(p).name for p in expected])))
    for rel, (table, declared) in expected.items():
        if rel not in rels:
            problems.append(Problem(f"{label}/{rel}", None, None, "missing vocabulary file",
                                    hint=f"add it with a `{declared.key}:` list"))
            continue
        data, problem = load_mapping(root, rel, label)
        if problem is not None:
            problems.append(problem)
            continue
        list_rows(table, data, declared.key, f"{label}/{rel}", rows, problems)
    return Piece(*_arrow(rows), problems)


def _context():
    """Workers start from a fresh server process (not forked from this one, which may hold threads)."""
    return get_context("forkserver" if "forkserver" in get_all_start_methods() else "spawn")


def _chunks(root: Path, files: list[tuple[str, str]]) -> tuple[list[list[tuple[str, str]]], int]:
    """The files in runs of about CHUNK_BYTES, and their total size."""
    chunks, chunk, size, total = [], [], 0, 0
    for item in files:
        try:
            bytes_ = (root / item[1]).stat().st_size
        except OSError:
            bytes_ = 0  # the reader reports it
        chunk.append(item)
        size, total = size + bytes_, total + bytes_
        if size >= CHUNK_BYTES:
            chunks.append(chunk)
            chunk, size = [], 0
    return chunks + ([chunk] if chunk else []), total


def _pieces(root: Path, label: str, files: list[tuple[str, str]]) -> list[Piece]:
    """Read the record files: in worker processes when there are many bytes of them, else here."""
    chunks, total = _chunks(root, files)
    workers = min(cores(), len(chunks))
    if total >= PARALLEL_BYTES and workers > 1:
        try:
            with ProcessPoolExecutor(workers, mp_context=_context()) as pool:
                return list(pool.map(read_files, repeat(root), repeat(label), chunks))
        except (OSError, BrokenProcessPool):
            pass  # no worker processes here (a sandbox, too few resources): this process reads every file
    return [read_files(root, label, files)]


def _in_key_order(name: str, pieces: Iterable[Piece]) -> tuple[pa.Table, pa.Table]:
    """One table from the pieces, sorted by its primary key, with its origins in the same order."""
    pieces = list(pieces)
    table = pa.concat_tables([p.tables[name] for p in pieces])
    origins = pa.concat_tables([p.origins[name] for p in pieces])
    order = pc.sort_indices(table, sort_keys=[(key, "ascending") for key in TABLES[name].primary_key])
    return table.take(order).combine_chunks(), origins.take(order).combine_chunks()


def read_tables(root: Path, label: str | None = None) -> Read:
    """Read every file of a raw folder into the tables; problems are collected, not raised."""
    root = Path(root)
    label = label or str(root)
    files, problems = raw_files(root, label)
    if not files:
        empty = {name: (arrow_schema(spec).empty_table(), _ORIGIN_SCHEMA.empty_table()) for name, spec in TABLES.items()}
        return Read({n: t for n, (t, _) in empty.items()}, {n: o for n, (_, o) in empty.items()}, {}, problems, set())
    dataset = {}
    if (root / DATASET_FILE).is_file():
        data, problem = load_mapping(root, DATASET_FILE, label)
        problems += [problem] if problem else []
        dataset = data or {}
    records_files = [(folder, rel) for folder in record_tables() for rel in files.get(folder, [])]
    if not records_files:
        problems.append(Problem(label, None, None, f"no records: the raw folder holds no "
                                f"{', '.join(list(record_tables())[:-1])} or {list(record_tables())[-1]}",
                                hint="add records (see docs/adding-an-event.md), or pass the raw folder that holds "
                                     "them"))
    pieces = _pieces(root, label, records_files)
    pieces.append(_vocabularies(root, label, [rel for rel in files.get(VOCABULARY_FOLDER, [])]))
    tables, origins = {}, {}
    for name in TABLES:
        tables[name], origins[name] = _in_key_order(name, pieces)
    problems += [p for piece in pieces for p in piece.problems]
    unreadable = set().union(*(piece.unreadable for piece in pieces))
    return Read(tables, origins, dataset, problems, unreadable)
