"""The processed tables: where they are, loading them as typed DataFrames, and checking them against the manifest."""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..frames import to_frame
from ..metadata import TABLE_NAMES, TABLES, pandas_dtype, table

MANIFEST = "manifest.json"
DATA_ENV = "AIGOV_TIMELINE_DATA"
"""Environment variable naming a processed folder to load instead of the installed one (e.g. your own build)."""
_REINSTALL = "reinstall the package (pip install --force-reinstall aigov-timeline) or rebuild with " \
             "`aigov-timeline build`"


class DataFileError(RuntimeError):
    """A shipped data file is missing, changed or unreadable."""


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def data_dir() -> Path:
    """Where the processed tables are: the folder named by ``AIGOV_TIMELINE_DATA`` if set, else inside the installed
    package, or ``data/processed`` in a source checkout."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV])
    packaged = resources.files("aigov_timeline") / "_processed"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "data" / "processed"


@lru_cache(maxsize=1)
def _manifest_cached(path: str, mtime: float) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataFileError(f"cannot read {path}: {exc}; {_REINSTALL}") from None


def manifest() -> dict:
    path = data_dir() / MANIFEST
    try:
        mtime = path.stat().st_mtime
    except OSError:
        raise DataFileError(f"{path} is missing; {_REINSTALL}") from None
    return _manifest_cached(str(path), mtime)


def load(name: str) -> pd.DataFrame:
    """Load one table as a new pandas DataFrame with the declared dtypes."""
    table(name)  # raises ValueError listing the valid names
    path = data_dir() / f"{name}.parquet"
    try:
        arrow = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise DataFileError(f"cannot read {path}: {exc}. The file is missing or damaged; {_REINSTALL}") from None
    return to_frame(arrow)


def load_all() -> dict[str, pd.DataFrame]:
    """Load every table: a dict of table name -> DataFrame."""
    return {name: load(name) for name in TABLE_NAMES}


def describe(name: str) -> pd.DataFrame:
    """The data dictionary of one table, as a DataFrame (one row per column)."""
    spec = table(name)
    return pd.DataFrame(
        {
            "column": [c.name for c in spec.columns],
            "type": [c.type for c in spec.columns],
            "dtype": [pandas_dtype(c) for c in spec.columns],
            "nullable": [c.nullable for c in spec.columns],
            "primary_key": [c.name in spec.primary_key for c in spec.columns],
            "references": [c.references for c in spec.columns],
            "description": [c.description for c in spec.columns],
            "example": [None if c.example is None else str(c.example) for c in spec.columns],
        }
    )


def verify() -> pd.DataFrame:
    """Check every shipped file against the manifest (size and SHA-256).

    Returns one row per table when all match; raises DataFileError naming every missing, truncated or changed file.
    """
    folder = data_dir()
    entries = manifest()["tables"]
    rows, bad = [], []
    for name in TABLE_NAMES:
        info = entries.get(name)
        path = folder / f"{name}.parquet"
        if info is None:
            bad.append(f"{name}: not in the manifest")
            continue
        try:
            data = path.read_bytes()
        except OSError:
            bad.append(f"{path}: missing")
            continue
        digest = hashlib.sha256(data).hexdigest()
        if len(data) != info["bytes"] or digest != info["sha256"]:
            bad.append(f"{path}: {len(data)} bytes, sha256 {digest[:12]}…; expected {info['bytes']} bytes, "
                       f"sha256 {info['sha256'][:12]}…")
        rows.append({"table": name, "rows": info["rows"], "bytes": info["bytes"], "sha256": info["sha256"]})
    if bad:
        raise DataFileError("data files do not match the manifest:\n  " + "\n  ".join(bad) + f"\n{_REINSTALL}")
    return pd.DataFrame(rows)


def _table_list() -> str:
    return "\n".join(f"    - ``{t.name}``: {t.description}" for t in TABLES.values())


load.__doc__ += "\n\n    Tables:\n\n" + _table_list() + "\n\n    Raises ValueError for an unknown name.\n"
