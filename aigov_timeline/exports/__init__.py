"""Exports of the processed tables for other tools: CSV, a Frictionless data package, TimelineJS and JSON-LD.

Each format module has ``write(tables, out, version) -> list[Path]``: ``tables`` is the dict returned by
``load_all()``, ``out`` the folder to write (created if needed), ``version`` the data version. Outputs are
deterministic: the same tables give the same bytes.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

import pandas as pd

FORMATS = {
    "csv": "one CSV per table (UTF-8, ISO dates, codes as text)",
    "datapackage": "the CSVs plus datapackage.json (Frictionless v2: keys, foreign keys, categories, licenses)",
    "timelinejs": "a Knight Lab TimelineJS JSON file of the events",
    "jsonld": "schema.org JSON-LD with prov:wasDerivedFrom links to the sources",
}


def export(fmt: str, tables: dict[str, pd.DataFrame], out: Path, version: str) -> list[Path]:
    """Write ``tables`` to ``out`` in format ``fmt``; returns the files written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    module = import_module(f"{__name__}.{fmt}")
    out.mkdir(parents=True, exist_ok=True)
    return module.write(tables, out, version)
