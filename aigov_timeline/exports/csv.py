"""One CSV per table: UTF-8, ISO 8601 dates, ``true``/``false`` booleans, codes kept as text, empty = null.

Text is never empty in the tables (the build rejects empty strings), so an empty CSV field always means null.
Read the files back with ``read`` (or with the options of ``read_csv_options``): codes such as the ISO code
``NA`` (Namibia) and zero-padded M49 codes stay text only when pandas' default NA strings are switched off.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..metadata import TABLE_NAMES, Table, pandas_dtype, table


def to_csv_frame(frame: pd.DataFrame, spec: Table) -> pd.DataFrame:
    """The frame with dates as ``YYYY-MM-DD`` text and booleans as ``true``/``false``."""
    out = frame[spec.column_names].copy()
    for col in spec.columns:
        if col.type == "date32":
            out[col.name] = out[col.name].dt.strftime("%Y-%m-%d")
        elif col.type == "bool":
            out[col.name] = out[col.name].map({True: "true", False: "false"})
    return out


def write_table(frame: pd.DataFrame, spec: Table, path: Path) -> Path:
    # RFC 4180 line ends: the csv writer quotes only fields holding a line-end character, so with "\n" alone a
    # text holding "\r" would be written bare and split its row when read back.
    text = to_csv_frame(frame, spec).to_csv(index=False, lineterminator="\r\n", na_rep="")
    path.write_text(text, encoding="utf-8", newline="")
    return path


def write(tables: dict[str, pd.DataFrame], out: Path, version: str) -> list[Path]:
    """Write ``<table>.csv`` for every table into ``out``."""
    return [write_table(tables[name], table(name), out / f"{name}.csv") for name in TABLE_NAMES if name in tables]


def read_csv_options(spec: Table) -> dict:
    """``pandas.read_csv`` keyword arguments that give back the declared dtypes."""
    dates = [c.name for c in spec.columns if c.type == "date32"]
    dtypes = {c.name: pandas_dtype(c) for c in spec.columns if c.type != "date32"}
    return {"dtype": dtypes, "keep_default_na": False, "na_values": [""], "parse_dates": dates,
            "true_values": ["true"], "false_values": ["false"], "encoding": "utf-8"}


def read_table(path: Path, spec: Table) -> pd.DataFrame:
    frame = pd.read_csv(path, **read_csv_options(spec))
    for col in spec.columns:
        if col.type == "date32":
            frame[col.name] = pd.to_datetime(frame[col.name], format="%Y-%m-%d").astype("datetime64[ms]")
    return frame


def read(folder: Path) -> dict[str, pd.DataFrame]:
    """Read back every ``<table>.csv`` in ``folder`` with the declared dtypes."""
    return {name: read_table(folder / f"{name}.csv", table(name)) for name in TABLE_NAMES
            if (folder / f"{name}.csv").exists()}
