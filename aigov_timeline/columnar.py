"""The build's fast path: raw YAML files of the usual block layout read straight into Arrow columns.

A raw folder of a million events holds gigabytes of YAML, and reading it record by record into Python objects
costs about 100 µs a row. This module reads a batch of files at once with Arrow's vectorised kernels: it splits
the text into lines, parses every line with one regular expression, works out the structure from the
indentation, and builds the normalised columns of each table directly (the values ``normalise`` gives).

It accepts only what it understands fully: records and lists in block style, single-line plain, quoted or null
values, known keys, values of the declared types. A file with anything else, which includes every file with a
problem, is handed back to be read and normalised record by record, so every error message stays the one the
full path gives. ``tests/test_columnar.py`` checks that both paths give the same tables.
"""

from __future__ import annotations

import codecs
import re
import stat
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import scratch
from .metadata import TABLES, Column, Table, date_columns
from .normalise import (STATEMENT_THEMES_KEY, Origin, _allowed_keys, _children, _country, _entity, _nested_keys,
                        _parent_column, _supported_fields)
from .order import sort_order
from .parallel import in_parallel
from .raw import MAX_YAML_BYTES, _Loader, sha256_text, stored_text
from .schemas import METADATA_PREFIX, arrow_schema
from .texts import SPACE_CLASS, collapse

BATCH_BYTES = 32_000_000
"""Files are read in batches of about this many bytes (memory per batch is a few times this)."""
PARALLEL_BYTES = 3 * BATCH_BYTES
"""From this many bytes of YAML on, the batches are read on every core (below, starting the workers costs more
than it saves)."""

# Tabs, carriage returns and the characters YAML refuses or reads as line breaks: left to the full reader.
_ODD_CHAR = "[\\x00-\\x09\\x0b-\\x1f\\x7f-\\x{9f}\\x{2028}\\x{2029}\\x{feff}\\x{fffe}\\x{ffff}]"
_ESCAPED = r'^"(?:[^"\\]|\\[^\n])*"$'  # with backslash escapes: each such value is read by the YAML parser
_SINGLE = r"^'(?:[^']|'')*'$"
_RESOLVABLE = (r"^(?:[-+0-9.~<=]|(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
               r"|null|Null|NULL)$)")
_EDGE_SPACE = f"^{SPACE_CLASS}|{SPACE_CLASS}$"  # what Python's str.strip() would remove
_WIDE_SPACE = "[\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{202f}\\x{205f}\\x{3000}]"  # ... beyond ASCII
_DATE = r"^[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?$"
_KEY = re.compile("[A-Za-z_][A-Za-z0-9_]*|'[A-Za-z_][A-Za-z0-9_]*'|\"[A-Za-z_][A-Za-z0-9_]*\"")


def _bytes(chars: bytes) -> np.ndarray:
    """A lookup table: which of the 256 byte values are among ``chars``."""
    table = np.zeros(256, bool)
    table[list(chars)] = True
    return table


_SPECIAL = b'\n:#"\'\\'  # bytes whose positions the parser looks up
_INDICATOR = _bytes(b"-?:,[]{}#&*!|>'\"%@`")  # a plain value cannot start with one of these
_RESOLVABLE_START = _bytes(b"-+0123456789.~<=yYnNtTfFoO")  # ... and may not be text if it starts so
_NUMBER_START = _bytes(b"-+0123456789.~<=")  # (a value starting with a letter is text unless it is a word)
_EDGE_BYTE = _bytes(bytes([9, 10, 11, 12, 13, 28, 29, 30, 31, 32, *range(0x80, 0x100)]))  # may be whitespace

