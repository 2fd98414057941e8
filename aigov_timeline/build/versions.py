"""A document's versions aligned clause by clause (the ``passages`` table).

A curator records, for each clause of a document, its reference wording in a language (status ``reference``,
quoted from the most authoritative stored official text that reaches it), the passages that contradict it
(``contradicts``), and the passages of clauses that no official text reaches (``unaligned``). The build aligns
every other version of the same language with each reference, in the order of the version's text:

- ``same``: the version has the reference wording, word for word (after whitespace normalisation);
- ``reworded``: its most similar passage shares at least ``REWORDED`` of the words, in order;
- ``missing``: nothing as similar, in a version whose stored text is complete (an excerpt is not counted).

A version of a clause that has no reference in its language is ``unaligned``. The alignment is deterministic, so
a rebuild gives the same passages.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

import pyarrow as pa
import pyarrow.compute as pc

from ..metadata import TABLES
from ..problems import Origin, Problem
from ..schemas import arrow_schema
from ..words import Token, tokens
from .quotes import collapse

REWORDED = 0.5
"""The least similarity (matching words in order, as a share of both passages) of a reworded passage."""
CURATED = ("reference", "contradicts", "unaligned")
REFERENCE_KINDS = ("original", "official_translation", "excerpt")
"""Kinds of an official version that may give a clause's reference wording, the most authoritative first."""
@dataclass
class Match:
    status: str  # same, reworded or missing
    quote: str | None
    similarity: int | None
    end: int  # where the passage ends in the text (the cursor for the next clause)


def align(reference: str, text: str, start: int) -> Match:
    """The passage of ``text`` (collapsed), from character ``start`` on, that renders ``reference``."""
    wanted = collapse(reference)
    at = text.find(wanted, start)
    if at >= 0:
        return Match("same", wanted, 100, at + len(wanted))
    ref = [t.norm for t in tokens(wanted)]
    words = [t for t in tokens(text) if t.start >= start]
    if not ref or not words:
        return Match("missing", None, None, start)
    best = _best_window(ref, [t.norm for t in words])
    ratio, first, count = best
    first, count, ratio = _whole_sentence(ref, words, text, first, count, ratio)
    if ratio < REWORDED:
        return Match("missing", None, round(ratio * 100), start)
    last = words[first + count - 1]
    end = last.end + 1 if text[last.end:last.end + 1] in _ENDS else last.end
    return Match("reworded", text[words[first].start:end], round(ratio * 100), end)


def _best_window(ref: list[str], norms: list[str]) -> tuple[float, int, int]:
    """(ratio, first word, word count) of the window of ``norms`` most like ``ref``; of equals, the earliest and
    shortest. Windows are tried from the highest bound on their ratio down (twice the words they share with ``ref``,
    counted with repeats, over both lengths: ``SequenceMatcher.quick_ratio``), so most are never compared."""
    wanted, least, most = Counter(ref), max(1, len(ref) * 2 // 3), len(ref) * 4 // 3 + 1
    windows = []
    for first in _candidates(ref, norms):
        shared, seen = 0, Counter()
        for count in range(1, min(most, len(norms) - first) + 1):
            word = norms[first + count - 1]
            shared += seen[word] < wanted[word]
            seen[word] += 1
            if count >= least:
                windows.append((2 * shared / (len(ref) + count), first, count))
    windows.sort(key=lambda w: (-w[0], w[1], w[2]))
    best = (0.0, 0, 0)
    for bound, first, count in windows:
        if bound < best[0]:
            break
        if bound == best[0] and (first, count) > best[1:]:
            continue
        ratio = SequenceMatcher(None, ref, norms[first:first + count], autojunk=False).ratio()
        if ratio > best[0] or ratio == best[0] and (first, count) < best[1:]:
            best = (ratio, first, count)
    return best


_ENDS = set(".;!?。；！？")
SNAP_WORDS = 5
"""A reworded passage is widened to its sentence when the sentence begins or ends within this many words."""


def _whole_sentence(ref: list[str], words: list[Token], text: str, first: int, count: int, ratio: float
                    ) -> tuple[int, int, float]:
    """The window widened to the sentence it lies in (when the sentence's ends are near), if it stays as alike."""
    count = min(count, len(words) - first)
    start, stop = first, first + count  # words[start:stop]
    for _ in range(SNAP_WORDS):
        if start == 0 or _ends_sentence(text, words[start - 1]):
            break
        start -= 1
    else:
        start = first
    for _ in range(SNAP_WORDS):
        if stop >= len(words) or _ends_sentence(text, words[stop - 1]):
            break
        stop += 1
    else:
        stop = first + count
    if (start, stop) == (first, first + count):
        return first, count, ratio
    wider = SequenceMatcher(None, ref, [t.norm for t in words[start:stop]], autojunk=False).ratio()
    return (start, stop - start, wider) if wider >= min(ratio, REWORDED) else (first, count, ratio)


def _ends_sentence(text: str, word: Token) -> bool:
    """True when a sentence ends right after this word (a full stop, semicolon, question or exclamation mark)."""
    return text[word.end:word.end + 1] in _ENDS


def _candidates(ref: list[str], words: list[str], keep: int = 3, slack: int = 3) -> list[int]:
    """The starts of the windows of ``len(ref)`` words sharing the most words with ``ref`` (a sliding count), and
    their neighbours."""
    wanted, size = Counter(ref), len(ref)
    window = Counter(words[:size])
    overlap = sum(min(n, wanted[w]) for w, n in window.items())
    scores = [overlap]
    for i in range(1, max(1, len(words) - size + 1)):
        out, into = words[i - 1], words[i + size - 1] if i + size - 1 < len(words) else None
        if window[out] <= wanted[out]:
            overlap -= 1
        window[out] -= 1
        if into is not None:
            window[into] += 1
            if window[into] <= wanted[into]:
                overlap += 1
        scores.append(overlap)
    best = sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:keep]
    return sorted({s for b in best for s in range(max(0, b - slack), min(len(words), b + slack + 1))})


