"""Provenance: the sources and verbatim quotes behind any row, as a table or as citation text."""

from __future__ import annotations

import pandas as pd

from ..metadata import EVIDENCE, TABLES, link_tables
from .files import load

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


def cite(subject: str, other: str | None = None, style: str | None = None):
    """The sources and quotes behind a row.

    ``cite("evt-2023-07-18-unsc-ai-briefing")`` cites an event, document, actor, statement or source;
    ``cite(event_or_document_id, other_id)`` cites the link rows between two entities (a role, a relation).
    Returns a DataFrame (one row per source and quote), or with ``style="text"`` a citation string.
    Raises LookupError when nothing is recorded for the subject.
    """
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
    if style != "text":
        raise ValueError("style must be None or 'text'")
    return format_citation(out)


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
