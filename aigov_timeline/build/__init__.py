"""The build: raw folder -> read -> rows -> checks -> write (Parquet, manifest, datapackage.json, generated docs).

``check(raw)`` reads and checks a raw folder and returns the tables, or raises ``DataProblems`` listing every
problem; ``build(raw, out, docs)`` writes them only when every check passes.
"""

from __future__ import annotations

from pathlib import Path

from .. import dates
from ..metadata import TABLES
from ..problems import DataProblems, Problem
from ..schemas import arrow_schema
from .checks import DERIVED_MISSING, table_problems
from .quotes import quote_problems, stored_texts
from .tables import read_tables
from .versions import aligned_passages
from .write import Built, stale_outputs, write_outputs

__all__ = ["Built", "build", "check", "stale_outputs", "write_outputs"]

DATASET_KEYS = ("name", "title", "description", "version", "licenses")


def _dataset_problems(dataset: dict, label: str) -> list[Problem]:
    problems = [Problem(f"{label}/dataset.yaml", None, key, "required field is missing") for key in DATASET_KEYS
                if dataset and not dataset.get(key)]
    released = dataset.get("released")
    if released is not None:
        try:
            if not isinstance(released, str) or dates.parse(released).precision != "day":
                raise dates.DateError("the release date needs a day")
        except dates.DateError as exc:
            problems.append(Problem(f"{label}/dataset.yaml", None, "released", str(exc), released,
                                    'write the day the data version was released, as "YYYY-MM-DD"'))
    return problems


def _dedupe(problems: list[Problem], unreadable: set[str]) -> list[Problem]:
    """One problem per (file, record, field): the first, most specific one wins. Problems that follow from another
    are left out: a reference to a record whose file could not be read, a derived value missing because of another
    problem of its record, a column type of a whole table, and a bad ID copied into its record's nested rows."""
    problems = [p for p in problems if not (p.message.endswith(" has this ID") and p.value in unreadable)]
    causes = {(p.file, p.record) for p in problems if p.message != DERIVED_MISSING}
    problems = [p for p in problems if p.message != DERIVED_MISSING or (p.file, p.record) not in causes]
    if any(p.record for p in problems):
        problems = [p for p in problems if not p.file.startswith("table ")]
    bad_ids = {(p.file, p.record, p.message) for p in problems if p.field == "id"}
    problems = [p for p in problems
                if p.field == "id" or (p.file, p.record, p.message) not in bad_ids
                or not (isinstance(p.value, str) and p.value == p.record)]
    seen, out = set(), []
    for p in problems:
        key = (p.file, p.record, p.field)
        if key in seen and p.field is not None:
            continue
        seen.add(key)
        out.append(p)
    return out


def check(raw_dir: Path, label: str | None = None) -> Built:
    """Read and check a raw folder; return the tables, or raise DataProblems listing every problem."""
    raw_dir = Path(raw_dir)
    label = label or str(raw_dir)
    read = read_tables(raw_dir, label)
    texts, text_problems = stored_texts(raw_dir, label, read.tables, read.origin)
    problems = text_problems + read.problems + _dataset_problems(read.dataset, label)  # the more specific first
    read.tables["passages"], read.origins["passages"], version_problems = aligned_passages(
        read.tables, read.origins, texts, read.origin)
    problems += version_problems
    problems += table_problems(read.tables, read.origin)
    problems += quote_problems(read.tables, texts, read.origin)
    if problems:
        raise DataProblems(_dedupe(problems, read.unreadable), label)
    version = read.dataset["version"]
    tables = {name: table.replace_schema_metadata(arrow_schema(TABLES[name], version).metadata)
              for name, table in read.tables.items()}
    return Built(read.dataset, tables)


def build(raw_dir: Path, out: Path, docs_dir: Path) -> Built:
    """Check the raw folder, then replace ``out`` and the generated docs in one step."""
    built = check(raw_dir)
    write_outputs(built, out, docs_dir)
    return built
