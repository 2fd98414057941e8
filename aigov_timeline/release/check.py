"""What only a release must satisfy, checked when a version is cut (``aigov-timeline release --check``), never by
the tests a curator runs: the versions agree, the CHANGELOG entry of this version states the shipped rows, the
citation carries the release date, and the README says how current the data is."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from .._version import __version__

ENTRY = re.compile(r"^## (\S+) \((?:data version (\S+), )?(\d{4}-\d{2}-\d{2})\)[^\n]*\n(.*?)(?=^## |\Z)",
                   flags=re.S | re.M)
ROW = re.compile(r"^\| `(\w+)` \| \S+ → ([\d,]+)", flags=re.M)
DATA_AS_OF = re.compile(r"Data as of (\d{4}-\d{2}-\d{2}); the latest event recorded is `([a-z0-9-]+)` \(([0-9-]+)\)")


def changelog_entries(text: str) -> dict[str, dict]:
    """Version -> {data_version, date, body} of each released entry (headed ``## 0.2.0 (data version 0.2.0,
    2026-12-06)``)."""
    return {version: {"data_version": data or version, "date": date, "body": body}
            for version, data, date, body in ENTRY.findall(text)}


def release_problems(repo: Path) -> list[str]:
    """Every way the clone at ``repo`` is not ready to release this package version, as sentences."""
    repo = Path(repo)
    problems = []
    manifest = json.loads((repo / "data" / "processed" / "manifest.json").read_text(encoding="utf-8"))
    dataset = yaml.safe_load((repo / "data" / "raw" / "dataset.yaml").read_text(encoding="utf-8"))
    data_version = str(dataset.get("version"))
    if manifest["data_version"] != data_version:
        problems.append(f"data/processed was built from data version {manifest['data_version']}, dataset.yaml says "
                        f"{data_version}: run `aigov-timeline build`")
    entry = changelog_entries((repo / "CHANGELOG.md").read_text(encoding="utf-8")).get(__version__)
    if entry is None:
        problems.append(f"CHANGELOG.md has no entry `## {__version__} (data version {data_version}, YYYY-MM-DD)`")
    else:
        if entry["data_version"] != data_version:
            problems.append(f"the CHANGELOG entry of {__version__} names data version {entry['data_version']}, "
                            f"dataset.yaml says {data_version}")
        rows = {name: int(n.replace(",", "")) for name, n in ROW.findall(entry["body"])}
        shipped = {name: table["rows"] for name, table in manifest["tables"].items()}
        if rows != shipped:
            differ = sorted(name for name in set(rows) | set(shipped) if rows.get(name) != shipped.get(name))
            problems.append(f"the CHANGELOG entry of {__version__} does not state the shipped rows of "
                            f"{', '.join(differ)}: paste the output of `aigov-timeline diff --against-git PREVIOUS`")
    citation = yaml.safe_load((repo / "CITATION.cff").read_text(encoding="utf-8"))
    if str(citation.get("version")) != data_version:
        problems.append(f"CITATION.cff cites version {citation.get('version')}, the data version is {data_version}")
    if entry is not None:
        for where, date in (("CITATION.cff date-released", citation.get("date-released")),
                            ("data/raw/dataset.yaml released", dataset.get("released"))):
            if str(date) != entry["date"]:
                problems.append(f"{where} is {date}, the CHANGELOG entry of {__version__} is dated {entry['date']}")
    problems += _data_as_of(repo, entry["date"] if entry else None)
    return problems


def latest_event(events: list[dict]) -> dict:
    """The event that began last (the first by ID among those of the same first day)."""
    return max(events, key=lambda row: (row["date_start"], [-ord(c) for c in row["event_id"]]))


def _data_as_of(repo: Path, released: str | None) -> list[str]:
    import pyarrow.parquet as pq

    events = pq.read_table(repo / "data" / "processed" / "events.parquet",
                           columns=["event_id", "date", "date_start"]).to_pylist()
    latest = latest_event(events)
    expected = (released or "YYYY-MM-DD", latest["event_id"], latest["date"])
    found = DATA_AS_OF.search((repo / "README.md").read_text(encoding="utf-8"))
    if found is None or found.groups() != expected:
        return [f"README.md must say \"Data as of {expected[0]}; the latest event recorded is `{expected[1]}` "
                f"({expected[2]})\" (the release date and the event that began last)"]
    return []