_TRUE = ["yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]
_FALSE = ["no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]
# kinds of value
NONE, STR, NULL, BOOL, INT, OTHER, EMPTY_LIST, OPENER = range(8)
_KIND_OF_TAG = {"tag:yaml.org,2002:str": STR, "tag:yaml.org,2002:null": NULL, "tag:yaml.org,2002:bool": BOOL,
                "tag:yaml.org,2002:int": INT}
_ALLOWED_KINDS = {"string": (STR,), "date32": (STR,), "bool": (BOOL,), "int16": (INT,)}


class _Reject(Exception):
    """Some files of the batch are beyond the fast path (``files`` holds their numbers)."""

    def __init__(self, files: np.ndarray):
        super().__init__()
        self.files = files


@dataclass
class OriginColumns:
    """Where each row of a fast-read table comes from, kept as arrays and turned into an Origin on demand."""

    files: list[str]
    file: np.ndarray
    record: pa.Array
    key: str | None = None
    item: np.ndarray | None = None
    theme: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.file)

    def __getitem__(self, index: int) -> Origin:
        file, record = self.files[self.file[index]], self.record[index].as_py()
        if self.key is None:
            return Origin(file, record)
        field = f"{self.key}[{self.item[index]}]"
        if self.theme is None:
            return Origin(file, record, field)
        return Origin(file, record, f"{field}.{STATEMENT_THEMES_KEY}[{self.theme[index]}]", scalar=True)

    def take(self, order: np.ndarray) -> OriginColumns:
        def rows(array):
            return None if array is None else array[order]
        return OriginColumns(self.files, self.file[order], self.record.take(_indices(order)), self.key,
                             rows(self.item), rows(self.theme))


@dataclass
class Piece:
    """The rows one batch gives a table (for sources, with their stored texts: see ``_with_texts``)."""

    table: pa.Table
    origins: OriginColumns
    texts: tuple[list[str], bytes, list[int]] | None = None

    def sorted(self) -> Piece:
        """The rows in primary-key order."""
        name = self.table.schema.metadata[f"{METADATA_PREFIX}table".encode()].decode()
        order = sort_order(self.table, TABLES[name].primary_key)
        return self if order is None else Piece(self.table.take(_indices(order)), self.origins.take(order))


def read_files(paths: list[Path]) -> list[bytes | None]:
    """The bytes of each file, or None where the full reader must look (not a regular file, too big, empty,
    a byte-order mark, not UTF-8)."""
    out = []
    for path in paths:
        try:
            info = path.stat()
            if not stat.S_ISREG(info.st_mode) or not 0 < info.st_size <= MAX_YAML_BYTES:
                out.append(None)
                continue
            data = path.read_bytes()
        except OSError:
            out.append(None)
            continue
        out.append(None if data.startswith(codecs.BOM_UTF8) or not _utf8(data) else data)
    return out


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def read_batch(folder: str, labels: list[str], datas: list[bytes | None], root: Path | None = None
               ) -> tuple[dict[str, Piece], list[int]]:
    """Read a batch of files of one record folder (sources with their stored texts, from the raw folder ``root``).
    Returns the rows of every table they fill, and the numbers of the files left to the full reader."""
    left = {i for i, data in enumerate(datas) if data is None}
    while True:
        keep = [i for i in range(len(datas)) if i not in left]
        if not keep:
            return {}, sorted(left)
        try:
            pieces = _Batch(folder, [labels[i] for i in keep], [datas[i] for i in keep]).pieces()
            if root is not None and "sources" in pieces:
                pieces["sources"] = _with_texts(pieces["sources"], root)
            return pieces, sorted(left)
        except _Reject as exc:
            left |= {keep[int(i)] for i in exc.files}


def _with_texts(piece: Piece, root: Path) -> Piece:
    """The sources with the collapsed stored text of each; rejects the files of sources whose text cannot be used
    (outside the raw folder, missing, unreadable, without its checksum or changed since it was quoted)."""
    table, rejected, folders = piece.table, set(), {}
    ids, texts = [], []
    for row, (source_id, rel, expected) in enumerate(zip(*(table.column(c).to_pylist() for c in
                                                          ("source_id", "text_path", "text_sha256")))):
        if rel is None:
            continue
        text, problem = stored_text(root, rel, rel, folders)
        if problem is not None or expected is None or sha256_text(text) != expected:
            rejected.add(int(piece.origins.file[row]))
            continue
        ids.append(source_id)
        texts.append(collapse(text).encode("utf-8"))
    if rejected:
        raise _Reject(np.array(sorted(rejected)))
    return Piece(table, piece.origins, (ids, b"".join(texts), np.cumsum([len(t) for t in texts]).tolist()))


class _Batch:
    """One batch of files: its lines, their structure and their values, as arrays over the lines.

    Lines are parsed with numpy over the bytes: each line is a few positions (its start, where its key and its
    value start and end), and text is taken from the batch's one buffer only where a column needs it."""

    def __init__(self, folder: str, labels: list[str], datas: list[bytes]):
        self.folder, self.labels = folder, labels
        self.entity = _entity(folder)
        parts = [d if d.endswith(b"\n") else d + b"\n" for d in datas]
        size = sum(len(p) for p in parts)
        self.buf = pa.py_buffer(b"".join([*parts, b"\n\n"]))  # two bytes of padding: looking ahead stays inside
        self.bytes = np.frombuffer(self.buf, np.uint8)
        self._special = self._find_special(size)
        newlines = self._positions(10)
        starts = np.r_[0, newlines[:-1] + 1]
        self.file = np.searchsorted(np.cumsum([len(p) for p in parts]), newlines + 1, side="left")
        self._odd_chars(size, starts, newlines)
        self._parse(starts, newlines)
        self._structure()
        self._values()

    # --- lines ---------------------------------------------------------------------------------------------

    def _reject(self, files) -> None:
        files = np.unique(np.asarray(files, dtype=np.int64))
        if len(files):
            raise _Reject(files)

    def _reject_lines(self, mask: np.ndarray) -> None:
        self._reject(self.file[mask])

    def _odd_chars(self, size: int, starts: np.ndarray, ends: np.ndarray) -> None:
        """Reject the files with a character of _ODD_CHAR (most batches are checked by two passes of numpy)."""
        data = self.bytes[:size]
        self.ascii = size == 0 or data.max() < 0x80
        if np.count_nonzero(data < 32) == len(ends) and not (data == 127).any() and \
                (self.ascii or not self._anywhere(_ODD_CHAR)):
            return
        lines = self._spans(starts, ends + 1)
        self._reject(self.file[_mask(pc.match_substring_regex(lines, _ODD_CHAR))])

    def _anywhere(self, pattern: str) -> bool:
        """Whether the pattern occurs anywhere in the batch (one scan, to skip a check of every line)."""
        whole = pa.StringArray.from_buffers(1, pa.py_buffer(np.array([0, len(self.buf) - 2], np.int32)), self.buf)
        return pc.match_substring_regex(whole, pattern)[0].as_py()

    def _spans(self, starts: np.ndarray, ends: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
        """The text of the batch between each start and end (increasing, not overlapping), null where ``mask``."""
        offsets = np.empty(2 * len(starts) + 1, np.int32)
        offsets[0], offsets[1::2], offsets[2::2] = 0, starts, ends
        between = pa.StringArray.from_buffers(2 * len(starts), pa.py_buffer(offsets), self.buf)
        return between.take(_indices(np.arange(1, 2 * len(starts), 2), mask))

    def _positions(self, byte: int) -> np.ndarray:
        """Where the byte (one of _SPECIAL) occurs in the batch, in order."""
        return self._special[byte]

    def _find_special(self, size: int) -> dict[int, np.ndarray]:
        """The positions of each byte of _SPECIAL in the batch (one scan for them all)."""
        data = self.bytes[:size]
        found = np.subtract(data, 34, dtype=np.uint8) < 6  # 34 to 39: " # $ % & '
        same = np.empty(size, bool)
        for byte in (10, 58, 92):
            found |= np.equal(data, byte, out=same)
        at = np.flatnonzero(found)
        which = data[at]
        return {byte: at[which == byte] for byte in _SPECIAL}

    def _parse(self, starts: np.ndarray, ends: np.ndarray) -> None:
        """Find each line's indentation, dash, key and value; drop blank lines."""
        b = self.bytes
        ends = ends.copy()
        rows = np.flatnonzero((ends > starts) & (b[ends - 1] == 32))
        while len(rows):  # trailing spaces
            ends[rows] -= 1
            rows = rows[(ends[rows] > starts[rows]) & (b[ends[rows] - 1] == 32)]
        blank = ends == starts
        has_lines = np.zeros(len(self.labels), bool)
        has_lines[self.file[~blank]] = True
        self._reject(np.flatnonzero(~has_lines))  # the full reader says "empty"
        if blank.any():
            starts, ends, self.file = starts[~blank], ends[~blank], self.file[~blank]
        pos = starts.copy()
        rows = np.flatnonzero(b[pos] == 32)
        while len(rows):  # indentation (a line is not blank, so it ends in something else)
            pos[rows] += 1
            rows = rows[b[pos[rows]] == 32]
        self.dash = (b[pos] == 45) & (b[pos + 1] == 32) & (pos + 1 < ends)
        content = pos + 2 * self.dash
        self._reject_lines(b[content] == 32)
        self.colons = self._positions(58)
        colon = np.append(self.colons, len(b) - 2)[np.searchsorted(self.colons, content)]  # the first after it
        self._keys(content, colon, (colon < ends) & (b[colon + 1] == 32) | (colon + 1 == ends))
        start = np.where(self.has_key, colon + 1, content)
        rows = np.flatnonzero(self.has_key & (start < ends))
        while len(rows):  # the spaces after ": "
            rows = rows[b[start[rows]] == 32]
            start[rows] += 1
        self.start, self.end = start, ends  # of the value text
        self.col = pos - starts + 2 * self.dash  # the column where the key or value starts
        self.n = len(starts)
        self.index = np.arange(self.n)

    def _keys(self, content: np.ndarray, colon: np.ndarray, maybe: np.ndarray) -> None:
        """Which lines start with a key (the text before a colon that ends a line or precedes a space, when that
        text is a name, or a quoted name: `'yes':` is the key yes), and a number for each name."""
        rows = np.flatnonzero(maybe)
        written = pc.dictionary_encode(self._spans(content[rows], colon[rows]))
        names = [_key_name(form) for form in written.dictionary.to_pylist()]
        self.key_names = sorted({name for name in names if name is not None}) or [""]
        number = {name: i for i, name in enumerate(self.key_names)}
        code_of_form = np.array([number.get(name, -1) for name in names] or [-1], np.int64)
        code = code_of_form[written.indices.to_numpy(zero_copy_only=False)]
        self.has_key = np.zeros(len(content), bool)
        self.has_key[rows] = code >= 0
        self.key_code = np.zeros(len(content), np.int64)
        self.key_code[rows] = np.maximum(code, 0)
        self._key_sets: dict[frozenset, np.ndarray] = {}
        self._rows_of_key: dict[str, np.ndarray] = {}

    def _is_key(self, names) -> np.ndarray:
        names = frozenset(names)
        if names not in self._key_sets:
            codes = [i for i, name in enumerate(self.key_names) if name in names]
            if len(codes) <= 3:  # a few comparisons cost less than a lookup per line
                found = np.zeros(self.n, bool)
                for code in codes:
                    found |= self.key_code == code
            else:
                found = np.isin(np.arange(len(self.key_names)), codes)[self.key_code]
            self._key_sets[names] = found & self.has_key
        return self._key_sets[names]

    # --- structure -----------------------------------------------------------------------------------------

    def _structure(self) -> None:
        n, file, col, dash, has_key = self.n, self.file, self.col, self.dash, self.has_key
        first = np.r_[True, file[1:] != file[:-1]]
        empty_val = self.start == self.end
        header = first & has_key & self._is_key({"records"}) & empty_val & (col == 0)
        after_header = np.r_[False, header[:-1]]
        is_list_file = np.zeros(len(self.labels), bool)
        is_list_file[file[header]] = True
        listed = is_list_file[file]
        # the first record's key column: 2 past its dash in a `records:` file, else 0
        c1_file = np.zeros(len(self.labels), np.int64)
        c1_file[file[after_header]] = col[after_header]
        c1 = c1_file[file]
        self._reject_lines(after_header & ~(dash & has_key))
        self._reject_lines(first & ~header & ((col != 0) | dash | ~has_key))
        self._reject_lines(~header & (col < c1))
        level1 = ~header & (col == c1)
        self._reject_lines(level1 & (~has_key | (dash & ~listed)))
        start = level1 & np.where(listed, dash, first)
        self.record = np.cumsum(start) - 1
        self.record_line = np.flatnonzero(start)
        self.level1, self.header = level1, header
        # a key with nothing after it opens a block when the next line of the file is deeper, else it is null
        deeper_next = np.r_[(col[1:] > col[:-1]) & (file[1:] == file[:-1]), False]
        self.opener = has_key & empty_val & deeper_next
        self.null_key = has_key & empty_val & ~deeper_next
        inner = ~header & ~level1
        owner1 = np.maximum.accumulate(np.where(level1, self.index, -1))
        self._reject_lines(inner & ((owner1 < 0) | (file[np.maximum(owner1, 0)] != file)))
        self.owner1 = owner1
        child_keys = {key for key, _ in _children(self.folder)}
        mapping_keys = set(_nested_keys(self.entity))
        owner_key_list = self._is_key(child_keys)[owner1] & self.opener[owner1]
        owner_key_map = self._is_key(mapping_keys)[owner1] & self.opener[owner1]
        self._reject_lines(inner & ~owner_key_list & ~owner_key_map)
        block_col = col[np.minimum(owner1 + 1, n - 1)]  # the column of the first line of the block
        # a nested mapping (votes): one level of key lines
        in_map = inner & owner_key_map
        self._reject_lines(in_map & ((col != block_col) | dash | ~has_key | self.opener))
        self.in_map = in_map
        # a list of mappings (evidence, actors, ...): items start with a dash; their lists of plain values
        in_list = inner & owner_key_list
        level2 = in_list & (col == block_col)
        self._reject_lines(in_list & (col < block_col))
        self._reject_lines(level2 & ~has_key)
        self._reject_lines(in_list & (owner1 + 1 == self.index) & ~dash)
        item_start = level2 & dash
        self.item = np.cumsum(item_start) - 1
        self.item_line = np.flatnonzero(item_start)
        self.level2, self.in_list = level2, in_list
        level3 = in_list & (col > block_col)
        owner2 = np.maximum.accumulate(np.where(level2, self.index, -1))
        scalar_lists = {"supports", STATEMENT_THEMES_KEY}
        owner2_safe = np.maximum(owner2, 0)
        ok3 = (owner2 >= 0) & (owner1[owner2_safe] == owner1) & self.opener[owner2_safe] & \
            self._is_key(scalar_lists)[owner2_safe]
        col3 = col[np.minimum(owner2_safe + 1, n - 1)]
        self._reject_lines(level3 & (~ok3 | ~dash | has_key | (col != col3)))
        self.level3, self.owner2 = level3, owner2
        self._unique_keys(level1, self.record)
        self._unique_keys(level2, self.item)
        self._unique_keys(in_map, owner1)

    def _unique_keys(self, lines: np.ndarray, group: np.ndarray) -> None:
        """A key may appear once per record, item or nested mapping (``group``, which numbers them in order)."""
        rows = np.flatnonzero(lines)
        if not len(rows):
            return
        codes, groups = self.key_code[rows], group[rows]
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        if len(self.key_names) <= 64 and hasattr(np, "bitwise_count"):  # a bit per key: a repeat sets fewer bits
            keys = np.bitwise_or.reduceat(np.left_shift(np.uint64(1), codes.astype(np.uint64)), starts)
            counts = np.diff(np.r_[starts, len(rows)])
            repeated = np.repeat(np.bitwise_count(keys) < counts, counts)
        else:
            pairs = groups.astype(np.int64) * (len(self.key_names) + 1) + codes
            order = np.argsort(pairs, kind="stable")
            repeated = np.zeros(len(pairs), bool)
            repeated[order[1:][pairs[order][1:] == pairs[order][:-1]]] = True
        self._reject(self.file[rows[repeated]])

    # --- values --------------------------------------------------------------------------------------------

    def _values(self) -> None:
        """The kind of every value (text, null, boolean, ...) and the text of the text ones, unquoted."""
        b, start, end = self.bytes, self.start, self.end
        first, last = b[start], b[np.maximum(end - 1, 0)]
        length = end - start
        value_line = (self.has_key & ~self.opener & ~self.null_key) | (~self.has_key & ~self.header)
        hashes = self._positions(35)
        plain = (length > 0) & ~_INDICATOR[first] & (last != 58)
        plain[plain] = ~self._holds(self.colons[b[self.colons + 1] == 32], plain) & \
            ~self._holds(hashes[b[hashes - 1] == 32] - 1, plain)
        quoted = value_line & ~plain
        enclosed = quoted & (length >= 2)
        double = enclosed & (first == 34) & (last == 34)
        single = enclosed & (first == 39) & (last == 39)
        escaped = np.zeros(self.n, bool)
        if double.any():  # a double-quoted value with more quotes or a backslash inside: maybe escapes
            escaped = double & ((self._count(self._positions(34), double) != 2) |
                                (self._count(self._positions(92), double) != 0))
            double &= ~escaped
            if escaped.any():
                escaped[escaped] = _mask(pc.match_substring_regex(self._text(escaped), _ESCAPED))
        if single.any():
            single[single] = _mask(pc.match_substring_regex(self._text(single), _SINGLE))
        empty_list = quoted & (length == 2) & (first == 91) & (last == 93)
        kind = np.full(self.n, NONE, np.int8)
        kind[value_line & (plain | double | single | escaped)] = STR
        kind[empty_list] = EMPTY_LIST
        kind[self.null_key] = NULL
        kind[self.opener] = OPENER
        self._reject_lines(value_line & (kind == NONE))
        self.bool_value = np.zeros(self.n, bool)
        self.int_value = np.zeros(self.n, np.int64)
        resolvable = _RESOLVABLE_START[first] & (_NUMBER_START[first] | (length <= 5))  # 5: the longest word, false
        self._resolve_plain(value_line & plain & resolvable, kind)
        unquoted = double | single | escaped
        strings = self._spans(start + unquoted, end - unquoted, mask=kind != STR)
        changed = escaped | (single & (self._count(self._positions(39), single) > 2))  # '' inside
        if changed.any():
            rows = np.flatnonzero(changed)
            values = [_unescape(text) if escaped[i] else text[1:-1].replace("''", "'")
                      for i, text in zip(rows, self._text(changed).to_pylist())]
            kind[rows] = [STR if value is not None else NONE for value in values]
            self._reject_lines(changed & (kind == NONE))
            strings = pc.replace_with_mask(strings, pa.array(changed), pa.array(values, pa.string()))
        self.kind, self.strings = kind, strings
        # text that Python's strip() would change, or empty text: the full path reports or cleans it
        wide = not self.ascii and self._anywhere(_WIDE_SPACE)
        edge = quoted | (plain & wide)
        maybe = edge & (kind == STR) & (changed | (end - unquoted == start + unquoted) |
                                        _EDGE_BYTE[b[start + unquoted]] | _EDGE_BYTE[b[end - unquoted - 1]])
        self.edge_space = np.zeros(self.n, bool)
        if maybe.any():
            rows = np.flatnonzero(maybe)
            values = pc.take(strings, _indices(rows))
            self.edge_space[rows] = _mask(pc.match_substring_regex(values, _EDGE_SPACE)) | \
                (_ints(pc.utf8_length(values)) == 0)

    def _text(self, lines: np.ndarray) -> pa.Array:
        """The value text of the lines in the mask ``lines``, as written (quotes included)."""
        rows = np.flatnonzero(lines)
        return self._spans(self.start[rows], self.end[rows])

    def _holds(self, positions: np.ndarray, lines: np.ndarray) -> np.ndarray:
        """For the lines in the mask, whether the value holds one of the (sorted) positions, its last character
        excepted."""
        start, end = self.start[lines], self.end[lines]
        after = np.append(positions, np.iinfo(np.int64).max)[np.searchsorted(positions, start)]
        return after < end - 1

    def _count(self, positions: np.ndarray, lines: np.ndarray) -> np.ndarray:
        """How many of the (sorted) positions each value of the lines in the mask holds (0 for other lines)."""
        rows = np.flatnonzero(lines)
        out = np.zeros(self.n, np.int64)
        out[rows] = np.searchsorted(positions, self.end[rows]) - np.searchsorted(positions, self.start[rows])
        return out

    def _spells(self, rows: np.ndarray, word: bytes) -> np.ndarray:
        """Whether the value of each of the lines ``rows`` is ``word``."""
        start = self.start[rows]
        same = self.end[rows] - start == len(word)
        for i, byte in enumerate(word):
            same &= self.bytes[start + i] == byte
        return same

    def _resolve_plain(self, plain: np.ndarray, kind: np.ndarray) -> None:
        """Plain values that YAML reads as null, a boolean or a number (the loader's own resolver decides
        for all but the most common forms)."""
        rows = np.flatnonzero(plain)
        for word, value in ((b"null", None), (b"false", False), (b"true", True)):  # most, found without Arrow
            spelt = self._spells(rows, word)
            kind[rows[spelt]] = NULL if value is None else BOOL
            self.bool_value[rows[spelt]] = bool(value)
            rows = rows[~spelt]
        values = self._spans(self.start[rows], self.end[rows])
        maybe = _mask(pc.match_substring_regex(values, _RESOLVABLE))
        rows, values = rows[maybe], values.filter(pa.array(maybe))
        if not len(rows):
            return
        null = _mask(pc.is_in(values, value_set=pa.array(["null", "Null", "NULL", "~"], values.type)))
        true = _mask(pc.is_in(values, value_set=pa.array(_TRUE, values.type)))
        false = _mask(pc.is_in(values, value_set=pa.array(_FALSE, values.type)))
        decimal = _mask(pc.match_substring_regex(values, r"^(?:0|[1-9][0-9]{0,8})$"))
        kind[rows[null]] = NULL
        kind[rows[true | false]] = BOOL
        self.bool_value[rows[true]] = True
        kind[rows[decimal]] = INT
        self.int_value[rows[decimal]] = pc.cast(values.filter(pa.array(decimal)), pa.int64()).to_numpy()
        other = ~(null | true | false | decimal)
        for i, value in zip(rows[other], values.filter(pa.array(other)).to_pylist()):
            kind[i] = self._resolve(i, value)

    def _resolve(self, i: int, value: str) -> int:
        """What YAML makes of a plain value that may not be text (the raw loader's own resolver decides)."""
        loader = _resolver()
        import yaml

        tag = loader.resolve(yaml.ScalarNode, value, (True, False))
        kind = _KIND_OF_TAG.get(tag, OTHER)
        if kind in (BOOL, INT):
            parsed = loader.yaml_constructors[tag](loader, yaml.ScalarNode(tag, value))
            if kind == BOOL:
                self.bool_value[i] = parsed
            else:
                self.int_value[i] = parsed
        return kind

    # --- tables --------------------------------------------------------------------------------------------

    def pieces(self) -> dict[str, Piece]:
        rejected: set[int] = set()
        out = {}
        record_rows = self.record_line
        ids = self._column_values(self.entity.column(self.entity.primary_key[0]), self.level1, self.record,
                                  self.file[record_rows], rejected)
        entity = self._entity_table(ids, rejected)
        out[self.entity.name] = Piece(entity, OriginColumns(self.labels, self.file[record_rows], ids))
        for key, table in _children(self.folder):
            self._child_tables(key, table, ids, out, rejected)
        if rejected:
            raise _Reject(np.array(sorted(rejected)))
        return {name: piece.sorted() for name, piece in out.items()}

    def _key_rows(self, name: str) -> np.ndarray:
        """The lines with this key."""
        if not self._rows_of_key:  # every key's lines at once: a stable sort of the lines by key
            rows = np.flatnonzero(self.has_key)
            codes = self.key_code[rows]
            order = np.argsort(codes.astype(np.int16) if len(self.key_names) < 2 ** 15 else codes, kind="stable")
            ends = np.cumsum(np.bincount(codes, minlength=len(self.key_names)))
            self._rows_of_key = {key: rows[order[end - count:end]] for key, end, count in
                                 zip(self.key_names, ends, np.diff(ends, prepend=0))}
        return self._rows_of_key.get(name, np.zeros(0, np.int64))

    def _scatter(self, name: str, lines: np.ndarray, group: np.ndarray, size: int) -> np.ndarray:
        """For each of ``size`` rows, the line holding its value among the lines with key ``name`` in the mask
        ``lines`` (-1 if none); ``group`` gives the row of each line."""
        rows = self._key_rows(name)
        rows = rows[lines[rows]]
        where = np.full(size, -1, np.int64)
        where[group[rows]] = rows
        return where

    def _column_values(self, column: Column, lines: np.ndarray, group: np.ndarray, files: np.ndarray,
                       rejected: set[int]) -> pa.Array:
        """The values of one column for each row (``files`` holds each row's file), from the lines in ``lines``
        that hold its raw key; ``group`` gives the row of each line."""
        key = column.raw_key
        if "." in key:  # a key of a nested mapping: votes.yes
            head, _, sub = key.partition(".")
            key, lines = sub, self.in_map & self._is_key({head})[self.owner1]
        where = self._scatter(key, lines, group, len(files))
        found = where >= 0
        at = np.maximum(where, 0)
        kind = np.where(found, self.kind[at], NULL)
        wrong = found & (kind != NULL) & ~_kinds(_ALLOWED_KINDS[column.type])[kind]
        if column.type in ("string", "date32"):
            wrong |= found & (kind == STR) & self.edge_space[at]
        missing = kind == NULL
        if column.type == "bool":
            values = np.where(missing, False, self.bool_value[at])
            array = pa.array(values, pa.bool_(), mask=missing if column.default is None else None)
        elif column.type == "int16":
            values = self.int_value[at]
            wrong |= ~missing & ((values < 0) | (values > 32767))
            array = pa.array(np.clip(values, 0, 32767).astype(np.int16), pa.int16(), mask=missing)
        else:
            array = pc.take(self.strings, _indices(where, mask=~found))
            if column.type == "date32":
                start, _, precision, bad = parse_dates(array)
                wrong |= bad | (~missing & (precision != 3))
                array = pa.array(start, pa.date32(), mask=missing)
        if not column.nullable and column.default is None:
            wrong |= missing
        rejected.update(files[wrong].tolist())
        return array

    def _entity_table(self, ids: pa.Array, rejected: set[int]) -> pa.Table:
        table, size = self.entity, len(self.record_line)
        files = self.file[self.record_line]
        columns = {}
        allowed = _allowed_keys(table, self.folder, False)
        self._unknown_keys(self.level1, allowed, rejected)
        for head, keys in _nested_keys(table).items():
            self._unknown_keys(self.in_map & self._is_key({head})[self.owner1], keys, rejected)
            scalar_head = self.level1 & self._is_key({head}) & ~_kinds((NULL, OPENER))[self.kind]
            rejected.update(self.file[scalar_head].tolist())
        self._list_keys_hold_lists(self.level1, rejected)
        for column in table.columns:
            if column.raw_key is None:
                columns[column.name] = pa.nulls(size, arrow_schema(table).field(column.name).type)
            elif column.name == table.primary_key[0]:
                columns[column.name] = ids
            else:
                columns[column.name] = self._column_values(column, self.level1, self.record, files, rejected)
        for name in table.date_columns:
            self._derive_dates(name, columns, files, rejected)
        if table.name == "actors":
            self._derive_country(columns, files, rejected)
        if table.name == "sources":
            expected = Column("text_sha256", "string", "the checksum the curator recorded", raw="text_sha256")
            columns["text_sha256"] = self._column_values(expected, self.level1, self.record, files, rejected)
        return pa.Table.from_arrays([columns[c.name] for c in table.columns], schema=arrow_schema(table))

    def _unknown_keys(self, lines: np.ndarray, allowed, rejected: set[int]) -> None:
        known = np.array([name in allowed for name in self.key_names])
        rejected.update(self.file[lines & ~known[self.key_code]].tolist())

    def _list_keys_hold_lists(self, lines: np.ndarray, rejected: set[int]) -> None:
        """A key that holds a list holds a list (or null, or []), and a key that holds a value holds a value."""
        list_keys = {key for key, _ in _children(self.folder)} | {"supports", STATEMENT_THEMES_KEY}
        is_list_key = self._is_key(list_keys)
        listish = _kinds((OPENER, EMPTY_LIST))[self.kind]
        wrong = lines & ((is_list_key & ~listish & (self.kind != NULL)) |
                         (~is_list_key & listish & ~self._is_key(set(_nested_keys(self.entity)))))
        rejected.update(self.file[wrong].tolist())

    def _derive_dates(self, name: str, columns: dict, files: np.ndarray, rejected: set[int]) -> None:
        precision_name, start_name, end_name = date_columns(name)
        value = columns[name]
        start, end, precision, bad = parse_dates(value)
        present = value.is_valid().to_numpy(zero_copy_only=False)
        end_value = columns.get("end_date") if name == "date" else None
        if end_value is not None:
            end_start, end_end, _, end_bad = parse_dates(end_value)
            has_end = end_value.is_valid().to_numpy(zero_copy_only=False)
            bad |= end_bad | (has_end & ~present)
            same = _mask(pc.equal(end_value, value)) & has_end
            bad |= has_end & present & ((end_start < start) | same)
            end = np.where(has_end, end_end, end)
        rejected.update(files[bad].tolist())
        names = np.array(["", "year", "month", "day"], dtype=object)
        columns[precision_name] = pa.array(names[precision], pa.string(), mask=~present)
        columns[start_name] = pa.array(start, pa.date32(), mask=~present)
        columns[end_name] = pa.array(end, pa.date32(), mask=~present)

    def _derive_country(self, columns: dict, files: np.ndarray, rejected: set[int]) -> None:
        size = len(files)
        where = self._scatter("country", self.level1, self.record, size)
        found = where >= 0
        at = np.maximum(where, 0)
        kind = np.where(found, self.kind[at], NULL)
        rejected.update(files[(kind != NULL) & ((kind != STR) | self.edge_space[at])].tolist())
        state = _mask(pc.equal(columns["actor_type"], "state"))
        rejected.update(files[state & (kind == NULL)].tolist())
        names = pc.take(self.strings, _indices(where, mask=~found))
        codes = {}
        for name in pc.unique(names).drop_null().to_pylist():
            try:
                country = _country(name)
                codes[name] = (country.alpha_2, country.alpha_3, country.numeric)
            except LookupError:
                codes[name] = None
        values = names.to_pylist()
        for i, name in enumerate(values):
            if name is not None and codes[name] is None:
                rejected.add(int(files[i]))
        for n, column in enumerate(("iso2", "iso3", "m49")):
            columns[column] = pa.array([codes[v][n] if v is not None and codes[v] else None for v in values],
                                       pa.string())

    def _child_tables(self, key: str, table: Table, ids: pa.Array, out: dict, rejected: set[int]) -> None:
        under = self.level2 & self._is_key({key})[self.owner1]
        starts = np.flatnonzero(under & self.dash)
        if not len(starts):
            return
        local = np.full(len(self.item_line), -1, np.int64)
        local[self.item[starts]] = np.arange(len(starts))
        size = len(starts)
        group = local[np.maximum(self.item, 0)]  # each line's item, numbered within this table
        files = self.file[starts]
        owners = self.owner1[starts]
        first = np.r_[True, owners[1:] != owners[:-1]]
        position = np.arange(size) - np.maximum.accumulate(np.where(first, np.arange(size), 0))
        parent_ids = pc.take(ids, _indices(self.record[starts]))
        self._unknown_keys(under, _allowed_keys(table, self.folder, True), rejected)
        self._list_keys_hold_lists(under, rejected)
        parent_column = _parent_column(table, self.folder)
        columns = {}
        for column in table.columns:
            if column.name == parent_column:
                columns[column.name] = parent_ids
            elif column.raw_key is None:
                columns[column.name] = pa.nulls(size, pa.string())
            else:
                columns[column.name] = self._column_values(column, under, group, files, rejected)
        if "supports" in table.raw_extra:
            columns["supports"] = self._supports(under, group, size, files, rejected)
        arrow = pa.Table.from_arrays([columns[c.name] for c in table.columns], schema=arrow_schema(table))
        origins = OriginColumns(self.labels, files, pc.take(ids, _indices(self.record[starts])), key, position)
        out[table.name] = Piece(arrow, origins)
        if table.name == "statements":
            self._themes(under, group, columns["statement_id"], origins, out, rejected)

    def _list_items(self, under: np.ndarray, group: np.ndarray, name: str):
        """The plain-value list items under ``name:`` in the items of one child table: (lines, item of each)."""
        owner2 = np.maximum(self.owner2, 0)
        lines = np.flatnonzero(self.level3 & under[owner2] & self._is_key({name})[owner2])
        return lines, group[owner2[lines]]

    def _supports(self, under, group, size, files, rejected: set[int]) -> pa.Array:
        lines, items = self._list_items(under, group, "supports")
        values = pc.take(self.strings, _indices(lines))
        allowed = pa.array(sorted(_supported_fields(self.folder)), pa.string())
        known = _mask(pc.is_in(values, value_set=allowed)) & (self.kind[lines] == STR)
        rejected.update(files[items[~known]].tolist())
        counts = np.bincount(items, minlength=size)
        offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int32)
        joined = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), values), " ")
        return pc.if_else(pa.array(counts > 0), joined, pa.scalar(None, pa.string()))

    def _themes(self, under, group, statement_ids: pa.Array, origins: OriginColumns, out: dict,
                rejected: set[int]) -> None:
        lines, items = self._list_items(under, group, STATEMENT_THEMES_KEY)
        if not len(lines):
            return
        bad = (self.kind[lines] != STR) | self.edge_space[lines]
        rejected.update(origins.file[items[bad]].tolist())
        first = np.r_[True, items[1:] != items[:-1]]
        position = np.arange(len(lines)) - np.maximum.accumulate(np.where(first, np.arange(len(lines)), 0))
        table = TABLES["statement_themes"]
        arrow = pa.Table.from_arrays([pc.take(statement_ids, _indices(items)), pc.take(self.strings, _indices(lines))],
                                     schema=arrow_schema(table))
        theme_origins = OriginColumns(self.labels, origins.file[items], pc.take(origins.record, _indices(items)),
                                      origins.key, origins.item[items], position)
        out[table.name] = Piece(arrow, theme_origins)


