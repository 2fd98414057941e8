"""The sources' stored texts for the quote check: whitespace collapsed, one after another in one temporary file,
and the search of every quote in the text of its source.

A million events cite some seven million quotes. Searching them is the build's largest single piece of work, so
from ``PARALLEL_QUOTES`` quotes on it is shared among worker processes, which map the one file rather than each
holding a copy of every text.
"""

from __future__ import annotations

import mmap
import os

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import scratch
from .parallel import Started

PARALLEL_QUOTES = 400_000
"""From this many quotes on, they are searched on every core."""
CHUNK_QUOTES = 250_000
"""Quotes per task of a worker."""


def collapse(text: str) -> str:
    """Whitespace normalisation for the quote check: every run of whitespace becomes one space."""
    return " ".join(text.split())  # the same as re.sub(r"\s+", " ", text).strip(), in a third of the time


_OTHER_SPACE = ("\\x09-\\x0d\\x1c-\\x1f\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}"
                "\\x{3000}")
SPACE_CLASS = f"[ {_OTHER_SPACE}]"
"""Python's whitespace (``str.isspace``) as a class of Arrow's regular expressions, whose ``\\s`` is ASCII only."""
_NEEDS_COLLAPSE = f"[{_OTHER_SPACE}]|  |^ | $"


class Texts:
    """The collapsed texts by source ID. Use as a context manager: the file is removed on exit."""

    def __init__(self):
        handle, self.path = scratch.file("texts", ".txt")
        self._file = os.fdopen(handle, "wb")
        self._spans: dict[str, tuple[int, int]] = {}
        self._size = 0

    def __enter__(self) -> Texts:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()
        if os.path.exists(self.path):
            os.unlink(self.path)

    def add(self, source_id: str, text: str) -> None:
        data = collapse(text).encode("utf-8")
        self._file.write(data)
        self._spans[source_id] = (self._size, self._size + len(data))
        self._size += len(data)

    def add_collapsed(self, source_ids: list[str], collapsed: bytes, ends: list[int]) -> None:
        """Add texts collapsed already, one after another in ``collapsed``, each ending at its offset in ``ends``."""
        self._file.write(collapsed)
        start = self._size
        for source_id, end in zip(source_ids, ends):
            self._spans[source_id] = (start, self._size + end)
            start = self._size + end
        self._size += len(collapsed)

    def __contains__(self, source_id: str) -> bool:
        return source_id in self._spans

    def get(self, source_id: str) -> str | None:
        """The collapsed text of a source, or None if it has none."""
        if source_id not in self._spans:
            return None
        self._file.flush()
        start, end = self._spans[source_id]
        with open(self.path, "rb") as file:
            file.seek(start)
            return file.read(end - start).decode("utf-8")

    def search(self, columns: list[tuple[pa.ChunkedArray, pa.ChunkedArray]]) -> Search:
        """Start searching the quotes: for each pair of columns (source IDs, quotes), the row numbers of the quotes
        not found in the text of their source (a null quote, or a source without a text, is not searched: other
        checks report those). With many quotes, worker processes search while this one goes on."""
        self._file.flush()
        return Search(self.path, self._spans, columns)


class Search:
    """A search of quotes in the stored texts, under way (see ``Texts.search``)."""

    def __init__(self, path: str, spans: dict[str, tuple[int, int]], columns: list):
        ids = pa.array(list(spans), pa.string())
        self.path, self.spans = path, np.array(list(spans.values()) or [(0, 0)], np.int64)
        self.tasks, self.owners, self.columns = [], [], len(columns)
        for n, (source_ids, quotes) in enumerate(columns):
            which = pc.fill_null(pc.index_in(source_ids, value_set=ids), -1).to_numpy(zero_copy_only=False)
            chunks = quotes.chunks if isinstance(quotes, pa.ChunkedArray) else [quotes]
            start = 0
            while chunks:  # whole chunks (each compact, to pass to a worker), about CHUNK_QUOTES to a task
                task, size = [], 0
                while chunks and (not task or size + len(chunks[0]) <= CHUNK_QUOTES):
                    task.append(chunks.pop(0))
                    size += len(task[-1])
                self.tasks.append((which[start:start + size].astype(np.int32), task))
                self.owners.append((n, start))
                start += size
        quotes = sum(len(which) for which, _ in self.tasks)
        self.started = Started(_search, self.tasks, _open, (self.path, self.spans)) if quotes >= PARALLEL_QUOTES \
            else None

    def missing(self) -> list[np.ndarray]:
        """Wait for the search; the row numbers of the quotes not found, for each pair of columns."""
        results = self.started.results() if self.started else None
        if results is None:
            _open(self.path, self.spans)
            try:
                results = [_search(task) for task in self.tasks]
            finally:
                _close()
        out = [[] for _ in range(self.columns)]
        for (n, start), rows in zip(self.owners, results):
            out[n].append(rows + start)
        return [np.concatenate(rows) if rows else np.zeros(0, np.int64) for rows in out]


def _collapsed(quotes: pa.Array) -> pa.Array:
    """The quotes with whitespace collapsed (in Python only for those that need it)."""
    odd = pc.fill_null(pc.match_substring_regex(quotes, _NEEDS_COLLAPSE), False).to_numpy(zero_copy_only=False)
    if not odd.any():
        return quotes
    rows = np.flatnonzero(odd)
    values = [collapse(q) for q in quotes.take(pa.array(rows, pa.int32())).to_pylist()]
    return pc.replace_with_mask(quotes, pa.array(odd), pa.array(values, pa.string()))


_MAPPED: dict = {}


def _open(path: str, spans: np.ndarray) -> None:
    """Map the texts file (in each worker, once)."""
    with open(path, "rb") as file:
        size = os.fstat(file.fileno()).st_size
        _MAPPED["text"] = mmap.mmap(file.fileno(), size, access=mmap.ACCESS_READ) if size else b""
    _MAPPED["starts"], _MAPPED["ends"] = spans[:, 0].tolist(), spans[:, 1].tolist()


def _close() -> None:
    text = _MAPPED.pop("text", None)
    if isinstance(text, mmap.mmap):
        text.close()


def _search(task: tuple[np.ndarray, list[pa.Array]]) -> np.ndarray:
    """The positions in the task's rows of the quotes not found in their source's text. The quotes are searched
    source by source, so that each text is read from memory once rather than once per quote."""
    which, chunks = task
    text, starts, ends = _MAPPED["text"], _MAPPED["starts"], _MAPPED["ends"]
    find = text.find
    quotes = [quote for chunk in chunks for quote in _collapsed(chunk.cast(pa.string())).cast(pa.binary()).to_pylist()]
    order = np.argsort(which, kind="stable")
    order = order[which[order] >= 0].tolist()
    sources = which.tolist()
    missing = [i for i in order if quotes[i] is not None and find(quotes[i], starts[sources[i]], ends[sources[i]]) < 0]
    return np.array(sorted(missing), np.int64)