def aligned_passages(tables: dict[str, pa.Table], origins: dict[str, pa.Table], texts: dict[str, str],
                     origin_of) -> tuple[pa.Table, pa.Table, list[Problem]]:
    """The passages table with the build's alignments added, their origins, and the problems of the curated ones."""
    versions = {row["version_id"]: row for row in tables["document_versions"].to_pylist()}
    version_origins = {key: origin_of("document_versions", i) for i, key in enumerate(versions)}
    curated = tables["passages"].to_pylist()
    problems, rows, found = [], [], {}
    for index, row in enumerate(curated):
        origin = origin_of("passages", index)
        version = versions.get(row["version_id"])
        if version is not None:
            row["source_id"] = version["source_id"]
        row["computed"] = False
        problems += _curated_problems(row, version, origin)
        rows.append(row)
        found[(row["version_id"], row["clause"])] = (row, origin)
    problems += _reference_problems(rows, versions, found)
    added, added_origins, order_problems = _align_documents(rows, versions, texts, found, version_origins)
    problems += order_problems + _authority_problems(rows, added, versions, found)
    table = pa.Table.from_pylist(rows + added, schema=arrow_schema(TABLES["passages"]))
    origin_table = pa.concat_tables([origins["passages"], pa.Table.from_pylist(
        [{"file": o.file, "record": o.record, "field": o.field, "scalar": False} for o in added_origins],
        schema=origins["passages"].schema)])
    order = pc.sort_indices(table, sort_keys=[(key, "ascending") for key in TABLES["passages"].primary_key])
    return table.take(order), origin_table.take(order), problems


def _curated_problems(row: dict, version: dict | None, origin: Origin) -> list[Problem]:
    status = row["status"]
    if status is not None and status not in CURATED:
        return [origin.problem(f"{status} is computed by the build", status, "leave the passage out (the build "
                               f"aligns it), or record {', '.join(CURATED)}", field="status")]
    if version is None:
        return []  # the foreign key check reports it
    if status in ("reference", "contradicts", "unaligned") and not row["quote"]:
        return [origin.problem(f"a {status} passage needs its quote", hint="quote the passage from the version's "
                               "stored text", field="quote", with_value=False)]
    if status == "reference" and not (version["official"] and version["kind"] in REFERENCE_KINDS):
        return [origin.problem("a reference is quoted from an official version (the original, its official "
                               "translation, or an official page quoting it)", row["version_id"],
                               "quote the clause from an official version, or record the passage as unaligned",
                               field="version")]
    return []


def _references(rows: list[dict], versions: dict) -> dict[tuple[str, int, str], dict]:
    """(document, clause, language) -> its reference row."""
    found = {}
    for row in rows:
        version = versions.get(row["version_id"])
        if row["status"] == "reference" and version is not None:
            found.setdefault((version["document_id"], row["clause"], version["language"]), row)
    return found


