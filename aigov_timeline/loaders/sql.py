"""SQL over the shipped tables with DuckDB (the ``duckdb`` extra: ``pip install "aigov-timeline[duckdb]"``)."""

from __future__ import annotations

from .files import data_dir, verify
from ..metadata import TABLE_NAMES


def connect(check: bool = True):
    """An in-memory DuckDB connection with every table registered as a view over its Parquet file.

    The views read the files in place (nothing is copied). With ``check`` (the default) the files are first
    verified against their SHA-256 manifest. Raises ImportError with the install command when duckdb is missing.
    """
    try:
        import duckdb
    except ImportError as exc:
        raise ImportError("connect() needs DuckDB: pip install 'aigov-timeline[duckdb]'") from exc
    if check:
        verify()
    folder = data_dir()
    con = duckdb.connect(":memory:")
    for name in TABLE_NAMES:
        path = str(folder / f"{name}.parquet").replace("'", "''")
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
    return con
