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
"""About this many quotes to a task (the quotes of a range of sources)."""


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
    """A search of quotes in the stored texts, under way (see ``Texts.search``).

    The quotes are dealt to tasks by source, so that a task holds every quote of its sources: each text is then
    read once, and indexed when it has many quotes to find (``_find_all``)."""

    def __init__(self, path: str, spans: dict[str, tuple[int, int]], columns: list):
        ids = pa.array(list(spans), pa.string())
        self.path, self.spans = path, np.array(list(spans.values()) or [(0, 0)], np.int64)
        which = [pc.fill_null(pc.index_in(source_ids, value_set=ids), -1).to_numpy(zero_copy_only=False)
                 for source_ids, _ in columns]
        self.ends = np.cumsum([len(w) for w in which], dtype=np.int64)  # of each pair of columns among all quotes
        which = np.concatenate(which).astype(np.int32) if which else np.zeros(0, np.int32)
        searched = int(np.count_nonzero(which >= 0))  # a quote from a source without a text is not searched
        count = max(1, min(-(-searched // CHUNK_QUOTES), 32767))
        task_of = np.where(which >= 0, which.astype(np.int64) * count // max(len(ids), 1), count).astype(np.int16)
        self.which, self.parts = which, [[] for _ in range(count)]  # per task: (its rows of a chunk, the chunk)
        start = 0
        for _, quotes in columns:
            for chunk in quotes.chunks if isinstance(quotes, pa.ChunkedArray) else [quotes]:
                tasks = task_of[start:start + len(chunk)]
                order = np.argsort(tasks, kind="stable")
                for task, rows in enumerate(np.split(order, np.cumsum(np.bincount(tasks, minlength=count + 1))[:-1])):
                    if task < count and len(rows):
                        self.parts[task].append((rows, start, chunk))
                start += len(chunk)
        self.rows = [np.concatenate([rows + start for rows, start, _ in part]) if part else np.zeros(0, np.int64)
                     for part in self.parts]
        self.started = Started(_search, self._tasks(), _open, (self.path, self.spans), count=count) \
            if searched >= PARALLEL_QUOTES else None

    def _tasks(self):
        """The tasks, each made when it is taken: (the source of each quote, the quotes in chunks)."""
        for rows, part in zip(self.rows, self.parts):
            yield self.which[rows], [chunk.take(pa.array(local, pa.int32())) for local, _, chunk in part]

    def missing(self) -> list[np.ndarray]:
        """Wait for the search; the row numbers of the quotes not found, for each pair of columns."""
        results = self.started.results() if self.started else None
        if results is None:
            _open(self.path, self.spans)
            try:
                results = [_search(task) for task in self._tasks()]
            finally:
                _close()
        missing = np.sort(np.concatenate([rows[found] for rows, found in zip(self.rows, results)] or
                                         [np.zeros(0, np.int64)]))
        return [missing[(missing >= start) & (missing < end)] - start for start, end in
                zip(np.r_[0, self.ends[:-1]], self.ends)]


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
    """The positions in the task of the quotes not found in the text of their source (``which``: the number of the
    source of each quote)."""
    which, chunks = task
    mapped, starts, ends = _MAPPED["text"], _MAPPED["starts"], _MAPPED["ends"]
    quotes = [quote for chunk in chunks for quote in _collapsed(chunk.cast(pa.string())).cast(pa.binary()).to_pylist()]
    order = np.argsort(which, kind="stable")
    bounds = np.flatnonzero(np.diff(which[order])) + 1
    missing = []
    for group in np.split(order, bounds) if len(order) else []:
        source = int(which[group[0]])
        text = mapped[starts[source]:ends[source]]
        rows = group.tolist()
        missing += [row for row, found in zip(rows, _find_all(text, [quotes[row] for row in rows])) if not found]
    return np.array(sorted(missing), np.int64)


INDEXED_QUOTES = 16
"""A text with at least this many quotes to find is indexed by the starts of its words first."""
KEY_BYTES = 16
"""The index keys: this many bytes from the start of a word."""


def _find_all(text: bytes, quotes: list[bytes | None]) -> list[bool]:
    """Whether each quote occurs in the text (a null quote counts as found: other checks report it). A quote that
    begins a word is looked up in an index of the text's words, which is faster than scanning the text; any other,
    and any the index does not confirm, is searched for in the whole text."""
    if len(quotes) < INDEXED_QUOTES:
        return [quote is None or quote in text for quote in quotes]
    words = [0, *(np.flatnonzero(np.frombuffer(text, np.uint8) == 32) + 1).tolist()]
    first = {text[at:at + KEY_BYTES]: at for at in reversed(words)}  # where each key first begins a word
    out = []
    for quote in quotes:
        if quote is None:
            out.append(True)
            continue
        at = first.get(quote[:KEY_BYTES])
        out.append(at is not None and text.startswith(quote, at) or quote in text)
    return out