def _reference_problems(rows: list[dict], versions: dict, found: dict) -> list[Problem]:
    """One reference per clause and language; a contradiction comes with the reference it contradicts."""
    problems, seen = [], {}
    references = _references(rows, versions)
    for row in rows:
        version = versions.get(row["version_id"])
        if version is None or row["status"] is None:
            continue
        key = (version["document_id"], row["clause"], version["language"])
        origin = found[(row["version_id"], row["clause"])][1]
        if row["status"] == "reference":
            if key in seen:
                problems.append(origin.problem(f"clause {row['clause']} already has a reference in "
                                               f"{version['language']} (from {seen[key]})", row["version_id"],
                                               "keep the one from the most authoritative text", field="status"))
            seen.setdefault(key, row["version_id"])
        elif row["status"] == "contradicts" and key not in references:
            problems.append(origin.problem(f"a contradiction needs both passages: clause {row['clause']} has no "
                                           f"reference in {version['language']}", row["quote"],
                                           "add the clause's reference passage, quoted from an official text",
                                           field="status"))
        elif row["status"] == "unaligned" and key in references:
            problems.append(origin.problem(f"clause {row['clause']} has a reference in {version['language']}: the "
                                           "build aligns this passage", row["status"],
                                           "leave the passage out, or record it as contradicts", field="status"))
    return problems


def _align_documents(rows: list[dict], versions: dict, texts: dict[str, str], found: dict, version_origins: dict
                     ) -> tuple[list[dict], list[Origin], list[Problem]]:
    """Align every version with every clause of its document, in clause order; check the curated passages follow
    their text's order."""
    references = _references(rows, versions)
    clauses: dict[str, list[int]] = {}
    for row in rows:
        version = versions.get(row["version_id"])
        if version is not None and row["clause"] is not None:
            clauses.setdefault(version["document_id"], []).append(row["clause"])
    added, origins, problems = [], [], []
    for version_id, version in sorted(versions.items()):
        text = texts.get(version["source_id"])
        if text is None:
            continue  # the stored-text check reports it
        cursor = 0
        for clause in sorted(set(clauses.get(version["document_id"], []))):
            curated = found.get((version_id, clause))
            if curated is not None:
                row, origin = curated
                if row["quote"]:
                    at = text.find(collapse(row["quote"]), cursor)
                    if at < 0 and collapse(row["quote"]) in text:
                        problems.append(origin.problem(f"clause {clause} comes before the passage of an earlier "
                                                       "clause in the version's text", row["quote"],
                                                       "number the clauses in the order of the text", field="clause"))
                    cursor = at + len(collapse(row["quote"])) if at >= 0 else cursor
                continue
            reference = references.get((version["document_id"], clause, version["language"]))
            if reference is None:
                continue  # no official text reaches the clause in this language: nothing to compare with
            match = align(reference["quote"], text, cursor)
            if match.status == "missing" and not version["complete"]:
                continue  # the stored excerpt may end before the clause
            cursor = match.end
            added.append({"document_id": version["document_id"], "clause": clause, "version_id": version_id,
                          "status": match.status, "quote": match.quote, "source_id": version["source_id"],
                          "similarity": match.similarity, "computed": True, "notes": None})
            where = version_origins[version_id]
            origins.append(Origin(where.file, where.record, "passages"))
    return added, origins, problems


def _tier(version: dict) -> int:
    """How authoritative a version is as the source of a reference: 0 the original or its official translation, 1
    an official page quoting it, 2 anything else."""
    if not version["official"] or version["kind"] not in REFERENCE_KINDS:
        return 2
    return 1 if version["kind"] == "excerpt" else 0


def _authority_problems(rows: list[dict], added: list[dict], versions: dict, found: dict) -> list[Problem]:
    """A reference is quoted from the most authoritative stored text that reaches its clause."""
    problems = []
    references = _references(rows, versions)
    for row in added:
        version = versions[row["version_id"]]
        reference = references.get((version["document_id"], row["clause"], version["language"]))
        if row["status"] in ("same", "reworded") and _tier(version) < _tier(versions[reference["version_id"]]):
            origin = found[(reference["version_id"], row["clause"])][1]
            problems.append(origin.problem(f"the more authoritative {row['version_id']} also has clause "
                                           f"{row['clause']} ({row['similarity']}% alike)", reference["version_id"],
                                           f"quote the reference from {row['version_id']}", field="version"))
    return problems
