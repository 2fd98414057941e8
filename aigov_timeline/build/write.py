"""Writing a build: Parquet files, manifest.json and datapackage.json swapped in whole, the generated docs, and
the check mode that compares the committed outputs with a fresh build.

The output folder is written beside the old one and exchanged with it in one step, so a failed or interrupted build
leaves the previous output intact.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..loaders.files import file_sha256
from ..metadata import TABLES
from ..schemas import datapackage, package_sources
from . import docs
from .tables import cores

MANIFEST = "manifest.json"
DATAPACKAGE = "datapackage.json"
DICTIONARY = "data-dictionary.md"
COVERAGE = "coverage.md"
ER_DIAGRAM = "er-diagram.md"


@dataclass
class Built:
    """A successful build in memory: the Arrow tables plus what the generated files need."""

    dataset: dict
    tables: dict[str, pa.Table]

    @property
    def version(self) -> str:
        return self.dataset["version"]


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


def write_outputs(built: Built, out: Path, docs_dir: Path) -> None:
    """Replace ``out`` and the generated docs with a checked build, in one step each."""
    out = Path(out)
    recover(out)
    _remove_stale_docs(docs_dir)
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


# --- check mode ----------------------------------------------------------------------------------------------

def _same_parquet(a: Path, b: Path) -> bool:
    ta, tb = pq.read_table(a), pq.read_table(b)
    return ta.schema.equals(tb.schema, check_metadata=True) and ta.equals(tb)


def stale_outputs(built: Built, out: Path, docs_dir: Path) -> tuple[list[str], str | None]:
    """Write a fresh build in a temporary folder and list the committed outputs that differ.

    Parquet files written by another pyarrow version differ only in the writer's version string; they are then
    compared by content (schema, metadata and rows), and the returned note says so.
    """
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
