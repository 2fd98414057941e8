"""Validation of processed Parquet tables (the shipped data, or any build output folder)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..frames import to_frame
from ..metadata import TABLES
from ..problems import DataProblems, Origin, Problem
from ..schemas import arrow_schema
from .checks import table_problems


def check_processed(folder: Path) -> dict[str, int]:
    """Run the table and cross-table checks on a processed folder; return rows per table or raise DataProblems."""
    folder = Path(folder)
    problems: list[Problem] = []
    tables = {}
    for name, spec in TABLES.items():
        path = folder / f"{name}.parquet"
        try:
            arrow = pq.read_table(path)
        except (OSError, pa.ArrowException) as exc:
            problems.append(Problem(str(path), None, None, f"cannot read the table: {exc}",
                                    hint="rebuild with `aigov-timeline build`, or reinstall the package"))
            continue
        expected = arrow_schema(spec)
        if not arrow.schema.remove_metadata().equals(expected.remove_metadata()) or \
                [f.metadata for f in arrow.schema] != [f.metadata for f in expected]:
            problems.append(Problem(str(path), None, None, "the file's schema differs from the declared schema",
                                    hint="rebuild with `aigov-timeline build`"))
            continue
        tables[name] = arrow

    def origin_of(table: str, index: int) -> Origin:
        row = to_frame(tables[table].slice(index, 1)).iloc[0]
        key = " / ".join(str(row[k]) for k in TABLES[table].primary_key)
        return Origin(str(folder / f"{table}.parquet"), key)

    problems += table_problems(tables, origin_of)
    if problems:
        raise DataProblems(problems, str(folder))
    return {name: table.num_rows for name, table in tables.items()}
