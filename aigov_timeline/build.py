"""The build: raw folder -> checked tables -> Parquet, manifest, datapackage.json and generated docs.

Nothing is written unless every check passes, and the output folder is swapped in whole, so a failed or
interrupted build leaves the previous output intact.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import docs
from .checks import DERIVED_MISSING, quote_search, table_problems
from .columnar import Origins
from .loaders import file_sha256
from .metadata import TABLES
from .normalise import Origin, Rows, normalise
from .order import sort_order
from .parallel import cores
from .problems import DataProblems, Problem
from .raw import RawData, read_raw, sha256_text, stored_text
from .schemas import arrow_schema, datapackage, package_sources
from .texts import Texts

MANIFEST = "manifest.json"
DATAPACKAGE = "datapackage.json"
DICTIONARY = "data-dictionary.md"
COVERAGE = "coverage.md"
ER_DIAGRAM = "er-diagram.md"
DATASET_KEYS = ("name", "title", "description", "version", "licenses")


@dataclass
class Built:
    """A successful build in memory: the Arrow tables plus what the generated files need."""

    dataset: dict
    tables: dict[str, pa.Table]

    @property
    def version(self) -> str:
        return self.dataset["version"]


# --- reading and checking ------------------------------------------------------------------------------------

def _source_texts(raw: RawData, sources: pa.Table, origins, problems: list[Problem], texts: Texts) -> pa.Table:
    """Add every stored text to ``texts``: those the fast path read and checked, then those of the other sources,
    read here, with their recorded SHA-256 checked. Returns the table with the actual checksums."""
    for ids, collapsed, ends in raw.fast_texts:
        texts.add_collapsed(ids, collapsed, ends)
    raw.fast_texts.clear()
    records = {r.id: r.data for r in raw.records.get("sources", [])}
    paths, recorded = sources.column("text_path"), sources.column("text_sha256")
    actual_sums = recorded.to_pylist()  # rows read by the fast path carry their checked checksum
    folders: dict[Path, bool] = {}
    for i in pc.indices_nonzero(pc.and_(pc.is_valid(paths), pc.is_null(recorded))).to_pylist():
        rel, origin = paths[i].as_py(), origins[i]
        text, problem = stored_text(raw.root, rel, raw.path_label(rel), folders)
        if problem:
            problems.append(replace(problem, file=origin.file, record=origin.record))
            continue
        actual = sha256_text(text)
        expected = records.get(origin.record, {}).get("text_sha256")
        if expected is None:
            problems.append(Problem(origin.file, origin.record, "text_sha256", "missing checksum of the stored text",
                                    hint=f"add `text_sha256: {actual}`"))
        elif expected != actual:
            problems.append(Problem(origin.file, origin.record, "text_sha256",
                                    f"the stored text {rel} changed since it was quoted (its SHA-256 is {actual})",
                                    expected, "restore the text, or re-check every quote from this source and "
                                    "then update text_sha256"))
        actual_sums[i] = actual
        texts.add(sources.column("source_id")[i].as_py(), text)
    index = sources.schema.get_field_index("text_sha256")
    return sources.set_column(index, sources.schema.field(index), pa.array(actual_sums, pa.string()))


def _dataset(raw: RawData, problems: list[Problem]) -> dict:
    meta = raw.dataset
    for key in DATASET_KEYS:
        if meta and not meta.get(key):
            problems.append(Problem(raw.path_label("dataset.yaml"), None, key, "required field is missing"))
    return meta


def _tables(raw: RawData, rows: Rows) -> tuple[dict[str, pa.Table], dict[str, Origins]]:
    """Every table in primary-key order, with the origins of its rows: the pieces the fast path read (each sorted
    already) and the rows normalised record by record, put together in key order, or sorted as a whole where their
    keys interleave."""
    tables, origins = {}, {}
    for name, spec in TABLES.items():
        keys = spec.primary_key
        slow = pa.Table.from_pylist(rows.rows[name], schema=arrow_schema(spec))
        slow_origins = rows.origins[name]
        order = sort_order(slow, keys)
        if order is not None:
            slow, slow_origins = slow.take(order), [slow_origins[i] for i in order]
        pieces = [(p.table, p.origins) for p in raw.fast.get(name, [])] + [(slow, slow_origins)]
        pieces = [piece for piece in pieces if piece[0].num_rows] or [(slow, slow_origins)]
        ordered = _in_key_order(pieces, keys)
        whole = pa.concat_tables([table for table, _ in ordered or pieces])
        order = None if ordered else sort_order(whole, keys)
        tables[name] = whole if order is None else whole.take(order)
        origins[name] = Origins([part for _, part in ordered or pieces], order)
    return tables, origins


def _in_key_order(pieces: list[tuple[pa.Table, object]], keys) -> list | None:
    """The sorted pieces in an order that puts all their rows in key order, or None if their keys interleave."""
    if any(table.column(key).null_count for table, _ in pieces for key in keys):
        return None
    if not any(table.num_rows for table, _ in pieces):
        return pieces

    def row(table: pa.Table, index: int) -> tuple:
        return tuple(table.column(key)[index].as_py() for key in keys)

    ordered = sorted(pieces, key=lambda piece: row(piece[0], 0))
    ends = [(row(a, a.num_rows - 1), row(b, 0)) for (a, _), (b, _) in zip(ordered, ordered[1:])]
    return ordered if all(last <= first for last, first in ends) else None


def _dedupe(problems: list[Problem]) -> list[Problem]:
    """One problem per (file, record, field): the first, most specific one wins. A derived value that is missing
    because of another problem of the same record is not reported twice, nor is a column type of a whole table
    (it follows from a value reported at its record)."""
    seen, out = set(), []
    causes = {(p.file, p.record) for p in problems if p.message != DERIVED_MISSING}
    problems = [p for p in problems if p.message != DERIVED_MISSING or (p.file, p.record) not in causes]
    if any(p.record for p in problems):
        problems = [p for p in problems if not p.file.startswith("table ")]
    bad_ids = {(p.file, p.record, p.message) for p in problems if p.field == "id"}
    problems = [p for p in problems  # a bad ID copied into the record's nested rows is reported once, at `id`
                if p.field == "id" or (p.file, p.record, p.message) not in bad_ids
                or not (isinstance(p.value, str) and p.value == p.record)]
    for p in problems:
        key = (p.file, p.record, p.field)
        if key in seen and p.field is not None:
            continue
        seen.add(key)
        out.append(p)
    return out


def check_raw(raw_dir: Path, label: str | None = None, fast: bool = True) -> Built:
    """Read and check a raw folder; return the tables, or raise DataProblems listing every problem. ``fast=False``
    reads every record the full way (the fast path gives the same tables)."""
    raw = read_raw(Path(raw_dir), label, fast=fast)
    rows, problems = normalise(raw)
    dataset = _dataset(raw, problems)
    arrow, origins = _tables(raw, rows)
    del rows
    raw.fast.clear()

    def origin_of(table: str, index: int) -> Origin:
        return origins[table][index]

    with Texts() as texts:
        arrow["sources"] = _source_texts(raw, arrow["sources"], origins["sources"], problems, texts)
        quote_problems = quote_search(arrow, texts)  # worker processes search while the other checks run
        problems += table_problems(arrow, origin_of)
        problems += quote_problems(origin_of)
    if problems:  # a reference to a record whose file could not be read follows from that file's problem
        problems = [p for p in problems if not (p.message.endswith(" has this ID") and p.value in raw.unreadable)]
        raise DataProblems(_dedupe(problems), raw.label)
    version = dataset["version"]
    tables = {name: table.replace_schema_metadata(arrow_schema(TABLES[name], version).metadata)
              for name, table in arrow.items()}
    return Built(dataset, tables)


# --- writing -------------------------------------------------------------------------------------------------

def _json(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def categories(tables: dict[str, pa.Table]) -> dict[str, list[str]]:
    return {name: sorted(t.column("code").to_pylist()) for name, t in tables.items()
            if TABLES[name].kind == "vocabulary"}


def write_processed(built: Built, out: Path) -> None:
    """Write the Parquet files, manifest.json and datapackage.json into an (empty) folder."""
    out.mkdir(parents=True, exist_ok=True)

    def write(name: str) -> dict:
        table, path = built.tables[name], out / f"{name}.parquet"
        pq.write_table(table, path, compression="zstd")
        return {"path": path.name, "rows": table.num_rows, "bytes": path.stat().st_size, "sha256": file_sha256(path)}

    with ThreadPoolExecutor(cores()) as pool:  # Parquet encoding and hashing run outside the GIL
        files = dict(zip(built.tables, pool.map(write, built.tables)))
    manifest = {"name": built.dataset["name"], "data_version": built.version, "pyarrow": pa.__version__,
                "tables": files}
    (out / MANIFEST).write_text(_json(manifest), encoding="utf-8")
    package = datapackage(built.dataset, categories(built.tables), files,
                          package_sources(built.tables["sources"].to_pylist()))
    (out / DATAPACKAGE).write_text(_json(package), encoding="utf-8")


def generated_docs(built: Built) -> dict[str, str]:
    """The generated Markdown files of docs/, by file name."""
    return {DICTIONARY: docs.data_dictionary(built.tables, built.version),
            COVERAGE: docs.coverage(built.tables, built.version, built.dataset.get("known_gaps") or []),
            ER_DIAGRAM: docs.er_diagram()}


def recover(out: Path) -> None:
    """Finish or undo a swap that a crash interrupted, and remove stale temporary folders."""
    parent = out.parent
    if not parent.is_dir():
        return
    olds = sorted(parent.glob(f".{out.name}.old-*"))
    if not out.exists() and olds:
        olds[-1].rename(out)
        olds = olds[:-1]
    for stale in [*olds, *parent.glob(f".{out.name}.tmp-*")]:
        shutil.rmtree(stale, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _swap_in(tmp: Path, out: Path) -> None:
    """Put ``tmp`` in place of ``out``: atomically where the system can; else with two renames, where a crash
    between them leaves the previous output under ``.<out>.old-<pid>`` for ``recover()`` to put back."""
    if out.exists() and _exchange(tmp, out):
        shutil.rmtree(tmp, ignore_errors=True)  # now the previous output
        return
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def _write_text_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _remove_stale_docs(docs_dir: Path) -> None:
    """Remove temporary files that a crash left while writing the generated docs."""
    for name in (DICTIONARY, COVERAGE, ER_DIAGRAM):
        for stale in Path(docs_dir).glob(f".{name}.tmp-*"):
            stale.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def build(raw_dir: Path, out: Path, docs_dir: Path) -> Built:
    """Check the raw folder, then replace ``out`` and the generated docs in one step."""
    out = Path(out)
    recover(out)
    _remove_stale_docs(docs_dir)
    built = check_raw(raw_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the output is an ordinary folder
    with ThreadPoolExecutor(1) as pool:
        texts = pool.submit(generated_docs, built)  # made while the Parquet files are written
        try:
            write_processed(built, tmp)
            _swap_in(tmp, out)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        for name, text in texts.result().items():
            _write_text_atomic(Path(docs_dir) / name, text)
    return built


# --- check mode ----------------------------------------------------------------------------------------------

def _same_parquet(a: Path, b: Path) -> bool:
    ta, tb = pq.read_table(a), pq.read_table(b)
    return ta.schema.equals(tb.schema, check_metadata=True) and ta.equals(tb)


def stale_outputs(raw_dir: Path, out: Path, docs_dir: Path) -> tuple[list[str], str | None]:
    """Build afresh in a temporary folder and list the committed outputs that differ.

    Parquet files written by another pyarrow version differ only in the writer's version string; they are then
    compared by content (schema, metadata and rows), and the returned note says so.
    """
    built = check_raw(raw_dir)
    note = None
    stale = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "processed"
        write_processed(built, fresh)
        committed_manifest = out / MANIFEST
        other_writer = None
        if committed_manifest.is_file():
            try:
                other_writer = json.loads(committed_manifest.read_text())["pyarrow"]
            except (ValueError, KeyError):
                other_writer = None
        lenient = other_writer is not None and other_writer != pa.__version__
        if lenient:
            note = (f"the committed files were written by pyarrow {other_writer}, this is {pa.__version__}: "
                    "Parquet files were compared by content")
        names = sorted({p.name for p in fresh.iterdir()} | ({p.name for p in out.iterdir()} if out.is_dir()
                                                            else set()))
        for name in names:
            a, b = fresh / name, out / name
            if not a.exists() or not b.exists():
                stale.append(str(b))
            elif a.read_bytes() != b.read_bytes():
                if lenient and name.endswith(".parquet") and _same_parquet(a, b):
                    continue
                if lenient and name in (MANIFEST, DATAPACKAGE) and _same_json(a, b):
                    continue
                stale.append(str(b))
    for name, text in generated_docs(built).items():
        path = Path(docs_dir) / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(str(path))
    return stale, note


def _same_json(a: Path, b: Path) -> bool:
    """Equal apart from the byte sizes and hashes that depend on the Parquet writer version."""
    def strip(data):
        if isinstance(data, dict):
            return {k: strip(v) for k, v in data.items() if k not in ("bytes", "sha256", "hash", "pyarrow")}
        if isinstance(data, list):
            return [strip(v) for v in data]
        return data
    return strip(json.loads(a.read_text())) == strip(json.loads(b.read_text()))
