"""The sources' stored texts, and the check that every quote occurs in the text of its source.

A quote matches when it occurs verbatim after whitespace normalisation (``collapse``): every run of whitespace,
line breaks included, counts as one space.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa

from ..metadata import TABLES, StoredText, cited_tables
from ..problems import Origin, Problem
from .read import sha256_text, stored_text

OriginOf = Callable[[str, int], Origin]


def collapse(text: str) -> str:
    """Whitespace normalisation for the quote check: every run of whitespace becomes one space."""
    return " ".join(text.split())


def stored_texts(root: Path, label: str, tables: dict[str, pa.Table], origin_of: OriginOf
                 ) -> tuple[dict[str, str], list[Problem]]:
    """The collapsed stored text of every row of a table with stored texts, by its key; a text that is missing,
    unreadable or changed since its checksum was recorded is a problem."""
    texts, problems = {}, []
    for name, spec in TABLES.items():
        rule = spec.rule(StoredText)
        if rule is None or name not in tables:
            continue
        table = tables[name]
        keys, paths = table.column(spec.primary_key[0]).to_pylist(), table.column(rule.path).to_pylist()
        for index, (key, rel, recorded) in enumerate(zip(keys, paths, table.column(rule.checksum).to_pylist())):
            if rel is None:
                continue
            origin = origin_of(name, index)
            text, problem = stored_text(root, rel, f"{label}/{rel}")
            if problem:
                problems.append(Problem(origin.file, origin.record, problem.field, problem.message, rel,
                                        problem.hint))
                continue
            actual = sha256_text(text)
            if recorded is None:
                problems.append(origin.problem("missing checksum of the stored text", hint=f"add `{rule.checksum}: "
                                               f"{actual}`", field=rule.checksum, with_value=False))
            elif recorded != actual:
                problems.append(origin.problem(f"the stored text {rel} changed since it was quoted (its SHA-256 is "
                                               f"{actual})", recorded, "restore the text, or re-check every quote "
                                               "from this source and then update text_sha256", field=rule.checksum))
            texts[key] = collapse(text)
    return texts, problems


def quote_problems(tables: dict[str, pa.Table], texts: dict[str, str], origin_of: OriginOf) -> list[Problem]:
    """Every quote occurs in the stored text of its source (a source without a text is reported elsewhere)."""
    problems = []
    for spec in cited_tables():
        table = tables.get(spec.name)
        if table is None:
            continue
        pairs = zip(table.column("source_id").to_pylist(), table.column("quote").to_pylist())
        for index, (source_id, quote) in enumerate(pairs):
            text = texts.get(source_id)
            if text is None or quote is None or (wanted := collapse(quote)) in text:
                continue
            near = closest_passage(wanted, text)
            problems.append(origin_of(spec.name, index).problem(
                f"quote not found in the stored text of {source_id}", quote,
                f"copy the words exactly; closest text in the source: {near!r}", field="quote"))
    return problems


def closest_passage(quote: str, text: str) -> str:
    """The passage of ``text`` most like ``quote`` (same number of words), for the error message."""
    words = text.split(" ")
    size = max(1, len(quote.split(" ")))
    windows = [" ".join(words[i:i + size]) for i in range(0, max(1, len(words) - size + 1))]
    best = difflib.get_close_matches(quote, windows, n=1, cutoff=0.0)
    passage = best[0] if best else ""
    return passage if len(passage) <= 160 else passage[:157] + "..."
