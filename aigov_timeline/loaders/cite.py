"""Provenance: the sources and verbatim quotes behind any row, and the citation of the dataset itself, as a table,
as citation text or as BibTeX."""

from __future__ import annotations

import json
import re

import pandas as pd

from ..metadata import EVIDENCE, TABLES, link_tables
from .files import DataFileError, data_dir, load

STYLES = (None, "text", "bibtex")
AUTHORS = "aigov-timeline contributors"
DATASET_COLUMNS = ["title", "version", "released", "authors", "license", "url"]

_EVIDENCE = {TABLES[entity].column(key).pattern[1:].split("-")[0]: (evidence, key) for entity, evidence, key in EVIDENCE}
_SOURCE_COLUMNS = ["source_id", "publisher", "title", "author", "url", "published", "is_primary"]
COLUMNS = ["subject", "table", "detail", *_SOURCE_COLUMNS, "quote"]


def _evidence(subject: str) -> pd.DataFrame:
    prefix = subject.split("-", 1)[0]
    if prefix == "stm":
        rows = load("statements").query("statement_id == @subject")
        return rows.assign(subject=subject, table="statements", detail="the statement itself")
    if prefix == "src":
        rows = load("sources").query("source_id == @subject")
        return rows.assign(subject=subject, table="sources", detail="the source itself", quote=None)
    if prefix not in _EVIDENCE:
        raise ValueError(f"cannot cite {subject!r}: IDs start with evt-, doc-, act-, stm- or src-")
    table, key = _EVIDENCE[prefix]
    rows = load(table)
    rows = rows[rows[key] == subject]
    return rows.assign(subject=subject, table=table, detail=rows["supports"].fillna(""))


def _link(a: str, b: str) -> pd.DataFrame:
    found = []
    for spec in link_tables():
        frame = load(spec.name)
        first, second = spec.pair
        hit = frame[((frame[first] == a) & (frame[second] == b)) | ((frame[first] == b) & (frame[second] == a))]
        if len(hit):
            code = next(c.name for c in spec.columns if c.is_vocabulary)  # the role, relation or vote
            detail = hit[code]
            found.append(hit.assign(subject=f"{a} ~ {b}", table=spec.name, detail=detail))
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=["source_id", "quote"])


def cite(subject: str | None = None, other: str | None = None, style: str | None = None):
    """The citation of the dataset, or the sources and quotes behind a row.

    ``cite()`` cites the dataset (title, data version, release date, license). ``cite("evt-2023-07-18-...")``
    cites an event, document, actor, statement or source; ``cite(event_or_document_id, other_id)`` the link rows
    between two entities (a role, a relation, a vote, a sponsorship). Returns a DataFrame (one row for the dataset,
    or one row per source and quote); with ``style="text"`` a citation string, with ``style="bibtex"`` BibTeX
    entries. Raises LookupError when nothing is recorded for the subject.
    """
    if style not in STYLES:
        raise ValueError(f"style must be one of {', '.join(repr(s) for s in STYLES)}")
    if subject is None:
        dataset = dataset_citation()
        if style is None:
            return pd.DataFrame([dataset], columns=DATASET_COLUMNS)
        return format_dataset(dataset) if style == "text" else bibtex_dataset(dataset)
    rows = _link(subject, other) if other else _evidence(subject)
    if rows.empty:
        what = f"{subject} and {other}" if other else subject
        raise LookupError(f"no record of {what}; check the ID (see aigov_timeline.load('events') etc.)")
    sources = load("sources")[_SOURCE_COLUMNS]
    if "publisher" not in rows.columns:
        rows = rows[["subject", "table", "detail", "source_id", "quote"]].merge(sources, on="source_id", how="left")
    out = rows[COLUMNS].reset_index(drop=True)
    if style is None:
        return out
    return format_citation(out) if style == "text" else bibtex_sources(out)


def dataset_citation() -> dict:
    """The dataset's citation, from the shipped datapackage.json: title, data version, release date, license."""
    path = data_dir() / "datapackage.json"
    try:
        package = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataFileError(f"cannot read {path}: {exc}; reinstall the package or rebuild with "
                            "`aigov-timeline build`") from None
    return {"title": package["title"], "version": package["version"], "released": package.get("created", "")[:10],
            "authors": AUTHORS, "license": ", ".join(lic["name"] for lic in package.get("licenses", [])),
            "url": package.get("homepage")}


def format_dataset(dataset: dict) -> str:
    """One line: authors (year). Title (version) [Data set]. License. URL."""
    year = dataset["released"][:4] or "n.d."
    parts = [f"{dataset['authors']} ({year}). {dataset['title']} (version {dataset['version']}) [Data set].",
             f"Released {dataset['released']}." if dataset["released"] else "",
             f"License: {dataset['license']}." if dataset["license"] else "", dataset["url"] or ""]
    return " ".join(p for p in parts if p)


def _bibtex(kind: str, key: str, fields: dict) -> str:
    body = ",\n".join(f"  {name} = {{{_escape(str(value))}}}" for name, value in fields.items()
                      if value not in (None, "") and value == value)
    return f"@{kind}{{{key},\n{body}\n}}"


def _escape(text: str) -> str:
    return re.sub(r"([&%$#_])", r"\\\1", text)


def _key(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()


def bibtex_dataset(dataset: dict) -> str:
    """A BibTeX ``@misc`` entry of the dataset."""
    return _bibtex("misc", _key(f"aigov_timeline_{dataset['version']}"), {
        "title": dataset["title"], "author": f"{{{dataset['authors']}}}", "year": dataset["released"][:4],
        "version": dataset["version"], "howpublished": "Data set", "note": f"License: {dataset['license']}",
        "url": dataset["url"]})


def bibtex_sources(rows: pd.DataFrame) -> str:
    """One BibTeX ``@misc`` entry per source, with the quotes taken from it as its note."""
    entries = []
    for source_id, group in rows.groupby("source_id", sort=False):
        row = group.iloc[0]
        quotes = [f"\u201c{q}\u201d" for q in dict.fromkeys(group["quote"]) if isinstance(q, str)]
        fields = {"title": row["title"], "author": row["author"], "publisher": row["publisher"],
                  "year": row["published"][:4] if isinstance(row["published"], str) else None, "url": row["url"],
                  "note": f"Quoted: {'; '.join(quotes)}" if quotes else None}
        entries.append(_bibtex("misc", _key(source_id), fields))
    return "\n\n".join(entries)


def format_citation(rows: pd.DataFrame) -> str:
    """One numbered line per source: publisher, title, date, URL, primary or not, and the quote."""
    lines = [f"Sources for {rows['subject'].iloc[0]}:"]
    for n, row in enumerate(rows.itertuples(index=False), 1):
        parts = [p for p in (row.publisher, f"“{row.title}”" if isinstance(row.title, str) else None,
                             row.published, row.url) if isinstance(p, str)]
        kind = "primary source" if row.is_primary else "secondary source"
        line = f"[{n}] {'. '.join(parts)} ({kind}; {row.source_id})."
        if isinstance(row.quote, str):
            line += f" Quote: “{row.quote}”"
        lines.append(line)
    return "\n".join(lines)
