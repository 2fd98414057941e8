"""A Frictionless v2 data package: the CSV export plus ``datapackage.json``.

The descriptor declares every field's type, description and constraints, primary keys, foreign keys (to other
tables and to the ``vocab_*`` tables), vocabulary ``categories``, the licenses and the sources, so that
``frictionless validate datapackage.json`` checks the whole package, links included.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..loaders import DataFileError, data_dir, file_sha256
from ..metadata import TABLES
from ..schemas import datapackage, package_sources
from . import csv

DESCRIPTOR = "datapackage.json"
PACKAGE_FIELDS = ("name", "title", "description", "created", "homepage", "licenses", "keywords")


def shipped_dataset() -> dict:
    """The package-level metadata (name, title, licenses, ...) of the shipped data package."""
    path = data_dir() / DESCRIPTOR
    try:
        shipped = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataFileError(f"cannot read {path}: {exc}; reinstall the package or rebuild with "
                            "`aigov-timeline build`") from None
    return {key: shipped[key] for key in PACKAGE_FIELDS if key in shipped}


def write(tables: dict[str, pd.DataFrame], out: Path, version: str) -> list[Path]:
    """Write the CSV files and their ``datapackage.json`` into ``out``."""
    paths = csv.write(tables, out, version)
    files = {p.stem: {"path": p.name, "bytes": p.stat().st_size,
                      "sha256": file_sha256(p)} for p in paths}
    categories = {name: sorted(frame["code"]) for name, frame in tables.items()
                  if TABLES[name].kind == "vocabulary"}
    sources = []
    if "sources" in tables:
        frame = tables["sources"][["source_id", "title", "url"]]
        sources = package_sources(frame.astype(object).where(frame.notna(), None).to_dict("records"))
    dataset = {**shipped_dataset(), "version": version}
    descriptor = datapackage(dataset, categories, files, sources, file_format="csv")
    path = out / DESCRIPTOR
    path.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [*paths, path]