def parse_dates(values: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised ``dates.parse``: (first day, last day, precision 1-3 for year/month/day, malformed or
    impossible) for each value; null values give precision 0 and are not malformed."""
    present = values.is_valid().to_numpy(zero_copy_only=False)
    form = _mask(pc.match_substring_regex(values, _DATE))
    length = np.where(present, _ints(pc.utf8_length(values)), 0)
    year = _digits(values, 0, 4)
    month = np.where(length >= 7, _digits(values, 5, 7), 1)
    day = np.where(length == 10, _digits(values, 8, 10), 1)
    ok = form & (year >= 1900) & (year <= 2100) & (month >= 1) & (month <= 12)
    month_index = np.where(ok, (year - 1970) * 12 + month - 1, 0)
    month_first = month_index.astype("datetime64[M]").astype("datetime64[D]")
    month_last = (month_index + 1).astype("datetime64[M]").astype("datetime64[D]") - np.timedelta64(1, "D")
    days = (month_last - month_first).astype(np.int64) + 1
    ok &= (day >= 1) & (day <= days)
    precision = np.select([length == 4, length == 7, length == 10], [1, 2, 3], 0)
    start = month_first + np.where(ok, day - 1, 0)  # a year starts on 1 January: month and day are 1
    year_last = (np.where(ok, year, 1970) - 1969).astype("datetime64[Y]").astype("datetime64[D]") - \
        np.timedelta64(1, "D")
    end = np.select([precision == 1, precision == 2], [year_last, month_last], start)
    bad = present & ~ok
    precision = np.where(present & ok, precision, 0)
    return start.astype("datetime64[D]"), end.astype("datetime64[D]"), precision, bad


def _digits(values: pa.Array, start: int, stop: int) -> np.ndarray:
    """The number written at characters [start, stop) of each value (0 where not digits)."""
    part = pc.utf8_slice_codeunits(values, start, stop)
    digits = _mask(pc.match_substring_regex(part, r"^[0-9]+$"))
    clean = pc.if_else(pa.array(digits), part, pa.scalar("0", pa.string()))
    return pc.cast(clean, pa.int64()).to_numpy(zero_copy_only=False)


@cache
def _kinds(kinds: tuple[int, ...]) -> np.ndarray:
    """A lookup table: which kinds of value are among ``kinds``."""
    table = np.zeros(OPENER + 1, bool)
    table[list(kinds)] = True
    return table


def _key_name(written: str) -> str | None:
    """The name a key written so stands for, or None if it is not a key."""
    match = _KEY.fullmatch(written)
    return None if match is None else written.strip("'\"")


def _indices(rows: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """Row numbers for ``take`` (null where ``mask``): as int32, which Arrow takes several times faster."""
    return pa.array(np.asarray(rows, np.int32), mask=mask)


def _mask(array) -> np.ndarray:
    """A boolean Arrow array as numpy, nulls as False."""
    return pc.fill_null(array, False).to_numpy(zero_copy_only=False)


def _ints(array) -> np.ndarray:
    return pc.fill_null(array, 0).to_numpy(zero_copy_only=False).astype(np.int64)


def _unescape(text: str) -> str | None:
    """A double-quoted YAML scalar with escapes, as the YAML parser reads it (None if it is not text)."""
    import yaml

    try:
        value = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError:
        return None
    return value if isinstance(value, str) else None


@cache
def _resolver():
    """A raw loader, for its resolver and constructors."""
    return _Loader("")


class Origins:
    """The origins of a table's rows: fast-read parts (``OriginColumns``) then a list of ``Origin``; with ``order``,
    row ``i`` is the part row ``order[i]`` (the table was sorted after the parts were put together)."""

    def __init__(self, parts: list, order: np.ndarray | None = None):
        self.parts = [part for part in parts if len(part)]
        self.ends = np.cumsum([len(part) for part in self.parts])
        self.order = order

    def __len__(self) -> int:
        return int(self.ends[-1]) if len(self.ends) else 0

    def __getitem__(self, index: int) -> Origin:
        if self.order is not None:
            index = int(self.order[index])
        k = int(np.searchsorted(self.ends, index, side="right"))
        return self.parts[k][index - (int(self.ends[k - 1]) if k else 0)]


def read_folders(raw, files: dict[str, list[str]]) -> dict[str, list[str]]:
    """Read the files of the record folders in batches through the fast path, adding their rows to ``raw.fast``
    and the stored texts of their sources to ``raw.fast_texts``; return the files of each folder left to the full
    reader. When there is much to read, worker processes read the batches (one per core) and write the rows into
    scratch files, which this process maps rather than copies."""
    folders = sorted(files, key=lambda folder: folder != "sources")  # the sources' batches read their texts too
    batches = [(folder, batch, size) for folder in folders for batch, size in _batches(raw.root, files[folder])]
    tasks = [(folder, [raw.path_label(rel) for rel in batch], [raw.root / rel for rel in batch], raw.root)
             for folder, batch, _ in batches]
    results, size = None, sum(size for _, _, size in batches)
    if size >= PARALLEL_BYTES:
        results = _read_in_workers(tasks, size)
    if results is None:
        results = [_read_task((*task, None)) for task in tasks]
    left: dict[str, list[str]] = {folder: [] for folder in files}
    for (folder, batch, _), (pieces, rest) in zip(batches, results):
        for name, piece in pieces.items():
            if piece.texts is not None:
                raw.fast_texts.append(piece.texts)
                piece.texts = None
            raw.fast.setdefault(name, []).append(piece)
        left[folder] += [batch[i] for i in rest]
    return left


def _read_in_workers(tasks: list, size: int) -> list | None:
    """The batches read by worker processes, which write their rows to scratch files that this process maps; None
    if that cannot be done (no second core, no room for scratch, a worker that died): this process reads them."""
    try:
        with scratch.folder("pieces", shared_bytes=size) as spill:  # the rows take about as much room as the YAML
            results = in_parallel(_read_task, [(*task, spill / f"{n:06d}") for n, task in enumerate(tasks)])
            if results is None:
                return None
            return [({name: _unspill(piece) for name, piece in pieces.items()}, rest) for pieces, rest in results]
    except OSError:
        return None


def _read_task(task) -> tuple[dict, list[int]]:
    """Read one batch; with a spill path, write its pieces to files there (see ``_spill``)."""
    folder, labels, paths, root, spill = task
    pieces, rest = read_batch(folder, labels, read_files(paths), root)
    if spill is not None:
        pieces = {name: _spill(piece, f"{spill}-{name}.arrow") for name, piece in pieces.items()}
    return pieces, rest


_ORIGIN_COLUMNS = ("file", "record", "item", "theme")


@dataclass
class _Spilled:
    """A piece written to a scratch file by a worker process (its rows, then the columns of its origins)."""

    path: str
    labels: list[str]
    key: str | None
    texts: tuple | None


def _spill(piece: Piece, path: str) -> _Spilled:
    table, origins = piece.table, piece.origins
    for name in _ORIGIN_COLUMNS:
        values = getattr(origins, name)
        if values is not None:
            table = table.append_column(f"origin.{name}", values if name == "record" else pa.array(values, pa.int32()))
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return _Spilled(path, origins.files, origins.key, piece.texts)


def _unspill(spilled: _Spilled) -> Piece:
    """Map a spilled piece (the file is removed at once; its memory stays until the rows are no longer used)."""
    with pa.memory_map(spilled.path) as source:
        table = pa.ipc.open_file(source).read_all()
    Path(spilled.path).unlink(missing_ok=True)

    def column(name: str):
        name = f"origin.{name}"
        return table.column(name).to_numpy() if name in table.column_names else None
    record = table.column("origin.record")
    origins = OriginColumns(spilled.labels, column("file"), record, spilled.key, column("item"), column("theme"))
    rows = table.drop_columns([c for c in table.column_names if c.startswith("origin.")])
    return Piece(rows, origins, spilled.texts)


def _batches(root: Path, rels: list[str]):
    """The files in batches of about BATCH_BYTES: (files, bytes)."""
    batch, size = [], 0
    for rel in rels:
        try:
            size += (root / rel).stat().st_size
        except OSError:
            pass
        batch.append(rel)
        if size >= BATCH_BYTES:
            yield batch, size
            batch, size = [], 0
    if batch:
        yield batch, size
